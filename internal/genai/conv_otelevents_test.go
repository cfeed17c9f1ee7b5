package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestOTelEventReader(t *testing.T) {
	tests := []struct {
		name   string
		events []caseEvent
		check  func(t *testing.T, v *View)
	}{
		{
			name: "operation details event",
			events: []caseEvent{{Name: "gen_ai.client.inference.operation.details", Attributes: map[string]any{
				"gen_ai.input.messages":      `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`,
				"gen_ai.output.messages":     `[{"role":"assistant","parts":[{"type":"text","content":"yo"}]}]`,
				"gen_ai.system_instructions": `[{"type":"text","content":"Be kind."}]`,
			}}},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, `[{"role":"user","parts":[{"type":"text","content":"hi"}]}]`, v.Input)
				assert.Equal(t, `[{"role":"assistant","parts":[{"type":"text","content":"yo"}]}]`, v.Output)
				assert.Equal(t, `[{"type":"text","content":"Be kind."}]`, v.SystemInstructions)
			},
		},
		{
			name: "structured details event",
			events: []caseEvent{{Name: "gen_ai.client.inference.operation.details", Attributes: map[string]any{
				"gen_ai.input.messages": []any{map[string]any{"role": "user"}},
			}}},
			check: func(t *testing.T, v *View) {
				assert.JSONEq(t, `[{"role":"user"}]`, v.Input)
			},
		},
		{
			name: "message and single choice events",
			events: []caseEvent{
				{Name: "gen_ai.system.message", Attributes: map[string]any{"content": "Be brief.", "gen_ai.system": "openai"}},
				{Name: "gen_ai.user.message", Attributes: map[string]any{"content": "Hi \"there\""}},
				{Name: "gen_ai.choice", Attributes: map[string]any{"finish_reason": "stop", "index": 0}},
			},
			check: func(t *testing.T, v *View) {
				assert.JSONEq(t, `[{"role":"system","content":"Be brief."},{"role":"user","content":"Hi \"there\""}]`, v.Input)
				assert.JSONEq(t, `{"finish_reason":"stop","index":0}`, v.Output)
			},
		},
		{
			name: "two choices become an array",
			events: []caseEvent{
				{Name: "gen_ai.choice", Attributes: map[string]any{"index": 0}},
				{Name: "gen_ai.choice", Attributes: map[string]any{"index": 1}},
			},
			check: func(t *testing.T, v *View) {
				assert.Empty(t, v.Input)
				assert.JSONEq(t, `[{"index":0},{"index":1}]`, v.Output)
			},
		},
		{
			name: "legacy content events",
			events: []caseEvent{
				{Name: "gen_ai.content.prompt", Attributes: map[string]any{"gen_ai.prompt": "user: hi"}},
				{Name: "gen_ai.content.completion", Attributes: map[string]any{"gen_ai.completion": "hello"}},
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, "user: hi", v.Input)
				assert.Equal(t, "hello", v.Output)
			},
		},
		{
			name: "choice with tool calls",
			events: []caseEvent{{Name: "gen_ai.choice", Attributes: map[string]any{
				"message": map[string]any{"tool_calls": []any{map[string]any{
					"id": "c3", "type": "function", "function": map[string]any{"name": "f", "arguments": "{}"}}}},
			}}},
			check: func(t *testing.T, v *View) {
				assert.Contains(t, v.Output, `"tool_calls"`)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := readCase(t, caseSpan{Name: "chat", Attributes: map[string]any{
				"gen_ai.operation.name": "chat",
			}, Events: tt.events})
			assert.Equal(t, ConventionOTelGenAI, v.Convention)
			tt.check(t, v)
		})
	}
}
