package langfuseexporter

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// readCaptureViews reads every span of td with genai.Read, keyed by span
// id, before the exporter rewrites the spans.
func readCaptureViews(td ptrace.Traces) (map[string]genai.View, map[string]string) {
	views := map[string]genai.View{}
	userByTrace := map[string]string{}
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				span := spans.At(k)
				var view genai.View
				genai.Read(&view, rss.At(i).Resource(), sss.At(j).Scope(), span)
				// The View refers to the span's strings, which stay valid.
				views[span.SpanID().String()] = view
				if view.UserID != "" {
					userByTrace[span.TraceID().String()] = view.UserID
				}
			}
		}
	}
	return views, userByTrace
}

func TestCapturesMappedPerSpan(t *testing.T) {
	for _, file := range []string{"captures/openinference-openai.json", "captures/vercel-ai.json"} {
		t.Run(file, func(t *testing.T) {
			srv := langfusetest.New(t)
			h := newHarness(t)
			exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), genai.Read)

			data, err := readTestdata(file)
			require.NoError(t, err)
			td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
			require.NoError(t, err)
			views, userByTrace := readCaptureViews(td)

			require.NoError(t, exp.ConsumeTraces(context.Background(), td))

			spans := srv.Spans()
			require.Len(t, spans, len(views))
			for _, span := range spans {
				view := views[span.SpanID]
				checkCaptureSpan(t, span, &view, userByTrace[span.TraceID])
			}
		})
	}
}

func checkCaptureSpan(t *testing.T, span langfusetest.Span, view *genai.View, traceUser string) {
	t.Helper()
	a := span.Attributes

	wantType := string(view.Type)
	if wantType == "" {
		wantType = "span"
	}
	assert.Equal(t, wantType, a["langfuse.observation.type"], span.Name)
	if model := view.Model(); model != "" && !view.Aggregate {
		assert.Equal(t, model, a["langfuse.observation.model.name"], span.Name)
	}
	if traceUser != "" {
		assert.Equal(t, traceUser, a["user.id"], "user of %s", span.Name)
	}

	switch {
	case view.Aggregate:
		assert.Equal(t, "{}", a["langfuse.observation.usage_details"], span.Name)
		for key := range a {
			assert.False(t, strings.HasPrefix(key, "gen_ai.usage.") || strings.HasPrefix(key, "ai.usage."),
				"aggregate span %s keeps %s", span.Name, key)
			assert.NotContains(t, modelSourceKeys, key, "aggregate span %s keeps a model key", span.Name)
		}
		assert.Equal(t, view.Model(), a["langfuse.observation.metadata.model"], span.Name)
	case view.Usage.Present:
		var usage map[string]int64
		require.NoError(t, json.Unmarshal([]byte(a["langfuse.observation.usage_details"].(string)), &usage))
		wantTotal := view.Usage.Total
		if wantTotal == 0 {
			wantTotal = view.Usage.Sum()
		}
		assert.Equal(t, wantTotal, usage["total"], span.Name)
		assert.Equal(t, view.Usage.CacheRead, usage["input_cache_read"], span.Name)
		assert.Equal(t, view.Usage.Reasoning, usage["output_reasoning_tokens"], span.Name)
	}

	if view.Input != "" {
		assert.NotEmpty(t, a["langfuse.observation.input"], span.Name)
	}
}
