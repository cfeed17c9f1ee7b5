package genai

import (
	"strings"
)

// observationType resolves the Langfuse observation type in the order of
// Langfuse's type mappers; the first rule that yields a type wins. The
// Traceloop span kind rule is an addition that Langfuse does not have.
func observationType(s *spanScan) ObservationType {
	if isLegacyPythonGeneration(s) {
		return TypeGeneration
	}
	if t, ok := parseObservationType(s.str(keyLFObservationType)); ok {
		return t
	}
	if t, ok := openInferenceType(s.str(keyOISpanKind)); ok {
		return t
	}
	if t, ok := operationType(s.str(keyGenAIOperationName)); ok {
		return t
	}
	if t, ok := vercelType(s); ok {
		return t
	}
	if s.has[keyGenAIToolName] || s.has[keyGenAIToolCallID] || s.has[keyFlueToolName] ||
		s.has[keyFlueToolCallID] {
		return TypeTool
	}
	if s.scope == "livekit-agents" {
		switch s.span.Name() {
		case "agent_turn", "start_agent_activity":
			return TypeAgent
		case "function_tool":
			return TypeTool
		}
	}
	if t, ok := traceloopType(s.str(keyTraceloopSpanKind)); ok {
		return t
	}
	if s.firstString(keyLFObservationModelName, keyGenAIRequestModel, keyGenAIResponseModel,
		keyLLMModelName, keyModel) != "" {
		return TypeGeneration
	}
	return TypeSpan
}

// isLegacyPythonGeneration reports a Langfuse Python SDK (3.3 and older)
// generation that was exported with type span.
func isLegacyPythonGeneration(s *spanScan) bool {
	if !strings.HasPrefix(s.scope, "langfuse-sdk") || s.str(keyLFObservationType) != "span" {
		return false
	}
	if v, ok := s.resource.Get("telemetry.sdk.language"); !ok || v.Str() != "python" {
		return false
	}
	for _, k := range [...]key{keyLFObservationModelName, keyLFObservationCostDetails,
		keyLFObservationUsageDetails, keyLFObservationCompletionStartTime,
		keyLFObservationModelParameters, keyLFObservationPromptName,
		keyLFObservationPromptVersion} {
		if s.has[k] {
			return true
		}
	}
	return false
}

// parseObservationType accepts the exact lower-case type names of
// langfuse.observation.type.
func parseObservationType(s string) (ObservationType, bool) {
	switch t := ObservationType(s); t {
	case TypeSpan, TypeGeneration, TypeEvent, TypeAgent, TypeTool, TypeChain, TypeRetriever,
		TypeEvaluator, TypeEmbedding, TypeGuardrail:
		return t, true
	}
	return "", false
}

// openInferenceType maps openinference.span.kind, which must be upper case.
func openInferenceType(kind string) (ObservationType, bool) {
	switch kind {
	case "LLM":
		return TypeGeneration, true
	case "EMBEDDING":
		return TypeEmbedding, true
	case "AGENT":
		return TypeAgent, true
	case "TOOL":
		return TypeTool, true
	case "CHAIN":
		return TypeChain, true
	case "RETRIEVER":
		return TypeRetriever, true
	case "GUARDRAIL":
		return TypeGuardrail, true
	case "EVALUATOR":
		return TypeEvaluator, true
	}
	return "", false
}

// operationType maps gen_ai.operation.name.
func operationType(op string) (ObservationType, bool) {
	switch op {
	case "chat", "completion", "text_completion", "generate_content", "generate":
		return TypeGeneration, true
	case "embeddings":
		return TypeEmbedding, true
	case "invoke_agent", "create_agent":
		return TypeAgent, true
	case "execute_tool":
		return TypeTool, true
	}
	return "", false
}

// vercelOperation returns the Vercel AI SDK operation id: ai.operationId, or
// the first word of operation.name ("ai.generateText.doGenerate travel").
func vercelOperation(s *spanScan) string {
	if op := s.str(keyAIOperationID); op != "" {
		return op
	}
	op := s.str(keyOperationName)
	if i := strings.IndexByte(op, ' '); i >= 0 {
		op = op[:i]
	}
	if strings.HasPrefix(op, "ai.") {
		return op
	}
	return ""
}

// vercelType maps Vercel AI SDK provider-call spans that carry a model to
// generation or embedding, and ai.toolCall to tool.
func vercelType(s *spanScan) (ObservationType, bool) {
	op := vercelOperation(s)
	if op == "" {
		return "", false
	}
	if op == "ai.toolCall" {
		return TypeTool, true
	}
	if s.firstString(keyLFObservationModelName, keyAIModelID, keyGenAIRequestModel,
		keyGenAIResponseModel) == "" {
		return "", false
	}
	switch op {
	case "ai.generateText.doGenerate", "ai.streamText.doStream", "ai.generateObject.doGenerate",
		"ai.streamObject.doStream":
		return TypeGeneration, true
	case "ai.embed.doEmbed", "ai.embedMany.doEmbed":
		return TypeEmbedding, true
	}
	return "", false
}

// traceloopType maps traceloop.span.kind of OpenLLMetry entity spans.
func traceloopType(kind string) (ObservationType, bool) {
	switch kind {
	case "tool":
		return TypeTool, true
	case "agent":
		return TypeAgent, true
	case "workflow", "task":
		return TypeChain, true
	}
	return "", false
}
