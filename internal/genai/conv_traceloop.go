package genai

import (
	"strings"
)

// traceloopReader reads Traceloop OpenLLMetry spans: the entity spans of
// workflows, tasks, agents and tools (traceloop.*), and the legacy LLM spans
// whose messages are flattened into gen_ai.prompt.N.* and
// gen_ai.completion.N.*. Current OpenLLMetry LLM spans follow the GenAI
// semantic conventions and are read by otelGenAIReader.
type traceloopReader struct{}

func (traceloopReader) convention() Convention { return ConventionTraceloop }

func (traceloopReader) readsUsage() bool { return true }

func (traceloopReader) detect(s *spanScan) bool {
	return strings.HasPrefix(s.scope, "@traceloop/") ||
		strings.HasPrefix(s.scope, "opentelemetry.instrumentation.") ||
		s.has[keyTraceloopSpanKind] || s.has[keyTraceloopEntityInput] ||
		s.has[keyTraceloopEntityOutput] || s.hasFlatPrompt || s.hasFlatCompletion ||
		s.has[keyLLMRequestType]
}

func (traceloopReader) read(dst *View, s *spanScan) {
	switch s.str(keyTraceloopSpanKind) {
	case "workflow", "task", "agent":
		// Entity spans wrap the LLM spans; any usage on them is a repeat.
		dst.Aggregate = true
	}
	if dst.Operation == "" {
		dst.Operation = s.str(keyLLMRequestType)
	}

	s.setIO(dst, s.str(keyTraceloopEntityInput), s.str(keyTraceloopEntityOutput))

	input, output := s.str(keyGenAIPrompt), s.str(keyGenAICompletion)
	attrs := s.span.Attributes()
	if input == "" && s.hasFlatPrompt {
		input = unflatten(attrs, prefixGenAIPrompt, s)
	}
	if output == "" && s.hasFlatCompletion {
		output = unflatten(attrs, prefixGenAICompletion, s)
	}
	s.setIO(dst, input, output)
	if s.hasFlatCompletion && len(dst.ToolCalls) == 0 && dst.Output == output {
		appendMessageToolCalls(dst, output, s)
	}
}
