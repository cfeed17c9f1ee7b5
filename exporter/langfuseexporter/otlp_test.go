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
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

func chatView() genai.View {
	return genai.View{
		Type:            genai.TypeGeneration,
		Name:            "chat gpt-4o",
		RequestModel:    "gpt-4o",
		ResponseModel:   "gpt-4o-2024-08-06",
		ModelParameters: map[string]any{"temperature": 0.2, "max_tokens": int64(256)},
		Usage: genai.Usage{
			InputUncached: 100, CacheRead: 20, CacheWrite: 5, Output: 40, Reasoning: 10,
			Total: 175, Present: true,
		},
		Input:               `[{"role":"user","content":"hi"}]`,
		Output:              `[{"role":"assistant","content":"hello"}]`,
		UserID:              "user-1",
		SessionID:           "session-1",
		Tags:                []string{"beta", "eu"},
		TraceName:           "support-chat",
		Public:              true,
		Metadata:            map[string]string{"tenant": "acme"},
		PromptName:          "support",
		PromptVersion:       3,
		CompletionStartTime: time.Date(2026, 1, 2, 3, 4, 5, 600_000_000, time.UTC),
		Level:               genai.LevelWarning,
		StatusMessage:       "slow",
		Environment:         "production",
		Release:             "v1.2.3",
		Version:             "7",
	}
}

func TestOTLPMapsViewToLangfuseAttributes(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(map[string]genai.View{"chat": chatView()}))

	td := makeTraces(t, spanSpec{name: "chat", traceID: traceA, spanID: spanR, attrs: map[string]any{
		"gen_ai.input.messages":  `[{"role":"user","content":"hi"}]`,
		"gen_ai.output.messages": `[{"role":"assistant","content":"hello"}]`,
		"gen_ai.usage.cost":      0.0042,
		"custom.map":             map[string]any{"a": "b"},
		"custom.bytes":           []byte{1, 2, 3},
		"langfuse.user.id":       "stale",
	}})
	td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Events().AppendEmpty().SetName("gen_ai.choice")
	td.ResourceSpans().At(0).Resource().Attributes().PutEmptyMap("res.map").PutStr("k", "v")

	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	span, ok := srv.SpanByID(spanR.String())
	require.True(t, ok)
	a := span.Attributes
	assert.Equal(t, "generation", a["langfuse.observation.type"])
	assert.Equal(t, `[{"role":"user","content":"hi"}]`, a["langfuse.observation.input"])
	assert.Equal(t, `[{"role":"assistant","content":"hello"}]`, a["langfuse.observation.output"])
	assert.Equal(t, "gpt-4o-2024-08-06", a["langfuse.observation.model.name"])
	assert.JSONEq(t, `{"temperature":0.2,"max_tokens":256}`, a["langfuse.observation.model.parameters"].(string))
	assert.JSONEq(t, `{"input":100,"input_cache_read":20,"input_cache_creation":5,"output":40,`+
		`"output_reasoning_tokens":10,"total":175}`, a["langfuse.observation.usage_details"].(string))
	assert.JSONEq(t, `{"total":0.0042}`, a["langfuse.observation.cost_details"].(string))
	assert.Equal(t, "2026-01-02T03:04:05.6Z", a["langfuse.observation.completion_start_time"])
	assert.Equal(t, "support", a["langfuse.observation.prompt.name"])
	assert.Equal(t, int64(3), a["langfuse.observation.prompt.version"])
	assert.Equal(t, "WARNING", a["langfuse.observation.level"])
	assert.Equal(t, "slow", a["langfuse.observation.status_message"])
	assert.Equal(t, "acme", a["langfuse.observation.metadata.tenant"])
	assert.Equal(t, "support-chat", a["langfuse.trace.name"])
	assert.Equal(t, []any{"beta", "eu"}, a["langfuse.trace.tags"])
	assert.Equal(t, true, a["langfuse.trace.public"])
	assert.Equal(t, "user-1", a["user.id"])
	assert.Equal(t, "session-1", a["session.id"])
	assert.Equal(t, "production", a["langfuse.environment"])
	assert.Equal(t, "v1.2.3", a["langfuse.release"])
	assert.Equal(t, "7", a["langfuse.version"])

	assert.NotContains(t, a, "gen_ai.input.messages", "input is sent once")
	assert.NotContains(t, a, "gen_ai.output.messages", "output is sent once")
	assert.NotContains(t, a, "langfuse.user.id", "the resolved user goes to user.id")
	assert.JSONEq(t, `{"a":"b"}`, a["custom.map"].(string), "maps are sent as JSON text")
	assert.Equal(t, "AQID", a["custom.bytes"], "bytes are sent as base64 text")
	assert.JSONEq(t, `{"k":"v"}`, span.ResourceAttributes["res.map"].(string), "resource maps are sent as JSON text")

	spans := srv.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	assert.Equal(t, 0, spans.At(0).Events().Len(), "gen_ai.choice events are dropped with the output")

	requests := srv.Requests()
	require.Len(t, requests, 1)
	assert.Equal(t, langfusetest.OTLPTracesPath, requests[0].Path)
	assert.Equal(t, "4", requests[0].Header.Get("x-langfuse-ingestion-version"))
	assert.Equal(t, "gzip", requests[0].Header.Get("Content-Encoding"))
	assert.Equal(t, "application/x-protobuf", requests[0].Header.Get("Content-Type"))
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_exported",
		attribute.String("signal", "observation")))
}

func TestOTLPAggregateSpanSendsEmptyUsage(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	view := genai.View{Type: genai.TypeAgent, Name: "agent", Aggregate: true, RequestModel: "gpt-4o",
		Usage: genai.Usage{InputUncached: 500, Output: 100, Present: true}}
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(map[string]genai.View{"agent": view}))

	td := makeTraces(t, spanSpec{name: "agent", traceID: traceA, spanID: spanR, attrs: map[string]any{
		"gen_ai.request.model":       "gpt-4o",
		"gen_ai.usage.input_tokens":  500,
		"gen_ai.usage.output_tokens": 100,
		"gen_ai.usage.cost":          0.5,
	}})
	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	span, ok := srv.SpanByID(spanR.String())
	require.True(t, ok)
	assert.Equal(t, "agent", span.Attributes["langfuse.observation.type"])
	assert.Equal(t, "{}", span.Attributes["langfuse.observation.usage_details"])
	assert.Equal(t, "{}", span.Attributes["langfuse.observation.cost_details"])
	for key := range span.Attributes {
		assert.False(t, strings.HasPrefix(key, "gen_ai.usage."), "aggregate span keeps %s", key)
	}
	assert.NotContains(t, span.Attributes, "gen_ai.request.model", "a model would make Langfuse price the span")
	assert.NotContains(t, span.Attributes, "langfuse.observation.model.name")
	assert.Equal(t, "gpt-4o", span.Attributes["langfuse.observation.metadata.model"])
}

func TestOTLPKeepsProcessorCostDetails(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	view := chatView()
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(map[string]genai.View{"chat": view}))

	td := makeTraces(t, spanSpec{name: "chat", traceID: traceA, spanID: spanR, attrs: map[string]any{
		genai.AttrCostDetails: `{"input":0.001,"output":0.002,"total":0.003}`,
		genai.AttrCost:        0.003,
	}})
	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	span, _ := srv.SpanByID(spanR.String())
	assert.JSONEq(t, `{"input":0.001,"output":0.002,"total":0.003}`,
		span.Attributes["langfuse.observation.cost_details"].(string))
}

func TestOTLPPromptNeedsGenerationAndVersion(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	noVersion := chatView()
	noVersion.PromptVersion = 0
	tool := chatView()
	tool.Type = genai.TypeTool
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP),
		viewsByName(map[string]genai.View{"no-version": noVersion, "tool": tool}))

	td := makeTraces(t,
		spanSpec{name: "no-version", traceID: traceA, spanID: spanR},
		spanSpec{name: "tool", traceID: traceA, spanID: spanC, parent: spanR})
	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	for _, id := range []string{spanR.String(), spanC.String()} {
		span, ok := srv.SpanByID(id)
		require.True(t, ok)
		assert.NotContains(t, span.Attributes, "langfuse.observation.prompt.name")
		assert.NotContains(t, span.Attributes, "langfuse.observation.prompt.version")
	}
}

func TestOTLPTruncatesLongFields(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	view := chatView()
	view.Input = strings.Repeat("ü", 3000)
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.MaxFieldBytes = 1024
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{"chat": view}))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "chat", traceID: traceA, spanID: spanR})))

	span, _ := srv.SpanByID(spanR.String())
	input := span.Attributes["langfuse.observation.input"].(string)
	assert.LessOrEqual(t, len(input), 1024)
	assert.Regexp(t, `…\[truncated \d+ bytes\]$`, input)
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_truncated_fields",
		attribute.String("field", "input")))
}

func TestOTLPDropsInvalidSpans(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(nil))

	td := makeTraces(t,
		spanSpec{name: "zero-trace", spanID: spanR},
		spanSpec{name: "zero-span", traceID: traceA},
		spanSpec{name: "good", traceID: traceA, spanID: spanD})
	reversed := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(2)
	reversed.SetEndTimestamp(reversed.StartTimestamp() - 1000)

	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	spans := srv.Spans()
	require.Len(t, spans, 1)
	assert.Equal(t, "good", spans[0].Name)
	assert.Equal(t, spans[0].StartTime, spans[0].EndTime, "end before start is set to start")
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_dropped",
		attribute.String("reason", "invalid_trace_id")))
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_dropped",
		attribute.String("reason", "invalid_span_id")))
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_fixed_fields",
		attribute.String("reason", "end_before_start")))
	assert.NotEmpty(t, h.logs.FilterMessageSnippet("Dropped a span").All())
}

func TestOTLPEnvironmentNormalized(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	view := chatView()
	view.Environment = "Langfuse-Staging"
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(map[string]genai.View{"chat": view}))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "chat", traceID: traceA, spanID: spanR})))

	span, _ := srv.SpanByID(spanR.String())
	assert.Equal(t, "staging", span.Attributes["langfuse.environment"])
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_fixed_fields",
		attribute.String("reason", "environment")))
}

func TestOTLPDefaultEnvironment(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.Environment = "staging"
	exp := h.startTraces(t, cfg, viewsByName(nil))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "plain", traceID: traceA, spanID: spanR})))

	span, _ := srv.SpanByID(spanR.String())
	assert.Equal(t, "staging", span.Attributes["langfuse.environment"])
	assert.Equal(t, "span", span.Attributes["langfuse.observation.type"])
}

func TestPropagationAcrossBatches(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	root := genai.View{Type: genai.TypeAgent, Name: "root", UserID: "user-9", SessionID: "s-9",
		Tags: []string{"vip"}, TraceName: "checkout", Environment: "prod", Release: "r1"}
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(map[string]genai.View{"root": root}))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "root", traceID: traceA, spanID: spanR})))
	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "child", traceID: traceA, spanID: spanC, parent: spanR})))

	child, ok := srv.SpanByID(spanC.String())
	require.True(t, ok)
	assert.Equal(t, "user-9", child.Attributes["user.id"])
	assert.Equal(t, "s-9", child.Attributes["session.id"])
	assert.Equal(t, []any{"vip"}, child.Attributes["langfuse.trace.tags"])
	assert.Equal(t, "checkout", child.Attributes["langfuse.trace.name"])
	assert.Equal(t, "prod", child.Attributes["langfuse.environment"])
	assert.Equal(t, "r1", child.Attributes["langfuse.release"])
}

func TestPropagationChildBeforeRootInOneBatch(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	root := genai.View{Type: genai.TypeSpan, Name: "root", UserID: "user-9", SessionID: "s-9"}
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(map[string]genai.View{"root": root}))

	require.NoError(t, exp.ConsumeTraces(context.Background(), makeTraces(t,
		spanSpec{name: "child", traceID: traceA, spanID: spanC, parent: spanR},
		spanSpec{name: "root", traceID: traceA, spanID: spanR})))

	child, _ := srv.SpanByID(spanC.String())
	assert.Equal(t, "user-9", child.Attributes["user.id"])
	assert.Equal(t, "s-9", child.Attributes["session.id"])
	assert.Equal(t, "root", child.Attributes["langfuse.trace.name"], "the root names the trace")
}

func TestTraceStateEvictionCounter(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.TraceState.MaxTraces = 1
	views := map[string]genai.View{"a": {Name: "a", UserID: "ua"}, "b": {Name: "b", UserID: "ub"}}
	exp := h.startTraces(t, cfg, viewsByName(views))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "a", traceID: traceA, spanID: spanR})))
	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "b", traceID: traceB, spanID: spanC})))

	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_trace_state_evictions",
		attribute.String("reason", "capacity")))
}

func TestOTLPSplitsOn413(t *testing.T) {
	srv := langfusetest.New(t, langfusetest.WithMaxBodyBytes(6000))
	h := newHarness(t)
	view := genai.View{Type: genai.TypeGeneration, Name: "chat", Input: strings.Repeat("x", 1500)}
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.ClientConfig.Compression = ""
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{"chat": view}))

	var specs []spanSpec
	for i := range 8 {
		specs = append(specs, spanSpec{name: "chat", traceID: traceA, spanID: [8]byte{1, byte(i + 1)}})
	}
	require.NoError(t, exp.ConsumeTraces(context.Background(), makeTraces(t, specs...)))

	assert.Len(t, srv.Spans(), 8)
	tooLarge := 0
	for _, r := range srv.Requests() {
		if r.Status == http.StatusRequestEntityTooLarge {
			tooLarge++
		}
	}
	assert.Positive(t, tooLarge)
	assert.Equal(t, int64(8), h.counter(t, "otelcol_genai_exporter_langfuse_exported"))
}

func TestOTLPDropsSpanTooLargeAlone(t *testing.T) {
	srv := langfusetest.New(t, langfusetest.WithMaxBodyBytes(1000))
	h := newHarness(t)
	view := genai.View{Type: genai.TypeGeneration, Name: "chat", Input: strings.Repeat("x", 3000)}
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.ClientConfig.Compression = ""
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{"chat": view}))

	err := exp.ConsumeTraces(context.Background(), makeTraces(t, spanSpec{name: "chat", traceID: traceA, spanID: spanR}))

	require.NoError(t, err)
	assert.Empty(t, srv.Spans())
	assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_dropped",
		attribute.String("reason", "too_large")))
}

func TestOTLPCapturesThroughRead(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), genai.Read)

	data, err := readTestdata("captures/openinference-openai.json")
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	require.NoError(t, err)
	count := td.SpanCount()

	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	spans := srv.Spans()
	require.Len(t, spans, count)
	generations, withUsage := 0, 0
	for _, span := range spans {
		assert.Equal(t, "user-4821", span.Attributes["user.id"], "span %s", span.Name)
		assert.Equal(t, "sess-91f", span.Attributes["session.id"], "span %s", span.Name)
		if span.Attributes["langfuse.observation.type"] != "generation" {
			continue
		}
		generations++
		assert.NotEmpty(t, span.Attributes["langfuse.observation.model.name"])
		assert.NotContains(t, span.Attributes, "input.value", "the input is sent once")
		assert.NotEmpty(t, span.Attributes["langfuse.observation.input"])

		// One of the captured calls streamed without a usage report.
		usageText, ok := span.Attributes["langfuse.observation.usage_details"].(string)
		if !ok {
			continue
		}
		withUsage++
		var usage map[string]int64
		require.NoError(t, json.Unmarshal([]byte(usageText), &usage))
		assert.Positive(t, usage["input"])
		assert.Positive(t, usage["total"])
	}
	assert.Equal(t, 3, generations)
	assert.Equal(t, 2, withUsage)
}
