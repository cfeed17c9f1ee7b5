package langfusereceiver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

const ts = "2026-12-04T15:20:48.000Z"

// v3Capture is a batch the langfuse@3.39.2 JS SDK sent, with its headers.
type v3Capture struct {
	Headers map[string]string `json:"headers"`
	Body    json.RawMessage   `json:"body"`
}

func postV3Capture(t *testing.T, tr *testReceiver) response {
	t.Helper()
	var capture v3Capture
	require.NoError(t, json.Unmarshal(readTestdata(t, "langfuse-v3-ingestion.json"), &capture))
	return tr.do(t, http.MethodPost, pathIngestion, capture.Body, capture.Headers)
}

func TestIngestionV3CaptureAccepted(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := postV3Capture(t, tr)

	require.Equal(t, http.StatusMultiStatus, resp.status, "body: %s", resp.raw)
	assert.Len(t, resp.body["successes"], 11)
	assert.Empty(t, resp.body["errors"])

	// Every observation has its create and its end time in the batch, so it
	// is sent at once; the trace waits for the merge timeout.
	spans := tr.spans()
	assert.Len(t, spans, 4)
	for _, name := range []string{"chat-completion", "legacy-usage", "retrieve-context", "guardrail-passed"} {
		assert.Contains(t, spans, name)
	}
	assert.Len(t, tr.logRecords(), 1)
	assert.Equal(t, int64(3), metricSum(t, tr.telemetry, "otelcol_genai_langfuse_receiver_events_accepted",
		map[string]string{"event_type": "generation-update"}))
	assert.Equal(t, int64(1), metricSum(t, tr.telemetry, "otelcol_genai_langfuse_receiver_events_accepted",
		map[string]string{"event_type": "score-create"}))
	assert.Equal(t, int64(4), metricSum(t, tr.telemetry, "otelcol_genai_langfuse_receiver_spans_assembled",
		map[string]string{"reason": flushComplete}))
	assert.Equal(t, int64(1), metricSum(t, tr.telemetry, "otelcol_genai_langfuse_receiver_requests",
		map[string]string{"endpoint": endpointIngestion, "http.response.status_code": "207"}))
	accepted, err := tr.telemetry.GetMetric("otelcol_receiver_accepted_spans")
	require.NoError(t, err, "the standard receiver metrics are recorded")
	assert.NotNil(t, accepted.Data)
}

// TestIngestionV3MatchesV5 checks that the spans built from the v3 SDK's
// batch carry what the v5 SDK writes for the same calls.
func TestIngestionV3MatchesV5(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := postV3Capture(t, tr)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	traces, _ := tr.receiver.assembler.flushAll()
	require.NoError(t, tr.traces.ConsumeTraces(t.Context(), traces))

	got := tr.spans()
	want := map[string]ptrace.Span{}
	v5 := readOTLPJSON(t, readTestdata(t, "langfuse-otel-v5.json"))
	forEachSpan(v5, func(_ pcommon.Resource, span ptrace.Span) { want[span.Name()] = span })

	// Times differ between the two captures; their presence is compared.
	timeKeys := map[string]bool{attrObservationCompletionStart: true}
	jsonKeys := map[string]bool{
		attrObservationModelParameters: true, attrObservationUsageDetails: true,
		attrObservationCostDetails: true, attrObservationInput: true, attrObservationOutput: true,
		attrTraceInput: true, attrTraceOutput: true,
	}
	for _, name := range []string{"travel-advice", "chat-completion", "guardrail-passed"} {
		t.Run(name, func(t *testing.T) {
			require.Contains(t, got, name)
			require.Contains(t, want, name)
			gotSpan, wantSpan := got[name], want[name]
			for key, wantValue := range wantSpan.Attributes().All() {
				gotValue, ok := gotSpan.Attributes().Get(key)
				if !assert.True(t, ok, "attribute %s missing", key) {
					continue
				}
				switch {
				case timeKeys[key]:
				case jsonKeys[key] && json.Valid([]byte(wantValue.Str())):
					assert.JSONEq(t, wantValue.Str(), gotValue.Str(), "attribute %s", key)
				default:
					assert.Equal(t, wantValue.AsRaw(), gotValue.AsRaw(), "attribute %s", key)
				}
			}
		})
	}

	root := got["travel-advice"]
	assert.True(t, root.ParentSpanID().IsEmpty())
	assert.Equal(t, root.SpanID(), got["chat-completion"].ParentSpanID())
	assert.Equal(t, root.TraceID(), got["chat-completion"].TraceID())
	assert.Equal(t, "9ee78abbd6414148a60f885bcbe41e38", root.TraceID().String())
	assert.Equal(t, "9ee78abb-d641-4148-a60f-885bcbe41e38", attrString(root, AttrTraceID))
	assert.Equal(t, "travel-system", attrString(got["chat-completion"], attrObservationPromptName))
}

func TestIngestionGeneration(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.postBatch(t,
		ingestionEvent("e1", "trace-create", ts, map[string]any{"id": "trace-1", "name": "chat",
			"userId": "u1", "sessionId": "s1", "tags": []string{"b", "a"}, "metadata": map[string]any{"tenant": "acme"}}),
		ingestionEvent("e2", "generation-create", ts, map[string]any{
			"id": "gen-1", "traceId": "trace-1", "name": "llm", "model": "gpt-4o-mini",
			"startTime": "2026-12-04T15:20:48.100Z", "endTime": "2026-12-04T15:20:49.100+01:00",
			"modelParameters": map[string]any{"temperature": 0.2},
			"usageDetails": map[string]any{"prompt_tokens": 100, "completion_tokens": 20, "total_tokens": 120,
				"prompt_tokens_details": map[string]any{"cached_tokens": 30}},
			"costDetails": map[string]any{"input": 0.001, "bad": "x"},
			"level":       "ERROR", "statusMessage": "timeout",
			"metadata": map[string]any{"step": 2, "label": "x"},
		}),
	)
	require.Equal(t, http.StatusMultiStatus, resp.status, "body: %s", resp.raw)
	require.Empty(t, resp.body["errors"])

	span, ok := tr.spans()["llm"]
	require.True(t, ok)
	assert.Equal(t, "generation", attrString(span, attrObservationType))
	assert.Equal(t, "gpt-4o-mini", attrString(span, attrObservationModel))
	assert.JSONEq(t, `{"input":70,"input_cached_tokens":30,"output":20,"total":120}`,
		attrString(span, attrObservationUsageDetails))
	assert.JSONEq(t, `{"input":0.001}`, attrString(span, attrObservationCostDetails))
	assert.JSONEq(t, `{"temperature":0.2}`, attrString(span, attrObservationModelParameters))
	assert.Equal(t, "ERROR", attrString(span, attrObservationLevel))
	assert.Equal(t, ptrace.StatusCodeError, span.Status().Code())
	assert.Equal(t, "timeout", span.Status().Message())
	assert.Equal(t, "2", attrString(span, attrObservationMetadataPrefix+"step"))
	assert.Equal(t, "x", attrString(span, attrObservationMetadataPrefix+"label"))
	assert.Equal(t, "u1", attrString(span, attrUserID))
	assert.Equal(t, "s1", attrString(span, attrSessionID))
	assert.Equal(t, "chat", attrString(span, attrTraceName))
	assert.Equal(t, "acme", attrString(span, attrTraceMetadataPrefix+"tenant"))
	tags, _ := span.Attributes().Get(attrTraceTags)
	assert.Equal(t, []any{"a", "b"}, tags.Slice().AsRaw())
	assert.Equal(t, time.Duration(0), span.EndTimestamp().AsTime().Sub(span.StartTimestamp().AsTime()),
		"an end time before the start time is set to the start time")
	assert.Equal(t, "gen-1", attrString(span, AttrObservationID))
}

func TestIngestionSpanDropsModelFields(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.postBatch(t, ingestionEvent("e1", "span-create", ts, map[string]any{
		"id": "s1", "traceId": "t1", "name": "step", "endTime": ts,
		"model": "gpt-4o", "usageDetails": map[string]any{"input": 3},
	}))
	require.Equal(t, http.StatusMultiStatus, resp.status)
	span := tr.spans()["step"]
	assert.Equal(t, "span", attrString(span, attrObservationType))
	assert.Empty(t, attrString(span, attrObservationModel), "span bodies carry no model in Langfuse")
	assert.Empty(t, attrString(span, attrObservationUsageDetails))
}

func TestIngestionObservationTypes(t *testing.T) {
	types := []string{"agent", "tool", "chain", "retriever", "evaluator", "embedding", "guardrail"}
	tr := startReceiver(t, receiverOptions{})
	var events []map[string]any
	for i, name := range types {
		events = append(events, ingestionEvent("e"+name, name+"-create", ts, map[string]any{
			"id": "obs-" + name, "traceId": "t1", "name": name, "model": "m", "input": map[string]any{"i": i},
		}))
	}
	resp := tr.postBatch(t, events...)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	require.Empty(t, resp.body["errors"])

	spans := tr.spans()
	for i, name := range types {
		span, ok := spans[name]
		require.True(t, ok, "type %s sent no span", name)
		assert.Equal(t, name, attrString(span, attrObservationType))
		assert.Equal(t, "m", attrString(span, attrObservationModel))
		assert.JSONEq(t, `{"i":`+string(rune('0'+i))+`}`, attrString(span, attrObservationInput))
	}
}

func TestIngestionRequestErrors(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tests := []struct {
		name string
		body string
	}{
		{name: "not JSON", body: `{"batch": [`},
		{name: "array body", body: `[{"id":"x"}]`},
		{name: "batch missing", body: `{"events": []}`},
		{name: "batch not an array", body: `{"batch": {"id": "x"}}`},
		{name: "batch null", body: `{"batch": null}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tr.post(t, pathIngestion, []byte(tt.body))
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.Equal(t, "Invalid request data", resp.body["message"])
			assert.NotEmpty(t, resp.body["errors"])
		})
	}
}

func TestIngestionEmptyBatch(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.post(t, pathIngestion, []byte(`{"batch": [], "metadata": {"sdk": "x"}}`))
	assert.Equal(t, http.StatusMultiStatus, resp.status)
	assert.JSONEq(t, `{"successes":[],"errors":[]}`, string(resp.raw))
}

func TestIngestionEventErrors(t *testing.T) {
	valid := ingestionEvent("ok", "event-create", ts, map[string]any{"id": "obs-ok", "traceId": "t"})
	tests := []struct {
		name      string
		event     any
		wantID    string
		wantError string
	}{
		{name: "not an object", event: "span", wantID: "unknown", wantError: "expected an object"},
		{name: "missing id", event: map[string]any{"type": "span-create", "timestamp": ts, "body": map[string]any{"id": "a"}},
			wantID: "unknown", wantError: "id: missing"},
		{name: "id not a string", event: map[string]any{"id": 7, "type": "span-create", "timestamp": ts, "body": map[string]any{}},
			wantID: "unknown", wantError: "id: expected a string"},
		{name: "unknown type", event: ingestionEvent("e1", "span-delete", ts, map[string]any{"id": "a"}),
			wantID: "e1", wantError: `unknown event type "span-delete"`},
		{name: "timestamp without zone", event: ingestionEvent("e2", "span-create", "2026-01-01T00:00:00", map[string]any{"id": "a"}),
			wantID: "e2", wantError: "timestamp: expected an ISO-8601"},
		{name: "body missing", event: map[string]any{"id": "e3", "type": "span-create", "timestamp": ts},
			wantID: "e3", wantError: "body: missing"},
		{name: "body id missing", event: ingestionEvent("e4", "generation-update", ts, map[string]any{"traceId": "t"}),
			wantID: "e4", wantError: "body.id: missing"},
		{name: "trace id missing", event: ingestionEvent("e5", "trace-create", ts, map[string]any{"name": "x"}),
			wantID: "e5", wantError: "body.id: missing"},
		{name: "start time a number", event: ingestionEvent("e6", "span-create", ts, map[string]any{"id": "a", "startTime": 5}),
			wantID: "e6", wantError: "body.startTime: expected a string, got a number"},
		{name: "level unknown", event: ingestionEvent("e7", "span-create", ts, map[string]any{"id": "a", "level": "INFO"}),
			wantID: "e7", wantError: "body.level: expected one of"},
		{name: "usage details an array", event: ingestionEvent("e8", "generation-create", ts, map[string]any{"id": "a", "usageDetails": []int{1}}),
			wantID: "e8", wantError: "body.usageDetails: expected an object, got an array"},
		{name: "prompt name without version", event: ingestionEvent("e9", "generation-create", ts, map[string]any{"id": "a", "promptName": "p"}),
			wantID: "e9", wantError: "promptName and promptVersion must be set together"},
		{name: "prompt version a float", event: ingestionEvent("e10", "generation-create", ts, map[string]any{"id": "a", "promptName": "p", "promptVersion": 1.5}),
			wantID: "e10", wantError: "body.promptVersion: expected an integer"},
		{name: "tags not strings", event: ingestionEvent("e11", "trace-create", ts, map[string]any{"id": "t", "tags": []int{1}}),
			wantID: "e11", wantError: "body.tags: expected an array of strings"},
		{name: "id too long", event: ingestionEvent("e12", "span-create", ts, map[string]any{"id": strings.Repeat("a", 801)}),
			wantID: "e12", wantError: "body.id: expected an id of 1 to 800 characters"},
		{name: "score without target", event: ingestionEvent("e13", "score-create", ts, map[string]any{"name": "q", "value": 1}),
			wantID: "e13", wantError: "exactly one must be set, got 0"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := startReceiver(t, receiverOptions{})
			body, err := json.Marshal(map[string]any{"batch": []any{tt.event, valid}})
			require.NoError(t, err)
			resp := tr.post(t, pathIngestion, body)

			require.Equal(t, http.StatusMultiStatus, resp.status, "body: %s", resp.raw)
			var parsed ingestionResponse
			require.NoError(t, json.Unmarshal(resp.raw, &parsed))
			require.Len(t, parsed.Errors, 1)
			assert.Equal(t, tt.wantID, parsed.Errors[0].ID)
			assert.Equal(t, http.StatusBadRequest, parsed.Errors[0].Status)
			assert.Equal(t, "Invalid request data", parsed.Errors[0].Message)
			assert.Contains(t, parsed.Errors[0].Error, tt.wantError)
			require.Len(t, parsed.Successes, 1, "the valid event of the batch is accepted")
			assert.Equal(t, "ok", parsed.Successes[0].ID)
			assert.Equal(t, http.StatusCreated, parsed.Successes[0].Status)
		})
	}
}

func TestIngestionSDKLogAccepted(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.postBatch(t, ingestionEvent("log-1", "sdk-log", ts, map[string]any{"log": "hello"}))
	require.Equal(t, http.StatusMultiStatus, resp.status)
	assert.Len(t, resp.body["successes"], 1)
	assert.Empty(t, tr.spanList())
	assert.Empty(t, tr.logRecords())
}

func TestIngestionPipelineFailure(t *testing.T) {
	tr := startReceiver(t, receiverOptions{nextTraces: consumertest.NewErr(assert.AnError)})
	resp := tr.postBatch(t, ingestionEvent("e1", "event-create", ts, map[string]any{"id": "a", "traceId": "t"}))
	require.Equal(t, http.StatusMultiStatus, resp.status)
	var parsed ingestionResponse
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	require.Len(t, parsed.Errors, 1)
	assert.Equal(t, http.StatusInternalServerError, parsed.Errors[0].Status)
	assert.Equal(t, "e1", parsed.Errors[0].ID)
	assert.Equal(t, int64(1), metricSum(t, tr.telemetry, "otelcol_genai_langfuse_receiver_events_rejected",
		map[string]string{"reason": reasonPipelineFailed}))
}

func TestIngestionWithoutLogsPipeline(t *testing.T) {
	tr := startReceiver(t, receiverOptions{noLogs: true})
	resp := tr.postBatch(t, ingestionEvent("e1", "score-create", ts, map[string]any{"name": "q", "value": 1, "traceId": "t"}))
	require.Equal(t, http.StatusMultiStatus, resp.status)
	var parsed ingestionResponse
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	require.Len(t, parsed.Errors, 1)
	assert.Equal(t, "Event type not accepted", parsed.Errors[0].Message)
}

func TestIngestionGzip(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	body, err := json.Marshal(map[string]any{"batch": []any{
		ingestionEvent("e1", "event-create", ts, map[string]any{"id": "a", "traceId": "t", "name": "zipped"}),
	}})
	require.NoError(t, err)
	resp := tr.do(t, http.MethodPost, pathIngestion, gzipBytes(t, body), map[string]string{"Content-Encoding": "gzip"})
	require.Equal(t, http.StatusMultiStatus, resp.status, "body: %s", resp.raw)
	assert.Contains(t, tr.spans(), "zipped")

	resp = tr.do(t, http.MethodPost, pathIngestion, []byte("not gzip"), map[string]string{"Content-Encoding": "gzip"})
	assert.Equal(t, http.StatusBadRequest, resp.status)
	assert.Equal(t, "Invalid request data", resp.body["message"])
}

func TestIngestionBodyTooLarge(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) { cfg.MaxIngestionBodySize = 1024 }})
	big := `{"batch":[],"metadata":"` + strings.Repeat("x", 2000) + `"}`

	resp := tr.post(t, pathIngestion, []byte(big))
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.status)
	assert.Contains(t, resp.body["message"], "1024 bytes")

	// A small gzip body that expands beyond the limit is rejected too.
	resp = tr.do(t, http.MethodPost, pathIngestion, gzipBytes(t, []byte(big)), map[string]string{"Content-Encoding": "gzip"})
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.status)

	resp = tr.post(t, pathScores, []byte(big))
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.status)
}

func TestIngestionMethodNotAllowed(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.do(t, http.MethodGet, pathIngestion, nil, nil)
	assert.Equal(t, http.StatusMethodNotAllowed, resp.status)
	assert.Equal(t, http.MethodPost, resp.header.Get("Allow"))
}

func TestIngestionResendAfterPipelineFailure(t *testing.T) {
	sink := new(consumertest.TracesSink)
	failures := 1
	next, err := consumer.NewTraces(func(ctx context.Context, traces ptrace.Traces) error {
		if failures > 0 {
			failures--
			return errors.New("memory limit reached")
		}
		return sink.ConsumeTraces(ctx, traces)
	})
	require.NoError(t, err)
	tr := startReceiver(t, receiverOptions{nextTraces: next})
	batch := []map[string]any{
		ingestionEvent("e1", "span-create", ts, map[string]any{"id": "s1", "traceId": "t", "name": "step"}),
		ingestionEvent("e2", "span-update", ts, map[string]any{"id": "s1", "endTime": ts, "output": "done"}),
	}

	resp := tr.postBatch(t, batch...)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	assert.Len(t, resp.body["errors"], 2)
	assert.Zero(t, sink.SpanCount())

	resp = tr.postBatch(t, batch...)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	assert.Empty(t, resp.body["errors"])
	require.Equal(t, 1, sink.SpanCount(), "the resent batch is merged and sent again")
	span := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	assert.Equal(t, "step", span.Name())
	assert.Equal(t, "done", attrString(span, attrObservationOutput))
}
