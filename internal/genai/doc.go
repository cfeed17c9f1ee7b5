// Package genai reads one span, whatever GenAI convention it follows, into a
// single View that the processor stages and the Langfuse exporter share.
//
// # Conventions
//
// Read detects the convention per span, because one trace can mix several.
// Each convention is read by a small reader type (conv_*.go):
//
//   - Langfuse SDK attributes: langfuse.observation.*, langfuse.trace.*,
//     user.id, session.id (JS SDK v4+, Python SDK v3+).
//   - Vercel AI SDK v4 to v6 and v7's legacy integration: ai.* keys, scope
//     "ai". The v7 modern integration (scope "gen_ai") is read as GenAI
//     semantic conventions.
//   - OpenTelemetry GenAI semantic conventions up to v1.41 and the
//     semantic-conventions-genai repository: gen_ai.input.messages,
//     gen_ai.output.messages, gen_ai.system_instructions, gen_ai.tool.*,
//     the older gen_ai.prompt and gen_ai.completion, the deprecated
//     gen_ai.*.message and gen_ai.choice events, and the
//     gen_ai.client.inference.operation.details event.
//   - OpenInference: openinference.span.kind, llm.*, input.value and
//     output.value, flattened llm.input_messages.N.message.*.
//   - Traceloop OpenLLMetry: traceloop.* entity spans and the legacy
//     flattened gen_ai.prompt.N.* and gen_ai.completion.N.* keys.
//   - OpenLIT, Pydantic AI and Logfire, Strands Agents and Google ADK, which
//     add their own keys to the semantic conventions.
//
// Where conventions disagree, the first key in Langfuse's OTLP ingestion
// order wins, so that the exporter can set every field explicitly and
// Langfuse ends with the result it would derive itself.
//
// # Usage
//
// Usage is split into the disjoint buckets of Usage, so that the sum of the
// buckets is the number of tokens billed:
//
//	convention                          input count        output count
//	semantic conventions, OpenLIT,      includes cache     includes reasoning
//	Pydantic AI, Strands, Traceloop
//	OpenInference                       includes cache     includes reasoning
//	Anthropic-native cache counts       excludes cache     includes reasoning
//	Vercel AI SDK v6+                   disjoint noCacheTokens and textTokens
//	Vercel AI SDK v4 and v5             includes cache     includes reasoning
//	Vercel AI SDK v4 and v5, Anthropic  excludes cache     includes reasoning
//	Google ADK (Gemini)                 includes cache     excludes thinking
//	langfuse usage_details              additive keys, as sent
//
// Spans that repeat their children's usage get Aggregate set and no usage:
// invoke_agent, agent_step and invoke_workflow operations, Vercel's outer
// ai.generateText, ai.streamText, ai.generateObject, ai.streamObject,
// ai.embed and ai.embedMany spans, Google ADK's invocation span, Traceloop
// workflow, task and agent spans, and Strands event-loop cycles. Pydantic
// AI's run totals use gen_ai.aggregated_usage.*, which is never read as
// usage. Each model call is therefore counted once.
//
// # Cost
//
// Read makes one pass over the span attributes with a switch on the key.
// Message attributes are kept as the original text without copying; JSON
// is rebuilt only for flattened and span-event forms, and output messages
// are decoded only when they mention a tool call.
package genai
