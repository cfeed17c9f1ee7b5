package genaiprocessor

import (
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-genai/otelcol-genai/internal/payload"
)

// spanState is the scratch state of the sampling stage for one span. It is
// pooled, so its buffers are reused across spans.
type spanState struct {
	// resource, scope and span are copied from the spanContext, whose GenAI
	// view the stage does not read, so that the caller's view does not
	// escape to the heap.
	resource  pcommon.Resource
	scope     pcommon.InstrumentationScope
	span      ptrace.Span
	decisions []uint8
	spanBytes int

	randomness     sampling.Randomness
	randomnessRead bool

	// contextSpans holds copies of the span's resource and scope for OTTL
	// conditions that read them; ptrace.Span alone has no link to either.
	contextSpans ptrace.ResourceSpans
	tctx         *ottlspan.TransformContext
	tctxFull     bool

	walker   payload.Walker
	hasher   payload.Hasher
	shrinker payload.Shrinker
	edits    []payload.Edit
	buf      []byte
	trims    []trimCandidate
}

func newSpanState(rules int) *spanState {
	return &spanState{decisions: make([]uint8, rules)}
}

func (st *spanState) reset(sc *spanContext) {
	st.resource, st.scope, st.span = sc.resource, sc.scope, sc.span
	clear(st.decisions)
	st.spanBytes = 0
	st.randomnessRead = false
}

// release drops the references to the span, so a pooled state keeps no
// telemetry data alive.
func (st *spanState) release() {
	if st.tctx != nil {
		st.tctx.Close()
		st.tctx = nil
	}
	st.resource, st.scope, st.span = pcommon.Resource{}, pcommon.InstrumentationScope{}, ptrace.Span{}
	st.tctxFull = false
	st.edits = st.edits[:0]
	clear(st.trims)
	st.trims = st.trims[:0]
}

// loadRandomness reads the trace's randomness once per span.
func (st *spanState) loadRandomness() {
	if st.randomnessRead {
		return
	}
	st.randomnessRead = true
	span := st.span
	st.randomness = sampling.TraceIDToRandomness(span.TraceID())

	raw := span.TraceState().AsRaw()
	if !strings.Contains(raw, "ot=") {
		return
	}
	w3c, err := sampling.NewW3CTraceState(raw)
	if err != nil {
		// An invalid tracestate leaves the trace id as the randomness.
		return
	}
	otel := w3c.OTelValue()
	if rnd, ok := otel.RValueRandomness(); ok {
		st.randomness = rnd
	}
}

// transformContext returns the OTTL context of the span, with copies of its
// resource and scope when full is true.
func (st *spanState) transformContext(full bool) *ottlspan.TransformContext {
	if st.tctx != nil && (st.tctxFull || !full) {
		return st.tctx
	}
	if st.tctx != nil {
		st.tctx.Close()
	}

	if st.contextSpans == (ptrace.ResourceSpans{}) {
		st.contextSpans = ptrace.NewResourceSpans()
		st.contextSpans.ScopeSpans().AppendEmpty()
	}
	scopeSpans := st.contextSpans.ScopeSpans().At(0)
	if full {
		st.resource.CopyTo(st.contextSpans.Resource())
		st.scope.CopyTo(scopeSpans.Scope())
	} else {
		st.contextSpans.Resource().Attributes().Clear()
		scopeSpans.Scope().Attributes().Clear()
	}
	st.tctx = ottlspan.NewTransformContext(st.contextSpans, scopeSpans, st.span)
	st.tctxFull = full
	return st.tctx
}
