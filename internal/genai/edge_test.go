package genai

import (
	"math"
	"strings"
	"testing"
	"unsafe"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestReadInvalidMessageJSONKeptAsText(t *testing.T) {
	truncated := `[{"role":"assistant","parts":[{"type":"tool_call","name":"f","arguments":{"a":`
	v := readSpan(t, "", "chat", map[string]any{
		"gen_ai.operation.name":  "chat",
		"gen_ai.input.messages":  "not json at all",
		"gen_ai.output.messages": truncated,
	})
	assert.Equal(t, "not json at all", v.Input)
	assert.Equal(t, truncated, v.Output)
	assert.Empty(t, v.ToolCalls)
	assert.Equal(t, 1, v.InvalidValues, "the truncated output is counted once")
}

func TestReadTokenCounts(t *testing.T) {
	tests := []struct {
		name    string
		value   any
		want    int64
		present bool
		invalid int
	}{
		{"int", 15, 15, true, 0},
		{"decimal string", "15", 15, true, 0},
		{"whole double", 15.0, 15, true, 0},
		{"double string", "15.0", 15, true, 0},
		{"negative", -5, 0, false, 1},
		{"negative string", "-5", 0, false, 1},
		{"nan", math.NaN(), 0, false, 1},
		{"infinity", math.Inf(1), 0, false, 1},
		{"fraction", 1.5, 0, false, 1},
		{"word", "many", 0, false, 1},
		{"huge", 1e300, 0, false, 1},
		{"bool", true, 0, false, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := readSpan(t, "", "chat", map[string]any{
				"gen_ai.operation.name":     "chat",
				"gen_ai.usage.input_tokens": tt.value,
			})
			assert.Equal(t, tt.present, v.Usage.Present)
			assert.Equal(t, tt.want, v.Usage.InputUncached)
			assert.Equal(t, tt.invalid, v.InvalidValues)
		})
	}
}

func TestReadPartsLargerThanTotalsClamp(t *testing.T) {
	v := readSpan(t, "", "chat", map[string]any{
		"gen_ai.operation.name":                "chat",
		"gen_ai.usage.input_tokens":            10,
		"gen_ai.usage.cache_read.input_tokens": 50,
		"gen_ai.usage.output_tokens":           5,
		"gen_ai.usage.reasoning.output_tokens": 9,
	})
	assert.Zero(t, v.Usage.InputUncached)
	assert.Zero(t, v.Usage.Output)
	assert.Equal(t, int64(50), v.Usage.CacheRead)
	assert.Equal(t, int64(9), v.Usage.Reasoning)
}

func TestReadMissingModel(t *testing.T) {
	v := readSpan(t, "", "chat", map[string]any{
		"gen_ai.operation.name":     "chat",
		"gen_ai.usage.input_tokens": 3,
	})
	assert.Equal(t, TypeGeneration, v.Type)
	assert.Empty(t, v.Model())
	assert.True(t, v.Usage.Present)
}

func TestReadEnormousValues(t *testing.T) {
	big := strings.Repeat("x", 8<<20)
	cs := caseSpan{Name: "chat", Attributes: map[string]any{
		"gen_ai.operation.name":             "chat",
		"gen_ai.input.messages":             big,
		"gen_ai.prompt.99999999999.content": "far",
		"gen_ai.prompt.20000.content":       "beyond the cap",
		"langfuse.observation.metadata.big": big,
	}}
	sd := buildSpan(t, cs)
	var v View
	Read(&v, sd.resource, sd.scope, sd.span)

	stored, _ := sd.span.Attributes().Get("gen_ai.input.messages")
	assert.Equal(t, unsafe.StringData(stored.Str()), unsafe.StringData(v.Input))
	assert.Len(t, v.Metadata["big"], len(big))
	assert.Equal(t, 2, v.InvalidValues, "both out-of-cap indices are counted")
}

func TestReadReusesView(t *testing.T) {
	first := buildSpan(t, caseSpan{Name: "a", Attributes: normaliseNumbers(map[string]any{
		"langfuse.observation.metadata.k": "v",
		"langfuse.trace.tags":             []any{"x"},
		"gen_ai.request.temperature":      0.5,
		"gen_ai.usage.custom_tokens":      3,
		"gen_ai.operation.name":           "execute_tool",
		"gen_ai.tool.name":                "t",
		"llm.cost.total":                  0.1,
	})})
	second := buildSpan(t, caseSpan{Name: "b"})

	var v View
	Read(&v, first.resource, first.scope, first.span)
	require.NotEmpty(t, v.Metadata)
	require.NotEmpty(t, v.ToolCalls)
	Read(&v, second.resource, second.scope, second.span)

	assert.Equal(t, "b", v.Name)
	assert.Equal(t, TypeSpan, v.Type)
	assert.Empty(t, v.Metadata)
	assert.Empty(t, v.Tags)
	assert.Empty(t, v.ModelParameters)
	assert.Empty(t, v.UsageExtra)
	assert.Empty(t, v.ToolCalls)
	assert.Empty(t, v.CostDetails)
	assert.False(t, v.HasCost)
	assert.Equal(t, LevelDefault, v.Level)
}

func TestAppendTags(t *testing.T) {
	tests := []struct {
		name  string
		value any
		want  []string
	}{
		{"array", []any{"a", "b"}, []string{"a", "b"}},
		{"json array", `["a", "b"]`, []string{"a", "b"}},
		{"python list", `['beta', 'eu']`, []string{"beta", "eu"}},
		{"comma separated", "2, 3,4", []string{"2", "3", "4"}},
		{"single", "prod", []string{"prod"}},
		{"empty", "", nil},
		{"json array with numbers", `[1, "b"]`, []string{"1", "b"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := pcommon.NewValueEmpty()
			require.NoError(t, putValue(v, tt.value))
			assert.Equal(t, tt.want, appendTags(nil, v))
		})
	}
}

func TestParseLevel(t *testing.T) {
	tests := map[string]Level{
		"debug": LevelDebug, "TRACE": LevelDebug, "info": LevelDefault, "ok": LevelDefault,
		"Warn": LevelWarning, "fatal": LevelError, "critical": LevelError,
	}
	for in, want := range tests {
		got, ok := parseLevel(in)
		assert.True(t, ok, in)
		assert.Equal(t, want, got, in)
	}
	_, ok := parseLevel("[REDACTED]")
	assert.False(t, ok)
}

func TestReadNonStringIdentifiers(t *testing.T) {
	v := readSpan(t, "", "span", map[string]any{
		"user.id":    12345,
		"session.id": true,
	})
	assert.Equal(t, "12345", v.UserID)
	assert.Equal(t, "true", v.SessionID)
}

func TestInputWithSystemInstructions(t *testing.T) {
	tests := []struct {
		name string
		view View
		want string
	}{
		{"plain text instructions", View{Input: `[{"role":"user","content":"hi"}]`, SystemInstructions: "Be brief."},
			`[{"role":"system","content":"Be brief."},{"role":"user","content":"hi"}]`},
		{"json instructions", View{Input: `[]`, SystemInstructions: `[{"type":"text","content":"x"}]`},
			`[{"role":"system","content":[{"type":"text","content":"x"}]}]`},
		{"system message already present", View{Input: `[{"role":"system","content":"a"}]`, SystemInstructions: "b"},
			`[{"role":"system","content":"a"}]`},
		{"input not an array", View{Input: `{"q":1}`, SystemInstructions: "b"}, `{"q":1}`},
		{"no instructions", View{Input: `[]`}, `[]`},
		{"invalid input", View{Input: `[{"role"`, SystemInstructions: "b"}, `[{"role"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, tt.view.InputWithSystemInstructions())
		})
	}
}

func TestReadHugeCountsDoNotOverflow(t *testing.T) {
	tests := []struct {
		name  string
		scope string
		attrs map[string]any
	}{
		{"generic sum", "", map[string]any{
			"gen_ai.operation.name":      "chat",
			"gen_ai.usage.input_tokens":  int64(math.MaxInt64),
			"gen_ai.usage.output_tokens": int64(math.MaxInt64),
		}},
		{"langfuse usage details", "", map[string]any{
			"langfuse.observation.usage_details": `{"input":9223372036854775807,` +
				`"input_cached_tokens":9223372036854775807,"input_cache_read":9223372036854775807,` +
				`"output":5}`,
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := readSpan(t, tt.scope, "chat", tt.attrs)

			require.True(t, v.Usage.Present)
			assert.GreaterOrEqual(t, v.Usage.Total, int64(0))
			assert.GreaterOrEqual(t, v.Usage.Sum(), int64(0))
			assert.GreaterOrEqual(t, v.Usage.CacheRead, int64(0))
			assert.Equal(t, int64(math.MaxInt64), v.Usage.Total)
		})
	}
}

func TestReadHugeCachePartsClampInput(t *testing.T) {
	v := readSpan(t, "", "chat", map[string]any{
		"gen_ai.operation.name":                    "chat",
		"gen_ai.usage.input_tokens":                5,
		"gen_ai.usage.cache_read.input_tokens":     int64(math.MaxInt64),
		"gen_ai.usage.cache_creation.input_tokens": int64(math.MaxInt64),
	})

	assert.Equal(t, int64(0), v.Usage.InputUncached)
	assert.Equal(t, int64(math.MaxInt64), v.Usage.CacheRead)
	assert.Equal(t, int64(math.MaxInt64), v.Usage.CacheWrite)
}

func TestServiceTier(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
		want  string
	}{
		{"genai request", map[string]any{"gen_ai.request.service_tier": "priority"}, "priority"},
		{"openinference flattened", map[string]any{"llm.invocation_parameters.service_tier": "flex"}, "flex"},
		{"vercel settings", map[string]any{"ai.settings.service_tier": "default"}, "default"},
		{"absent", map[string]any{"gen_ai.request.temperature": 0.2}, ""},
		{"not text", map[string]any{"gen_ai.request.service_tier": 2}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := map[string]any{"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o"}
			for k, v := range tt.attrs {
				attrs[k] = v
			}
			v := readSpan(t, "", "chat gpt-4o", attrs)
			assert.Equal(t, tt.want, v.ServiceTier)
			if tt.want != "" {
				assert.Equal(t, tt.want, v.ModelParameters["service_tier"])
			}
		})
	}
}
