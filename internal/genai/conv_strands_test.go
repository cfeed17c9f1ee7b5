package genai

import (
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestStrandsReader(t *testing.T) {
	tests := []struct {
		name   string
		span   string
		attrs  map[string]any
		events []caseEvent
		check  func(t *testing.T, v *View)
	}{
		{
			name: "default mode chat with events and both usage names",
			span: "chat",
			attrs: map[string]any{
				"gen_ai.operation.name":                 "chat",
				"gen_ai.system":                         "strands-agents",
				"gen_ai.request.model":                  "gpt-4o-mini",
				"gen_ai.usage.prompt_tokens":            84,
				"gen_ai.usage.input_tokens":             84,
				"gen_ai.usage.completion_tokens":        17,
				"gen_ai.usage.output_tokens":            17,
				"gen_ai.usage.total_tokens":             101,
				"gen_ai.usage.cache_read_input_tokens":  64,
				"gen_ai.usage.cache_write_input_tokens": 0,
			},
			events: []caseEvent{
				{Name: "gen_ai.user.message", Attributes: map[string]any{"content": `[{"text":"hi"}]`}},
				{Name: "gen_ai.choice", Attributes: map[string]any{"message": `[{"text":"yo"}]`, "finish_reason": "endTurn"}},
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionStrands, v.Convention)
				assert.Empty(t, v.Provider)
				assert.Equal(t, Usage{InputUncached: 20, CacheRead: 64, Output: 17, Total: 101, Present: true}, v.Usage)
				assert.JSONEq(t, `[{"role":"user","content":"[{\"text\":\"hi\"}]"}]`, v.Input)
				assert.JSONEq(t, `{"message":"[{\"text\":\"yo\"}]","finish_reason":"endTurn"}`, v.Output)
			},
		},
		{
			name: "loop cycle is aggregate",
			span: "execute_event_loop_cycle",
			attrs: map[string]any{
				"gen_ai.usage.input_tokens": 84,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionStrands, v.Convention)
				assert.True(t, v.Aggregate)
				assert.False(t, v.Usage.Present)
			},
		},
		{
			name: "root agent is aggregate",
			span: "invoke_agent travel",
			attrs: map[string]any{
				"gen_ai.operation.name":     "invoke_agent",
				"gen_ai.usage.input_tokens": 168,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, TypeAgent, v.Type)
				assert.True(t, v.Aggregate)
				assert.False(t, v.Usage.Present)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readCase(t, caseSpan{Name: tt.span, Scope: &caseScope{Name: "strands-agents"},
				Attributes: tt.attrs, Events: tt.events}))
		})
	}
}
