package genai

import (
	"encoding/json"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// vercelReader reads the ai.* spans of the Vercel AI SDK v4 to v6 and of
// v7's LegacyOpenTelemetry integration (scope "ai"). The v7 modern
// integration emits GenAI semantic conventions and is read by
// otelGenAIReader.
type vercelReader struct{}

func (vercelReader) convention() Convention { return ConventionVercelAI }

func (vercelReader) readsUsage() bool { return true }

func (vercelReader) detect(s *spanScan) bool {
	return s.scope == "ai" || vercelOperation(s) != ""
}

func (vercelReader) read(dst *View, s *spanScan) {
	op := vercelOperation(s)
	switch op {
	case "ai.generateText", "ai.streamText", "ai.generateObject", "ai.streamObject", "ai.embed",
		"ai.embedMany":
		// The outer span repeats the usage of its .doGenerate, .doStream
		// or .doEmbed children: the sum over steps in v6, the last step in
		// v4 and v5.
		dst.Aggregate = true
	}
	if dst.Operation == "" {
		dst.Operation = vercelOperationName(op)
	}

	s.fillIO(dst, vercelInput(s), vercelOutput(s))
	if dst.Input != "" && dst.Output != "" {
		s.ioDone = true
	}
	if v, ok := s.get(keyAIPromptTools); ok && !s.usageOnly {
		dst.ToolDefinitions = joinJSONArray(v)
	}
	if text := s.str(keyAIResponseToolCalls); text != "" {
		appendVercelToolCalls(dst, text, s)
	}
	if !dst.Usage.Present && (s.vercelUsage.any || s.scope == "ai") {
		vercelUsage(dst, s)
	}
}

// vercelOperationName maps a Vercel operation id to a GenAI operation name.
func vercelOperationName(op string) string {
	switch {
	case strings.HasSuffix(op, ".doGenerate"), strings.HasSuffix(op, ".doStream"):
		return "chat"
	case strings.HasSuffix(op, ".doEmbed"):
		return "embeddings"
	case op == "ai.toolCall":
		return "execute_tool"
	}
	return ""
}

func vercelInput(s *spanScan) string {
	if s.usageOnly {
		return ""
	}
	return s.firstString(keyAIPromptMessages, keyAIPrompt, keyAIToolCallArgs, keyAIValues,
		keyAIValue)
}

// vercelOutput returns the response text, or when the model also called
// tools, an assistant message holding both.
func vercelOutput(s *spanScan) string {
	if s.usageOnly {
		return ""
	}
	text := s.str(keyAIResponseText)
	calls := s.str(keyAIResponseToolCalls)
	if text != "" && calls != "" {
		var b strings.Builder
		b.Grow(len(text) + len(calls) + 64)
		b.WriteString(`{"role":"assistant","content":`)
		b.WriteString(strconv.Quote(text))
		b.WriteString(`,"tool_calls":`)
		if json.Valid([]byte(calls)) {
			b.WriteString(calls)
		} else {
			b.WriteString(strconv.Quote(calls))
		}
		b.WriteString("}")
		return b.String()
	}
	if text != "" {
		return text
	}
	return s.firstString(keyAIResultText, keyAIToolCallResult, keyAIResponseObject,
		keyAIResultObject, keyAIResponseToolCalls, keyAIResultToolCalls)
}

// joinJSONArray returns v as one JSON array: an array of JSON texts (how
// ai.prompt.tools arrives) is joined, a string is returned as it is.
func joinJSONArray(v pcommon.Value) string {
	if v.Type() != pcommon.ValueTypeSlice {
		return valueString(v)
	}
	sl := v.Slice()
	var b strings.Builder
	b.WriteByte('[')
	for i := 0; i < sl.Len(); i++ {
		if i > 0 {
			b.WriteByte(',')
		}
		item := valueString(sl.At(i))
		if looksLikeJSONContainer(item) {
			b.WriteString(item)
		} else {
			b.WriteString(strconv.Quote(item))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// appendVercelToolCalls reads ai.response.toolCalls: an array of
// {toolCallId, toolName, input (v5+) or args (v4)}.
func appendVercelToolCalls(dst *View, text string, s *spanScan) {
	if s.usageOnly {
		return
	}
	var calls []struct {
		ID    string          `json:"toolCallId"`
		Name  string          `json:"toolName"`
		Input json.RawMessage `json:"input"`
		Args  json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal([]byte(text), &calls); err != nil {
		s.invalid++
		return
	}
	for _, c := range calls {
		args := c.Input
		if len(args) == 0 {
			args = c.Args
		}
		dst.ToolCalls = append(dst.ToolCalls, ToolCall{ID: c.ID, Name: c.Name, Arguments: rawText(args)})
	}
}

// vercelUsage applies the Vercel AI SDK usage rule. v6 reports disjoint
// details (inputTokenDetails.noCacheTokens, outputTokenDetails.textTokens),
// which are taken as they are. Older versions report totals with cached and
// reasoning parts, and provider metadata for the cache counts.
func vercelUsage(dst *View, s *spanScan) {
	c, g := &s.vercelUsage, &s.genericUsage
	in := inclusiveUsage{present: c.any || g.any}
	if !in.present {
		return
	}

	var ok bool
	if in.input, ok = g.first(slotPromptTokens, slotInputTokens); !ok {
		in.input, ok = c.first(slotInputTokens, slotPromptTokens)
	}
	if !ok {
		// Embedding spans report one count, ai.usage.tokens.
		in.input, _ = c.first(slotVercelTokens)
	}
	if in.output, ok = g.first(slotCompletionTokens, slotOutputTokens); !ok {
		in.output, _ = c.first(slotOutputTokens, slotCompletionTokens)
	}
	in.total, in.hasTotal = c.first(slotTotalTokens, slotVercelTokens)
	in.cacheRead, _ = c.first(slotVercelCacheReadDetail, slotVercelCachedInput)
	in.cacheWrite, _ = c.first(slotVercelCacheWriteDetail)
	in.reasoning, _ = c.first(slotVercelReasoningDetail, slotVercelReasoning)

	if meta := s.str(keyAIResponseProviderMetadata); meta != "" {
		applyProviderMetadata(&in, c, meta, s)
	}

	if n, ok := c.first(slotVercelNoCache); ok {
		in.input, in.cacheOutsideInput = n, true
	} else if dst.Provider == "anthropic" && in.cacheRead+in.cacheWrite > 0 {
		// Anthropic's input_tokens exclude the cache counts, and Vercel AI
		// SDK before v6 reported them unchanged as the input count.
		// NOTE: taken from the v4 provider source; v5 was not captured.
		in.cacheOutsideInput = true
	}
	if n, ok := c.first(slotVercelTextTokens); ok {
		in.output, in.reasoningOutsideOutput = n, true
	}
	dst.Usage = in.toUsage()
}

// applyProviderMetadata fills cache and reasoning counts from
// ai.response.providerMetadata when the ai.usage.* keys lack them.
func applyProviderMetadata(in *inclusiveUsage, c *usageCounts, text string, s *spanScan) {
	var meta struct {
		OpenAI struct {
			CachedPromptTokens *int64 `json:"cachedPromptTokens"`
			ReasoningTokens    *int64 `json:"reasoningTokens"`
		} `json:"openai"`
		Anthropic struct {
			CacheCreationInputTokens *int64 `json:"cacheCreationInputTokens"`
			Usage                    struct {
				CacheCreationInputTokens *int64 `json:"cache_creation_input_tokens"`
				CacheReadInputTokens     *int64 `json:"cache_read_input_tokens"`
				CacheCreation            struct {
					Ephemeral5m *int64 `json:"ephemeral_5m_input_tokens"`
					Ephemeral1h *int64 `json:"ephemeral_1h_input_tokens"`
				} `json:"cache_creation"`
			} `json:"usage"`
		} `json:"anthropic"`
		Bedrock struct {
			Usage struct {
				CacheReadInputTokens  *int64 `json:"cacheReadInputTokens"`
				CacheWriteInputTokens *int64 `json:"cacheWriteInputTokens"`
			} `json:"usage"`
		} `json:"bedrock"`
	}
	if err := json.Unmarshal([]byte(text), &meta); err != nil {
		s.invalid++
		return
	}
	hasRead := c.has[slotVercelCacheReadDetail] || c.has[slotVercelCachedInput]
	hasWrite := c.has[slotVercelCacheWriteDetail]
	hasReasoning := c.has[slotVercelReasoningDetail] || c.has[slotVercelReasoning]

	if !hasRead {
		if n := firstNonNil(meta.OpenAI.CachedPromptTokens, meta.Anthropic.Usage.CacheReadInputTokens,
			meta.Bedrock.Usage.CacheReadInputTokens); n != nil {
			in.cacheRead = *n
		}
	}
	if !hasWrite {
		cc := meta.Anthropic.Usage.CacheCreation
		if cc.Ephemeral1h != nil || cc.Ephemeral5m != nil {
			in.cacheWrite = deref(cc.Ephemeral5m)
			in.cacheWrite1h = deref(cc.Ephemeral1h)
		} else if n := firstNonNil(meta.Anthropic.Usage.CacheCreationInputTokens,
			meta.Anthropic.CacheCreationInputTokens, meta.Bedrock.Usage.CacheWriteInputTokens); n != nil {
			in.cacheWrite = *n
		}
	}
	if !hasReasoning && meta.OpenAI.ReasoningTokens != nil {
		in.reasoning = *meta.OpenAI.ReasoningTokens
	}
	in.cacheRead, in.cacheWrite = max(in.cacheRead, 0), max(in.cacheWrite, 0)
	in.cacheWrite1h, in.reasoning = max(in.cacheWrite1h, 0), max(in.reasoning, 0)
}

func firstNonNil(ns ...*int64) *int64 {
	for _, n := range ns {
		if n != nil {
			return n
		}
	}
	return nil
}

func deref(n *int64) int64 {
	if n == nil {
		return 0
	}
	return *n
}
