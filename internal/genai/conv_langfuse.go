package genai

import (
	"encoding/json"
	"strings"
)

// langfuseReader reads the langfuse.* attributes of the Langfuse SDKs (JS
// v4+, Python v3+) and of applications that set them by hand.
type langfuseReader struct{}

func (langfuseReader) convention() Convention { return ConventionLangfuse }

func (langfuseReader) readsUsage() bool { return true }

func (langfuseReader) detect(s *spanScan) bool {
	return s.hasLangfuse || strings.HasPrefix(s.scope, "langfuse-sdk")
}

func (langfuseReader) read(dst *View, s *spanScan) {
	if s.has[keyLFObservationInput] || s.has[keyLFObservationOutput] {
		dst.Input = s.str(keyLFObservationInput)
		dst.Output = s.str(keyLFObservationOutput)
		s.ioDone = true
	}
	if params := s.str(keyLFObservationModelParameters); params != "" {
		dst.ModelParametersJSON = params
	}

	text := s.str(keyLFObservationUsageDetails)
	if text == "" {
		return
	}
	fields, ok := jsonObjectFields(text)
	if !ok {
		// Langfuse falls through to the other usage rules on invalid JSON.
		s.invalid++
		return
	}
	dst.UsageDetails = text
	dst.Usage = langfuseUsage(dst, fields, s)
}

// langfuseUsage reads a usage_details object. Langfuse stores the keys as
// sent, each an additive bucket, except for the OpenAI Chat Completions
// shape (prompt_tokens, completion_tokens, total_tokens and their details)
// and the OpenAI Responses shape (input_tokens, output_tokens, total_tokens
// and their details), whose detail counts are parts of the totals.
func langfuseUsage(dst *View, fields map[string]json.RawMessage, s *spanScan) Usage {
	counts := make(map[string]int64, len(fields))
	var details map[string]map[string]int64
	for name, raw := range fields {
		if len(raw) > 0 && raw[0] == '{' {
			var sub map[string]json.Number
			if err := json.Unmarshal(raw, &sub); err != nil {
				s.invalid++
				continue
			}
			if details == nil {
				details = make(map[string]map[string]int64, 2)
			}
			details[name] = make(map[string]int64, len(sub))
			for k, n := range sub {
				if c, ok := stringCount(n.String()); ok {
					details[name][k] = c
				}
			}
			continue
		}
		if raw2 := strings.TrimSpace(rawText(raw)); raw2 != "null" {
			if c, ok := stringCount(raw2); ok {
				counts[name] = c
				continue
			}
		}
		s.invalid++
	}

	_, chat := counts["prompt_tokens"]
	_, responses := counts["input_tokens"]
	_, hasTotal := counts["total_tokens"]
	if chat || (responses && hasTotal) {
		return openAIShapeUsage(counts, details, chat)
	}
	return langfuseBucketUsage(dst, counts)
}

// openAIShapeUsage converts the OpenAI usage object, whose input and output
// counts include their detail counts.
func openAIShapeUsage(counts map[string]int64, details map[string]map[string]int64, chat bool) Usage {
	in := inclusiveUsage{present: true}
	inDetails, outDetails := "input_tokens_details", "output_tokens_details"
	if chat {
		in.input, in.output = counts["prompt_tokens"], counts["completion_tokens"]
		inDetails, outDetails = "prompt_tokens_details", "completion_tokens_details"
	} else {
		in.input, in.output = counts["input_tokens"], counts["output_tokens"]
	}
	in.total, in.hasTotal = counts["total_tokens"]

	in.cacheRead = details[inDetails]["cached_tokens"]
	in.inputAudio = details[inDetails]["audio_tokens"]
	in.reasoning = details[outDetails]["reasoning_tokens"]
	in.outputAudio = details[outDetails]["audio_tokens"]
	return in.toUsage()
}

// langfuseBucketUsage reads Langfuse's own additive keys. Keys that are no
// bucket of Usage go to UsageExtra, as Langfuse stores them unchanged.
// Anthropic-style names such as cache_read_input_tokens are among them:
// the Langfuse JS SDK sends them beside an input count that already
// includes them, so reading them as a bucket would count the tokens twice.
func langfuseBucketUsage(dst *View, counts map[string]int64) Usage {
	u := Usage{Present: true}
	hasTotal := false
	for name, n := range counts {
		switch name {
		case "input", "input_tokens":
			u.InputUncached = addCounts(u.InputUncached, n)
		case "output", "output_tokens":
			u.Output = addCounts(u.Output, n)
		case "total":
			u.Total, hasTotal = n, true
		case "input_cached_tokens", "input_cache_read":
			u.CacheRead = addCounts(u.CacheRead, n)
		case "input_cache_creation", "input_cache_write", "input_cache_creation_5m":
			u.CacheWrite = addCounts(u.CacheWrite, n)
		case "input_cache_creation_1h":
			u.CacheWrite1h = addCounts(u.CacheWrite1h, n)
		case "output_reasoning_tokens", "output_reasoning":
			u.Reasoning = addCounts(u.Reasoning, n)
		case "input_audio_tokens", "input_audio":
			u.InputAudio = addCounts(u.InputAudio, n)
			u.InputUncached = addCounts(u.InputUncached, n)
		case "output_audio_tokens", "output_audio":
			u.OutputAudio = addCounts(u.OutputAudio, n)
			u.Output = addCounts(u.Output, n)
		default:
			if dst.UsageExtra == nil {
				dst.UsageExtra = make(map[string]int64, 2)
			}
			dst.UsageExtra[name] = n
		}
	}
	if !hasTotal {
		u.Total = u.Sum()
	}
	return u
}
