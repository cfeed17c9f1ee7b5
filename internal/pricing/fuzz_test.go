package pricing

import (
	"os"
	"testing"
)

// FuzzParseTable checks that no input makes a loader panic and that every
// table it accepts prices a usage without a negative or NaN cost.
func FuzzParseTable(f *testing.F) {
	for _, path := range []string{"testdata/litellm_sample.json", "testdata/langfuse_sample.json"} {
		data, err := os.ReadFile(path)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add(defaultTableData[:2000])
	f.Add([]byte("models:\n  - model: a\n    prices: {input: 1}\n    tiers:\n      - above_input_tokens: 5\n        prices: {output: 2}\n"))
	f.Add([]byte(`{"m":{"input_cost_per_token":1e-6,"input_cost_per_token_above_0k_tokens":2e-6}}`))
	f.Add([]byte(`[{"modelName":"m","matchPattern":"(?i)^m$","pricingTiers":[{"isDefault":true,"prices":{"total":1}}]}]`))

	usage := Usage{InputUncached: 300, CacheRead: 200, CacheWrite: 100, CacheWrite1h: 50, InputAudio: 400,
		Output: 100, Reasoning: 10, OutputAudio: 200, AudioSeconds: 3, ServiceTier: "priority", Batch: true}
	f.Fuzz(func(t *testing.T, data []byte) {
		table, err := ParseTable("fuzz", data, FormatAuto)
		if err != nil {
			return
		}
		for _, e := range table.Entries() {
			c := e.Cost(usage)
			if !(c.Total >= 0) {
				t.Fatalf("entry %s: total cost %v", e.ID, c.Total)
			}
			_ = c.AppendDetailsJSON(nil, usage)
		}
	})
}

// FuzzMatcherLookup checks that no model name makes matching panic.
func FuzzMatcherLookup(f *testing.F) {
	for _, s := range []string{
		"gpt-4o", "ft:a", "ft:", "us.", "anthropic.-v", "a@", "@b", "/", "a//b", "gemini--001",
		"bedrock/us-west-2/us.anthropic.claude-3-haiku-20240307-v1:0", "x-2024-01-0", "-20240101",
	} {
		f.Add("aws.bedrock", s)
	}
	m := defaultMatcher(f)
	f.Fuzz(func(t *testing.T, provider, model string) {
		m.Lookup(provider, model)
	})
}
