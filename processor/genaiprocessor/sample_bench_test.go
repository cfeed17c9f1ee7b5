package genaiprocessor

import (
	"strings"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// chatSpan returns a chat span as the Vercel AI SDK sends it, with text
// messages, a tool call and usage: nothing for the default rules to sample.
func chatSpan(traceID pcommon.TraceID) (ptrace.Traces, ptrace.Span) {
	return newSampleTestSpan(traceID, map[string]string{
		"gen_ai.operation.name":      "chat",
		"gen_ai.provider.name":       "openai",
		"gen_ai.request.model":       "gpt-4o-mini",
		"gen_ai.response.model":      "gpt-4o-mini-2024-07-18",
		"gen_ai.response.id":         "chatcmpl-D1",
		"gen_ai.system_instructions": `[{"type":"text","content":"You are a concise travel assistant."}]`,
		"gen_ai.input.messages": `[{"role":"user","parts":[{"type":"text","content":"What should I wear in ` +
			`Lisbon tonight? ` + strings.Repeat("Give details about layers and shoes. ", 40) + `"}]}]`,
		"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1",` +
			`"name":"getWeather","arguments":{"city":"Lisbon"}}],"finish_reason":"tool_call"}]`,
		"gen_ai.tool.definitions": `[{"type":"function","name":"getWeather","inputSchema":{"type":"object",` +
			`"properties":{"city":{"type":"string"}},"required":["city"]},"description":"Current weather for a city"}]`,
		"gen_ai.usage.input_tokens":  "84",
		"gen_ai.usage.output_tokens": "17",
		"langfuse.session.id":        "session-42",
		"langfuse.user.id":           "user-7",
	})
}

// BenchmarkSampleSpan measures the sampling stage with the default
// configuration on one span.
func BenchmarkSampleSpan(b *testing.B) {
	s := newTestSampler(b, defaultSamplingConfig())

	b.Run("chat_nothing_to_sample", func(b *testing.B) {
		td, _ := chatSpan(traceIDWithRandomness(randomnessLow))
		sc := &spanContext{view: &genai.View{}}
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			sampleTracesWith(s, td, sc)
		}
	})

	b.Run("image_hashed", func(b *testing.B) {
		attrs := map[string]string{"gen_ai.input.messages": messageShapes[3].doc}
		b.SetBytes(int64(len(messageShapes[3].doc)))
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			b.StopTimer()
			td, _ := newSampleTestSpan(traceIDWithRandomness(randomnessLow), attrs)
			b.StartTimer()
			sampleTraces(s, td)
		}
	})

	b.Run("messages_over_attribute_limit", func(b *testing.B) {
		// 2 MiB of JSON messages, cut to max_attribute_bytes (1 MiB) with
		// their shape kept.
		doc := longMessages(2 << 20)
		attrs := map[string]string{"gen_ai.input.messages": doc}
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			b.StopTimer()
			td, _ := newSampleTestSpan(traceIDWithRandomness(randomnessLow), attrs)
			b.StartTimer()
			sampleTraces(s, td)
		}
	})

	b.Run("reasoning_truncated", func(b *testing.B) {
		doc := `[{"role":"assistant","parts":[{"type":"reasoning","content":"` + strings.Repeat("because ", 2000) +
			`"},{"type":"text","content":"answer"}],"finish_reason":"stop"}]`
		attrs := map[string]string{"gen_ai.output.messages": doc}
		b.SetBytes(int64(len(doc)))
		b.ReportAllocs()
		b.ResetTimer()
		for b.Loop() {
			b.StopTimer()
			td, _ := newSampleTestSpan(traceIDWithRandomness(randomnessLow), attrs)
			b.StartTimer()
			sampleTraces(s, td)
		}
	})
}
