package pricing

import (
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatcherLongNameNotCached(t *testing.T) {
	builtin, err := Default()
	require.NoError(t, err)
	m := NewMatcher([]*Table{builtin}, MatcherOptions{})
	long := "gpt-4o" + strings.Repeat("x", 1<<20)

	assert.Nil(t, m.Lookup("", long).Entry)
	assert.Nil(t, m.Lookup(strings.Repeat("p", 1<<20), "gpt-4o").Entry)
	n := 0
	m.cache.Range(func(_, _ any) bool { n++; return true })
	assert.Equal(t, 0, n, "an over-long name was cached")

	// The longest accepted name is still matched.
	name := "openai/" + strings.Repeat("a", MaxModelNameLength-len("openai/gpt-4o")-1) + "/gpt-4o"
	require.Len(t, name, MaxModelNameLength)
	assert.Equal(t, "builtin:gpt-4o", m.Lookup("", name).Entry.ID)
}

func TestCostExtremeUsage(t *testing.T) {
	e := entry(t, map[string]float64{"input": 2.5, "output": 10, "cache_read": 1.25})
	e.Tiers = []Tier{{AboveInputTokens: 200000, Rates: e.Base.scaled(2)}}
	tests := []struct {
		name string
		u    Usage
	}{
		{"max input", Usage{InputUncached: math.MaxInt64}},
		{"max every bucket", Usage{InputUncached: math.MaxInt64, CacheRead: math.MaxInt64,
			CacheWrite: math.MaxInt64, CacheWrite1h: math.MaxInt64, Output: math.MaxInt64,
			Reasoning: math.MaxInt64}},
		{"negative buckets", Usage{InputUncached: -5, Output: -1, CacheRead: -3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := e.Cost(tt.u)
			assert.False(t, math.IsNaN(c.Total) || math.IsInf(c.Total, 0), "total %v", c.Total)
			assert.GreaterOrEqual(t, c.Total, 0.0)
			var details map[string]float64
			require.NoError(t, json.Unmarshal(c.AppendDetailsJSON(nil, tt.u), &details))
		})
	}
}

// TestRatesTierPromptOverflow checks that buckets whose sum overflows int64
// still count as above every long-context threshold.
func TestRatesTierPromptOverflow(t *testing.T) {
	e := entry(t, map[string]float64{"input": 1, "output": 1})
	e.Tiers = []Tier{{AboveInputTokens: 200000, Rates: e.Base.scaled(2)}}
	u := Usage{InputUncached: math.MaxInt64/2 + 1, CacheRead: math.MaxInt64/2 + 1}
	r := e.Rates(u)
	got, _ := r.Get(Input)
	assertRelative(t, 2e-6, got, "tier rate")
}

func TestAppendUSDNotFinite(t *testing.T) {
	for _, v := range []float64{math.NaN(), math.Inf(1), math.Inf(-1), 1e300} {
		var back float64
		assert.NoError(t, json.Unmarshal(appendUSD(nil, v), &back), "%v", v)
	}
}

func TestParseTableHostile(t *testing.T) {
	tests := []struct {
		name   string
		format Format
		data   string
	}{
		{"native nan rate", FormatNative, "models:\n  - model: m\n    prices: {input: .nan, output: 1}\n"},
		{"native inf rate", FormatNative, "models:\n  - model: m\n    prices: {input: .inf, output: 1}\n"},
		{"native negative rate", FormatNative, "models:\n  - model: m\n    prices: {input: -1, output: 1}\n"},
		{"native rate overflows per token", FormatNative, "models:\n  - model: m\n    prices: {input: 1e308, output: 1e308}\n"},
		{"litellm rate overflows cost", FormatLiteLLM, `{"m":{"input_cost_per_token":1e300,"output_cost_per_token":1e300}}`},
		{"native string rate", FormatNative, "models:\n  - model: m\n    prices: {input: cheap}\n"},
		{"native tab indent", FormatNative, "models:\n\t- model: m\n"},
		{"native alias bomb", FormatNative, "a: &a [x, x]\nb: &b [*a, *a]\nc: &c [*b, *b]\nmodels: [*c]\n"},
		{"native empty model", FormatNative, "models:\n  - model: ' '\n    prices: {input: 1}\n"},
		{"litellm nan string", FormatLiteLLM, `{"m":{"input_cost_per_token":"NaN","output_cost_per_token":1}}`},
		{"litellm huge exponent", FormatLiteLLM, `{"m":{"input_cost_per_token":1e999}}`},
		{"litellm array value", FormatLiteLLM, `{"m":[1,2,3]}`},
		{"litellm truncated", FormatLiteLLM, `{"m":{"input_cost_per_token":0.000001,`},
		{"langfuse bad regex", FormatLangfuse, `[{"modelName":"m","matchPattern":"(?i)(","prices":{"input":1}}]`},
		{"langfuse not a list", FormatLangfuse, `{"data":7}`},
		{"langfuse negative price", FormatLangfuse, `[{"modelName":"m","matchPattern":"m","prices":{"input":-1}}]`},
		{"auto binary", FormatAuto, "\x00\x01\x02\xff\xfe"},
		{"auto bom only", FormatAuto, "\ufeff"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tbl, err := ParseTable("t", []byte(tt.data), tt.format)
			if err != nil {
				return
			}
			// A table that parses must price every entry with finite,
			// non-negative rates that do not overflow a realistic call.
			for _, e := range tbl.Entries() {
				c := e.Cost(Usage{InputUncached: 1_000_000, Output: 1_000_000})
				assert.False(t, math.IsNaN(c.Total) || math.IsInf(c.Total, 0), "%s: total %v", e.ID, c.Total)
				assert.GreaterOrEqual(t, c.Total, 0.0, e.ID)
			}
		})
	}
}

// TestLayersReloadFileChangingWhileRead replaces a table file while it is
// read: the half-read content parses as a valid table with another price,
// which must not be used.
func TestLayersReloadFileChangingWhileRead(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.yaml")
	start := time.Now().Add(-time.Hour)
	writeTable(t, path, "models:\n  - model: acme\n    prices: {input: 1, output: 1}\n", start)
	layers, m, err := NewLayers(nil, []FileSpec{{Path: path}}, nil, MatcherOptions{})
	require.NoError(t, err)
	assertRelative(t, 1e-6, inputRate(t, m, "acme"), "initial")

	full := "models:\n  - model: acme\n    prices: {input: 25, output: 1}\n"
	// The reader sees the first part of the new content, a valid table
	// with input 2, and the writer finishes while it reads.
	writeTable(t, path, full[:strings.Index(full, "5")]+"}\n", start.Add(time.Minute))
	readTableFile = func(p string) ([]byte, error) {
		data, err := os.ReadFile(p)
		writeTable(t, path, full, start.Add(2*time.Minute))
		return data, err
	}
	t.Cleanup(func() { readTableFile = os.ReadFile })

	m2, errs := layers.Reload()
	assert.Empty(t, errs)
	if m2 != nil {
		assertRelative(t, 25e-6, inputRate(t, m2, "acme"), "half-read table used")
	}

	readTableFile = os.ReadFile
	m3, errs := layers.Reload()
	assert.Empty(t, errs)
	require.NotNil(t, m3, "the finished file was not reloaded")
	assertRelative(t, 25e-6, inputRate(t, m3, "acme"), "finished file")
}
