package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOpenInferenceReader(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
		check func(t *testing.T, v *View)
	}{
		{
			name: "flattened messages tools and tool calls",
			attrs: map[string]any{
				"openinference.span.kind":                                                 "LLM",
				"llm.model_name":                                                          "gpt-4o-mini-2024-07-18",
				"llm.system":                                                              "openai",
				"llm.input_messages.0.message.role":                                       "system",
				"llm.input_messages.0.message.content":                                    "Be brief.",
				"llm.input_messages.1.message.role":                                       "user",
				"llm.input_messages.1.message.content":                                    "Weather?",
				"llm.output_messages.0.message.role":                                      "assistant",
				"llm.output_messages.0.message.tool_calls.0.tool_call.id":                 "call_1",
				"llm.output_messages.0.message.tool_calls.0.tool_call.function.name":      "get_weather",
				"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": `{"city":"Rome"}`,
				"llm.tools.1.tool.json_schema":                                            `{"name":"b"}`,
				"llm.tools.0.tool.json_schema":                                            `{"name":"a"}`,
				"llm.token_count.prompt":                                                  84,
				"llm.token_count.completion":                                              17,
				"llm.token_count.total":                                                   101,
				"metadata":                                                                `{"tenant":"acme","n":2}`,
				"tag.tags":                                                                `["beta","eu"]`,
				"session.id":                                                              "s-1",
				"user.id":                                                                 "u-1",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionOpenInference, v.Convention)
				assert.Equal(t, TypeGeneration, v.Type)
				assert.Equal(t, "chat", v.Operation)
				assert.Equal(t, "openai", v.Provider)
				assert.Equal(t, "gpt-4o-mini-2024-07-18", v.Model())
				assert.JSONEq(t, `[{"message":{"role":"system","content":"Be brief."}},`+
					`{"message":{"role":"user","content":"Weather?"}}]`, v.Input)
				assert.Equal(t, `[{"name":"a"},{"name":"b"}]`, v.ToolDefinitions)
				assert.Equal(t, []ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Rome"}`}},
					v.ToolCalls)
				assert.Equal(t, Usage{InputUncached: 84, Output: 17, Total: 101, Present: true}, v.Usage)
				assert.Equal(t, map[string]string{"tenant": "acme", "n": "2"}, v.Metadata)
				assert.Equal(t, []string{"beta", "eu"}, v.Tags)
				assert.Equal(t, "u-1", v.UserID)
				assert.Equal(t, "s-1", v.SessionID)
			},
		},
		{
			name: "input value wins over flattened messages",
			attrs: map[string]any{
				"openinference.span.kind":              "LLM",
				"input.value":                          `{"messages":[]}`,
				"output.value":                         "done",
				"llm.input_messages.0.message.content": "x",
				"llm.invocation_parameters":            `{"temperature":0.1}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, `{"messages":[]}`, v.Input)
				assert.Equal(t, "done", v.Output)
				assert.Equal(t, `{"temperature":0.1}`, v.ModelParametersJSON)
				assert.Equal(t, map[string]any{"temperature": 0.1}, v.MergedModelParameters())
			},
		},
		{
			name: "prompt count includes cache",
			attrs: map[string]any{
				"openinference.span.kind":                      "LLM",
				"llm.token_count.prompt":                       50000,
				"llm.token_count.completion":                   200,
				"llm.token_count.prompt_details.cache_read":    40000,
				"llm.token_count.prompt_details.cache_write":   5000,
				"llm.token_count.completion_details.reasoning": 50,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, Usage{InputUncached: 5000, CacheRead: 40000, CacheWrite: 5000, Output: 150,
					Reasoning: 50, Total: 50200, Present: true}, v.Usage)
			},
		},
		{
			name: "tool span",
			attrs: map[string]any{
				"openinference.span.kind": "TOOL",
				"tool.name":               "search",
				"input.value":             `{"q":"go"}`,
				"output.value":            "results",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeTool, v.Type)
				assert.Equal(t, "execute_tool", v.Operation)
				assert.Equal(t, []ToolCall{{Name: "search", Arguments: `{"q":"go"}`, Result: "results"}}, v.ToolCalls)
			},
		},
		{
			name: "kinds map to types",
			attrs: map[string]any{
				"openinference.span.kind": "RETRIEVER",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeRetriever, v.Type)
			},
		},
		{
			name: "lower case kind does not match",
			attrs: map[string]any{
				"openinference.span.kind": "Agent",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeSpan, v.Type)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readSpan(t, "@arizeai/openinference-instrumentation-openai", "OpenAI Chat Completions", tt.attrs))
		})
	}
}
