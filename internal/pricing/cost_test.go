package pricing

import (
	"bufio"
	"bytes"
	"encoding/json"
	"math"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// pricingCase is one line of testdata/pricing_cases.jsonl. Usage follows the
// OpenTelemetry convention: input includes cached input and cache writes,
// output includes reasoning and audio output.
type pricingCase struct {
	ID       string   `json:"id"`
	Model    string   `json:"model"`
	Provider string   `json:"provider"`
	Expected *float64 `json:"expected_cost_usd"`
	Usage    struct {
		Input           int64   `json:"input"`
		CachedInput     int64   `json:"cached_input"`
		CacheCreation   int64   `json:"cache_creation"`
		CacheCreation1h int64   `json:"cache_creation_1h"`
		Output          int64   `json:"output"`
		Reasoning       int64   `json:"reasoning"`
		AudioInput      int64   `json:"audio_input"`
		AudioOutput     int64   `json:"audio_output"`
		AudioSeconds    float64 `json:"audio_seconds"`
		Batch           bool    `json:"batch"`
		ServiceTier     string  `json:"service_tier"`
	} `json:"usage"`
	CommonWrongAnswer *struct {
		USD float64 `json:"usd"`
	} `json:"common_wrong_answer"`
}

// disjoint converts the case's inclusive usage into disjoint buckets, as the
// GenAI view reports it.
func (c *pricingCase) disjoint() Usage {
	u := c.Usage
	return Usage{
		InputUncached: u.Input - u.CachedInput - u.CacheCreation,
		CacheRead:     u.CachedInput,
		CacheWrite:    u.CacheCreation - u.CacheCreation1h,
		CacheWrite1h:  u.CacheCreation1h,
		InputAudio:    u.AudioInput,
		Output:        u.Output - u.Reasoning,
		Reasoning:     u.Reasoning,
		OutputAudio:   u.AudioOutput,
		AudioSeconds:  u.AudioSeconds,
		Batch:         u.Batch,
		ServiceTier:   u.ServiceTier,
	}
}

func readCases(t *testing.T) []pricingCase {
	t.Helper()
	f, err := os.Open("testdata/pricing_cases.jsonl")
	require.NoError(t, err)
	defer f.Close()
	var cases []pricingCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c pricingCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		cases = append(cases, c)
	}
	require.NoError(t, sc.Err())
	require.NotEmpty(t, cases)
	return cases
}

func defaultMatcher(t testing.TB) *Matcher {
	t.Helper()
	table, err := Default()
	require.NoError(t, err)
	return NewMatcher([]*Table{table}, MatcherOptions{DateFallback: true})
}

func assertRelative(t *testing.T, want, got float64, msg string) {
	t.Helper()
	assert.LessOrEqualf(t, math.Abs(got-want), 1e-9*math.Abs(want), "%s: want %v, got %v", msg, want, got)
}

func TestPricingCases(t *testing.T) {
	m := defaultMatcher(t)
	for _, c := range readCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			match := m.Lookup(c.Provider, c.Model)
			if c.Expected == nil {
				assert.Nil(t, match.Entry, "model %q must stay unpriced", c.Model)
				assert.Equal(t, MatchNone, match.Kind)
				return
			}
			require.NotNil(t, match.Entry, "model %q has no price", c.Model)
			assert.Equal(t, MatchExact, match.Kind)

			cost := match.Entry.Cost(c.disjoint())
			assertRelative(t, *c.Expected, cost.Total, c.ID)
			if c.CommonWrongAnswer != nil {
				assert.NotEqual(t, c.CommonWrongAnswer.USD, cost.Total)
			}
		})
	}
}

// entry builds an entry from rates given in USD per 1M tokens.
func entry(t *testing.T, prices map[string]float64, tiers ...TierSpec) *Entry {
	t.Helper()
	spec := ModelSpec{Model: "test-model", Prices: prices, Tiers: tiers}
	e, err := spec.entry("test")
	require.NoError(t, err)
	return e
}

// The traps below are the ways tools commonly count a token twice or at the
// wrong rate. Usage is given in disjoint buckets.
func TestCostDoubleCountingTraps(t *testing.T) {
	openAI := map[string]float64{"input": 2.5, "output": 10, "cache_read": 1.25}
	anthropic := map[string]float64{"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75, "cache_write_1h": 6}
	longContext := TierSpec{AboveInputTokens: 200000, Prices: map[string]float64{
		"input": 6, "output": 22.5, "cache_read": 0.6, "cache_write": 7.5}}
	gemini := map[string]float64{"input": 0.15, "output": 0.6, "reasoning": 3.5}

	tests := []struct {
		name  string
		e     *Entry
		usage Usage
		want  float64
	}{
		{
			// prompt_tokens 2006 of which 1920 cached: 86 uncached.
			name:  "openai cached inside prompt",
			e:     entry(t, openAI),
			usage: Usage{InputUncached: 86, CacheRead: 1920, Output: 300},
			want:  86*2.5e-6 + 1920*1.25e-6 + 300*10e-6,
		},
		{
			// Anthropic input_tokens excludes cache reads and writes.
			name:  "anthropic cache outside input",
			e:     entry(t, anthropic),
			usage: Usage{InputUncached: 4, CacheRead: 2455, CacheWrite: 100, Output: 23},
			want:  4*3e-6 + 2455*0.3e-6 + 100*3.75e-6 + 23*15e-6,
		},
		{
			name:  "anthropic 1h cache write",
			e:     entry(t, anthropic),
			usage: Usage{InputUncached: 100, CacheWrite1h: 9900, Output: 500},
			want:  100*3e-6 + 9900*6e-6 + 500*15e-6,
		},
		{
			// completion_tokens 1000 of which 800 reasoning, no own rate.
			name:  "reasoning inside output at output rate",
			e:     entry(t, openAI),
			usage: Usage{InputUncached: 1000, Output: 200, Reasoning: 800},
			want:  1000*2.5e-6 + 1000*10e-6,
		},
		{
			name:  "gemini thinking at own rate",
			e:     entry(t, gemini),
			usage: Usage{InputUncached: 1000, Output: 200, Reasoning: 800},
			want:  1000*0.15e-6 + 200*0.6e-6 + 800*3.5e-6,
		},
		{
			name:  "long context at threshold stays base",
			e:     entry(t, anthropic, longContext),
			usage: Usage{InputUncached: 200000, Output: 1000},
			want:  200000*3e-6 + 1000*15e-6,
		},
		{
			name:  "long context above threshold whole request",
			e:     entry(t, anthropic, longContext),
			usage: Usage{InputUncached: 200001, Output: 1000},
			want:  200001*6e-6 + 1000*22.5e-6,
		},
		{
			// The threshold counts cache reads and writes, not only
			// Anthropic's raw input_tokens.
			name:  "long context counts cached prompt",
			e:     entry(t, anthropic, longContext),
			usage: Usage{InputUncached: 20000, CacheRead: 200000, CacheWrite: 10000, Output: 4000},
			want:  20000*6e-6 + 200000*0.6e-6 + 10000*7.5e-6 + 4000*22.5e-6,
		},
		{
			name:  "embeddings input only",
			e:     entry(t, map[string]float64{"input": 0.02}),
			usage: Usage{InputUncached: 5000},
			want:  5000 * 0.02e-6,
		},
		{
			name:  "audio parts of input and output",
			e:     entry(t, map[string]float64{"input": 2.5, "output": 10, "input_audio": 40, "output_audio": 80}),
			usage: Usage{InputUncached: 1500, InputAudio: 1000, Output: 1000, OutputAudio: 800},
			want:  500*2.5e-6 + 1000*40e-6 + 200*10e-6 + 800*80e-6,
		},
		{
			name:  "missing cache rate bills input rate",
			e:     entry(t, map[string]float64{"input": 1, "output": 2}),
			usage: Usage{InputUncached: 10, CacheRead: 100, CacheWrite: 1000, CacheWrite1h: 10000},
			want:  11110 * 1e-6,
		},
		{
			name:  "batch without batch rates is half",
			e:     entry(t, map[string]float64{"input": 1, "output": 2}),
			usage: Usage{InputUncached: 1000, Output: 1000, Batch: true},
			want:  1000*0.5e-6 + 1000*1e-6,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := tt.e.Cost(tt.usage)
			assertRelative(t, tt.want, got.Total, tt.name)
			parts := got.Input + got.InputAudio + got.InputImage + got.CacheRead + got.CacheWrite +
				got.Output + got.OutputAudio + got.Reasoning + got.AudioSeconds
			assertRelative(t, got.Total, parts, "sum of parts")
		})
	}
}

func TestCostDetailsJSON(t *testing.T) {
	e := entry(t, map[string]float64{"input": 3, "output": 15, "cache_read": 0.3, "cache_write": 3.75})
	u := Usage{InputUncached: 1000, CacheRead: 2000, CacheWrite: 100, Output: 300, Reasoning: 200}
	c := e.Cost(u)

	var details map[string]float64
	require.NoError(t, json.Unmarshal(c.AppendDetailsJSON(nil, u), &details))
	assert.Len(t, details, 6)
	assertRelative(t, 1000*3e-6, details["input"], "input")
	assertRelative(t, 2000*0.3e-6, details["input_cache_read"], "input_cache_read")
	assertRelative(t, 100*3.75e-6, details["input_cache_creation"], "input_cache_creation")
	assertRelative(t, 300*15e-6, details["output"], "output")
	assertRelative(t, 200*15e-6, details["output_reasoning_tokens"], "output_reasoning_tokens")
	assertRelative(t, c.Total, details["total"], "total")
}

func TestCostDetailsJSONMinimal(t *testing.T) {
	e := entry(t, map[string]float64{"input": 0.02})
	u := Usage{InputUncached: 10}
	assert.Equal(t, `{"input":0.0000002,"output":0,"total":0.0000002}`, string(e.Cost(u).AppendDetailsJSON(nil, u)))
}

func TestAppendUSD(t *testing.T) {
	tests := []struct {
		in   float64
		want string
	}{
		{0, "0"},
		{0.005615, "0.005615"},
		{1.5225, "1.5225"},
		{12, "12"},
		{2e-8, "0.00000002"},
		{1e-13, "0"},
		{4.9e-13, "0"},
		{5e-13, "0.000000000001"},
		{123456.789, "123456.789"},
		{2e6, "2000000"},
		{-1, "-1"},
	}
	for _, tt := range tests {
		got := string(appendUSD(nil, tt.in))
		assert.Equal(t, tt.want, got, "%v", tt.in)
		var back float64
		require.NoError(t, json.Unmarshal([]byte(got), &back), "%s is not a JSON number", got)
	}

	// Every value below 1e6 USD comes back within half a picodollar, plus
	// the float64 spacing of large values.
	for i := 0; i < 20000; i++ {
		v := math.Pow(10, float64(i%20)-13) * (1 + float64(i)/7919)
		if v >= 1e6 {
			continue
		}
		text := appendUSD(nil, v)
		var back float64
		require.NoError(t, json.Unmarshal(text, &back))
		assert.InDelta(t, v, back, 5e-13+v*1e-15, "%v", v)
		if bytes.IndexByte(text, '.') >= 0 {
			assert.NotEqual(t, byte('0'), text[len(text)-1], "%s has a trailing zero", text)
		}
	}
}

func TestRatesServiceTierFallsBackToBase(t *testing.T) {
	spec := ModelSpec{
		Model:        "m",
		Prices:       map[string]float64{"input": 2, "output": 8, "cache_read": 0.5},
		ServiceTiers: map[string]map[string]float64{"Priority": {"input": 3.5, "output": 14}},
	}
	e, err := spec.entry("test")
	require.NoError(t, err)

	r := e.Rates(Usage{ServiceTier: "priority"})
	in, _ := r.Get(Input)
	cached, _ := r.Get(CacheRead)
	assertRelative(t, 3.5e-6, in, "priority input")
	assertRelative(t, 0.5e-6, cached, "cache read keeps base")

	r = e.Rates(Usage{ServiceTier: "scale"})
	in, _ = r.Get(Input)
	assertRelative(t, 2e-6, in, "unknown tier keeps base")
}

// TestDetailsJSONBound writes every key with the longest number forms, a
// value above 1e6 USD (strconv's form) and one below (twelve fraction
// digits), and checks that the text stays within MaxDetailsJSONBytes.
func TestDetailsJSONBound(t *testing.T) {
	u := Usage{InputAudio: 1, InputImage: 1, CacheRead: 1, CacheWrite: 1, AudioSeconds: 1, OutputAudio: 1, Reasoning: 1}
	for _, v := range []float64{-1.2345678901234567e-300, 123456.123456789012, 9.87654321098765e+300} {
		c := Cost{
			Input: v, InputAudio: v, InputImage: v, CacheRead: v, CacheWrite: v,
			Output: v, OutputAudio: v, Reasoning: v, AudioSeconds: v, Total: v,
		}
		text := c.AppendDetailsJSON(nil, u)
		assert.LessOrEqual(t, len(text), MaxDetailsJSONBytes, "%s", text)
		var details map[string]float64
		require.NoError(t, json.Unmarshal(text, &details), "%s", text)
		assert.Len(t, details, 10)
	}
}
