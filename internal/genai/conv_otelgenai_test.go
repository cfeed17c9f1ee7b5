package genai

import (
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestOTelGenAIReader(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
		check func(t *testing.T, v *View)
	}{
		{
			name: "chat span with inclusive cache and reasoning",
			attrs: map[string]any{
				"gen_ai.operation.name":                    "chat",
				"gen_ai.provider.name":                     "openai",
				"gen_ai.request.model":                     "gpt-4o",
				"gen_ai.response.model":                    "gpt-4o-2024-08-06",
				"gen_ai.usage.input_tokens":                1000,
				"gen_ai.usage.output_tokens":               300,
				"gen_ai.usage.cache_read.input_tokens":     600,
				"gen_ai.usage.cache_creation.input_tokens": 100,
				"gen_ai.usage.reasoning.output_tokens":     120,
				"gen_ai.request.temperature":               0.2,
				"gen_ai.request.max_tokens":                512,
				"gen_ai.conversation.id":                   "conv-1",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionOTelGenAI, v.Convention)
				assert.Equal(t, TypeGeneration, v.Type)
				assert.Equal(t, "gpt-4o-2024-08-06", v.Model())
				assert.Equal(t, "gpt-4o", v.RequestModel)
				assert.Equal(t, Usage{InputUncached: 300, CacheRead: 600, CacheWrite: 100, Output: 180,
					Reasoning: 120, Total: 1300, Present: true}, v.Usage)
				assert.Equal(t, map[string]any{"temperature": 0.2, "max_tokens": int64(512)}, v.ModelParameters)
				assert.Equal(t, "conv-1", v.SessionID)
			},
		},
		{
			name: "cache write renamed key",
			attrs: map[string]any{
				"gen_ai.operation.name":                 "chat",
				"gen_ai.usage.input_tokens":             50,
				"gen_ai.usage.cache_write.input_tokens": 20,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, int64(30), v.Usage.InputUncached)
				assert.Equal(t, int64(20), v.Usage.CacheWrite)
			},
		},
		{
			name: "anthropic native cache counts",
			attrs: map[string]any{
				"gen_ai.operation.name":                    "chat",
				"gen_ai.provider.name":                     "anthropic",
				"gen_ai.usage.input_tokens":                12,
				"gen_ai.usage.cache_read_input_tokens":     4000,
				"gen_ai.usage.cache_creation_input_tokens": 500,
				"gen_ai.usage.output_tokens":               40,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, Usage{InputUncached: 12, CacheRead: 4000, CacheWrite: 500, Output: 40,
					Total: 4552, Present: true}, v.Usage)
			},
		},
		{
			name: "invoke agent is aggregate",
			attrs: map[string]any{
				"gen_ai.operation.name":     "invoke_agent",
				"gen_ai.request.model":      "gpt-4o",
				"gen_ai.usage.input_tokens": 215,
				"gen_ai.output.messages":    `[{"role":"assistant","parts":[{"type":"tool_call","name":"x"}]}]`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeAgent, v.Type)
				assert.True(t, v.Aggregate)
				assert.False(t, v.Usage.Present)
				assert.Empty(t, v.ToolCalls)
			},
		},
		{
			name: "agent step is aggregate",
			attrs: map[string]any{
				"gen_ai.operation.name":     "agent_step",
				"gen_ai.usage.input_tokens": 84,
			},
			check: func(t *testing.T, v *View) {
				assert.True(t, v.Aggregate)
				assert.Equal(t, Usage{}, v.Usage)
			},
		},
		{
			name: "execute tool",
			attrs: map[string]any{
				"gen_ai.operation.name":      "execute_tool",
				"gen_ai.tool.name":           "get_weather",
				"gen_ai.tool.call.id":        "call_9",
				"gen_ai.tool.call.arguments": `{"city":"Oslo"}`,
				"gen_ai.tool.call.result":    `{"tempC":3}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeTool, v.Type)
				assert.Equal(t, "get_weather", v.Name)
				assert.Equal(t, `{"city":"Oslo"}`, v.Input)
				assert.Equal(t, `{"tempC":3}`, v.Output)
				assert.Equal(t, []ToolCall{{ID: "call_9", Name: "get_weather", Arguments: `{"city":"Oslo"}`,
					Result: `{"tempC":3}`}}, v.ToolCalls)
			},
		},
		{
			name: "tool call parts in output",
			attrs: map[string]any{
				"gen_ai.operation.name": "chat",
				"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"text","content":"ok"},` +
					`{"type":"tool_call","id":"c1","name":"search","arguments":{"q":"go"}}],"finish_reason":"tool_call"}]`,
				"gen_ai.system_instructions": `[{"type":"text","content":"Be brief."}]`,
				"gen_ai.tool.definitions":    `[{"type":"function","name":"search"}]`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, []ToolCall{{ID: "c1", Name: "search", Arguments: `{"q":"go"}`}}, v.ToolCalls)
				assert.Equal(t, `[{"type":"text","content":"Be brief."}]`, v.SystemInstructions)
				assert.Equal(t, `[{"type":"function","name":"search"}]`, v.ToolDefinitions)
			},
		},
		{
			name: "openai tool calls in output",
			attrs: map[string]any{
				"gen_ai.operation.name": "chat",
				"gen_ai.output.messages": `{"role":"assistant","tool_calls":[{"id":"c2","type":"function",` +
					`"function":{"name":"lookup","arguments":"{\"id\":7}"}}]}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, []ToolCall{{ID: "c2", Name: "lookup", Arguments: `{"id":7}`}}, v.ToolCalls)
			},
		},
		{
			name: "older prompt and completion keys",
			attrs: map[string]any{
				"gen_ai.system":                  "openai",
				"gen_ai.request.model":           "gpt-3.5-turbo",
				"gen_ai.usage.prompt_tokens":     10,
				"gen_ai.usage.completion_tokens": 5,
				"gen_ai.prompt":                  "user: hi",
				"gen_ai.completion":              "hello",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeGeneration, v.Type)
				assert.Equal(t, "user: hi", v.Input)
				assert.Equal(t, "hello", v.Output)
				assert.Equal(t, Usage{InputUncached: 10, Output: 5, Total: 15, Present: true}, v.Usage)
			},
		},
		{
			name: "modality usage and unknown keys",
			attrs: map[string]any{
				"gen_ai.usage.input_tokens":       100,
				"gen_ai.usage.audio.input_tokens": 30,
				"gen_ai.usage.image.input_tokens": 20,
				"gen_ai.usage.output_tokens":      10,
				"gen_ai.usage.custom_tokens":      4,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, int64(100), v.Usage.InputUncached)
				assert.Equal(t, int64(30), v.Usage.InputAudio)
				assert.Equal(t, int64(20), v.Usage.InputImage)
				assert.Equal(t, map[string]int64{"custom_tokens": 4}, v.UsageExtra)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readSpan(t, "test-scope", "span", tt.attrs))
		})
	}
}

func TestReadKeepsMessageTextWithoutCopy(t *testing.T) {
	messages := `[{"role":"user","parts":[{"type":"text","content":"hello"}]}]`
	cs := caseSpan{Name: "chat", Attributes: map[string]any{
		"gen_ai.operation.name": "chat",
		"gen_ai.input.messages": messages,
	}}
	sd := buildSpan(t, cs)
	var v View
	Read(&v, sd.resource, sd.scope, sd.span)

	stored, ok := sd.span.Attributes().Get("gen_ai.input.messages")
	require.True(t, ok)
	assert.Equal(t, messages, v.Input)
	assert.Equal(t, unsafe.StringData(stored.Str()), unsafe.StringData(v.Input),
		"Input must refer to the attribute's string, not a copy")
}

func TestNormalizeProvider(t *testing.T) {
	tests := map[string]string{
		"openai.chat":             "openai",
		"openai.responses":        "openai",
		"anthropic.messages":      "anthropic",
		"OpenAI":                  "openai",
		"gcp.vertex.agent":        "",
		"strands-agents":          "",
		"aws.bedrock":             "aws.bedrock",
		"azure.ai.openai":         "azure.ai.openai",
		"amazon-bedrock.converse": "amazon-bedrock",
		"":                        "",
		"mistral_ai":              "mistral_ai",
	}
	for in, want := range tests {
		assert.Equal(t, want, normalizeProvider(in), "provider %q", in)
	}
}
