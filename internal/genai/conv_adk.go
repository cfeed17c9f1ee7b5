package genai

import (
	"encoding/json"
)

// adkReader reads Google Agent Development Kit spans (scope
// gcp.vertex.agent): the invocation, invoke_agent, call_llm and
// execute_tool spans, with content in gcp.vertex.agent.llm_request and
// llm_response. ADK reports Gemini counts: the prompt count includes cached
// tokens, and thinking tokens are outside the candidates (output) count.
type adkReader struct{}

func (adkReader) convention() Convention { return ConventionGoogleADK }

func (adkReader) readsUsage() bool { return true }

func (adkReader) detect(s *spanScan) bool {
	return s.scope == "gcp.vertex.agent" || s.has[keyADKLLMRequest] || s.has[keyADKLLMResponse]
}

func (adkReader) read(dst *View, s *spanScan) {
	if s.span.Name() == "invocation" {
		// The runner span spans all agent and model calls of one turn.
		dst.Aggregate = true
	}

	input, output := s.str(keyADKLLMRequest), s.str(keyADKLLMResponse)
	if input == "" || input == "{}" || output == "" || output == "{}" {
		input, output = s.str(keyADKToolCallArgs), s.str(keyADKToolResponse)
	}
	s.setIO(dst, input, output)

	if !s.genericUsage.any || dst.Usage.Present {
		return
	}
	in := readGenericUsage(&s.genericUsage, dst.Provider)
	applyGeminiUsage(&in, s.str(keyADKLLMResponse), s)
	dst.Usage = in.toUsage()
}

// applyGeminiUsage takes the cached and thinking counts from the
// usage_metadata of a Gemini response when the span attributes lack them.
func applyGeminiUsage(in *inclusiveUsage, response string, s *spanScan) {
	if response == "" || response == "{}" {
		return
	}
	var resp struct {
		UsageMetadata struct {
			CachedContentTokenCount *int64 `json:"cached_content_token_count"`
			ThoughtsTokenCount      *int64 `json:"thoughts_token_count"`
		} `json:"usage_metadata"`
	}
	if err := json.Unmarshal([]byte(response), &resp); err != nil {
		s.invalid++
		return
	}
	if n := resp.UsageMetadata.CachedContentTokenCount; n != nil && in.cacheRead == 0 && *n >= 0 {
		in.cacheRead = *n
	}
	if n := resp.UsageMetadata.ThoughtsTokenCount; n != nil && in.reasoning == 0 && *n >= 0 {
		in.reasoning = *n
		in.reasoningOutsideOutput = true
	}
}
