package genai

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

func TestLangfuseReader(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
		check func(t *testing.T, v *View)
	}{
		{
			name: "additive usage buckets",
			attrs: map[string]any{
				"langfuse.observation.type":          "generation",
				"langfuse.observation.model.name":    "gpt-4o",
				"langfuse.observation.usage_details": `{"input":67,"output":22,"input_cached_tokens":64,"output_reasoning_tokens":5}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, ConventionLangfuse, v.Convention)
				assert.Equal(t, Usage{InputUncached: 67, CacheRead: 64, Output: 22, Reasoning: 5,
					Total: 158, Present: true}, v.Usage)
				assert.JSONEq(t, `{"input":67,"output":22,"input_cached_tokens":64,"output_reasoning_tokens":5}`,
					v.UsageDetails)
			},
		},
		{
			name: "openai chat shape subtracts details",
			attrs: map[string]any{
				"langfuse.observation.usage_details": `{"prompt_tokens":1957,"completion_tokens":80,` +
					`"total_tokens":2037,"prompt_tokens_details":{"cached_tokens":100,"audio_tokens":0},` +
					`"completion_tokens_details":{"reasoning_tokens":10}}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, Usage{InputUncached: 1857, CacheRead: 100, Output: 70, Reasoning: 10,
					Total: 2037, Present: true}, v.Usage)
			},
		},
		{
			name: "openai responses shape",
			attrs: map[string]any{
				"langfuse.observation.usage_details": `{"input_tokens":50,"output_tokens":20,"total_tokens":70,` +
					`"input_tokens_details":{"cached_tokens":30},"output_tokens_details":{"reasoning_tokens":4}}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, Usage{InputUncached: 20, CacheRead: 30, Output: 16, Reasoning: 4,
					Total: 70, Present: true}, v.Usage)
			},
		},
		{
			name: "unknown usage keys are extra",
			attrs: map[string]any{
				"langfuse.observation.usage_details": `{"input":131,"output":22,"total":153,"cache_read_input_tokens":64}`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, int64(153), v.Usage.Sum())
				assert.Equal(t, map[string]int64{"cache_read_input_tokens": 64}, v.UsageExtra)
			},
		},
		{
			name: "invalid usage json falls through",
			attrs: map[string]any{
				"langfuse.observation.usage_details": `{"input":`,
				"gen_ai.usage.input_tokens":          12,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, 1, v.InvalidValues)
				assert.Empty(t, v.UsageDetails)
				assert.Equal(t, int64(12), v.Usage.InputUncached)
			},
		},
		{
			name: "observation io level and status",
			attrs: map[string]any{
				"langfuse.observation.input":          `{"q":1}`,
				"langfuse.observation.output":         `{"a":2}`,
				"langfuse.observation.level":          "warn",
				"langfuse.observation.status_message": "slow",
				"input.value":                         "ignored",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, `{"q":1}`, v.Input)
				assert.Equal(t, `{"a":2}`, v.Output)
				assert.Equal(t, LevelWarning, v.Level)
				assert.Equal(t, "slow", v.StatusMessage)
			},
		},
		{
			name: "prompt link and completion start on generation",
			attrs: map[string]any{
				"langfuse.observation.type":                  "generation",
				"langfuse.observation.prompt.name":           "travel",
				"langfuse.observation.prompt.version":        "3",
				"langfuse.observation.completion_start_time": `"2025-04-30T15:28:50.686390Z"`,
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, "travel", v.PromptName)
				assert.Equal(t, int64(3), v.PromptVersion)
				assert.Equal(t, time.Date(2025, 4, 30, 15, 28, 50, 686390000, time.UTC),
					v.CompletionStartTime.UTC())
			},
		},
		{
			name: "trace fields and metadata",
			attrs: map[string]any{
				"langfuse.trace.name":             "checkout",
				"langfuse.trace.public":           "true",
				"langfuse.trace.tags":             `["a","b"]`,
				"langfuse.trace.metadata.team":    "search",
				"langfuse.observation.metadata.k": "v",
				"langfuse.observation.metadata":   `{"j":{"x":1},"s":"text"}`,
				"langfuse.user.id":                "u-1",
				"user.id":                         "u-2",
				"langfuse.environment":            "prod",
				"langfuse.release":                "r1",
				"langfuse.version":                "v9",
			},
			check: func(t *testing.T, v *View) {
				assert.Equal(t, "checkout", v.TraceName)
				assert.True(t, v.Public)
				assert.Equal(t, []string{"a", "b"}, v.Tags)
				assert.Equal(t, map[string]string{"team": "search"}, v.TraceMetadata)
				assert.Equal(t, map[string]string{"k": "v", "j": `{"x":1}`, "s": "text"}, v.Metadata)
				assert.Equal(t, "u-1", v.UserID)
				assert.Equal(t, "prod", v.Environment)
				assert.Equal(t, "r1", v.Release)
				assert.Equal(t, "v9", v.Version)
			},
		},
		{
			name: "cost details",
			attrs: map[string]any{
				"langfuse.observation.cost_details": `{"input":0.5,"output":0.25}`,
				"gen_ai.usage.cost":                 9.0,
			},
			check: func(t *testing.T, v *View) {
				assert.True(t, v.HasCost)
				assert.InDelta(t, 0.75, v.Cost, 1e-12)
				assert.Equal(t, map[string]float64{"input": 0.5, "output": 0.25}, v.CostDetails)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.check(t, readSpan(t, "langfuse-sdk", "span", tt.attrs))
		})
	}
}
