package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOpenLITReader(t *testing.T) {
	v := readCase(t, caseSpan{
		Name:  "chat gpt-4o-mini",
		Scope: &caseScope{Name: "@openlit/instrumentation-openai"},
		Attributes: map[string]any{
			"gen_ai.operation.name":                "chat",
			"gen_ai.provider.name":                 "openai",
			"gen_ai.request.model":                 "gpt-4o-mini",
			"gen_ai.usage.input_tokens":            84,
			"gen_ai.usage.output_tokens":           17,
			"gen_ai.usage.cache_read.input_tokens": 64,
			"gen_ai.usage.cost":                    0.0000321,
			"gen_ai.tool.name":                     "get_weather",
			"gen_ai.tool.call.id":                  "call_1",
			"gen_ai.tool.args":                     `{"city":"Lisbon"}`,
			"gen_ai.request.user":                  "u-9",
			"deployment.environment":               "staging",
		},
		Resource: map[string]any{"telemetry.sdk.name": "openlit"},
	})

	assert.Equal(t, ConventionOpenLIT, v.Convention)
	assert.Equal(t, TypeGeneration, v.Type, "the operation name wins over the flattened tool name")
	assert.Equal(t, Usage{InputUncached: 20, CacheRead: 64, Output: 17, Total: 101, Present: true}, v.Usage)
	assert.True(t, v.HasCost)
	assert.InDelta(t, 0.0000321, v.Cost, 1e-12)
	assert.Equal(t, []ToolCall{{ID: "call_1", Name: "get_weather", Arguments: `{"city":"Lisbon"}`}}, v.ToolCalls)
	assert.Equal(t, "u-9", v.UserID)
	assert.Equal(t, "staging", v.Environment)
}
