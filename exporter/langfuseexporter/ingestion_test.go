package langfuseexporter

import (
	"context"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

func eventsByType(srv *langfusetest.Server, eventType string) map[string]langfusetest.Event {
	out := map[string]langfusetest.Event{}
	for _, e := range srv.EventsOfType(eventType) {
		out[e.Body["id"].(string)] = e
	}
	return out
}

func TestIngestionMapsViewToEvents(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	tool := genai.View{Type: genai.TypeTool, Name: "get_weather", Input: `{"city":"Lisbon"}`, Output: "sunny"}
	td := makeTraces(t,
		spanSpec{name: "chat", traceID: traceA, spanID: spanR, attrs: map[string]any{genai.AttrCost: 0.5}},
		spanSpec{name: "tool", traceID: traceA, spanID: spanC, parent: spanR})
	view := chatView()
	view.HasCost = true
	view.Cost = 0.5
	view.CostDetails = map[string]float64{"input": 0.2, "output": 0.3}
	exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion),
		viewsByName(map[string]genai.View{"chat": view, "tool": tool}))

	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	traces := eventsByType(srv, "trace-create")
	require.Len(t, traces, 1)
	trace := traces[traceA.String()].Body
	assert.Equal(t, "support-chat", trace["name"])
	assert.Equal(t, "user-1", trace["userId"])
	assert.Equal(t, "session-1", trace["sessionId"])
	assert.Equal(t, []any{"beta", "eu"}, trace["tags"])
	assert.Equal(t, "production", trace["environment"])
	assert.Equal(t, "v1.2.3", trace["release"])
	assert.Equal(t, true, trace["public"])
	assert.Equal(t, []any{map[string]any{"role": "user", "content": "hi"}}, trace["input"])

	generations := eventsByType(srv, "generation-create")
	require.Len(t, generations, 1)
	gen := generations[spanR.String()]
	assert.Equal(t, eventID(traceA.String(), spanR.String(), "generation-create"), gen.ID)
	body := gen.Body
	assert.Equal(t, traceA.String(), body["traceId"])
	assert.Equal(t, "chat gpt-4o", body["name"])
	assert.Equal(t, "gpt-4o-2024-08-06", body["model"])
	assert.Equal(t, map[string]any{"temperature": "0.2", "max_tokens": "256"}, body["modelParameters"])
	assert.Equal(t, map[string]any{"input": 100.0, "input_cache_read": 20.0, "input_cache_creation": 5.0,
		"output": 40.0, "output_reasoning_tokens": 10.0, "total": 175.0}, body["usageDetails"])
	assert.Equal(t, map[string]any{"input": 0.2, "output": 0.3, "total": 0.5}, body["costDetails"])
	assert.Equal(t, "support", body["promptName"])
	assert.Equal(t, 3.0, body["promptVersion"])
	assert.Equal(t, "WARNING", body["level"])
	assert.Equal(t, "slow", body["statusMessage"])
	assert.Equal(t, "production", body["environment"])
	assert.Equal(t, "2026-01-02T03:04:05.600000Z", body["completionStartTime"])
	assert.Equal(t, map[string]any{"tenant": "acme"}, body["metadata"])
	assert.Equal(t, []any{map[string]any{"role": "assistant", "content": "hello"}}, body["output"])

	spans := eventsByType(srv, "span-create")
	require.Len(t, spans, 1)
	toolBody := spans[spanC.String()].Body
	assert.Equal(t, spanR.String(), toolBody["parentObservationId"])
	assert.Equal(t, map[string]any{"city": "Lisbon"}, toolBody["input"])
	assert.Equal(t, "sunny", toolBody["output"])
	assert.Equal(t, map[string]any{"observation_type": "tool"}, toolBody["metadata"])
	assert.Equal(t, "production", toolBody["environment"], "the trace environment is propagated")

	assert.Equal(t, int64(2), h.counter(t, "otelcol_genai_exporter_langfuse_exported",
		attribute.String("signal", "observation")))
}

func TestIngestionPartialRetryKeepsEventIDs(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	cfg := serverConfig(srv, ProtocolIngestion)
	cfg.RetryConfig.Enabled = true
	cfg.RetryConfig.InitialInterval = time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 10 * time.Second
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{"chat": chatView()}))

	failing := eventID(traceA.String(), spanC.String(), "generation-create")
	srv.FailEvent(failing, http.StatusInternalServerError, "Internal Server Error", 1)

	require.NoError(t, exp.ConsumeTraces(context.Background(), makeTraces(t,
		spanSpec{name: "chat", traceID: traceA, spanID: spanR},
		spanSpec{name: "chat", traceID: traceA, spanID: spanC, parent: spanR})))

	requests := srv.Requests()
	require.Len(t, requests, 2)
	first := batchEventIDs(t, requests[0].Body)
	second := batchEventIDs(t, requests[1].Body)
	assert.Contains(t, first, failing)
	assert.Contains(t, second, failing, "the retry uses the same event id")
	assert.NotContains(t, second, eventID(traceA.String(), spanR.String(), "generation-create"),
		"events that succeeded are not sent again")

	generations := srv.EventsOfType("generation-create")
	assert.Len(t, generations, 2)
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_failed",
		attribute.String("status_code", "500")))
	assert.Equal(t, int64(2), h.counter(t, "otelcol_genai_exporter_langfuse_exported"))
}

func TestIngestionPermanentEventErrorIsDropped(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion), viewsByName(nil))
	failing := eventID(traceA.String(), spanC.String(), "span-create")
	srv.FailEvent(failing, http.StatusBadRequest, "Invalid request data", 5)

	err := exp.ConsumeTraces(context.Background(), makeTraces(t,
		spanSpec{name: "a", traceID: traceA, spanID: spanR},
		spanSpec{name: "b", traceID: traceA, spanID: spanC, parent: spanR}))

	require.NoError(t, err)
	assert.Equal(t, 1, srv.RequestCount(langfusetest.IngestionPath))
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_dropped",
		attribute.String("reason", "rejected_by_langfuse")))
	logged := h.logs.FilterMessage("Langfuse rejected an event").All()
	require.Len(t, logged, 1)
	assert.Equal(t, failing, logged[0].ContextMap()["event_id"])
	assert.Equal(t, "Invalid request data", logged[0].ContextMap()["message"])
}

func TestIngestionSplitsOn413(t *testing.T) {
	srv := langfusetest.New(t, langfusetest.WithMaxBodyBytes(5000))
	h := newHarness(t)
	view := genai.View{Type: genai.TypeSpan, Name: "s", Input: strings.Repeat("y", 1200)}
	exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion), viewsByName(map[string]genai.View{"s": view}))

	var specs []spanSpec
	for i := range 6 {
		specs = append(specs, spanSpec{name: "s", traceID: traceA, spanID: [8]byte{2, byte(i + 1)}})
	}
	require.NoError(t, exp.ConsumeTraces(context.Background(), makeTraces(t, specs...)))

	assert.Len(t, srv.EventsOfType("span-create"), 6)
	assert.Len(t, srv.EventsOfType("trace-create"), 1)
	assert.Equal(t, http.StatusRequestEntityTooLarge, srv.Requests()[0].Status)
}

func TestIngestionBatchesStayUnderMaxBatchBytes(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	view := genai.View{Type: genai.TypeSpan, Name: "s", Input: strings.Repeat("z", 1000)}
	cfg := serverConfig(srv, ProtocolIngestion)
	cfg.MaxBatchBytes = 4000
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{"s": view}))

	var specs []spanSpec
	for i := range 10 {
		specs = append(specs, spanSpec{name: "s", traceID: traceA, spanID: [8]byte{3, byte(i + 1)}})
	}
	require.NoError(t, exp.ConsumeTraces(context.Background(), makeTraces(t, specs...)))

	requests := srv.Requests()
	assert.Greater(t, len(requests), 2)
	for _, r := range requests {
		assert.LessOrEqual(t, len(r.Body), 4000)
	}
	assert.Len(t, srv.EventsOfType("span-create"), 10)
}

func TestIngestionTruncatesInput(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	view := genai.View{Type: genai.TypeSpan, Name: "s", Input: strings.Repeat("z", 5000)}
	cfg := serverConfig(srv, ProtocolIngestion)
	cfg.MaxFieldBytes = 2048
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{"s": view}))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR})))

	events := srv.EventsOfType("span-create")
	require.Len(t, events, 1)
	input := events[0].Body["input"].(string)
	assert.LessOrEqual(t, len(input), 2048)
	assert.True(t, strings.HasSuffix(input, "bytes]"), input[len(input)-40:])
	assert.Positive(t, h.counter(t, "otelcol_genai_exporter_langfuse_truncated_fields",
		attribute.String("field", "input")))
}

func batchEventIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var batch struct {
		Batch []struct {
			ID string `json:"id"`
		} `json:"batch"`
	}
	require.NoError(t, json.Unmarshal(body, &batch))
	ids := make([]string, 0, len(batch.Batch))
	for _, e := range batch.Batch {
		ids = append(ids, e.ID)
	}
	return ids
}

func TestIngestionAggregateGenerationHasNoModel(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	view := genai.View{Type: genai.TypeGeneration, Name: "outer", Aggregate: true, RequestModel: "gpt-4o",
		Usage: genai.Usage{InputUncached: 10, Output: 5, Present: true}, HasCost: true, Cost: 1}
	exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion), viewsByName(map[string]genai.View{"outer": view}))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "outer", traceID: traceA, spanID: spanR})))

	events := srv.EventsOfType("generation-create")
	require.Len(t, events, 1)
	body := events[0].Body
	assert.NotContains(t, body, "model")
	assert.NotContains(t, body, "usageDetails")
	assert.NotContains(t, body, "costDetails")
	assert.Equal(t, map[string]any{"model": "gpt-4o"}, body["metadata"])
}
