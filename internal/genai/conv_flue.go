package genai

// flueReader reads the tool spans of @flue/opentelemetry, whose call
// arguments and result are the observation's input and output.
type flueReader struct{}

// convention returns ConventionUnknown: Flue spans are read for Langfuse
// parity but are no convention of their own in View.
func (flueReader) convention() Convention { return ConventionUnknown }

func (flueReader) readsUsage() bool { return false }

func (flueReader) detect(s *spanScan) bool {
	return s.scope == "@flue/opentelemetry" || s.has[keyFlueToolName]
}

func (flueReader) read(dst *View, s *spanScan) {
	s.setIO(dst, s.str(keyFlueToolArguments), s.str(keyFlueToolResult))
}
