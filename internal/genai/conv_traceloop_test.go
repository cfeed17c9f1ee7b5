package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestTraceloopReader(t *testing.T) {
	tests := []struct {
		name  string
		span  string
		attrs map[string]any
		check func(t *testing.T, v *View)
	}{
		{
			name: "legacy flattened llm span",
			span: "openai.chat",
			attrs: map[string]any{
				"gen_ai.system":                               "OpenAI",
				"llm.request.type":                            "chat",
				"gen_ai.request.model":                        "gpt-4o",
				"gen_ai.response.model":                       "gpt-4o-2024-08-06",
				"gen_ai.prompt.0.role":                        "user",
				"gen_ai.prompt.0.content":                     "Weather in Rome?",
				"gen_ai.completion.0.role":                    "assistant",
				"gen_ai.completion.0.finish_reason":           "tool_calls",
				"gen_ai.completion.0.tool_calls.0.name":       "get_weather",
				"gen_ai.completion.0.tool_calls.0.id":         "call_5",
				"gen_ai.completion.0.tool_calls.0.arguments":  `{"city":"Rome"}`,
				"gen_ai.usage.prompt_tokens":                  1200,
				"gen_ai.usage.completion_tokens":              90,
				"gen_ai.usage.cache_read_input_tokens":        1024,
				"gen_ai.usage.reasoning_tokens":               40,
				"llm.usage.total_tokens":                      1290,
				"traceloop.association.properties.user_id":    "u-1",
				"traceloop.association.properties.session_id": "s-1",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionTraceloop, v.Convention)
				assert.Equal(t, TypeGeneration, v.Type)
				assert.Equal(t, "openai", v.Provider)
				assert.Equal(t, "chat", v.Operation)
				assert.JSONEq(t, `[{"role":"user","content":"Weather in Rome?"}]`, v.Input)
				assert.Equal(t, []ToolCall{{ID: "call_5", Name: "get_weather", Arguments: `{"city":"Rome"}`}},
					v.ToolCalls)
				assert.Equal(t, Usage{InputUncached: 176, CacheRead: 1024, Output: 50, Reasoning: 40,
					Total: 1290, Present: true}, v.Usage)
				assert.Equal(t, "u-1", v.UserID)
				assert.Equal(t, "s-1", v.SessionID)
				assert.Equal(t, map[string]string{"user_id": "u-1", "session_id": "s-1"}, v.Metadata)
			},
		},
		{
			name: "workflow span is an aggregate chain",
			span: "travel.workflow",
			attrs: map[string]any{
				"traceloop.span.kind":     "workflow",
				"traceloop.entity.name":   "travel",
				"traceloop.entity.input":  `{"args":[],"kwargs":{}}`,
				"traceloop.entity.output": `"done"`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeChain, v.Type)
				assert.True(t, v.Aggregate)
				assert.Equal(t, `{"args":[],"kwargs":{}}`, v.Input)
				assert.Equal(t, `"done"`, v.Output)
			},
		},
		{
			name: "tool entity span",
			span: "get_weather.tool",
			attrs: map[string]any{
				"traceloop.span.kind":     "tool",
				"traceloop.entity.name":   "get_weather",
				"traceloop.entity.input":  `{"args":["Rome"]}`,
				"traceloop.entity.output": `{"tempC":18}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeTool, v.Type)
				assert.False(t, v.Aggregate)
				assert.Equal(t, []ToolCall{{Name: "get_weather", Arguments: `{"args":["Rome"]}`,
					Result: `{"tempC":18}`}}, v.ToolCalls)
			},
		},
		{
			name: "sparse indices are compacted",
			span: "openai.chat",
			attrs: map[string]any{
				"gen_ai.prompt.3.content": "late",
				"gen_ai.prompt.0.content": "early",
			},
			check: func(t *testing.T, v *View) {
				assert.JSONEq(t, `[{"content":"early"},{"content":"late"}]`, v.Input)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readSpan(t, "@traceloop/node-server-sdk", tt.span, tt.attrs))
		})
	}
}
