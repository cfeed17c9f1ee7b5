package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestADKReader(t *testing.T) {
	tests := []struct {
		name  string
		span  string
		attrs map[string]any
		check func(t *testing.T, v *View)
	}{
		{
			name: "call llm with gemini cache and thinking",
			span: "call_llm",
			attrs: map[string]any{
				"gen_ai.system":                 "gcp.vertex.agent",
				"gen_ai.request.model":          "gemini-2.5-flash",
				"gen_ai.usage.input_tokens":     1000,
				"gen_ai.usage.output_tokens":    200,
				"gcp.vertex.agent.llm_request":  `{"model":"gemini-2.5-flash","contents":[]}`,
				"gcp.vertex.agent.llm_response": `{"content":{},"usage_metadata":{"cached_content_token_count":600,"thoughts_token_count":150}}`,
				"gcp.vertex.agent.session_id":   "s-1",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionGoogleADK, v.Convention)
				assert.Equal(t, TypeGeneration, v.Type)
				assert.Empty(t, v.Provider, "the framework is not the provider")
				assert.Equal(t, Usage{InputUncached: 400, CacheRead: 600, Output: 200, Reasoning: 150,
					Total: 1350, Present: true}, v.Usage)
				assert.Equal(t, `{"model":"gemini-2.5-flash","contents":[]}`, v.Input)
			},
		},
		{
			name: "invocation is aggregate",
			span: "invocation",
			attrs: map[string]any{
				"gen_ai.usage.input_tokens": 1000,
			},
			check: func(t *testing.T, v *View) {
				assert.True(t, v.Aggregate)
				assert.False(t, v.Usage.Present)
			},
		},
		{
			name: "tool span uses tool args when request is empty",
			span: "execute_tool get_weather",
			attrs: map[string]any{
				"gen_ai.operation.name":           "execute_tool",
				"gen_ai.tool.name":                "get_weather",
				"gen_ai.tool.call.id":             "adk-1",
				"gcp.vertex.agent.llm_request":    "{}",
				"gcp.vertex.agent.tool_call_args": `{"city":"Rome"}`,
				"gcp.vertex.agent.tool_response":  `{"tempC":18}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeTool, v.Type)
				assert.Equal(t, `{"city":"Rome"}`, v.Input)
				assert.Equal(t, []ToolCall{{ID: "adk-1", Name: "get_weather", Arguments: `{"city":"Rome"}`,
					Result: `{"tempC":18}`}}, v.ToolCalls)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readSpan(t, "gcp.vertex.agent", tt.span, tt.attrs))
		})
	}
}
