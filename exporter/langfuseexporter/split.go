package langfuseexporter

import (
	"errors"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// splitTraces copies the spans of td into two halves of about the same
// span count, each keeping its spans' resource and scope.
func splitTraces(td ptrace.Traces) (ptrace.Traces, ptrace.Traces) {
	first, second := ptrace.NewTraces(), ptrace.NewTraces()
	half := td.SpanCount() / 2
	seen := 0

	rss := td.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		var targets [2]ptrace.ResourceSpans
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j)
			var scopes [2]ptrace.ScopeSpans
			spans := ss.Spans()
			for k := range spans.Len() {
				side := 0
				if seen >= half {
					side = 1
				}
				seen++

				if targets[side] == (ptrace.ResourceSpans{}) {
					dst := first
					if side == 1 {
						dst = second
					}
					targets[side] = dst.ResourceSpans().AppendEmpty()
					rs.Resource().CopyTo(targets[side].Resource())
					targets[side].SetSchemaUrl(rs.SchemaUrl())
				}
				if scopes[side] == (ptrace.ScopeSpans{}) {
					scopes[side] = targets[side].ScopeSpans().AppendEmpty()
					ss.Scope().CopyTo(scopes[side].Scope())
					scopes[side].SetSchemaUrl(ss.SchemaUrl())
				}
				spans.At(k).CopyTo(scopes[side].Spans().AppendEmpty())
			}
		}
	}
	return first, second
}

// joinTraceErrors combines the results of sending two halves. Data to retry
// is the failed halves only, or the part an inner split marked.
func joinTraceErrors(first ptrace.Traces, firstErr error, second ptrace.Traces, secondErr error) error {
	retry := ptrace.NewTraces()
	var errs []error
	for _, part := range []struct {
		data ptrace.Traces
		err  error
	}{{first, firstErr}, {second, secondErr}} {
		if part.err == nil {
			continue
		}
		errs = append(errs, part.err)
		if consumererror.IsPermanent(part.err) {
			continue
		}
		data := part.data
		var inner consumererror.Traces
		if errors.As(part.err, &inner) {
			data = inner.Data()
		}
		data.ResourceSpans().MoveAndAppendTo(retry.ResourceSpans())
	}

	if len(errs) == 0 {
		return nil
	}
	err := errors.Join(errs...)
	if retry.SpanCount() == 0 {
		return consumererror.NewPermanent(err)
	}
	return consumererror.NewTraces(err, retry)
}

// retrySpans copies the spans whose events are to be sent again. A failed
// trace-create brings back every span of its trace, so that the trace
// values are rebuilt from the same spans.
func retrySpans(batch *preparedBatch, events []encodedEvent) ptrace.Traces {
	retried := make(map[int]bool, len(events))
	traces := make(map[pcommon.TraceID]bool)
	for _, event := range events {
		if event.spanIndex >= 0 {
			retried[event.spanIndex] = true
		} else {
			traces[event.traceID] = true
		}
	}

	out := ptrace.NewTraces()
	for i := range batch.spans {
		ref := &batch.spans[i]
		if !retried[i] && !traces[ref.span.TraceID()] {
			continue
		}
		rs := out.ResourceSpans().AppendEmpty()
		ref.resource.CopyTo(rs.Resource())
		ss := rs.ScopeSpans().AppendEmpty()
		ref.scope.CopyTo(ss.Scope())
		ref.span.CopyTo(ss.Spans().AppendEmpty())
	}
	return out
}

// retryRecords copies the score records whose events are to be sent again.
func retryRecords(records []plog.LogRecord, events []encodedEvent) plog.Logs {
	out := plog.NewLogs()
	logs := out.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, event := range events {
		if event.recordIndex >= 0 && event.recordIndex < len(records) {
			records[event.recordIndex].CopyTo(logs.AppendEmpty())
		}
	}
	return out
}
