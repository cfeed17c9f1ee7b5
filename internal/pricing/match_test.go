package pricing

import (
	"fmt"
	"os"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMatcherLookup(t *testing.T) {
	builtin, err := Default()
	require.NoError(t, err)
	m := NewMatcher([]*Table{builtin}, MatcherOptions{
		DateFallback: true,
		Aliases:      map[string]string{"Prod-4o-Mini": "azure/gpt-4o-mini"},
	})

	tests := []struct {
		provider string
		model    string
		wantID   string
		wantKind MatchKind
	}{
		{"", "gpt-4o", "builtin:gpt-4o", MatchExact},
		{"", "GPT-4o", "builtin:gpt-4o", MatchExact},
		{"openai", "openai/gpt-4o", "builtin:gpt-4o", MatchExact},
		{"", "gpt-4o-2024-08-06", "builtin:gpt-4o-2024-08-06", MatchExact},
		// An older snapshot has its own, higher price.
		{"", "gpt-4o-2024-05-13", "builtin:gpt-4o-2024-05-13", MatchExact},
		// A snapshot no table lists falls back to the undated alias.
		{"", "gpt-4o-2031-01-01", "builtin:gpt-4o", MatchDateFallback},
		{"", "claude-sonnet-4-5-20991231", "builtin:claude-sonnet-4-5-20250929", MatchDateFallback},
		{"", "claude-sonnet-4-5", "builtin:claude-sonnet-4-5-20250929", MatchExact},
		{"anthropic", "anthropic/claude-3-5-haiku-20241022", "builtin:claude-3-5-haiku-20241022", MatchExact},
		// Bedrock ids: listed profile, geo prefix, vendor and version.
		{"aws.bedrock", "us.anthropic.claude-3-haiku-20240307-v1:0", "builtin:us.anthropic.claude-3-haiku-20240307-v1:0", MatchExact},
		{"aws.bedrock", "eu.anthropic.claude-3-haiku-20240307-v1:0", "builtin:anthropic.claude-3-haiku-20240307-v1:0", MatchExact},
		{"aws.bedrock", "apac.anthropic.claude-opus-4-6-v1:0", "builtin:claude-opus-4-6", MatchExact},
		{"aws.bedrock", "bedrock/us-west-2/us.anthropic.claude-3-haiku-20240307-v1:0", "builtin:us.anthropic.claude-3-haiku-20240307-v1:0", MatchExact},
		{"aws.bedrock", "arn:aws:bedrock:us-east-1:123456789012:inference-profile/eu.anthropic.claude-sonnet-4-5-20250929-v1:0", "builtin:eu.anthropic.claude-sonnet-4-5-20250929-v1:0", MatchExact},
		// Vertex AI version forms.
		{"gcp.vertex_ai", "claude-sonnet-4-5@20250929", "builtin:claude-sonnet-4-5-20250929", MatchExact},
		{"gcp.vertex_ai", "claude-3-5-sonnet-v2@20241022", "builtin:claude-3-5-sonnet-20241022", MatchExact},
		{"gcp.vertex_ai", "vertex_ai/gemini-2.5-pro", "builtin:gemini-2.5-pro", MatchExact},
		{"gcp.gemini", "models/gemini-2.5-flash", "builtin:gemini-2.5-flash", MatchExact},
		{"", "gemini-1.5-flash-002", "builtin:gemini-1.5-flash", MatchExact},
		// Azure: the provider selects the Azure price of a bare name;
		// a deployment name goes through the configured alias.
		{"azure.ai.openai", "gpt-4o-mini", "builtin:azure/gpt-4o-mini", MatchExact},
		{"openai", "gpt-4o-mini", "builtin:gpt-4o-mini", MatchExact},
		{"azure.ai.openai", "prod-4o-mini", "builtin:azure/gpt-4o-mini", MatchExact},
		// Fine-tunes are priced at the fine-tune rate of their base.
		{"", "ft:gpt-4o-mini-2024-07-18:acme:support:9AbC", "builtin:ft:gpt-4o-mini-2024-07-18", MatchExact},
		{"", "ft:gpt-4.1-2025-04-14:acme::xyz", "", MatchNone},
		// Hosted open models.
		{"groq", "llama-3.3-70b-versatile", "builtin:groq/llama-3.3-70b-versatile", MatchExact},
		{"", "together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", "builtin:together_ai/meta-llama/Llama-3.3-70B-Instruct-Turbo", MatchExact},
		{"mistral_ai", "mistral-large-latest", "builtin:mistral-large-latest", MatchExact},
		{"x_ai", "grok-4", "builtin:grok-4", MatchExact},
		{"", "text-embedding-3-small", "builtin:text-embedding-3-small", MatchExact},
		// Unknown names stay unpriced, including near misses.
		{"", "my-company/llama-3-finetune-v2", "", MatchNone},
		{"", "gpt-4o-mini-search", "", MatchNone},
		{"", "", "", MatchNone},
	}
	for _, tt := range tests {
		t.Run(tt.provider+" "+tt.model, func(t *testing.T) {
			got := m.Lookup(tt.provider, tt.model)
			assert.Equal(t, tt.wantKind, got.Kind)
			if tt.wantID == "" {
				assert.Nil(t, got.Entry)
				return
			}
			require.NotNil(t, got.Entry)
			assert.Equal(t, tt.wantID, got.Entry.ID)
		})
	}
}

func TestMatcherDateFallbackDisabled(t *testing.T) {
	builtin, err := Default()
	require.NoError(t, err)
	m := NewMatcher([]*Table{builtin}, MatcherOptions{})
	assert.Nil(t, m.Lookup("", "gpt-4o-2031-01-01").Entry)
	assert.NotNil(t, m.Lookup("", "gpt-4o-2024-08-06").Entry)
}

func TestMatcherLaterTableWins(t *testing.T) {
	builtin, err := Default()
	require.NoError(t, err)
	override, err := NewTableFromSpecs("inline", []ModelSpec{
		{Model: "gpt-4o", Prices: map[string]float64{"input": 1, "output": 1}},
	})
	require.NoError(t, err)
	data, err := os.ReadFile("testdata/langfuse_sample.json")
	require.NoError(t, err)
	lf, err := ParseTable("lf", data, FormatLangfuse)
	require.NoError(t, err)

	m := NewMatcher([]*Table{builtin, lf, override}, MatcherOptions{DateFallback: true})
	assert.Equal(t, "inline:gpt-4o", m.Lookup("", "gpt-4o").Entry.ID)
	assert.Equal(t, "builtin:gpt-4o-mini", m.Lookup("", "gpt-4o-mini").Entry.ID)
	got := m.Lookup("", "acme/acme-chat-2026-01-02")
	require.NotNil(t, got.Entry)
	assert.Equal(t, "lf:acme-chat", got.Entry.ID)
	assert.Equal(t, MatchPattern, got.Kind)
	// An exact dated name in a lower table beats a date fallback in a
	// higher one.
	assert.Equal(t, "builtin:gpt-4o-2024-05-13", m.Lookup("", "gpt-4o-2024-05-13").Entry.ID)
}

func TestMatcherCacheBounded(t *testing.T) {
	builtin, err := Default()
	require.NoError(t, err)
	m := NewMatcher([]*Table{builtin}, MatcherOptions{CacheSize: 8})
	cached := func() int {
		n := 0
		m.cache.Range(func(_, _ any) bool { n++; return true })
		return n
	}
	for i := 0; i < 100; i++ {
		m.Lookup("", fmt.Sprintf("unknown-model-%d", i))
		assert.LessOrEqual(t, cached(), 8)
	}
	assert.Equal(t, "builtin:gpt-4o", m.Lookup("", "gpt-4o").Entry.ID)
	_, ok := m.cache.Load(cacheKey{model: "gpt-4o"})
	assert.True(t, ok)
}

func TestCandidates(t *testing.T) {
	assert.Equal(t,
		[]string{"bedrock/us.anthropic.claude-3-haiku-20240307-v1:0", "us.anthropic.claude-3-haiku-20240307-v1:0",
			"anthropic.claude-3-haiku-20240307-v1:0", "claude-3-haiku-20240307"},
		candidates("bedrock", "us.anthropic.claude-3-haiku-20240307-v1:0"))
	assert.Equal(t, []string{"ft:gpt-4o-mini:a:b:c", "ft:gpt-4o-mini"}, candidates("", "ft:gpt-4o-mini:a:b:c"))
	assert.Equal(t, []string{"gemini-1.5-pro-002", "gemini-1.5-pro"}, candidates("", "gemini-1.5-pro-002"))
}

func TestStripDate(t *testing.T) {
	tests := []struct {
		in   string
		want string
		ok   bool
	}{
		{"gpt-4o-2024-08-06", "gpt-4o", true},
		{"claude-sonnet-4-5-20250929", "claude-sonnet-4-5", true},
		{"gpt-4o", "gpt-4o", false},
		{"model-12345678", "model-12345678", false},
		{"gemini-1.5-pro-002", "gemini-1.5-pro-002", false},
	}
	for _, tt := range tests {
		got, ok := stripDate(tt.in)
		assert.Equal(t, tt.ok, ok, tt.in)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func BenchmarkMatcherLookupCached(b *testing.B) {
	m := defaultMatcher(b)
	m.Lookup("aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
	b.ReportAllocs()
	for b.Loop() {
		m.Lookup("aws.bedrock", "us.anthropic.claude-sonnet-4-5-20250929-v1:0")
	}
}

func BenchmarkMatcherLookupUncached(b *testing.B) {
	m := defaultMatcher(b)
	b.ReportAllocs()
	for b.Loop() {
		m.resolve("aws.bedrock", "apac.anthropic.claude-opus-4-6-v1:0")
	}
}
