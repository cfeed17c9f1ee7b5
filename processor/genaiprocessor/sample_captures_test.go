package genaiprocessor

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// readSamplingCaptures returns the OTLP/JSON exports of real SDKs under
// testdata/sampling by file name.
func readSamplingCaptures(t *testing.T) map[string]ptrace.Traces {
	t.Helper()
	files, err := filepath.Glob("testdata/sampling/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	captures := map[string]ptrace.Traces{}
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(t, err)
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		require.NoError(t, err, file)
		captures[filepath.Base(file)] = td
	}
	return captures
}

// forEachSpan calls fn with every span of td.
func forEachSpan(td ptrace.Traces, fn func(span ptrace.Span)) {
	for _, rs := range td.ResourceSpans().All() {
		for _, ss := range rs.ScopeSpans().All() {
			for _, span := range ss.Spans().All() {
				fn(span)
			}
		}
	}
}

func TestDefaultRulesLeaveCapturesUnchanged(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	marshaler := ptrace.JSONMarshaler{}
	for name, td := range readSamplingCaptures(t) {
		t.Run(name, func(t *testing.T) {
			want, err := marshaler.MarshalTraces(td)
			require.NoError(t, err)
			spans := 0
			forEachSpan(td, func(ptrace.Span) { spans++ })
			require.Positive(t, spans)

			sampleTraces(s, td)
			got, err := marshaler.MarshalTraces(td)
			require.NoError(t, err)
			assert.Equal(t, string(want), string(got))
		})
	}
}

func TestDefaultRulesProtectCaptureAttributes(t *testing.T) {
	// Every span also gets a prompt name and version, and a payload that the
	// default rules replace, so the rules are known to run on the span.
	payloadDoc := `[{"role":"assistant","parts":[{"type":"reasoning","content":"` + strings.Repeat("hmm ", 500) +
		`"},{"type":"blob","modality":"image","mime_type":"image/png","content":"` + testPNGB64 + `"}]}]`
	extra := map[string]string{
		"langfuse.observation.prompt.name":    "travel-advice",
		"langfuse.observation.prompt.version": "7",
		"gen_ai.prompt.name":                  "travel-advice",
	}

	s := newTestSampler(t, defaultSamplingConfig())
	for name, td := range readSamplingCaptures(t) {
		t.Run(name, func(t *testing.T) {
			var before []map[string]any
			forEachSpan(td, func(span ptrace.Span) {
				// Randomness 0 keeps no reasoning or documents.
				span.SetTraceID(traceIDWithRandomness(randomnessLow))
				span.TraceState().FromRaw("")
				span.Status().SetCode(ptrace.StatusCodeOk)
				span.Attributes().Remove("langfuse.observation.level")
				for k, v := range extra {
					span.Attributes().PutStr(k, v)
				}
				before = append(before, span.Attributes().AsRaw())
				span.Attributes().PutStr("test.payload", payloadDoc)
			})

			sampleTraces(s, td)

			i := 0
			forEachSpan(td, func(span ptrace.Span) {
				payload := attrString(t, span, "test.payload")
				assert.Contains(t, payload, "[sampled:sha256:")
				assert.Contains(t, payload, "[sampled:truncated ")
				span.Attributes().Remove("test.payload")

				assert.Equal(t, before[i], span.Attributes().AsRaw(), "span %q", span.Name())
				i++
			})
		})
	}
}

func TestCoveredKeysPresentInCaptures(t *testing.T) {
	// The protection tests are only as good as the attributes the captures
	// carry: messages, token counts and tool calls of each convention.
	categories := []string{
		"gen_ai.input.messages", "gen_ai.output.messages", "gen_ai.usage.", "llm.token_count.",
		"llm.input_messages.", "ai.prompt.messages", "ai.usage.", "ai.toolCall.args", "ai.toolCall.result",
		"gen_ai.tool.call.arguments", "gen_ai.tool.call.result", "ai.response.toolCalls",
	}
	seen := map[string]bool{}
	for _, td := range readSamplingCaptures(t) {
		forEachSpan(td, func(span ptrace.Span) {
			for key := range span.Attributes().All() {
				for _, category := range categories {
					if strings.HasPrefix(key, category) {
						seen[category] = true
					}
				}
			}
		})
	}
	for _, category := range categories {
		assert.True(t, seen[category], "no capture carries %s", category)
	}
}
