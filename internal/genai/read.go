package genai

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Read fills dst with the GenAI reading of span. It resets dst first and
// reuses its maps and slices, so a caller that reads many spans into one View
// allocates only for values it has not seen before.
func Read(dst *View, resource pcommon.Resource, scope pcommon.InstrumentationScope, span ptrace.Span) {
	// TODO: placeholder until the convention readers land.
	*dst = View{Name: span.Name(), Type: TypeSpan}
}
