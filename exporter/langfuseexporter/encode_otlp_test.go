package langfuseexporter

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

func TestAppendModelParameters(t *testing.T) {
	params := map[string]any{
		"temperature": 0.2,
		"max_tokens":  int64(256),
		"stream":      true,
		"stop":        []any{"\n", "END"},
		"user":        "a \"quoted\"\tname",
		"bad":         math.NaN(),
	}
	got := appendModelParameters(nil, params)

	var decoded map[string]any
	require.NoError(t, json.Unmarshal(got, &decoded), string(got))
	assert.Equal(t, map[string]any{
		"temperature": 0.2, "max_tokens": 256.0, "stream": true,
		"stop": []any{"\n", "END"}, "user": "a \"quoted\"\tname",
	}, decoded)
}

func TestAppendUsageDetails(t *testing.T) {
	tests := []struct {
		name  string
		usage genai.Usage
		want  string
	}{
		{"plain", genai.Usage{InputUncached: 10, Output: 5, Present: true},
			`{"input":10,"output":5,"total":15}`},
		{"reported total kept", genai.Usage{InputUncached: 10, Output: 5, Total: 99, Present: true},
			`{"input":10,"output":5,"total":99}`},
		{"audio taken out of input and output", genai.Usage{InputUncached: 10, InputAudio: 4, Output: 6,
			OutputAudio: 2, Present: true},
			`{"input":6,"input_audio_tokens":4,"output":4,"output_audio_tokens":2,"total":16}`},
		{"cache and reasoning", genai.Usage{InputUncached: 1, CacheRead: 2, CacheWrite: 3, CacheWrite1h: 4,
			Output: 5, Reasoning: 6, Present: true},
			`{"input":1,"input_cache_read":2,"input_cache_creation":3,"input_cache_creation_1h":4,` +
				`"output":5,"output_reasoning_tokens":6,"total":21}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, string(appendUsageDetails(nil, tt.usage)))
		})
	}
}

func TestAppendCostDetails(t *testing.T) {
	got := appendCostDetails(nil, map[string]float64{"input": 0.5, "bad": math.Inf(1), "neg": -1}, 0.7)
	var decoded map[string]float64
	require.NoError(t, json.Unmarshal(got, &decoded), string(got))
	assert.Equal(t, map[string]float64{"input": 0.5, "total": 0.7}, decoded)
}

func FuzzAppendJSONString(f *testing.F) {
	for _, seed := range []string{"", "plain", "quote\" backslash\\", "tab\tnewline\n", "\x00\x1f",
		"ünïcödé", "\xff\xfeinvalid", "emoji 🙂", "\u2028"} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, s string) {
		encoded := appendJSONString(nil, s)
		var decoded string
		if err := json.Unmarshal(encoded, &decoded); err != nil {
			t.Fatalf("invalid JSON %q for %q: %v", encoded, s, err)
		}
		want, err := json.Marshal(s)
		require.NoError(t, err)
		var wantDecoded string
		require.NoError(t, json.Unmarshal(want, &wantDecoded))
		if decoded != wantDecoded {
			t.Fatalf("decoded %q, encoding/json gives %q", decoded, wantDecoded)
		}
	})
}
