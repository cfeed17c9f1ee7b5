package pricing

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"
)

func TestDefaultTable(t *testing.T) {
	table, err := Default()
	require.NoError(t, err)
	assert.GreaterOrEqual(t, table.Len(), 150)
	assert.NotEmpty(t, table.Version)

	providers := map[string]int{}
	for _, e := range table.Entries() {
		providers[e.Provider]++
	}
	for _, p := range []string{"openai", "anthropic", "gemini", "mistral", "cohere", "deepseek", "xai", "bedrock", "azure", "groq", "together_ai"} {
		assert.Positive(t, providers[p], "no model of provider %s", p)
	}
}

// Every entry of the default table names the provider's price page, the date
// of the price and the reference tables that agree on it. An entry that fewer
// than two tables agree on explains why in a note.
func TestDefaultTableProvenance(t *testing.T) {
	var f nativeFile
	dec := yaml.NewDecoder(bytes.NewReader(defaultTableData))
	dec.KnownFields(true)
	require.NoError(t, dec.Decode(&f))

	date := regexp.MustCompile(`^\d{4}-\d{2}-\d{2}$`)
	seen := map[string]string{}
	for _, m := range f.Models {
		u, err := url.Parse(m.Source)
		if assert.NoError(t, err, m.Model) {
			assert.Equal(t, "https", u.Scheme, "source of %s", m.Model)
		}
		assert.Regexp(t, date, m.AsOf, "as_of of %s", m.Model)
		if len(m.Checked) < 2 {
			assert.NotEmpty(t, m.Note, "%s is checked against %v only and has no note", m.Model, m.Checked)
		}
		for _, name := range append([]string{m.Model}, m.Aliases...) {
			prev, dup := seen[name]
			assert.False(t, dup, "name %s is listed by %s and %s", name, prev, m.Model)
			seen[name] = m.Model
		}
	}
}

func TestParseLiteLLM(t *testing.T) {
	data, err := os.ReadFile("testdata/litellm_sample.json")
	require.NoError(t, err)
	table, err := ParseTable("litellm", data, FormatAuto)
	require.NoError(t, err)
	assert.Equal(t, 3, table.Len(), "sample_spec and the image model carry no token price")

	large := table.lookup("acme-large")
	require.NotNil(t, large)
	assert.Equal(t, "litellm:acme-large", large.ID)
	assert.Equal(t, "acme", large.Provider)
	for k, want := range map[Kind]float64{
		Input: 2e-6, Output: 8e-6, CacheRead: 5e-7, CacheWrite: 2.5e-6, CacheWrite1h: 4e-6,
	} {
		got, ok := large.Base.Get(k)
		assert.True(t, ok, "%s not set", k)
		assert.InDelta(t, want, got, 1e-18, "%s", k)
	}
	require.Len(t, large.Tiers, 1)
	assert.Equal(t, int64(128000), large.Tiers[0].AboveInputTokens)
	in, _ := large.Tiers[0].Rates.Get(Input)
	assert.InDelta(t, 4e-6, in, 1e-18)
	prio, _ := large.ServiceTiers["priority"].Get(Output)
	assert.InDelta(t, 1.2e-5, prio, 1e-18)
	batch, _ := large.Batch.Get(Input)
	assert.InDelta(t, 1e-6, batch, 1e-18)

	hit := table.lookup("acme/cache-hit-only")
	require.NotNil(t, hit)
	cached, ok := hit.Base.Get(CacheRead)
	assert.True(t, ok)
	assert.InDelta(t, 1.4e-7, cached, 1e-18)

	transcribe := table.lookup("acme-transcribe")
	require.NotNil(t, transcribe)
	assert.InDelta(t, 0.0002, transcribe.AudioInputPerSecond, 1e-15)
	assert.InDelta(t, 0.012, transcribe.Cost(Usage{AudioSeconds: 60}).Total, 1e-15)
}

func TestParseLangfuse(t *testing.T) {
	data, err := os.ReadFile("testdata/langfuse_sample.json")
	require.NoError(t, err)
	table, err := ParseTable("lf", data, FormatAuto)
	require.NoError(t, err)
	assert.Equal(t, 3, table.Len())

	chat := table.matchPattern("acme/acme-chat-2026-01-02")
	require.NotNil(t, chat)
	assert.Equal(t, "lf:acme-chat", chat.ID)
	assert.Nil(t, table.matchPattern("acme-chat-mini"))

	u := Usage{InputUncached: 1000, CacheRead: 1000, Output: 100}
	assertRelative(t, 1000*1e-6+1000*1e-7+100*4e-6, chat.Cost(u).Total, "default tier")
	u = Usage{InputUncached: 100001, Output: 100}
	assertRelative(t, 100001*2e-6+100*8e-6, chat.Cost(u).Total, "large context tier")
	u = Usage{InputUncached: 1000, Output: 100, ServiceTier: "fast"}
	assertRelative(t, 1000*1.5e-6+100*6e-6, chat.Cost(u).Total, "fast tier")

	embed := table.matchPattern("acme-embed")
	require.NotNil(t, embed)
	assertRelative(t, 1000*2e-8, embed.Cost(Usage{InputUncached: 1000}).Total, "total price")

	legacy := table.matchPattern("ACME-LEGACY")
	require.NotNil(t, legacy)
	assertRelative(t, 10*3e-6+10*6e-6, legacy.Cost(Usage{InputUncached: 10, Output: 10}).Total, "legacy")
}

func TestParseLangfuseReferenceShape(t *testing.T) {
	// GET /api/public/models wraps the list in a data field.
	data := []byte(`{"data":[{"modelName":"x","matchPattern":"(?i)^x$",` +
		`"prices":{"input":{"price":1e-6},"output":{"price":2e-6}}}],"meta":{"page":1}}`)
	table, err := ParseTable("api", data, FormatLangfuse)
	require.NoError(t, err)
	e := table.matchPattern("X")
	require.NotNil(t, e)
	assertRelative(t, 3e-6, e.Cost(Usage{InputUncached: 1, Output: 1}).Total, "api shape")
}

func TestParseTableMalformed(t *testing.T) {
	tests := []struct {
		name    string
		format  Format
		data    string
		wantErr string
	}{
		{"yaml syntax", FormatNative, "models: [", "decode"},
		{"unknown field", FormatNative, "models:\n  - model: a\n    price: {input: 1}\n", "field price not found"},
		{"unknown usage type", FormatNative, "models:\n  - model: a\n    prices: {inptu: 1}\n", `unknown usage type "inptu"`},
		{"negative price", FormatNative, "models:\n  - model: a\n    prices: {input: -1}\n", "not negative"},
		{"empty model", FormatNative, "models:\n  - model: ''\n    prices: {input: 1}\n", "model is empty"},
		{"no rate", FormatNative, "models:\n  - model: a\n", "no rate is set"},
		{"bad tier", FormatNative, "models:\n  - model: a\n    prices: {input: 1}\n    tiers:\n      - above_input_tokens: 0\n        prices: {input: 2}\n", "not positive"},
		{"bad per second key", FormatNative, "models:\n  - model: a\n    per_second: {output: 1}\n", "per_second"},
		{"no models", FormatNative, "version: x\nmodels: []\n", "no priced model"},
		{"litellm not json", FormatLiteLLM, "{", "decode"},
		{"litellm string price", FormatLiteLLM, `{"m":{"input_cost_per_token":"0.1"}}`, "expected a number"},
		{"litellm negative price", FormatLiteLLM, `{"m":{"input_cost_per_token":-1}}`, "expected a number"},
		// A per-1K table in another shape (OpenLIT) yields no model
		// when read as LiteLLM and must not load as an empty table.
		{"openlit shape", FormatAuto, `{"chat":{"gpt-4o":{"promptPrice":0.0025}}}`, "no priced model"},
		{"langfuse bad regex", FormatLangfuse, `[{"modelName":"m","matchPattern":"(?i)^(m$","prices":{"input":{"price":1}}}]`, "not a valid regular expression"},
		{"langfuse no name", FormatLangfuse, `[{"matchPattern":"m"}]`, "modelName is empty"},
		{"langfuse negative", FormatLangfuse, `[{"modelName":"m","inputPrice":-1}]`, "not negative"},
		{"unknown format", Format("csv"), "a,b", "unknown table format"},
		{"empty file", FormatAuto, "", "decode"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ParseTable("bad", []byte(tt.data), tt.format)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestLoadFileMissing(t *testing.T) {
	_, err := LoadFile(filepath.Join(t.TempDir(), "absent.yaml"), FormatAuto)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "absent.yaml")
}

func TestFormatValid(t *testing.T) {
	for _, f := range []Format{"", FormatAuto, FormatNative, FormatLiteLLM, FormatLangfuse} {
		assert.True(t, f.Valid(), "%q", f)
	}
	assert.False(t, Format("openlit").Valid())
}
