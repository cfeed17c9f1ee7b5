package langfuseexporter

import (
	"context"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// readFunc reads one span into a View; genai.Read in production.
type readFunc func(dst *genai.View, resource pcommon.Resource, scope pcommon.InstrumentationScope, span ptrace.Span)

// spanRef is one span of a batch with the View read from it.
type spanRef struct {
	resource pcommon.Resource
	scope    pcommon.InstrumentationScope
	span     ptrace.Span
	view     *genai.View
	// trace is the trace-level values to send with this span: its own
	// values, completed from the rest of the trace.
	trace traceAttributes
	// environment is the normalised environment to send.
	environment string
}

// preparedBatch holds the spans of one push. Its Views are reused through
// a pool, so it must be released after use.
type preparedBatch struct {
	spans []spanRef
	views []genai.View
}

var batchPool = sync.Pool{New: func() any { return &preparedBatch{} }}

func (b *preparedBatch) release() {
	for i := range b.spans {
		b.spans[i] = spanRef{}
	}
	b.spans = b.spans[:0]
	batchPool.Put(b)
}

// preparer validates spans, reads them and resolves trace-level values.
type preparer struct {
	read        readFunc
	state       *traceState
	environment string
	telemetry   *telemetry
	logger      *zap.Logger
	now         func() time.Time
}

// prepare drops spans Langfuse cannot store (counted and logged), fixes
// times, reads every remaining span and copies trace-level values between
// the spans of a trace. It works in two passes, so a child that precedes
// its root in the same batch still gets the root's values. Across batches,
// only values already seen can be copied.
func (p *preparer) prepare(ctx context.Context, td ptrace.Traces) *preparedBatch {
	batch := batchPool.Get().(*preparedBatch)
	now := p.now()

	p.dropInvalidSpans(ctx, td, now)

	count := td.SpanCount()
	if cap(batch.views) < count {
		batch.views = append(batch.views[:cap(batch.views)], make([]genai.View, count-cap(batch.views))...)
	}
	batch.views = batch.views[:count]

	perTrace := make(map[pcommon.TraceID]traceAttributes)
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := range spans.Len() {
				span := spans.At(k)
				view := &batch.views[len(batch.spans)]
				p.read(view, rs.Resource(), ss.Scope(), span)

				own := ownTraceAttributes(view, span)
				batch.spans = append(batch.spans, spanRef{
					resource: rs.Resource(), scope: ss.Scope(), span: span, view: view, trace: own,
				})

				merged := perTrace[span.TraceID()]
				merged.merge(own)
				perTrace[span.TraceID()] = merged
			}
		}
	}

	var evicted evictionCounts
	for traceID, attrs := range perTrace {
		stored, counts := p.state.update(traceID, attrs, now)
		perTrace[traceID] = stored
		evicted.capacity += counts.capacity
		evicted.expired += counts.expired
	}
	p.telemetry.addEvictions(ctx, "capacity", evicted.capacity)
	p.telemetry.addEvictions(ctx, "expired", evicted.expired)

	for i := range batch.spans {
		ref := &batch.spans[i]
		ref.trace.merge(perTrace[ref.span.TraceID()])
		ref.environment = p.resolveEnvironment(ctx, ref.trace.Environment)
	}
	return batch
}

// ownTraceAttributes returns the trace-level values a span carries itself.
// A root span without an explicit trace name names the trace after itself,
// as Langfuse does.
func ownTraceAttributes(view *genai.View, span ptrace.Span) traceAttributes {
	attrs := traceAttributes{
		UserID:      view.UserID,
		SessionID:   view.SessionID,
		Tags:        slices.Clip(view.Tags),
		TraceName:   view.TraceName,
		Environment: view.Environment,
		Release:     view.Release,
		fromRoot:    span.ParentSpanID().IsEmpty(),
	}
	if attrs.fromRoot && attrs.TraceName == "" {
		attrs.TraceName = view.Name
	}
	return attrs
}

// resolveEnvironment returns the environment to send: the span's own or the
// configured default, normalised the way Langfuse would; a change is
// counted.
func (p *preparer) resolveEnvironment(ctx context.Context, env string) string {
	if env == "" {
		env = p.environment
	}
	if env == "" {
		return defaultEnvironment
	}
	normalized, _ := normalizeEnvironment(env)
	if normalized != env {
		p.telemetry.addFixed(ctx, fixEnvironment)
	}
	return normalized
}

// dropInvalidSpans removes spans with zero ids or absurd times, and fixes
// missing or reversed times in place.
func (p *preparer) dropInvalidSpans(ctx context.Context, td ptrace.Traces, now time.Time) {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			sss.At(j).Spans().RemoveIf(func(span ptrace.Span) bool {
				if reason, ok := checkSpanIDs(span); !ok {
					p.drop(ctx, reason, span)
					return true
				}
				fixes, ok := fixSpanTimes(span, now)
				if !ok {
					p.drop(ctx, reasonTimeOutOfRange, span)
					return true
				}
				for _, fix := range fixes {
					p.telemetry.addFixed(ctx, fix)
				}
				return false
			})
		}
	}
}

func (p *preparer) drop(ctx context.Context, reason dropReason, span ptrace.Span) {
	p.telemetry.addDropped(ctx, reason, 1)
	p.logger.Warn("Dropped a span that Langfuse cannot store",
		zap.String("reason", string(reason)),
		zap.String("trace_id", span.TraceID().String()),
		zap.String("span_id", span.SpanID().String()),
		zap.String("span_name", limitText(span.Name(), maxLoggedMessageBytes)),
		zap.Time("start", span.StartTimestamp().AsTime()),
		zap.Time("end", span.EndTimestamp().AsTime()))
}
