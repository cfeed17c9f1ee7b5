package genai

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The captures are OTLP/HTTP JSON exports of real npm SDKs; their ids and
// content are invented. Every capture's app used these values.
const (
	captureUserID    = "user-4821"
	captureSessionID = "sess-91f"
)

// captureSpan is one decoded span with its View and the facts about the
// raw span that the checks compare against.
type captureSpan struct {
	data      spanData
	view      View
	modelCall bool
	toolCall  bool
}

func TestReadCaptures(t *testing.T) {
	files, err := filepath.Glob("testdata/captures/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)

	for _, file := range files {
		name := filepath.Base(file)
		if name == "langfuse-v3-ingestion.json" {
			// A native Langfuse ingestion batch, not OTLP: the receiver's.
			continue
		}
		t.Run(name, func(t *testing.T) {
			spans := decodeCapture(t, file)
			require.NotEmpty(t, spans)
			checkCapture(t, spans)
		})
	}
}

func decodeCapture(t *testing.T, file string) []*captureSpan {
	data, err := os.ReadFile(file)
	require.NoError(t, err)
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	require.NoError(t, err)

	parents := map[pcommon.SpanID]bool{}
	var spans []*captureSpan
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				parents[span.ParentSpanID()] = true
				cs := &captureSpan{data: spanData{rs.Resource(), ss.Scope(), span}}
				Read(&cs.view, rs.Resource(), ss.Scope(), span)
				spans = append(spans, cs)
			}
		}
	}
	for _, cs := range spans {
		cs.modelCall = isProviderCall(cs.data, !parents[cs.data.span.SpanID()])
		cs.toolCall = isToolExecution(cs.data)
	}
	return spans
}

// isProviderCall reports whether the raw span is one call to a model
// provider, judged by each SDK's documented span names and kinds.
func isProviderCall(sd spanData, leaf bool) bool {
	attrs, name := sd.span.Attributes(), sd.span.Name()
	switch {
	case sd.scope.Name() == "ai":
		return strings.HasSuffix(name, ".doGenerate") || strings.HasSuffix(name, ".doStream") ||
			strings.HasSuffix(name, ".doEmbed")
	case sd.scope.Name() == "gen_ai":
		// Vercel AI SDK v7: one chat span per call; embeddings spans nest,
		// and the inner one is the call.
		return strings.HasPrefix(name, "chat ") || (strings.HasPrefix(name, "embeddings ") && leaf)
	case strings.Contains(sd.scope.Name(), "openinference"):
		kind := attrString(attrs, "openinference.span.kind")
		return kind == "LLM" || kind == "EMBEDDING"
	case sd.scope.Name() == "@traceloop/instrumentation-openai":
		return true
	case sd.scope.Name() == "langfuse-sdk":
		kind := attrString(attrs, "langfuse.observation.type")
		return kind == "generation" || kind == "embedding"
	}
	return false
}

// isToolExecution reports whether the raw span executed a tool.
func isToolExecution(sd spanData) bool {
	attrs, name := sd.span.Attributes(), sd.span.Name()
	return name == "ai.toolCall" || strings.HasPrefix(name, "execute_tool") ||
		attrString(attrs, "traceloop.span.kind") == "tool" ||
		attrString(attrs, "langfuse.observation.type") == "tool" ||
		attrString(attrs, "openinference.span.kind") == "TOOL"
}

// rawBilledTokens returns the tokens a provider-call span reports in the
// SDK's own total, and whether it reports any.
func rawBilledTokens(t *testing.T, sd spanData) (int64, bool) {
	attrs := sd.span.Attributes()
	count := func(name string) (int64, bool) {
		v, ok := attrs.Get(name)
		if !ok {
			return 0, false
		}
		n, ok := valueCount(v)
		require.True(t, ok, "%s is not a count: %s", name, v.AsString())
		return n, true
	}
	for _, name := range []string{"llm.token_count.total", "ai.usage.totalTokens", "ai.usage.tokens",
		"gen_ai.usage.total_tokens"} {
		if n, ok := count(name); ok {
			return n, true
		}
	}
	in, hasIn := count("gen_ai.usage.input_tokens")
	out, hasOut := count("gen_ai.usage.output_tokens")
	if hasIn || hasOut {
		return in + out, true
	}
	if text := attrString(attrs, "langfuse.observation.usage_details"); text != "" {
		var details map[string]int64
		require.NoError(t, json.Unmarshal([]byte(text), &details))
		if total, ok := details["total"]; ok {
			return total, true
		}
		return details["input"] + details["output"], true
	}
	return 0, false
}

func checkCapture(t *testing.T, spans []*captureSpan) {
	countedByTrace := map[pcommon.TraceID]int64{}
	rawByTrace := map[pcommon.TraceID]int64{}
	modelCalls := 0

	for _, cs := range spans {
		v, span := &cs.view, cs.data.span
		label := span.Name() + " " + span.SpanID().String()
		traceID := span.TraceID()

		if cs.modelCall {
			modelCalls++
			assert.Contains(t, []ObservationType{TypeGeneration, TypeEmbedding}, v.Type,
				"%s: a model call must be a generation", label)
			assert.NotEmpty(t, v.Model(), "%s: a model call must have a model", label)
			assert.False(t, v.Aggregate, "%s: a model call is not an aggregate", label)
			if finishedWithToolCall(cs.data) {
				assert.NotEmpty(t, v.ToolCalls, "%s: the model requested a tool call", label)
			}
			raw, reported := rawBilledTokens(t, cs.data)
			if reported {
				assert.True(t, v.Usage.Present, "%s: the SDK reported usage", label)
				rawByTrace[traceID] += raw
			} else {
				// The OpenInference JS stream and embedding spans carry no
				// token counts; there is nothing to read.
				assert.False(t, v.Usage.Present, "%s: usage without counts", label)
			}
		}
		if cs.toolCall {
			assert.Equal(t, TypeTool, v.Type, "%s: a tool execution must be a tool", label)
			if assert.Len(t, v.ToolCalls, 1, "%s: the executed call", label) {
				assert.NotEmpty(t, v.ToolCalls[0].Name, "%s: tool name", label)
			}
		}
		if v.Aggregate {
			assert.Empty(t, v.ToolCalls, "%s: an aggregate span repeats its children's tool calls", label)
			assert.False(t, v.Usage.Present, "%s: an aggregate span must carry no counted usage", label)
			assert.Zero(t, v.Usage.Sum(), "%s: aggregate usage", label)
		}
		if v.Usage.Present {
			countedByTrace[traceID] += v.Usage.Sum()
		}

		if spanMentions(cs.data, captureUserID) {
			assert.Equal(t, captureUserID, v.UserID, "%s: user id", label)
		}
		if spanMentions(cs.data, captureSessionID) {
			assert.Equal(t, captureSessionID, v.SessionID, "%s: session id", label)
		}
	}

	assert.Positive(t, modelCalls, "the capture has model calls")
	assert.Equal(t, rawByTrace, countedByTrace,
		"counted usage per trace must equal the sum over the provider-call spans")
}

// finishedWithToolCall reports whether the raw span's finish reason is a
// tool call request.
func finishedWithToolCall(sd spanData) bool {
	attrs := sd.span.Attributes()
	for _, name := range []string{"gen_ai.response.finish_reasons", "ai.response.finishReason",
		"llm.finish_reason"} {
		if v, ok := attrs.Get(name); ok && strings.Contains(v.AsString(), "tool") {
			return true
		}
	}
	return false
}

// spanMentions reports whether a span attribute holds the value exactly,
// which is how the SDKs set user and session ids.
func spanMentions(sd spanData, value string) bool {
	found := false
	sd.span.Attributes().Range(func(_ string, v pcommon.Value) bool {
		if v.Type() == pcommon.ValueTypeStr && v.Str() == value {
			found = true
			return false
		}
		return true
	})
	return found
}
