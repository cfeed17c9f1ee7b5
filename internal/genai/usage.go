package genai

import (
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// usageSlot is one usage count that a convention reports under some key.
type usageSlot uint8

// Usage slots. Several keys of different conventions mean the same count;
// the normalisers pick the first slot present in Langfuse's priority order.
const (
	slotPromptTokens usageSlot = iota
	slotInputTokens
	slotPrompt
	slotCompletionTokens
	slotOutputTokens
	slotCompletion
	slotTotalTokens
	slotTotal

	slotCacheReadDotted
	slotCacheReadInputTokens
	slotCacheReadTokens
	slotDetailsCacheReadTokens
	slotDetailsCacheReadInputTokens
	slotPromptDetailsCacheRead
	slotInputCachedTokens

	slotCacheCreationDotted
	slotCacheWriteDotted
	slotCacheCreationInputTokens
	slotCacheWriteInputTokens
	slotCacheWriteTokens
	slotDetailsCacheWriteTokens
	slotDetailsCacheCreationInputTokens
	slotPromptDetailsCacheWrite
	slotInputCacheCreation

	slotReasoningDotted
	slotCompletionDetailsReasoning
	slotReasoningTokens

	slotCompletionDetailsAudio
	slotOutputAudioTokens
	slotAudioOutputTokens
	slotPromptDetailsAudio
	slotInputAudioTokens
	slotAudioInputTokens
	slotImageInputTokens

	// Vercel AI SDK ai.usage.* keys.
	slotVercelNoCache
	slotVercelCacheReadDetail
	slotVercelCacheWriteDetail
	slotVercelCachedInput
	slotVercelTextTokens
	slotVercelReasoningDetail
	slotVercelReasoning
	slotVercelTokens

	slotCount
)

// usageCounts holds the usage counts found on a span, by slot.
type usageCounts struct {
	n   [slotCount]int64
	has [slotCount]bool
	any bool
}

func (u *usageCounts) set(s usageSlot, n int64) {
	u.n[s] = n
	u.has[s] = true
	u.any = true
}

// first returns the count of the first slot present.
func (u *usageCounts) first(slots ...usageSlot) (int64, bool) {
	for _, s := range slots {
		if u.has[s] {
			return u.n[s], true
		}
	}
	return 0, false
}

// genericUsageSlot maps the part of a gen_ai.usage.* or llm.token_count.*
// key after the prefix to a slot.
func genericUsageSlot(sub string) (usageSlot, bool) {
	switch sub {
	case "prompt_tokens":
		return slotPromptTokens, true
	case "input_tokens":
		return slotInputTokens, true
	case "prompt":
		return slotPrompt, true
	case "completion_tokens":
		return slotCompletionTokens, true
	case "output_tokens":
		return slotOutputTokens, true
	case "completion":
		return slotCompletion, true
	case "total_tokens":
		return slotTotalTokens, true
	case "total":
		return slotTotal, true
	case "cache_read.input_tokens":
		return slotCacheReadDotted, true
	case "cache_read_input_tokens":
		return slotCacheReadInputTokens, true
	case "cache_read_tokens":
		return slotCacheReadTokens, true
	case "details.cache_read_tokens":
		return slotDetailsCacheReadTokens, true
	case "details.cache_read_input_tokens":
		return slotDetailsCacheReadInputTokens, true
	case "prompt_details.cache_read":
		return slotPromptDetailsCacheRead, true
	case "input_cached_tokens":
		return slotInputCachedTokens, true
	case "cache_creation.input_tokens":
		return slotCacheCreationDotted, true
	case "cache_write.input_tokens":
		return slotCacheWriteDotted, true
	case "cache_creation_input_tokens":
		return slotCacheCreationInputTokens, true
	case "cache_write_input_tokens":
		return slotCacheWriteInputTokens, true
	case "cache_write_tokens":
		return slotCacheWriteTokens, true
	case "details.cache_write_tokens":
		return slotDetailsCacheWriteTokens, true
	case "details.cache_creation_input_tokens":
		return slotDetailsCacheCreationInputTokens, true
	case "prompt_details.cache_write":
		return slotPromptDetailsCacheWrite, true
	case "input_cache_creation":
		return slotInputCacheCreation, true
	case "reasoning.output_tokens":
		return slotReasoningDotted, true
	case "completion_details.reasoning":
		return slotCompletionDetailsReasoning, true
	case "reasoning_tokens":
		return slotReasoningTokens, true
	case "completion_details.audio":
		return slotCompletionDetailsAudio, true
	case "output_audio_tokens", "details.output_audio_tokens":
		return slotOutputAudioTokens, true
	case "audio.output_tokens":
		return slotAudioOutputTokens, true
	case "prompt_details.audio":
		return slotPromptDetailsAudio, true
	case "input_audio_tokens", "details.input_audio_tokens":
		return slotInputAudioTokens, true
	case "audio.input_tokens":
		return slotAudioInputTokens, true
	case "image.input_tokens":
		return slotImageInputTokens, true
	}
	return 0, false
}

// addGenericUsage records one gen_ai.usage.* or llm.token_count.* count.
// Keys that fit no slot go to dst.UsageExtra; gen_ai.usage.cost and
// non-numeric values are not usage.
func (s *spanScan) addGenericUsage(dst *View, sub string, v pcommon.Value) {
	n, ok := valueCount(v)
	if !ok {
		s.invalid++
		return
	}
	if slot, known := genericUsageSlot(sub); known {
		s.genericUsage.set(slot, n)
		return
	}
	if dst.UsageExtra == nil {
		dst.UsageExtra = make(map[string]int64, 2)
	}
	dst.UsageExtra[strings.TrimPrefix(sub, "details.")] = n
	s.genericUsage.any = true
}

// addVercelUsage records one ai.usage.* count of the Vercel AI SDK.
func (s *spanScan) addVercelUsage(sub string, v pcommon.Value) {
	var slot usageSlot
	switch sub {
	case "inputTokens":
		slot = slotInputTokens
	case "promptTokens":
		slot = slotPromptTokens
	case "outputTokens":
		slot = slotOutputTokens
	case "completionTokens":
		slot = slotCompletionTokens
	case "totalTokens":
		slot = slotTotalTokens
	case "tokens":
		slot = slotVercelTokens
	case "inputTokenDetails.noCacheTokens":
		slot = slotVercelNoCache
	case "inputTokenDetails.cacheReadTokens":
		slot = slotVercelCacheReadDetail
	case "inputTokenDetails.cacheWriteTokens":
		slot = slotVercelCacheWriteDetail
	case "cachedInputTokens":
		slot = slotVercelCachedInput
	case "outputTokenDetails.textTokens":
		slot = slotVercelTextTokens
	case "outputTokenDetails.reasoningTokens":
		slot = slotVercelReasoningDetail
	case "reasoningTokens":
		slot = slotVercelReasoning
	default:
		return
	}
	n, ok := valueCount(v)
	if !ok {
		s.invalid++
		return
	}
	s.vercelUsage.set(slot, n)
}

// inclusiveUsage describes a call's usage in the form most conventions use:
// input and output totals that include their cache and reasoning parts.
type inclusiveUsage struct {
	input, output, total          int64
	hasInput, hasOutput, hasTotal bool
	cacheRead, cacheWrite         int64
	cacheWrite1h                  int64
	reasoning, outputAudio        int64
	inputAudio, inputImage        int64
	cacheOutsideInput             bool
	reasoningOutsideOutput        bool
	present                       bool
}

// toUsage splits inclusive counts into the disjoint buckets of Usage. Parts
// larger than their total are clamped so that no bucket is negative.
func (in inclusiveUsage) toUsage() Usage {
	u := Usage{
		CacheRead:    in.cacheRead,
		CacheWrite:   in.cacheWrite,
		CacheWrite1h: in.cacheWrite1h,
		Reasoning:    in.reasoning,
		InputAudio:   in.inputAudio,
		InputImage:   in.inputImage,
		OutputAudio:  in.outputAudio,
		Present:      in.present,
	}

	u.InputUncached = in.input
	if !in.cacheOutsideInput {
		cached := addCounts(addCounts(in.cacheRead, in.cacheWrite), in.cacheWrite1h)
		u.InputUncached = max(in.input-cached, 0)
	}
	u.Output = in.output
	if !in.reasoningOutsideOutput {
		u.Output = max(in.output-in.reasoning, 0)
	}

	u.Total = in.total
	if !in.hasTotal {
		u.Total = u.Sum()
	}
	return u
}

// readGenericUsage applies Langfuse's generic usage rule to gen_ai.usage.*
// and llm.token_count.* counts: input and output are inclusive totals, and
// the cache, reasoning and audio counts are parts of them.
func readGenericUsage(c *usageCounts, provider string) inclusiveUsage {
	var in inclusiveUsage
	if !c.any {
		return in
	}
	in.present = true
	in.input, in.hasInput = c.first(slotPromptTokens, slotInputTokens, slotPrompt)
	in.output, in.hasOutput = c.first(slotCompletionTokens, slotOutputTokens, slotCompletion)
	in.total, in.hasTotal = c.first(slotTotalTokens, slotTotal)
	in.cacheRead, _ = c.first(slotCacheReadDotted, slotCacheReadInputTokens, slotCacheReadTokens,
		slotDetailsCacheReadTokens, slotDetailsCacheReadInputTokens, slotPromptDetailsCacheRead,
		slotInputCachedTokens)
	in.cacheWrite, _ = c.first(slotCacheCreationDotted, slotCacheWriteDotted,
		slotCacheCreationInputTokens, slotCacheWriteInputTokens, slotCacheWriteTokens,
		slotDetailsCacheWriteTokens, slotDetailsCacheCreationInputTokens,
		slotPromptDetailsCacheWrite, slotInputCacheCreation)
	// gen_ai.usage.reasoning_tokens (OpenLLMetry) is OpenAI's
	// completion_tokens_details.reasoning_tokens, a part of the completion
	// count. Langfuse passes it through unsubtracted; it is a part here.
	in.reasoning, _ = c.first(slotReasoningDotted, slotCompletionDetailsReasoning, slotReasoningTokens)
	in.outputAudio, _ = c.first(slotCompletionDetailsAudio, slotOutputAudioTokens, slotAudioOutputTokens)
	in.inputAudio, _ = c.first(slotPromptDetailsAudio, slotInputAudioTokens, slotAudioInputTokens)
	in.inputImage, _ = c.first(slotImageInputTokens)

	// Anthropic's API reports input_tokens without the cache counts. The
	// semantic conventions require instrumentations to add them, but a
	// count smaller than its cache parts can only be the native form.
	// NOTE: a native count that happens to exceed its cache parts is read
	// as inclusive; the attributes do not tell the two forms apart.
	if provider == "anthropic" && in.hasInput && in.input < in.cacheRead+in.cacheWrite {
		in.cacheOutsideInput = true
	}
	return in
}
