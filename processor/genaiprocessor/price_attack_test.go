package genaiprocessor

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/pricing"
)

func TestPricerUnpricedHighCardinality(t *testing.T) {
	f := newPricerFixture(t, nil)
	const names = 100_000
	for i := 0; i < names; i++ {
		s := newTestSpan("acme", fmt.Sprintf("acme-model-%d", i),
			map[string]int64{"gen_ai.usage.input_tokens": 10}, nil)
		s.price(f.pricer)
	}

	counts := f.counter(t, "otelcol_genai_pricing_unpriced_spans", "model")
	assert.Len(t, counts, 101, "one label per tracked model plus other")
	assert.Equal(t, int64(names-100), counts["other"])
	// One warning per tracked model and one for all the others, because
	// every call falls within one unpriced_log_interval.
	assert.Equal(t, 101, f.logs.FilterMessageSnippet("No price for model").Len())
	assert.Len(t, f.pricer.unpriced.models, 100)
}

func TestPricerLongModelName(t *testing.T) {
	f := newPricerFixture(t, nil)
	long := "gpt-4o-" + strings.Repeat("\xff", 1<<20)
	s := newTestSpan("openai", long, map[string]int64{"gen_ai.usage.input_tokens": 10}, nil)
	s.price(f.pricer)

	_, priced := s.cost(t)
	assert.False(t, priced)
	assert.Equal(t, map[string]int64{"other": 1}, f.counter(t, "otelcol_genai_pricing_unpriced_spans", "model"))
	warnings := f.logs.FilterMessageSnippet("No price for model").All()
	require.Len(t, warnings, 1)
	logged, ok := warnings[0].ContextMap()["model"].(string)
	require.True(t, ok)
	assert.LessOrEqual(t, len(logged), 3*pricing.MaxModelNameLength)
	assert.True(t, utf8.ValidString(logged))
	assert.Equal(t, int64(len(long)), warnings[0].ContextMap()["model_bytes"])
}

func TestPricerInvalidUTF8ModelLabel(t *testing.T) {
	f := newPricerFixture(t, nil)
	s := newTestSpan("acme", "acme-\xc3\x28", map[string]int64{"gen_ai.usage.input_tokens": 10}, nil)
	s.price(f.pricer)
	counts := f.counter(t, "otelcol_genai_pricing_unpriced_spans", "model")
	require.Len(t, counts, 1)
	for label := range counts {
		assert.True(t, utf8.ValidString(label), "label %q", label)
	}
}

func TestPricerHostileTokenCounts(t *testing.T) {
	tests := []struct {
		name  string
		input any
	}{
		{"negative", -5},
		{"nan", math.NaN()},
		{"infinite", math.Inf(1)},
		{"fraction", 10.5},
		{"max int64", int64(math.MaxInt64)},
		{"beyond int64 string", "99999999999999999999999"},
		{"exponent string", "1e400"},
		{"text", "many"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPricerFixture(t, nil)
			// Anthropic's native form reports the cache outside the input
			// count, so the input written back is the sum of three counts.
			s := newConventionSpan(t, "", "ChatCompletion", map[string]any{
				"openinference.span.kind":                    "LLM",
				"llm.provider":                               "anthropic",
				"llm.model_name":                             "claude-sonnet-4-5",
				"llm.token_count.prompt":                     tt.input,
				"llm.token_count.prompt_details.cache_read":  int64(math.MaxInt64),
				"llm.token_count.prompt_details.cache_write": int64(math.MaxInt64),
				"llm.token_count.completion":                 int64(math.MaxInt64),
			})
			require.NotPanics(t, func() { s.priceAndWriteUsage(f.pricer) })

			cost, ok := s.cost(t)
			if !ok {
				return
			}
			assert.False(t, math.IsNaN(cost) || math.IsInf(cost, 0), "cost %v", cost)
			assert.GreaterOrEqual(t, cost, 0.0)
			raw, ok := s.span.Attributes().Get(genai.AttrCostDetails)
			require.True(t, ok)
			var details map[string]float64
			assert.NoError(t, json.Unmarshal([]byte(raw.Str()), &details), raw.Str())
			for _, k := range []string{"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens"} {
				tokens, ok := s.span.Attributes().Get(k)
				require.True(t, ok, k)
				assert.GreaterOrEqual(t, tokens.Int(), int64(0), k)
			}
		})
	}
}

// TestPricerConcurrentReload prices spans from several goroutines while the
// reload goroutine swaps tables; run it with -race.
func TestPricerConcurrentReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.yaml")
	write := func(rate int, mtime time.Time) {
		content := fmt.Sprintf("models:\n  - model: acme-chat\n    prices: {input: %d, output: 1}\n", rate)
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		require.NoError(t, os.Chtimes(path, mtime, mtime))
	}
	start := time.Now().Add(-time.Hour)
	write(1, start)
	f := newPricerFixture(t, func(c *PricingConfig) {
		c.Tables = []PricingTableConfig{{Path: path}}
		c.ReloadInterval = time.Millisecond
	})
	require.NoError(t, f.pricer.start(context.Background(), nil))

	stop := make(chan struct{})
	var writer sync.WaitGroup
	writer.Add(1)
	go func() {
		defer writer.Done()
		for i := 2; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			write(1+i%2, start.Add(time.Duration(i)*time.Second))
			time.Sleep(2 * time.Millisecond)
		}
	}()

	var pricers sync.WaitGroup
	for g := 0; g < 4; g++ {
		pricers.Add(1)
		go func() {
			defer pricers.Done()
			for i := 0; i < 300; i++ {
				model := "acme-chat"
				if i%3 == 0 {
					model = fmt.Sprintf("unknown-%d-%d", g, i)
				}
				s := newTestSpan("acme", model, map[string]int64{"gen_ai.usage.input_tokens": 1_000_000}, nil)
				s.price(f.pricer)
				if cost, ok := s.span.Attributes().Get(genai.AttrCost); ok {
					c := cost.Double()
					if math.Abs(c-1) > 1e-9 && math.Abs(c-2) > 1e-9 {
						t.Errorf("cost %v is neither table's price", c)
					}
				}
			}
		}()
	}
	pricers.Wait()
	close(stop)
	writer.Wait()
	require.NoError(t, f.pricer.shutdown(context.Background()))
}
