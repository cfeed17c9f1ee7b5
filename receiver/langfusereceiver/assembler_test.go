package langfusereceiver

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestMergeCreateThenUpdate(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tr.postBatch(t, ingestionEvent("e1", "generation-create", "2026-12-04T15:20:48.000Z", map[string]any{
		"id": "gen-1", "traceId": "t1", "name": "llm", "model": "gpt-4o", "input": "hi",
		"startTime": "2026-12-04T15:20:48.000Z",
	}))
	assert.Empty(t, tr.spanList(), "a generation without an end time waits for its update")

	tr.postBatch(t, ingestionEvent("e2", "generation-update", "2026-12-04T15:20:49.000Z", map[string]any{
		"id": "gen-1", "traceId": "t1", "output": "hello", "endTime": "2026-12-04T15:20:49.000Z",
		"usageDetails": map[string]any{"input": 5, "output": 2},
	}))
	spans := tr.spanList()
	require.Len(t, spans, 1)
	span := spans[0]
	assert.Equal(t, "llm", span.Name())
	assert.Equal(t, "gpt-4o", attrString(span, attrObservationModel))
	assert.Equal(t, "hi", attrString(span, attrObservationInput))
	assert.Equal(t, "hello", attrString(span, attrObservationOutput))
	assert.JSONEq(t, `{"input":5,"output":2}`, attrString(span, attrObservationUsageDetails))
	assert.Equal(t, time.Second, span.EndTimestamp().AsTime().Sub(span.StartTimestamp().AsTime()))
}

func TestMergeUpdateBeforeCreate(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tr.postBatch(t, ingestionEvent("e2", "span-update", "2026-12-04T15:20:49.000Z", map[string]any{
		"id": "s1", "traceId": "t1", "name": "renamed", "endTime": "2026-12-04T15:20:49.000Z",
	}))
	assert.Empty(t, tr.spanList(), "an update waits for its create")

	tr.postBatch(t, ingestionEvent("e1", "span-create", "2026-12-04T15:20:48.000Z", map[string]any{
		"id": "s1", "traceId": "t1", "name": "original", "startTime": "2026-12-04T15:20:48.000Z",
	}))
	spans := tr.spanList()
	require.Len(t, spans, 1)
	assert.Equal(t, "renamed", spans[0].Name(), "the later update wins over the create that arrived after it")
}

func TestMergeOrderInsideBatch(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tr.postBatch(t,
		ingestionEvent("e3", "span-update", "2026-12-04T15:20:50.000Z", map[string]any{
			"id": "s1", "output": "second", "endTime": "2026-12-04T15:20:50.000Z"}),
		ingestionEvent("e2", "span-update", "2026-12-04T15:20:49.000Z", map[string]any{
			"id": "s1", "output": "first"}),
		ingestionEvent("e1", "span-create", "2026-12-04T15:20:48.000Z", map[string]any{
			"id": "s1", "name": "step", "input": "in"}),
	)
	spans := tr.spanList()
	require.Len(t, spans, 1)
	assert.Equal(t, "second", attrString(spans[0], attrObservationOutput))
	assert.Equal(t, "in", attrString(spans[0], attrObservationInput))
}

func TestMergeTimeoutSendsUpdateAlone(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) { cfg.MergeTimeout = 50 * time.Millisecond }})
	tr.postBatch(t, ingestionEvent("e1", "generation-update", ts, map[string]any{
		"id": "orphan", "traceId": "t1", "output": "late", "endTime": ts,
	}))
	assert.Empty(t, tr.spanList())

	require.Eventually(t, func() bool { return tr.traces.SpanCount() == 1 }, 5*time.Second, 10*time.Millisecond)
	span := tr.spanList()[0]
	assert.Equal(t, "late", attrString(span, attrObservationOutput))
	assert.Equal(t, "generation", attrString(span, attrObservationType))
	assert.Equal(t, int64(1), metricSum(t, tr.telemetry, "otelcol_genai_langfuse_receiver_spans_assembled",
		map[string]string{"reason": flushTimeout}))
}

func TestMergeTimeoutSendsTraceRoot(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) { cfg.MergeTimeout = 50 * time.Millisecond }})
	tr.postBatch(t,
		ingestionEvent("e1", "trace-create", ts, map[string]any{"id": "trace-a", "name": "root", "input": "q"}),
		ingestionEvent("e2", "span-create", ts, map[string]any{"id": "open", "traceId": "trace-a", "name": "open"}),
	)
	require.Eventually(t, func() bool { return tr.traces.SpanCount() == 2 }, 5*time.Second, 10*time.Millisecond)

	spans := tr.spans()
	root := spans["root"]
	assert.Equal(t, "q", attrString(root, attrTraceInput))
	assert.Equal(t, "q", attrString(root, attrObservationInput))
	isRoot, _ := root.Attributes().Get(attrIsAppRoot)
	assert.True(t, isRoot.Bool())
	assert.Equal(t, root.SpanID(), spans["open"].ParentSpanID())
	assert.Equal(t, spans["open"].StartTimestamp(), spans["open"].EndTimestamp(),
		"a span without an end time ends at its start")
}

func TestMergeLateUpdateKeepsIdentity(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tr.postBatch(t, ingestionEvent("e1", "generation-create", ts, map[string]any{
		"id": "gen-1", "traceId": "t1", "name": "llm", "model": "gpt-4o", "endTime": ts,
		"usageDetails": map[string]any{"input": 5},
	}))
	tr.postBatch(t, ingestionEvent("e2", "generation-update", ts, map[string]any{
		"id": "gen-1", "output": "late", "endTime": ts,
	}))

	spans := tr.spanList()
	require.Len(t, spans, 2)
	late := spans[1]
	assert.Equal(t, spans[0].SpanID(), late.SpanID())
	assert.Equal(t, spans[0].TraceID(), late.TraceID())
	assert.Equal(t, "llm", late.Name())
	assert.Equal(t, "gpt-4o", attrString(late, attrObservationModel))
	assert.Equal(t, "late", attrString(late, attrObservationOutput))
	assert.Empty(t, attrString(late, attrObservationUsageDetails), "usage already sent is not repeated")
}

func TestMergeEvictsOldest(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) { cfg.MaxPending = 2 }})
	for _, id := range []string{"a", "b", "c"} {
		tr.postBatch(t, ingestionEvent("e"+id, "span-create", ts, map[string]any{"id": id, "traceId": "t", "name": id}))
	}
	spans := tr.spanList()
	require.Len(t, spans, 1)
	assert.Equal(t, "a", spans[0].Name())
	assert.Equal(t, int64(1), metricSum(t, tr.telemetry, "otelcol_genai_langfuse_receiver_spans_assembled",
		map[string]string{"reason": flushEvicted}))
}

func TestShutdownFlushesPending(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tr.postBatch(t, ingestionEvent("e1", "span-create", ts, map[string]any{"id": "a", "traceId": "t", "name": "a"}))
	require.Empty(t, tr.spanList())

	traces, counts := tr.receiver.assembler.flushAll()
	assert.Equal(t, 1, traces.SpanCount())
	assert.Equal(t, flushCounts{flushShutdown: 1}, counts)
}

func TestAssemblerTraceWithoutID(t *testing.T) {
	a := newAssembler(time.Hour, 10)
	ev, evErr := parseEvent(json.RawMessage(`{"id":"e","type":"event-create","timestamp":"` + ts +
		`","body":{"id":"lonely","name":"n"}}`))
	require.Nil(t, evErr)
	traces, _ := a.add([]event{ev}, source{}, time.Now())
	require.Equal(t, 1, traces.SpanCount())
	span := traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	want, _ := mapTraceID("lonely")
	assert.Equal(t, want, span.TraceID(), "an observation without a trace id gets a trace of its own")
	assert.True(t, span.ParentSpanID().IsEmpty())
	assert.Equal(t, ptrace.SpanKindInternal, span.Kind())
}

func TestIngestionResourceFromSDKHeaders(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	body, _ := json.Marshal(map[string]any{"batch": []any{
		ingestionEvent("e1", "event-create", ts, map[string]any{"id": "a", "traceId": "t"}),
	}})
	tr.do(t, http.MethodPost, pathIngestion, body, map[string]string{
		"x-langfuse-sdk-name": "langfuse-js", "x-langfuse-sdk-version": "3.39.2"})
	all := tr.traces.AllTraces()
	require.Len(t, all, 1)
	rs := all[0].ResourceSpans().At(0)
	name, _ := rs.Resource().Attributes().Get(attrSDKName)
	assert.Equal(t, "langfuse-js", name.Str())
	assert.Equal(t, scopeName, rs.ScopeSpans().At(0).Scope().Name())
	assert.Equal(t, "3.39.2", rs.ScopeSpans().At(0).Scope().Version())
}

func TestMergeSkipsResentEvents(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	batch := []map[string]any{
		ingestionEvent("e1", "generation-create", ts, map[string]any{"id": "gen-1", "traceId": "t1", "name": "llm"}),
		ingestionEvent("e2", "generation-update", ts, map[string]any{"id": "gen-1", "endTime": ts,
			"usageDetails": map[string]any{"input": 5}}),
		ingestionEvent("e3", "trace-create", ts, map[string]any{"id": "t1", "tags": []string{"a"}}),
	}
	first := tr.postBatch(t, batch...)
	require.Equal(t, http.StatusMultiStatus, first.status)
	require.Equal(t, 1, tr.traces.SpanCount())

	again := tr.postBatch(t, batch...)
	require.Equal(t, http.StatusMultiStatus, again.status)
	assert.Len(t, again.body["successes"], 3, "a resent event is acknowledged")
	assert.Equal(t, 1, tr.traces.SpanCount(), "a resent batch sends no second span")

	traces, _ := tr.receiver.assembler.flushAll()
	assert.Equal(t, 1, traces.SpanCount(), "the trace is held once")
}

func TestConcurrentBatchesAndTimeouts(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) { cfg.MergeTimeout = 20 * time.Millisecond }})
	const workers, perWorker = 4, 10
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range perWorker {
				id := fmt.Sprintf("w%d-o%d", w, i)
				// Half the observations are complete, half wait for the timeout.
				body := map[string]any{"id": id, "traceId": fmt.Sprintf("trace-%d", w), "name": id}
				if i%2 == 0 {
					body["endTime"] = ts
				}
				resp := tr.postBatch(t,
					ingestionEvent("t-"+id, "trace-create", ts, map[string]any{"id": fmt.Sprintf("trace-%d", w)}),
					ingestionEvent("e-"+id, "span-create", ts, body))
				assert.Equal(t, http.StatusMultiStatus, resp.status)
			}
		})
	}
	wg.Wait()

	want := workers * perWorker
	require.Eventually(t, func() bool {
		names := map[string]bool{}
		for _, span := range tr.spanList() {
			names[span.Name()] = true
		}
		for w := range workers {
			for i := range perWorker {
				if !names[fmt.Sprintf("w%d-o%d", w, i)] {
					return false
				}
			}
		}
		return true
	}, 10*time.Second, 20*time.Millisecond, "expected all %d observations to be sent", want)
}

func TestMergeKeepsFirstTraceTimestamp(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tr.postBatch(t,
		ingestionEvent("e1", "trace-create", "2026-12-04T15:20:48.000Z", map[string]any{
			"id": "t1", "name": "root", "timestamp": "2026-12-04T15:20:48.000Z", "environment": "staging"}),
		ingestionEvent("e2", "trace-create", "2026-12-04T15:21:30.000Z", map[string]any{
			"id": "t1", "output": "done", "timestamp": "2026-12-04T15:21:30.000Z", "environment": "production"}),
	)

	traces, _ := tr.receiver.assembler.flushAll()
	require.Equal(t, 1, traces.SpanCount())
	root := traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	want, err := time.Parse(time.RFC3339, "2026-12-04T15:20:48Z")
	require.NoError(t, err)
	assert.Equal(t, want, root.StartTimestamp().AsTime(), "Langfuse keeps a trace's first timestamp")
	assert.Equal(t, "staging", attrString(root, "langfuse.environment"), "Langfuse keeps a trace's first environment")
	assert.Equal(t, "done", attrString(root, "langfuse.trace.output"))
}

func TestMergeKeepsFirstObservationStart(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tr.postBatch(t,
		ingestionEvent("e1", "span-create", ts, map[string]any{
			"id": "s1", "traceId": "t1", "name": "step", "startTime": "2026-12-04T15:20:48.000Z"}),
		ingestionEvent("e2", "span-update", ts, map[string]any{
			"id": "s1", "traceId": "t2", "startTime": "2026-12-04T15:20:58.000Z", "endTime": "2026-12-04T15:21:00.000Z"}),
	)

	spans := tr.spanList()
	require.Len(t, spans, 1)
	want, err := time.Parse(time.RFC3339, "2026-12-04T15:20:48Z")
	require.NoError(t, err)
	assert.Equal(t, want, spans[0].StartTimestamp().AsTime(), "Langfuse keeps an observation's first start time")
	firstTrace, _ := mapTraceID("t1")
	assert.Equal(t, firstTrace, spans[0].TraceID(), "Langfuse keeps an observation's first trace id")
}
