package genai

// conventionReader is the reader of one instrumentation family. It reads
// input and output, usage when the family has its own rule, tool calls, and
// whether the span repeats its children's usage.
//
// Readers run in conventionReaders order. A reader fills only fields that
// are still empty, so the order is the priority order in which Langfuse's
// OTLP ingestion takes input and output.
type conventionReader interface {
	convention() Convention
	// detect reports whether the span carries keys of the convention.
	detect(s *spanScan) bool
	read(dst *View, s *spanScan)
	// readsUsage reports whether read sets any field that ReadUsage
	// fills; ReadUsage skips the readers that only read messages and
	// tool calls.
	readsUsage() bool
}

var conventionReaders = [...]conventionReader{
	langfuseReader{},
	vercelReader{},
	flueReader{},
	otelEventReader{},
	adkReader{},
	logfireReader{},
	traceloopReader{},
	openInferenceReader{},
	openLITReader{},
	strandsReader{},
	otelGenAIReader{},
}

// setIO sets input and output as one step of Langfuse's order. When either
// is non-empty and no earlier step finished, this step finishes, so later
// steps are skipped even if one of the two is empty. Values that fillIO set
// are kept.
func (s *spanScan) setIO(dst *View, input, output string) {
	if s.ioDone || (input == "" && output == "") {
		return
	}
	if dst.Input == "" {
		dst.Input = input
	}
	if dst.Output == "" {
		dst.Output = output
	}
	s.ioDone = true
}

// fillIO sets whichever of input and output is still empty, for readers
// whose values Langfuse completes from later steps.
func (s *spanScan) fillIO(dst *View, input, output string) {
	if s.ioDone {
		return
	}
	if dst.Input == "" {
		dst.Input = input
	}
	if dst.Output == "" {
		dst.Output = output
	}
}
