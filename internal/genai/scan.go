package genai

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// key is an attribute key that some convention reader reads by exact name.
type key uint8

// Exact attribute keys, grouped by the convention that defines them.
const (
	keyNone key = iota

	// Langfuse SDK.
	keyLFObservationType
	keyLFObservationInput
	keyLFObservationOutput
	keyLFObservationLevel
	keyLFObservationStatusMessage
	keyLFObservationModelName
	keyLFObservationModelParameters
	keyLFObservationUsageDetails
	keyLFObservationCostDetails
	keyLFObservationCompletionStartTime
	keyLFObservationPromptName
	keyLFObservationPromptVersion
	keyLFObservationMetadata
	keyLFPromptName
	keyLFPromptVersion
	keyLFTraceName
	keyLFTraceTags
	keyLFTracePublic
	keyLFTraceInput
	keyLFTraceOutput
	keyLFTraceMetadata
	keyLFTags
	keyLFPublic
	keyLFMetadata
	keyLFUserID
	keyLFSessionID
	keyLFEnvironment
	keyLFRelease
	keyLFVersion
	keyUserID
	keySessionID
	keyDeploymentEnvironmentName
	keyDeploymentEnvironment

	// Metadata keys that carry user, session, tags or a prompt link.
	keyObsMetaUserID
	keyObsMetaSessionID
	keyObsMetaTags
	keyTraceMetaUserID
	keyTraceMetaSessionID
	keyTraceMetaTags
	keyAIMetaUserID
	keyAIMetaSessionID
	keyAIMetaTags
	keyAIMetaLangfusePrompt
	keyAIContextUserID
	keyAIContextSessionID
	keyTraceloopUserID
	keyTraceloopSessionID

	// OpenTelemetry GenAI semantic conventions.
	keyGenAIOperationName
	keyGenAIProviderName
	keyGenAISystem
	keyGenAIRequestModel
	keyGenAIResponseModel
	keyGenAIConversationID
	keyGenAIInputMessages
	keyGenAIOutputMessages
	keyGenAISystemInstructions
	keyGenAIToolDefinitions
	keyGenAIToolName
	keyGenAIToolCallID
	keyGenAIToolCallArguments
	keyGenAIToolCallResult
	keyGenAIToolArgs
	keyGenAIPrompt
	keyGenAICompletion
	keyGenAIUsageCost
	keyGenAIPromptName
	keyGenAIAgentName
	keyGenAIRequestUser

	// Vercel AI SDK.
	keyOperationName
	keyAIOperationID
	keyAITelemetryFunctionID
	keyAIModelID
	keyAIModelProvider
	keyAIPrompt
	keyAIPromptMessages
	keyAIPromptTools
	keyAIResponseText
	keyAIResponseToolCalls
	keyAIResponseObject
	keyAIResultText
	keyAIResultObject
	keyAIResultToolCalls
	keyAIToolCallName
	keyAIToolCallID
	keyAIToolCallArgs
	keyAIToolCallResult
	keyAIResponseModel
	keyAIResponseMsToFirstChunk
	keyAIStreamMsToFirstChunk
	keyAIResponseProviderMetadata
	keyAIValue
	keyAIValues

	// OpenInference.
	keyOISpanKind
	keyLLMModelName
	keyLLMRequestModelName
	keyLLMResponseModelName
	keyLLMResponseModel
	keyEmbeddingModelName
	keyLLMSystem
	keyLLMProvider
	keyLLMInvocationParameters
	keyInputValue
	keyOutputValue
	keyMetadata
	keyTagTags
	keyLLMCostTotal
	keyLLMCostPrompt
	keyLLMCostCompletion
	keyToolName
	keyToolCallID
	keyLLMUser

	// Traceloop / OpenLLMetry.
	keyTraceloopSpanKind
	keyTraceloopEntityInput
	keyTraceloopEntityOutput
	keyTraceloopEntityName
	keyLLMRequestType

	// Logfire, Pydantic AI and other generic names that Langfuse reads.
	keyLogfireMsg
	keyPydanticAllMessages
	keyFinalResult
	keyPrompt
	keyAllMessagesEvents
	keyEvents
	keyInput
	keyOutput
	keyModel
	keyModelConfig
	keyToolArguments
	keyToolResponse

	// Google ADK.
	keyADKLLMRequest
	keyADKLLMResponse
	keyADKToolCallArgs
	keyADKToolResponse

	// Flue.
	keyFlueToolName
	keyFlueToolCallID
	keyFlueToolArguments
	keyFlueToolResult

	// OpenTelemetry GenAI timing attributes, in seconds.
	keyGenAITimeToFirstChunk
	keyGenAIClientTimeToFirstChunk

	keyCount
)

// lookupKey returns the key for an exact attribute name, or keyNone.
func lookupKey(name string) key {
	switch name {
	case "langfuse.observation.type":
		return keyLFObservationType
	case "langfuse.observation.input":
		return keyLFObservationInput
	case "langfuse.observation.output":
		return keyLFObservationOutput
	case "langfuse.observation.level":
		return keyLFObservationLevel
	case "langfuse.observation.status_message":
		return keyLFObservationStatusMessage
	case "langfuse.observation.model.name":
		return keyLFObservationModelName
	case "langfuse.observation.model.parameters":
		return keyLFObservationModelParameters
	case "langfuse.observation.usage_details":
		return keyLFObservationUsageDetails
	case "langfuse.observation.cost_details":
		return keyLFObservationCostDetails
	case "langfuse.observation.completion_start_time":
		return keyLFObservationCompletionStartTime
	case "langfuse.observation.prompt.name":
		return keyLFObservationPromptName
	case "langfuse.observation.prompt.version":
		return keyLFObservationPromptVersion
	case "langfuse.observation.metadata":
		return keyLFObservationMetadata
	case "langfuse.prompt.name":
		return keyLFPromptName
	case "langfuse.prompt.version":
		return keyLFPromptVersion
	case "langfuse.trace.name":
		return keyLFTraceName
	case "langfuse.trace.tags":
		return keyLFTraceTags
	case "langfuse.trace.public":
		return keyLFTracePublic
	case "langfuse.trace.input":
		return keyLFTraceInput
	case "langfuse.trace.output":
		return keyLFTraceOutput
	case "langfuse.trace.metadata":
		return keyLFTraceMetadata
	case "langfuse.tags":
		return keyLFTags
	case "langfuse.public":
		return keyLFPublic
	case "langfuse.metadata":
		return keyLFMetadata
	case "langfuse.user.id":
		return keyLFUserID
	case "langfuse.session.id":
		return keyLFSessionID
	case "langfuse.environment":
		return keyLFEnvironment
	case "langfuse.release":
		return keyLFRelease
	case "langfuse.version":
		return keyLFVersion
	case "user.id":
		return keyUserID
	case "session.id":
		return keySessionID
	case "deployment.environment.name":
		return keyDeploymentEnvironmentName
	case "deployment.environment":
		return keyDeploymentEnvironment

	case "gen_ai.operation.name":
		return keyGenAIOperationName
	case "gen_ai.provider.name":
		return keyGenAIProviderName
	case "gen_ai.system":
		return keyGenAISystem
	case "gen_ai.request.model":
		return keyGenAIRequestModel
	case "gen_ai.response.model":
		return keyGenAIResponseModel
	case "gen_ai.conversation.id":
		return keyGenAIConversationID
	case "gen_ai.input.messages":
		return keyGenAIInputMessages
	case "gen_ai.output.messages":
		return keyGenAIOutputMessages
	case "gen_ai.system_instructions":
		return keyGenAISystemInstructions
	case "gen_ai.tool.definitions":
		return keyGenAIToolDefinitions
	case "gen_ai.tool.name":
		return keyGenAIToolName
	case "gen_ai.tool.call.id":
		return keyGenAIToolCallID
	case "gen_ai.tool.call.arguments":
		return keyGenAIToolCallArguments
	case "gen_ai.tool.call.result":
		return keyGenAIToolCallResult
	case "gen_ai.tool.args":
		return keyGenAIToolArgs
	case "gen_ai.prompt":
		return keyGenAIPrompt
	case "gen_ai.completion":
		return keyGenAICompletion
	case "gen_ai.usage.cost":
		return keyGenAIUsageCost
	case "gen_ai.prompt.name":
		return keyGenAIPromptName
	case "gen_ai.agent.name":
		return keyGenAIAgentName
	case "gen_ai.request.user":
		return keyGenAIRequestUser

	case "operation.name":
		return keyOperationName
	case "ai.operationId":
		return keyAIOperationID
	case "ai.telemetry.functionId":
		return keyAITelemetryFunctionID
	case "ai.model.id":
		return keyAIModelID
	case "ai.model.provider":
		return keyAIModelProvider
	case "ai.prompt":
		return keyAIPrompt
	case "ai.prompt.messages":
		return keyAIPromptMessages
	case "ai.prompt.tools":
		return keyAIPromptTools
	case "ai.response.text":
		return keyAIResponseText
	case "ai.response.toolCalls":
		return keyAIResponseToolCalls
	case "ai.response.object":
		return keyAIResponseObject
	case "ai.result.text":
		return keyAIResultText
	case "ai.result.object":
		return keyAIResultObject
	case "ai.result.toolCalls":
		return keyAIResultToolCalls
	case "ai.toolCall.name":
		return keyAIToolCallName
	case "ai.toolCall.id":
		return keyAIToolCallID
	case "ai.toolCall.args":
		return keyAIToolCallArgs
	case "ai.toolCall.result":
		return keyAIToolCallResult
	case "ai.response.model":
		return keyAIResponseModel
	case "ai.response.msToFirstChunk":
		return keyAIResponseMsToFirstChunk
	case "ai.stream.msToFirstChunk":
		return keyAIStreamMsToFirstChunk
	case "ai.response.providerMetadata":
		return keyAIResponseProviderMetadata
	case "ai.value":
		return keyAIValue
	case "ai.values":
		return keyAIValues

	case "openinference.span.kind":
		return keyOISpanKind
	case "llm.model_name":
		return keyLLMModelName
	case "llm.request.model_name":
		return keyLLMRequestModelName
	case "llm.response.model_name":
		return keyLLMResponseModelName
	case "llm.response.model":
		return keyLLMResponseModel
	case "embedding.model_name":
		return keyEmbeddingModelName
	case "llm.system":
		return keyLLMSystem
	case "llm.provider":
		return keyLLMProvider
	case "llm.invocation_parameters":
		return keyLLMInvocationParameters
	case "input.value":
		return keyInputValue
	case "output.value":
		return keyOutputValue
	case "metadata":
		return keyMetadata
	case "tag.tags":
		return keyTagTags
	case "llm.cost.total":
		return keyLLMCostTotal
	case "llm.cost.prompt":
		return keyLLMCostPrompt
	case "llm.cost.completion":
		return keyLLMCostCompletion
	case "tool.name":
		return keyToolName
	case "tool_call.id":
		return keyToolCallID
	case "llm.user":
		return keyLLMUser

	case "traceloop.span.kind":
		return keyTraceloopSpanKind
	case "traceloop.entity.input":
		return keyTraceloopEntityInput
	case "traceloop.entity.output":
		return keyTraceloopEntityOutput
	case "traceloop.entity.name":
		return keyTraceloopEntityName
	case "llm.request.type":
		return keyLLMRequestType

	case "logfire.msg":
		return keyLogfireMsg
	case "pydantic_ai.all_messages":
		return keyPydanticAllMessages
	case "final_result":
		return keyFinalResult
	case "prompt":
		return keyPrompt
	case "all_messages_events":
		return keyAllMessagesEvents
	case "events":
		return keyEvents
	case "input":
		return keyInput
	case "output":
		return keyOutput
	case "model":
		return keyModel
	case "model_config":
		return keyModelConfig
	case "tool_arguments":
		return keyToolArguments
	case "tool_response":
		return keyToolResponse

	case "gcp.vertex.agent.llm_request":
		return keyADKLLMRequest
	case "gcp.vertex.agent.llm_response":
		return keyADKLLMResponse
	case "gcp.vertex.agent.tool_call_args":
		return keyADKToolCallArgs
	case "gcp.vertex.agent.tool_response":
		return keyADKToolResponse

	case "flue.tool.name":
		return keyFlueToolName
	case "flue.tool.call_id":
		return keyFlueToolCallID
	case "flue.tool.arguments":
		return keyFlueToolArguments
	case "flue.tool.result":
		return keyFlueToolResult

	case "gen_ai.response.time_to_first_chunk":
		return keyGenAITimeToFirstChunk
	case "gen_ai.client.operation.time_to_first_chunk":
		return keyGenAIClientTimeToFirstChunk
	}
	return keyNone
}

// Attribute key prefixes that carry families of keys.
const (
	prefixObsMetadata      = "langfuse.observation.metadata."
	prefixTraceMetadata    = "langfuse.trace.metadata."
	prefixLFMetadata       = "langfuse.metadata."
	prefixAIMetadata       = "ai.telemetry.metadata."
	prefixAIContext        = "ai.settings.context."
	prefixAISettings       = "ai.settings."
	prefixAIUsage          = "ai.usage."
	prefixTraceloopProps   = "traceloop.association.properties."
	prefixGenAIUsage       = "gen_ai.usage."
	prefixLLMTokenCount    = "llm.token_count."
	prefixGenAIRequest     = "gen_ai.request."
	prefixGenAIPrompt      = "gen_ai.prompt."
	prefixGenAICompletion  = "gen_ai.completion."
	prefixLLMInputMessages = "llm.input_messages."
	prefixLLMOutputMsgs    = "llm.output_messages."
	prefixLLMTools         = "llm.tools."
	prefixLLMInvocation    = "llm.invocation_parameters."
)

// spanScan is the result of one pass over a span's attributes: the values
// of the exact keys, the usage counts, and flags for the key families that
// need a second look.
type spanScan struct {
	values [keyCount]pcommon.Value
	has    [keyCount]bool

	genericUsage usageCounts
	vercelUsage  usageCounts

	// Flags for flattened families that are rebuilt into JSON only when
	// present.
	hasFlatPrompt     bool
	hasFlatCompletion bool
	hasLLMInputMsgs   bool
	hasLLMOutputMsgs  bool
	// hasLLMOutputToolCalls is set when flattened output messages name
	// tool calls.
	hasLLMOutputToolCalls bool
	hasLLMTools           bool
	hasGenAIAttributes    bool
	hasAIUsageKeys        bool

	ioDone      bool
	hasLangfuse bool
	invalid     int
	// usageOnly is set by ReadUsage: metadata, request parameters other
	// than the service tier, messages and tool calls are not read.
	usageOnly bool

	span     ptrace.Span
	resource pcommon.Map
	scope    string
}

func (s *spanScan) reset() {
	s.has = [keyCount]bool{}
	s.genericUsage = usageCounts{}
	s.vercelUsage = usageCounts{}
	s.hasFlatPrompt = false
	s.hasFlatCompletion = false
	s.hasLLMInputMsgs = false
	s.hasLLMOutputMsgs = false
	s.hasLLMOutputToolCalls = false
	s.hasLLMTools = false
	s.hasGenAIAttributes = false
	s.invalid = 0
	s.ioDone = false
	s.hasLangfuse = false
}

// get returns the value of an exact key and whether the span carried it.
func (s *spanScan) get(k key) (pcommon.Value, bool) {
	if !s.has[k] {
		return pcommon.Value{}, false
	}
	return s.values[k], true
}

// str returns the value of an exact key as a string: the string itself for
// string values (no copy), JSON text for maps and arrays, and the decimal
// form for numbers and booleans.
func (s *spanScan) str(k key) string {
	if !s.has[k] {
		return ""
	}
	return valueString(s.values[k])
}

// scanAttributes walks span attributes once. Exact keys go into values;
// prefixed families go to dst (metadata, model parameters) or into the usage
// counts.
func (s *spanScan) scanAttributes(dst *View, attrs pcommon.Map) {
	attrs.Range(func(name string, v pcommon.Value) bool {
		if k := lookupKey(name); k != keyNone {
			s.values[k] = v
			s.has[k] = true
			switch {
			case k >= keyGenAIOperationName && k <= keyGenAIRequestUser:
				s.hasGenAIAttributes = true
			case k <= keyLFVersion:
				s.hasLangfuse = true
			}
			return true
		}
		s.scanPrefixed(dst, name, v)
		return true
	})
}

func (s *spanScan) scanPrefixed(dst *View, name string, v pcommon.Value) {
	switch {
	case strings.HasPrefix(name, "gen_ai."):
		s.hasGenAIAttributes = true
		switch {
		case strings.HasPrefix(name, prefixGenAIUsage):
			s.addGenericUsage(dst, name[len(prefixGenAIUsage):], v)
		case strings.HasPrefix(name, prefixGenAIRequest):
			s.modelParameter(dst, name[len(prefixGenAIRequest):], v)
		case strings.HasPrefix(name, prefixGenAIPrompt) && startsWithDigit(name[len(prefixGenAIPrompt):]):
			s.hasFlatPrompt = true
		case strings.HasPrefix(name, prefixGenAICompletion) &&
			startsWithDigit(name[len(prefixGenAICompletion):]):
			s.hasFlatCompletion = true
		}
	case strings.HasPrefix(name, "llm."):
		switch {
		case strings.HasPrefix(name, prefixLLMTokenCount):
			s.addGenericUsage(dst, name[len(prefixLLMTokenCount):], v)
		case strings.HasPrefix(name, prefixLLMInputMessages):
			s.hasLLMInputMsgs = true
		case strings.HasPrefix(name, prefixLLMOutputMsgs):
			s.hasLLMOutputMsgs = true
			if strings.Contains(name, ".tool_calls.") {
				s.hasLLMOutputToolCalls = true
			}
		case strings.HasPrefix(name, prefixLLMTools):
			s.hasLLMTools = true
		case strings.HasPrefix(name, prefixLLMInvocation):
			s.modelParameter(dst, name[len(prefixLLMInvocation):], v)
		}
	case strings.HasPrefix(name, "ai."):
		switch {
		case strings.HasPrefix(name, prefixAIUsage):
			s.addVercelUsage(name[len(prefixAIUsage):], v)
		case strings.HasPrefix(name, prefixAIMetadata):
			s.scanAIMetadata(dst, name[len(prefixAIMetadata):], v)
		case strings.HasPrefix(name, prefixAIContext):
			s.scanAIContext(dst, name[len(prefixAIContext):], v)
		case strings.HasPrefix(name, prefixAISettings):
			s.modelParameter(dst, name[len(prefixAISettings):], v)
		}
	case strings.HasPrefix(name, "langfuse."):
		s.hasLangfuse = true
		switch {
		case strings.HasPrefix(name, prefixObsMetadata):
			s.scanLangfuseMetadata(dst, name[len(prefixObsMetadata):], v, false)
		case strings.HasPrefix(name, prefixTraceMetadata):
			s.scanLangfuseMetadata(dst, name[len(prefixTraceMetadata):], v, true)
		case strings.HasPrefix(name, prefixLFMetadata):
			s.metadata(&dst.Metadata, name[len(prefixLFMetadata):], v)
		}
	case strings.HasPrefix(name, prefixTraceloopProps):
		sub := name[len(prefixTraceloopProps):]
		switch sub {
		case "user_id":
			s.setKey(keyTraceloopUserID, v)
		case "session_id":
			s.setKey(keyTraceloopSessionID, v)
		}
		s.metadata(&dst.Metadata, sub, v)
	}
}

func (s *spanScan) setKey(k key, v pcommon.Value) {
	s.values[k] = v
	s.has[k] = true
}

func (s *spanScan) scanAIMetadata(dst *View, sub string, v pcommon.Value) {
	switch sub {
	case "userId":
		s.setKey(keyAIMetaUserID, v)
	case "sessionId":
		s.setKey(keyAIMetaSessionID, v)
	case "tags":
		s.setKey(keyAIMetaTags, v)
	case "langfusePrompt":
		s.setKey(keyAIMetaLangfusePrompt, v)
	default:
		s.metadata(&dst.Metadata, sub, v)
	}
}

func (s *spanScan) scanAIContext(dst *View, sub string, v pcommon.Value) {
	switch sub {
	case "userId":
		s.setKey(keyAIContextUserID, v)
	case "sessionId":
		s.setKey(keyAIContextSessionID, v)
	default:
		s.metadata(&dst.Metadata, sub, v)
	}
}

func (s *spanScan) scanLangfuseMetadata(dst *View, sub string, v pcommon.Value, trace bool) {
	switch sub {
	case "langfuse_user_id":
		s.setKey(pick(trace, keyTraceMetaUserID, keyObsMetaUserID), v)
	case "langfuse_session_id":
		s.setKey(pick(trace, keyTraceMetaSessionID, keyObsMetaSessionID), v)
	case "langfuse_tags":
		s.setKey(pick(trace, keyTraceMetaTags, keyObsMetaTags), v)
	default:
		if trace {
			s.metadata(&dst.TraceMetadata, sub, v)
		} else {
			s.metadata(&dst.Metadata, sub, v)
		}
	}
}

func pick(cond bool, a, b key) key {
	if cond {
		return a
	}
	return b
}

func startsWithDigit(s string) bool {
	return s != "" && s[0] >= '0' && s[0] <= '9'
}

// metadata stores a metadata attribute, unless the read is usage-only.
func (s *spanScan) metadata(m *map[string]string, name string, v pcommon.Value) {
	if !s.usageOnly {
		setMetadata(m, name, v)
	}
}

// modelParameter stores a request parameter. A usage-only read keeps only
// the service tier, which pricing needs.
func (s *spanScan) modelParameter(dst *View, name string, v pcommon.Value) {
	if !s.usageOnly {
		dst.setModelParameter(name, v)
		return
	}
	dst.setServiceTier(name, v)
}

// setMetadata stores v under name in *m, creating the map on first use.
func setMetadata(m *map[string]string, name string, v pcommon.Value) {
	if *m == nil {
		*m = make(map[string]string, 4)
	}
	(*m)[name] = valueString(v)
}
