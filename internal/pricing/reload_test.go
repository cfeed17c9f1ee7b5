package pricing

import (
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func writeTable(t *testing.T, path, content string, mtime time.Time) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
	// Set the modification time explicitly, so that two writes within the
	// file system's time resolution still look changed.
	require.NoError(t, os.Chtimes(path, mtime, mtime))
}

func inputRate(t *testing.T, m *Matcher, model string) float64 {
	t.Helper()
	match := m.Lookup("", model)
	require.NotNil(t, match.Entry, "model %s", model)
	v, _ := match.Entry.Base.Get(Input)
	return v
}

func TestLayersReload(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.yaml")
	start := time.Now().Add(-time.Hour)
	writeTable(t, path, "models:\n  - model: gpt-4o\n    prices: {input: 1, output: 1}\n", start)

	builtin, err := Default()
	require.NoError(t, err)
	layers, m, err := NewLayers(builtin, []FileSpec{{Path: path}}, nil, MatcherOptions{})
	require.NoError(t, err)
	assertRelative(t, 1e-6, inputRate(t, m, "gpt-4o"), "file overrides builtin")
	assertRelative(t, 0.15e-6, inputRate(t, m, "gpt-4o-mini"), "builtin still used")

	next, errs := layers.Reload()
	assert.Nil(t, next, "unchanged file must not rebuild the matcher")
	assert.Empty(t, errs)

	writeTable(t, path, "models:\n  - model: gpt-4o\n    prices: {input: 7, output: 1}\n", start.Add(time.Minute))
	next, errs = layers.Reload()
	assert.Empty(t, errs)
	require.NotNil(t, next)
	assertRelative(t, 7e-6, inputRate(t, next, "gpt-4o"), "reloaded price")
	m = next

	// An invalid file keeps the previous table and reports the error once.
	writeTable(t, path, "models:\n  - model: gpt-4o\n    prices: {input: -7}\n", start.Add(2*time.Minute))
	next, errs = layers.Reload()
	assert.Nil(t, next)
	require.Len(t, errs, 1)
	assert.Contains(t, errs[0].Error(), "keeping the previous table")
	assertRelative(t, 7e-6, inputRate(t, m, "gpt-4o"), "previous table kept")
	next, errs = layers.Reload()
	assert.Nil(t, next)
	assert.Empty(t, errs, "the same invalid file is reported once")

	// A removed file keeps the previous table too.
	require.NoError(t, os.Remove(path))
	next, errs = layers.Reload()
	assert.Nil(t, next)
	assert.Len(t, errs, 1)

	writeTable(t, path, "models:\n  - model: gpt-4o\n    prices: {input: 3, output: 1}\n", start.Add(3*time.Minute))
	next, errs = layers.Reload()
	assert.Empty(t, errs)
	require.NotNil(t, next)
	assertRelative(t, 3e-6, inputRate(t, next, "gpt-4o"), "fixed file reloads")
}

func TestNewLayersInvalidFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "bad.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"m":{"input_cost_per_token":"x"}}`), 0o600))
	_, _, err := NewLayers(nil, []FileSpec{{Path: path}}, nil, MatcherOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "bad.json")

	_, _, err = NewLayers(nil, []FileSpec{{Path: filepath.Join(t.TempDir(), "missing.yaml")}}, nil, MatcherOptions{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "missing.yaml")
}

func TestNewLayersInlineWins(t *testing.T) {
	builtin, err := Default()
	require.NoError(t, err)
	path := filepath.Join(t.TempDir(), "litellm.json")
	require.NoError(t, os.WriteFile(path,
		[]byte(`{"gpt-4o":{"input_cost_per_token":2e-06,"output_cost_per_token":1e-05}}`), 0o600))
	inline, err := NewTableFromSpecs("inline", []ModelSpec{{Model: "gpt-4o", Prices: map[string]float64{"input": 9}}})
	require.NoError(t, err)

	_, m, err := NewLayers(builtin, []FileSpec{{Path: path, Format: FormatLiteLLM}}, inline, MatcherOptions{})
	require.NoError(t, err)
	assert.Equal(t, "inline:gpt-4o", m.Lookup("", "gpt-4o").Entry.ID)
	assert.Len(t, m.Tables(), 3)
}
