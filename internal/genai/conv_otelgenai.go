package genai

// otelGenAIReader reads the OpenTelemetry GenAI semantic convention
// attributes (v1.37 to v1.41 and the semantic-conventions-genai repository):
// gen_ai.input.messages, gen_ai.output.messages, gen_ai.system_instructions,
// gen_ai.tool.*, and the operation names of agent spans. It runs last
// because Langfuse reads these attributes after every vendor key.
type otelGenAIReader struct{}

func (otelGenAIReader) convention() Convention { return ConventionOTelGenAI }

func (otelGenAIReader) readsUsage() bool { return true }

func (otelGenAIReader) detect(s *spanScan) bool {
	return s.hasGenAIAttributes
}

func (otelGenAIReader) read(dst *View, s *spanScan) {
	switch s.str(keyGenAIOperationName) {
	case "invoke_agent", "agent_step", "invoke_workflow", "handle_conversation_turn":
		// Agent, step and workflow spans repeat the usage of the model
		// calls below them (Vercel AI SDK v7, Strands, pydantic-ai).
		dst.Aggregate = true
	}

	// The bare gen_ai.prompt and gen_ai.completion keys (semantic
	// conventions 1.27 and older) come before the message attributes.
	s.setIO(dst, s.str(keyGenAIPrompt), s.str(keyGenAICompletion))
	if s.has[keyGenAIInputMessages] || s.has[keyGenAIOutputMessages] {
		s.setIO(dst, s.str(keyGenAIInputMessages), s.str(keyGenAIOutputMessages))
	} else {
		s.setIO(dst, s.str(keyGenAIToolCallArguments), s.str(keyGenAIToolCallResult))
	}
	if dst.SystemInstructions == "" {
		dst.SystemInstructions = s.str(keyGenAISystemInstructions)
	}
	if dst.ToolDefinitions == "" {
		dst.ToolDefinitions = s.str(keyGenAIToolDefinitions)
	}
	if len(dst.ToolCalls) == 0 && dst.Type != TypeTool && !dst.Aggregate {
		appendMessageToolCalls(dst, s.str(keyGenAIOutputMessages), s)
	}
}
