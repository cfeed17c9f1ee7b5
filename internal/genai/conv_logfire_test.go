package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestLogfireReader(t *testing.T) {
	tests := []struct {
		name  string
		scope string
		span  string
		attrs map[string]any
		check func(t *testing.T, v *View)
	}{
		{
			name:  "pydantic ai chat span",
			scope: "pydantic-ai",
			span:  "chat gpt-4o",
			attrs: map[string]any{
				"gen_ai.operation.name":                   "chat",
				"gen_ai.provider.name":                    "openai",
				"gen_ai.request.model":                    "gpt-4o",
				"gen_ai.usage.input_tokens":               120,
				"gen_ai.usage.output_tokens":              40,
				"gen_ai.usage.cache_read.input_tokens":    30,
				"gen_ai.usage.details.input_audio_tokens": 5,
				"gen_ai.usage.details.reasoning_tokens":   9,
				"logfire.msg":                             "chat gpt-4o",
				"gen_ai.input.messages":                   `[{"role":"user","parts":[]}]`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionLogfire, v.Convention)
				assert.Equal(t, Usage{InputUncached: 90, CacheRead: 30, InputAudio: 5, Output: 40, Total: 160,
					Present: true}, v.Usage)
				assert.Equal(t, map[string]int64{"reasoning_tokens": 9}, v.UsageExtra)
				assert.Equal(t, `[{"role":"user","parts":[]}]`, v.Input)
			},
		},
		{
			name:  "pydantic ai run totals are not counted",
			scope: "pydantic-ai",
			span:  "invoke_agent travel",
			attrs: map[string]any{
				"gen_ai.operation.name":                 "invoke_agent",
				"gen_ai.aggregated_usage.input_tokens":  500,
				"gen_ai.aggregated_usage.output_tokens": 80,
				"pydantic_ai.all_messages":              `[{"role":"user"}]`,
				"final_result":                          "ok",
			},
			check: func(t *testing.T, v *View) {
				assert.True(t, v.Aggregate)
				assert.False(t, v.Usage.Present)
				assert.Equal(t, `[{"role":"user"}]`, v.Input)
				assert.Equal(t, "ok", v.Output)
			},
		},
		{
			name:  "version 2 tool span",
			scope: "pydantic-ai",
			span:  "running tool",
			attrs: map[string]any{
				"gen_ai.tool.name":    "roulette_wheel",
				"gen_ai.tool.call.id": "call_1",
				"tool_arguments":      `{"square":18}`,
				"tool_response":       "winner",
				"logfire.msg":         "running tool: roulette_wheel",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeTool, v.Type)
				assert.Equal(t, "roulette_wheel", v.Name)
				assert.Equal(t, `{"square":18}`, v.Input)
				assert.Equal(t, "winner", v.Output)
				assert.Equal(t, []ToolCall{{ID: "call_1", Name: "roulette_wheel", Arguments: `{"square":18}`,
					Result: "winner"}}, v.ToolCalls)
			},
		},
		{
			name:  "logfire events split",
			scope: "logfire.openai",
			span:  "Chat Completion with 'gpt-4o-mini'",
			attrs: map[string]any{
				"logfire.msg": "Chat Completion with 'gpt-4o-mini'",
				"events": `[{"event.name":"gen_ai.user.message","content":"hi"},` +
					`{"event.name":"gen_ai.choice","message":{"content":"yo"}}]`,
				"model_config":   `{"max_tokens":4096}`,
				"operation.cost": 0.002,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, "Chat Completion with 'gpt-4o-mini'", v.Name)
				assert.JSONEq(t, `[{"event.name":"gen_ai.user.message","content":"hi"}]`, v.Input)
				assert.JSONEq(t, `{"event.name":"gen_ai.choice","message":{"content":"yo"}}`, v.Output)
				assert.Equal(t, map[string]any{"max_tokens": int64(4096)}, v.MergedModelParameters())
				assert.False(t, v.HasCost, "Langfuse does not read operation.cost")
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readSpan(t, tt.scope, tt.span, tt.attrs))
		})
	}
}
