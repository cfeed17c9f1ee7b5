package genai

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Read fills dst with the GenAI reading of span. It resets dst first and
// reuses its maps and slices, so a caller that reads many spans into one View
// allocates only for values it has not seen before.
//
// Read makes one pass over the span attributes. Message attributes are kept
// as the original text and are not parsed, except to find tool calls in
// output messages that mention them. Bad values (negative or non-numeric
// token counts, invalid JSON in usage or cost objects) are skipped and
// counted in dst.InvalidValues; Read never panics on attribute content.
func Read(dst *View, resource pcommon.Resource, scope pcommon.InstrumentationScope, span ptrace.Span) {
	read(dst, resource, scope, span, false)
}

// ReadUsage fills only the fields that pricing and usage metrics need:
// Type, Aggregate, Usage, UsageDetails, UsageExtra, RequestModel,
// ResponseModel, Provider, Operation, UserID, ServiceTier, Cost, HasCost,
// CostDetails and Convention. They get the values that Read gives them; the
// other fields stay empty. It skips messages, tool calls, metadata, trace
// fields and timing, which makes it cheaper than Read on spans that carry
// them.
func ReadUsage(dst *View, resource pcommon.Resource, scope pcommon.InstrumentationScope, span ptrace.Span) {
	read(dst, resource, scope, span, true)
}

// read is Read, or ReadUsage when usageOnly is true.
func read(dst *View, resource pcommon.Resource, scope pcommon.InstrumentationScope, span ptrace.Span,
	usageOnly bool,
) {
	dst.reset()
	if dst.scan == nil {
		dst.scan = new(spanScan)
	}
	s := dst.scan
	s.reset()
	s.span = span
	s.resource = resource.Attributes()
	s.scope = scope.Name()
	s.usageOnly = usageOnly

	s.scanAttributes(dst, span.Attributes())
	if !usageOnly {
		readResource(dst, s)
	}

	readIdentity(dst, s)
	dst.Type = observationType(s)
	if usageOnly {
		dst.UserID = readUserID(s)
	} else {
		readTraceFields(dst, s)
		readStatus(dst, s)
	}
	readCost(dst, s)
	if !usageOnly {
		readPrompt(dst, s)
		readCompletionStart(dst, s)
	}

	generic := false
	for _, r := range conventionReaders {
		if !r.detect(s) {
			continue
		}
		// The View is labelled with the first vendor convention found;
		// many vendors also emit GenAI semantic-convention keys.
		if r.convention() == ConventionOTelGenAI {
			generic = true
		} else if dst.Convention == ConventionUnknown {
			dst.Convention = r.convention()
		}
		if usageOnly && !r.readsUsage() {
			continue
		}
		r.read(dst, s)
	}
	if dst.Convention == ConventionUnknown && generic {
		dst.Convention = ConventionOTelGenAI
	}

	if !usageOnly {
		readToolSpan(dst, s)
	}
	finishUsage(dst, s)
	dst.InvalidValues = s.invalid
	s.span = ptrace.Span{}
}

// Forget drops every reference that v holds into the last span read, so
// that a View kept for reuse does not keep a batch's attribute values alive.
// The maps and scratch space stay allocated for the next Read.
func (v *View) Forget() {
	v.reset()
	if v.scan != nil {
		v.scan.values = [keyCount]pcommon.Value{}
		v.scan.reset()
		v.scan.resource = pcommon.Map{}
	}
}

// reset clears v for the next span, keeping its maps, slices and scratch.
func (v *View) reset() {
	params, extra, costs := v.ModelParameters, v.UsageExtra, v.CostDetails
	meta, traceMeta := v.Metadata, v.TraceMetadata
	tags, calls, scan := v.Tags[:0], v.ToolCalls[:0], v.scan

	clear(params)
	clear(extra)
	clear(costs)
	clear(meta)
	clear(traceMeta)
	*v = View{
		ModelParameters: params,
		UsageExtra:      extra,
		CostDetails:     costs,
		Metadata:        meta,
		TraceMetadata:   traceMeta,
		Tags:            tags,
		ToolCalls:       calls,
		scan:            scan,
		Level:           LevelDefault,
	}
}

// finishUsage applies the generic usage rule when no convention reader set
// usage, and drops the usage of aggregate spans so that each model call is
// counted once.
func finishUsage(dst *View, s *spanScan) {
	if dst.Aggregate {
		dst.Usage = Usage{}
		clear(dst.UsageExtra)
		dst.UsageDetails = ""
		dst.Cost, dst.HasCost = 0, false
		clear(dst.CostDetails)
		return
	}
	if dst.Usage.Present {
		return
	}
	if in := readGenericUsage(&s.genericUsage, dst.Provider); in.present {
		dst.Usage = in.toUsage()
	}
}
