package genai

import (
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"os"
	"strings"
	"testing"
)

// benchChatSpan builds a typical semantic-convention chat span: about 2 KB
// of input and output messages, usage, models and 20 attributes.
func benchChatSpan() spanData {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	rs.Resource().Attributes().PutStr("deployment.environment.name", "production")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("opentelemetry.instrumentation.openai_v2")
	span := ss.Spans().AppendEmpty()
	span.SetName("chat gpt-4o-mini")

	question := strings.Repeat("Which trains run from Lisbon to Porto tomorrow morning? ", 16)
	answer := strings.Repeat("The Alfa Pendular leaves Santa Apolonia at 07:00 and 09:00. ", 16)
	a := span.Attributes()
	a.PutStr("gen_ai.operation.name", "chat")
	a.PutStr("gen_ai.provider.name", "openai")
	a.PutStr("gen_ai.request.model", "gpt-4o-mini")
	a.PutStr("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
	a.PutStr("gen_ai.response.id", "chatcmpl-abc123")
	a.PutStr("gen_ai.response.finish_reasons", "stop")
	a.PutDouble("gen_ai.request.temperature", 0.3)
	a.PutInt("gen_ai.request.max_tokens", 512)
	a.PutInt("gen_ai.usage.input_tokens", 1200)
	a.PutInt("gen_ai.usage.output_tokens", 240)
	a.PutInt("gen_ai.usage.cache_read.input_tokens", 1024)
	a.PutStr("gen_ai.conversation.id", "sess-91f")
	a.PutStr("user.id", "user-4821")
	a.PutStr("server.address", "api.openai.com")
	a.PutInt("server.port", 443)
	a.PutStr("gen_ai.system_instructions", `[{"type":"text","content":"You are a rail travel assistant."}]`)
	a.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"`+question+`"}]}]`)
	a.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"`+answer+
		`"}],"finish_reason":"stop"}]`)
	a.PutStr("openai.api.type", "chat_completions")
	a.PutStr("openai.response.service_tier", "default")
	return spanData{rs.Resource(), ss.Scope(), span}
}

// loadCaptureSpan returns the span of a capture file with the name; skip
// selects among spans of the same name, in file order.
func loadCaptureSpan(b *testing.B, file, name string, skip int) spanData {
	data, err := os.ReadFile("testdata/captures/" + file)
	if err != nil {
		b.Fatal(err)
	}
	td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	if err != nil {
		b.Fatal(err)
	}
	for i := 0; i < td.ResourceSpans().Len(); i++ {
		rs := td.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			for k := 0; k < ss.Spans().Len(); k++ {
				span := ss.Spans().At(k)
				if span.Name() != name {
					continue
				}
				if skip == 0 {
					return spanData{rs.Resource(), ss.Scope(), span}
				}
				skip--
			}
		}
	}
	b.Fatalf("no span %q in %s", name, file)
	return spanData{}
}

type readFunc func(*View, pcommon.Resource, pcommon.InstrumentationScope, ptrace.Span)

func benchmarkRead(b *testing.B, read readFunc, sd spanData) {
	var v View
	read(&v, sd.resource, sd.scope, sd.span)
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		read(&v, sd.resource, sd.scope, sd.span)
	}
}

// BenchmarkRead reads spans of several instrumentations with Read, the
// exporter's read, and with ReadUsage, the processor's.
func BenchmarkRead(b *testing.B) {
	spans := []struct {
		name string
		span func() spanData
	}{
		{"semconv_chat", benchChatSpan},
		{"vercel_doGenerate_text", func() spanData {
			return loadCaptureSpan(b, "vercel-ai.json", "ai.generateText.doGenerate", 1)
		}},
		{"vercel_doGenerate_tool_call", func() spanData {
			return loadCaptureSpan(b, "vercel-ai.json", "ai.generateText.doGenerate", 0)
		}},
		{"openinference_llm", func() spanData {
			return loadCaptureSpan(b, "openinference-openai.json", "OpenAI Chat Completions", 1)
		}},
		{"openinference_llm_tool_call", func() spanData {
			return loadCaptureSpan(b, "openinference-openai.json", "OpenAI Chat Completions", 0)
		}},
	}
	reads := []struct {
		name string
		read readFunc
	}{
		{"full", Read},
		{"usage", ReadUsage},
	}
	for _, r := range reads {
		for _, sp := range spans {
			b.Run(r.name+"/"+sp.name, func(b *testing.B) {
				benchmarkRead(b, r.read, sp.span())
			})
		}
	}
}
