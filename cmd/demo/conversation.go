package main

import (
	"crypto/rand"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// buildConversation returns one trace of a support assistant: an agent span
// with two chat calls to gpt-4o around a tool call, and a summary by Claude
// that reads and writes the prompt cache. The first prompt carries an e-mail
// address and a phone number for the masking stage to catch.
func buildConversation(now time.Time) (ptrace.Traces, pcommon.TraceID) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	res := rs.Resource().Attributes()
	res.PutStr("service.name", "support-assistant")
	res.PutStr("service.version", "1.4.2")
	res.PutStr("deployment.environment.name", "demo")

	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("otelcol-genai-demo")

	traceID := newTraceID()
	start := now.Add(-4 * time.Second)

	root := addSpan(ss, traceID, pcommon.SpanID{}, "invoke_agent support-assistant", start, 3800*time.Millisecond)
	ra := root.Attributes()
	ra.PutStr("gen_ai.operation.name", "invoke_agent")
	ra.PutStr("gen_ai.agent.name", "support-assistant")
	ra.PutStr("user.id", "user-4711")
	ra.PutStr("session.id", "session-2026-12-04-001")
	ra.PutStr("langfuse.trace.name", "refund request")
	tags := ra.PutEmptySlice("langfuse.trace.tags")
	tags.AppendEmpty().SetStr("support")
	tags.AppendEmpty().SetStr("demo")
	// Agent spans repeat the sum of their children's usage; the view does not
	// count it again.
	ra.PutInt("gen_ai.usage.input_tokens", 2950)
	ra.PutInt("gen_ai.usage.output_tokens", 310)

	chat1 := addSpan(ss, traceID, root.SpanID(), "chat gpt-4o", start.Add(50*time.Millisecond), 1200*time.Millisecond)
	c1 := chat1.Attributes()
	c1.PutStr("gen_ai.operation.name", "chat")
	c1.PutStr("gen_ai.provider.name", "openai")
	c1.PutStr("gen_ai.request.model", "gpt-4o")
	c1.PutStr("gen_ai.response.model", "gpt-4o-2024-08-06")
	c1.PutDouble("gen_ai.request.temperature", 0.2)
	c1.PutInt("gen_ai.request.max_tokens", 512)
	c1.PutStr("gen_ai.system_instructions", `[{"type":"text","content":"You are a support assistant for an online shop."}]`)
	c1.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Hi, I am Jane Roe (jane.roe@example.com, +44 20 7946 0958). Order 88213 arrived broken, can I get a refund?"}]}]`)
	c1.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"tool_call","id":"call_1","name":"get_order","arguments":{"order_id":"88213"}}],"finish_reason":"tool_call"}]`)
	c1.PutInt("gen_ai.usage.input_tokens", 1200)
	c1.PutInt("gen_ai.usage.cache_read.input_tokens", 400)
	c1.PutInt("gen_ai.usage.output_tokens", 40)

	tool := addSpan(ss, traceID, root.SpanID(), "execute_tool get_order", start.Add(1300*time.Millisecond), 300*time.Millisecond)
	ta := tool.Attributes()
	ta.PutStr("gen_ai.operation.name", "execute_tool")
	ta.PutStr("gen_ai.tool.name", "get_order")
	ta.PutStr("gen_ai.tool.call.id", "call_1")
	ta.PutStr("gen_ai.tool.call.arguments", `{"order_id":"88213"}`)
	ta.PutStr("gen_ai.tool.call.result", `{"order_id":"88213","status":"delivered","refundable":true,"card":"4111 1111 1111 1111"}`)

	chat2 := addSpan(ss, traceID, root.SpanID(), "chat gpt-4o", start.Add(1650*time.Millisecond), 1400*time.Millisecond)
	c2 := chat2.Attributes()
	c2.PutStr("gen_ai.operation.name", "chat")
	c2.PutStr("gen_ai.provider.name", "openai")
	c2.PutStr("gen_ai.request.model", "gpt-4o")
	c2.PutStr("gen_ai.response.model", "gpt-4o-2024-08-06")
	c2.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Order 88213 arrived broken, can I get a refund?"}]},{"role":"tool","parts":[{"type":"tool_call_response","id":"call_1","response":{"status":"delivered","refundable":true}}]}]`)
	c2.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Yes. I have started a refund for order 88213; you will get a confirmation e-mail."}],"finish_reason":"stop"}]`)
	c2.PutInt("gen_ai.usage.input_tokens", 1350)
	c2.PutInt("gen_ai.usage.output_tokens", 60)

	summary := addSpan(ss, traceID, root.SpanID(), "chat claude-sonnet-4-5", start.Add(3100*time.Millisecond), 650*time.Millisecond)
	sa := summary.Attributes()
	sa.PutStr("gen_ai.operation.name", "chat")
	sa.PutStr("gen_ai.provider.name", "anthropic")
	sa.PutStr("gen_ai.request.model", "claude-sonnet-4-5")
	sa.PutStr("gen_ai.input.messages", `[{"role":"user","parts":[{"type":"text","content":"Summarise the conversation for the ticket."}]}]`)
	sa.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"text","content":"Customer reported a broken delivery; refund started."}],"finish_reason":"end_turn"}]`)
	// The semantic conventions count cache reads and writes inside input_tokens.
	sa.PutInt("gen_ai.usage.input_tokens", 400)
	sa.PutInt("gen_ai.usage.cache_read.input_tokens", 200)
	sa.PutInt("gen_ai.usage.cache_creation.input_tokens", 150)
	sa.PutInt("gen_ai.usage.output_tokens", 210)

	return td, traceID
}

func addSpan(ss ptrace.ScopeSpans, traceID pcommon.TraceID, parent pcommon.SpanID, name string, start time.Time, d time.Duration) ptrace.Span {
	s := ss.Spans().AppendEmpty()
	s.SetTraceID(traceID)
	s.SetSpanID(newSpanID())
	s.SetParentSpanID(parent)
	s.SetName(name)
	s.SetKind(ptrace.SpanKindClient)
	s.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	s.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(d)))
	return s
}

func newTraceID() pcommon.TraceID {
	var id pcommon.TraceID
	_, _ = rand.Read(id[:])
	return id
}

func newSpanID() pcommon.SpanID {
	var id pcommon.SpanID
	_, _ = rand.Read(id[:])
	return id
}
