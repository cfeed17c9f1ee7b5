package genai

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// The readers in this file resolve the fields that several conventions can
// set, in the priority order of Langfuse's OTLP ingestion: for each field
// the first key present wins.

// firstString returns the first non-empty string value among keys.
func (s *spanScan) firstString(keys ...key) string {
	for _, k := range keys {
		if str := s.str(k); str != "" {
			return str
		}
	}
	return ""
}

// readResource reads environment, release, version and metadata, with span
// attributes winning over resource attributes.
func readResource(dst *View, s *spanScan) {
	res := s.resource
	for _, pair := range [...]struct {
		k    key
		name string
	}{
		{keyLFEnvironment, "langfuse.environment"},
		{keyDeploymentEnvironmentName, "deployment.environment.name"},
		{keyDeploymentEnvironment, "deployment.environment"},
	} {
		if dst.Environment = s.str(pair.k); dst.Environment != "" {
			break
		}
		if v, ok := res.Get(pair.name); ok {
			if dst.Environment = valueString(v); dst.Environment != "" {
				break
			}
		}
	}

	dst.Release = s.str(keyLFRelease)
	if v, ok := res.Get("langfuse.release"); ok && dst.Release == "" {
		dst.Release = valueString(v)
	}
	dst.Version = s.str(keyLFVersion)
	if v, ok := res.Get("service.version"); ok && dst.Version == "" {
		dst.Version = valueString(v)
	}

	if res.Len() == 0 {
		return
	}
	res.Range(func(name string, v pcommon.Value) bool {
		switch {
		case strings.HasPrefix(name, prefixLFMetadata):
			setMetadata(&dst.Metadata, name[len(prefixLFMetadata):], v)
		case strings.HasPrefix(name, prefixTraceMetadata):
			setMetadata(&dst.TraceMetadata, name[len(prefixTraceMetadata):], v)
		case name == "langfuse.metadata":
			mergeMetadataJSON(&dst.Metadata, valueString(v), s)
		}
		return true
	})
}

// readIdentity reads name, provider, operation and models.
func readIdentity(dst *View, s *spanScan) {
	if !s.usageOnly {
		dst.Name = s.firstString(keyGenAIToolName, keyLogfireMsg, keyAIToolCallName)
		if dst.Name == "" {
			dst.Name = vercelName(s)
		}
		if dst.Name == "" {
			dst.Name = s.span.Name()
		}
	}

	dst.Provider = normalizeProvider(s.firstString(keyGenAIProviderName, keyGenAISystem,
		keyAIModelProvider, keyLLMProvider, keyLLMSystem))
	dst.Operation = s.str(keyGenAIOperationName)

	dst.ResponseModel = s.firstString(keyLFObservationModelName, keyGenAIResponseModel,
		keyAIResponseModel, keyLLMResponseModelName, keyLLMResponseModel, keyLLMModelName)
	dst.RequestModel = s.firstString(keyAIModelID, keyGenAIRequestModel, keyLLMRequestModelName,
		keyEmbeddingModelName, keyModel)
}

// vercelName returns "<functionId>:<operationId>" or the operation id, the
// name Langfuse gives Vercel AI SDK spans.
func vercelName(s *spanScan) string {
	op := s.str(keyAIOperationID)
	if op == "" {
		return ""
	}
	if fn := s.str(keyAITelemetryFunctionID); fn != "" {
		return fn + ":" + op
	}
	return op
}

// normalizeProvider lower-cases a provider name and removes API suffixes
// such as ".chat" or ".messages" (Vercel AI SDK writes "openai.chat").
// Framework names that are not model providers return "".
func normalizeProvider(p string) string {
	if p == "" {
		return ""
	}
	p = strings.ToLower(strings.TrimSpace(p))
	switch p {
	case "gcp.vertex.agent", "strands-agents", "langfuse", "ai":
		return ""
	case "aws.bedrock", "azure.ai.inference", "azure.ai.openai", "az.ai.inference",
		"az.ai.openai", "gcp.gemini", "gcp.gen_ai", "gcp.vertex_ai", "ibm.watsonx.ai":
		return p
	}
	for _, dotted := range [...]string{"amazon-bedrock.", "google.vertex.", "google.generative-ai.",
		"azure.openai."} {
		if strings.HasPrefix(p, dotted) {
			return dotted[:len(dotted)-1]
		}
	}
	if i := strings.IndexByte(p, '.'); i > 0 {
		return p[:i]
	}
	return p
}

// readTraceFields reads user, session, tags, public, trace name, trace
// input and output, and metadata objects sent as JSON text.
func readTraceFields(dst *View, s *spanScan) {
	dst.UserID = readUserID(s)
	dst.SessionID = s.firstString(keyLFSessionID, keySessionID, keyGenAIConversationID,
		keyObsMetaSessionID, keyTraceMetaSessionID, keyAIMetaSessionID, keyAIContextSessionID,
		keyTraceloopSessionID)

	for _, k := range [...]key{keyLFTraceTags, keyLFTags, keyObsMetaTags, keyTraceMetaTags,
		keyAIMetaTags, keyTagTags} {
		if v, ok := s.get(k); ok {
			dst.Tags = appendTags(dst.Tags, v)
			break
		}
	}

	if v, ok := s.get(keyLFTracePublic); ok {
		dst.Public = valueTrue(v)
	} else if v, ok := s.get(keyLFPublic); ok {
		dst.Public = valueTrue(v)
	}

	dst.TraceName = s.str(keyLFTraceName)
	dst.TraceInput = s.str(keyLFTraceInput)
	dst.TraceOutput = s.str(keyLFTraceOutput)

	if s.has[keyLFObservationMetadata] {
		mergeMetadataJSON(&dst.Metadata, s.str(keyLFObservationMetadata), s)
	} else if s.has[keyLFMetadata] {
		mergeMetadataJSON(&dst.Metadata, s.str(keyLFMetadata), s)
	}
	if s.has[keyLFTraceMetadata] {
		mergeMetadataJSON(&dst.TraceMetadata, s.str(keyLFTraceMetadata), s)
	}
}

// readUserID returns the first user id among the keys Langfuse reads it
// from.
func readUserID(s *spanScan) string {
	return s.firstString(keyLFUserID, keyUserID, keyObsMetaUserID, keyTraceMetaUserID,
		keyAIMetaUserID, keyAIContextUserID, keyTraceloopUserID, keyGenAIRequestUser, keyLLMUser)
}

// mergeMetadataJSON adds the fields of a JSON object to *m. String fields
// lose their quotes; other fields stay JSON text. Text that is not a JSON
// object is stored whole under the key "metadata" and counted as invalid.
func mergeMetadataJSON(m *map[string]string, text string, s *spanScan) {
	if s.usageOnly || strings.TrimSpace(text) == "" {
		return
	}
	if *m == nil {
		*m = make(map[string]string, 4)
	}
	dst := *m
	ok := forEachJSONMember(text, func(name, value string) {
		if _, set := dst[name]; !set {
			dst[name] = jsonStringText(value)
		}
	})
	if !ok {
		dst["metadata"] = text
		s.invalid++
	}
}

// readStatus reads level and status message.
func readStatus(dst *View, s *spanScan) {
	status := s.span.Status()
	level, ok := parseLevel(s.str(keyLFObservationLevel))
	switch {
	case ok:
		dst.Level = level
	case status.Code() == ptrace.StatusCodeError:
		dst.Level = LevelError
	default:
		dst.Level = LevelDefault
	}

	dst.StatusMessage = s.str(keyLFObservationStatusMessage)
	if dst.StatusMessage == "" {
		dst.StatusMessage = status.Message()
	}
}

// parseLevel maps Langfuse levels and the aliases Langfuse accepts, in any
// case, to a Level.
func parseLevel(s string) (Level, bool) {
	switch strings.ToUpper(strings.TrimSpace(s)) {
	case "DEBUG", "TRACE", "VERBOSE":
		return LevelDebug, true
	case "DEFAULT", "INFO", "LOG", "NOTICE", "OK", "SUCCESS":
		return LevelDefault, true
	case "WARNING", "WARN":
		return LevelWarning, true
	case "ERROR", "FATAL", "CRITICAL":
		return LevelError, true
	}
	return "", false
}

// readCost reads the cost the application sent: langfuse cost_details,
// then gen_ai.usage.cost, then OpenInference llm.cost.*.
func readCost(dst *View, s *spanScan) {
	if text := s.str(keyLFObservationCostDetails); text != "" {
		var sum float64
		ok := forEachJSONMember(text, func(name, value string) {
			f, err := strconv.ParseFloat(jsonStringText(value), 64)
			if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
				s.invalid++
				return
			}
			dst.setCostDetail(name, f)
			sum += f
		})
		if ok {
			if total, ok := dst.CostDetails["total"]; ok {
				dst.Cost = total
			} else {
				dst.Cost = sum
			}
			dst.HasCost = len(dst.CostDetails) > 0
			return
		}
		s.invalid++
	}

	for _, k := range [...]key{keyGenAIUsageCost, keyLLMCostTotal} {
		if v, ok := s.get(k); ok {
			if f, ok := valueFloat(v); ok {
				dst.Cost, dst.HasCost = f, true
				dst.setCostDetail("total", f)
				break
			}
			s.invalid++
		}
	}
	if !dst.HasCost {
		return
	}
	if v, ok := s.get(keyLLMCostPrompt); ok {
		if f, ok := valueFloat(v); ok {
			dst.setCostDetail("input", f)
		}
	}
	if v, ok := s.get(keyLLMCostCompletion); ok {
		if f, ok := valueFloat(v); ok {
			dst.setCostDetail("output", f)
		}
	}
}

func (v *View) setCostDetail(name string, f float64) {
	if v.CostDetails == nil {
		v.CostDetails = make(map[string]float64, 3)
	}
	v.CostDetails[name] = f
}

// readPrompt reads the prompt link. Langfuse links prompts only to
// generations, so other observation types get none.
func readPrompt(dst *View, s *spanScan) {
	if dst.Type != TypeGeneration {
		return
	}
	dst.PromptName = s.firstString(keyLFObservationPromptName, keyLFPromptName)
	if dst.PromptName != "" {
		for _, k := range [...]key{keyLFObservationPromptVersion, keyLFPromptVersion} {
			if v, ok := s.get(k); ok {
				if n, ok := valueCount(v); ok {
					dst.PromptVersion = n
					return
				}
				s.invalid++
			}
		}
		return
	}

	if text := s.str(keyAIMetaLangfusePrompt); text != "" {
		var link struct {
			Name    string      `json:"name"`
			Version json.Number `json:"version"`
		}
		if err := json.Unmarshal([]byte(text), &link); err != nil {
			s.invalid++
			return
		}
		dst.PromptName = link.Name
		if n, err := link.Version.Int64(); err == nil {
			dst.PromptVersion = n
		}
		return
	}
	dst.PromptName = s.str(keyGenAIPromptName)
}

// readCompletionStart reads the time of the first output token.
func readCompletionStart(dst *View, s *spanScan) {
	if text := s.str(keyLFObservationCompletionStartTime); text != "" {
		// The Langfuse JS SDK encodes the ISO time as a JSON string.
		if t, err := time.Parse(time.RFC3339Nano, unquoteJSON(text)); err == nil {
			dst.CompletionStartTime = t
			return
		}
		s.invalid++
	}

	start := s.span.StartTimestamp().AsTime()
	for _, pair := range [...]struct {
		k    key
		unit time.Duration
	}{
		{keyAIResponseMsToFirstChunk, time.Millisecond},
		{keyAIStreamMsToFirstChunk, time.Millisecond},
		{keyGenAITimeToFirstChunk, time.Second},
		{keyGenAIClientTimeToFirstChunk, time.Second},
	} {
		v, ok := s.get(pair.k)
		if !ok {
			continue
		}
		if f, ok := valueFloat(v); ok && f >= 0 && f < 1e9 {
			dst.CompletionStartTime = start.Add(time.Duration(f * float64(pair.unit)))
			return
		}
		s.invalid++
	}
}
