package genai

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestVercelReader(t *testing.T) {
	tests := []struct {
		name  string
		span  string
		attrs map[string]any
		check func(t *testing.T, v *View)
	}{
		{
			name: "v6 generate with disjoint details",
			span: "ai.generateText.doGenerate",
			attrs: map[string]any{
				"ai.operationId":                              "ai.generateText.doGenerate",
				"ai.telemetry.functionId":                     "travel",
				"ai.model.id":                                 "gpt-4o-mini",
				"ai.model.provider":                           "openai.chat",
				"gen_ai.response.model":                       "gpt-4o-mini-2024-07-18",
				"ai.usage.inputTokens":                        131,
				"ai.usage.inputTokenDetails.noCacheTokens":    67,
				"ai.usage.inputTokenDetails.cacheReadTokens":  64,
				"ai.usage.outputTokens":                       30,
				"ai.usage.outputTokenDetails.textTokens":      22,
				"ai.usage.outputTokenDetails.reasoningTokens": 8,
				"ai.usage.totalTokens":                        161,
				"ai.telemetry.metadata.userId":                "u-1",
				"ai.telemetry.metadata.sessionId":             "s-1",
				"ai.telemetry.metadata.tags":                  []any{"beta", "eu"},
				"ai.telemetry.metadata.tenant":                "acme",
				"ai.prompt.messages":                          `[{"role":"user","content":"hi"}]`,
				"ai.response.text":                            "hello",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionVercelAI, v.Convention)
				assert.Equal(t, TypeGeneration, v.Type)
				assert.Equal(t, "travel:ai.generateText.doGenerate", v.Name)
				assert.Equal(t, "openai", v.Provider)
				assert.Equal(t, "chat", v.Operation)
				assert.Equal(t, "gpt-4o-mini-2024-07-18", v.Model())
				assert.Equal(t, Usage{InputUncached: 67, CacheRead: 64, Output: 22, Reasoning: 8,
					Total: 161, Present: true}, v.Usage)
				assert.Equal(t, "u-1", v.UserID)
				assert.Equal(t, "s-1", v.SessionID)
				assert.Equal(t, []string{"beta", "eu"}, v.Tags)
				assert.Equal(t, map[string]string{"tenant": "acme"}, v.Metadata)
				assert.Equal(t, `[{"role":"user","content":"hi"}]`, v.Input)
				assert.Equal(t, "hello", v.Output)
			},
		},
		{
			name: "v4 anthropic cache outside input",
			span: "ai.streamText.doStream",
			attrs: map[string]any{
				"ai.operationId":               "ai.streamText.doStream",
				"ai.model.id":                  "claude-3-5-haiku-latest",
				"ai.model.provider":            "anthropic.messages",
				"ai.usage.promptTokens":        20,
				"ai.usage.completionTokens":    9,
				"ai.response.providerMetadata": `{"anthropic":{"cacheCreationInputTokens":100,"usage":{"cache_read_input_tokens":300}}}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, "anthropic", v.Provider)
				assert.Equal(t, Usage{InputUncached: 20, CacheRead: 300, CacheWrite: 100, Output: 9,
					Total: 429, Present: true}, v.Usage)
			},
		},
		{
			name: "v5 openai cached and reasoning inside totals",
			span: "ai.generateText.doGenerate",
			attrs: map[string]any{
				"ai.operationId":             "ai.generateText.doGenerate",
				"ai.model.id":                "o3-mini",
				"ai.model.provider":          "openai.responses",
				"ai.usage.inputTokens":       100,
				"ai.usage.outputTokens":      50,
				"ai.usage.cachedInputTokens": 40,
				"ai.usage.reasoningTokens":   30,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, Usage{InputUncached: 60, CacheRead: 40, Output: 20, Reasoning: 30,
					Total: 150, Present: true}, v.Usage)
			},
		},
		{
			name: "outer span is aggregate",
			span: "ai.generateText",
			attrs: map[string]any{
				"ai.operationId":        "ai.generateText",
				"ai.model.id":           "gpt-4o-mini",
				"ai.usage.inputTokens":  215,
				"ai.usage.outputTokens": 39,
				"ai.prompt":             `{"prompt":"hi"}`,
			},
			check: func(t *testing.T, v *View) {
				assert.True(t, v.Aggregate)
				assert.Equal(t, Usage{}, v.Usage)
				assert.Equal(t, `{"prompt":"hi"}`, v.Input)
			},
		},
		{
			name: "tool call span",
			span: "ai.toolCall",
			attrs: map[string]any{
				"operation.name":     "ai.toolCall travel",
				"ai.toolCall.name":   "getWeather",
				"ai.toolCall.id":     "call_1",
				"ai.toolCall.args":   `{"city":"Lisbon"}`,
				"ai.toolCall.result": `{"tempC":21}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeTool, v.Type)
				assert.Equal(t, "getWeather", v.Name)
				assert.Equal(t, []ToolCall{{ID: "call_1", Name: "getWeather",
					Arguments: `{"city":"Lisbon"}`, Result: `{"tempC":21}`}}, v.ToolCalls)
				assert.Equal(t, `{"city":"Lisbon"}`, v.Input)
				assert.Equal(t, `{"tempC":21}`, v.Output)
			},
		},
		{
			name: "text and tool calls make one message",
			span: "ai.generateText.doGenerate",
			attrs: map[string]any{
				"ai.operationId":        "ai.generateText.doGenerate",
				"ai.model.id":           "gpt-4o-mini",
				"ai.response.text":      `Checking "now"`,
				"ai.response.toolCalls": `[{"toolCallId":"c1","toolName":"lookup","args":{"q":1}}]`,
				"ai.prompt.tools":       []any{`{"type":"function","name":"lookup"}`},
			},
			check: func(t *testing.T, v *View) {
				var msg map[string]any
				require.NoError(t, json.Unmarshal([]byte(v.Output), &msg), v.Output)
				assert.Equal(t, `Checking "now"`, msg["content"])
				assert.Equal(t, []ToolCall{{ID: "c1", Name: "lookup", Arguments: `{"q":1}`}}, v.ToolCalls)
				assert.JSONEq(t, `[{"type":"function","name":"lookup"}]`, v.ToolDefinitions)
			},
		},
		{
			name: "embedding tokens",
			span: "ai.embed.doEmbed",
			attrs: map[string]any{
				"ai.operationId":  "ai.embed.doEmbed",
				"ai.model.id":     "text-embedding-3-small",
				"ai.usage.tokens": 7,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeEmbedding, v.Type)
				assert.Equal(t, "embeddings", v.Operation)
				assert.Equal(t, Usage{InputUncached: 7, Total: 7, Present: true}, v.Usage)
			},
		},
		{
			name: "stream first chunk",
			span: "ai.streamText.doStream",
			attrs: map[string]any{
				"ai.operationId":             "ai.streamText.doStream",
				"ai.model.id":                "gpt-4o-mini",
				"ai.response.msToFirstChunk": 250.5,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, int64(250_500_000), v.CompletionStartTime.UnixNano())
			},
		},
		{
			name: "openinference keys fill only the missing output",
			span: "ai.embed.doEmbed",
			attrs: map[string]any{
				"ai.operationId": "ai.embed.doEmbed",
				"ai.model.id":    "text-embedding-3-small",
				"ai.values":      []any{`"sunny"`},
				"input.value":    "other input",
				"output.value":   "[0.1]",
			},
			check: func(t *testing.T, v *View) {
				assert.JSONEq(t, `["\"sunny\""]`, v.Input)
				assert.Equal(t, "[0.1]", v.Output)
			},
		},
		{
			name: "v7 legacy runtime context",
			span: "ai.generateText.doGenerate",
			attrs: map[string]any{
				"ai.operationId":                "ai.generateText.doGenerate",
				"ai.model.id":                   "gpt-4o-mini",
				"ai.settings.context.userId":    "u-7",
				"ai.settings.context.sessionId": "s-7",
				"ai.settings.context.plan":      "pro",
				"ai.settings.temperature":       0.3,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, "u-7", v.UserID)
				assert.Equal(t, "s-7", v.SessionID)
				assert.Equal(t, map[string]string{"plan": "pro"}, v.Metadata)
				assert.Equal(t, 0.3, v.ModelParameters["temperature"])
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readSpan(t, "ai", tt.span, tt.attrs))
		})
	}
}
