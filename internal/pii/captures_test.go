package pii

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// TestCapturesUnchanged masks every string attribute of OTLP exports that
// instrumentation libraries sent (ids, model names, message JSON, usage, no
// personal data) and expects each to come back unchanged.
func TestCapturesUnchanged(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	tally := m.NewTally()

	files, err := filepath.Glob("testdata/captures/*.json")
	require.NoError(t, err)
	require.NotEmpty(t, files)
	checked := 0
	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(t, err)
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		require.NoError(t, err, f)

		check := func(attrs pcommon.Map) {
			attrs.Range(func(key string, v pcommon.Value) bool {
				if v.Type() != pcommon.ValueTypeStr {
					return true
				}
				out, outcome := m.Mask(key, v.Str(), AllRules, tally)
				assert.Equal(t, Unchanged, outcome, "%s: %s", filepath.Base(f), key)
				assert.Equal(t, v.Str(), out, "%s: %s", filepath.Base(f), key)
				checked++
				return true
			})
		}
		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			check(rss.At(i).Resource().Attributes())
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					check(spans.At(k).Attributes())
					events := spans.At(k).Events()
					for e := 0; e < events.Len(); e++ {
						check(events.At(e).Attributes())
					}
				}
			}
		}
	}
	t.Logf("%d string attributes checked", checked)
	assert.Greater(t, checked, 100)
}

// captureStrings returns the keys and values of the string span attributes
// in the captured exports.
func captureStrings(tb testing.TB) (keys, values []string) {
	tb.Helper()
	files, err := filepath.Glob("testdata/captures/*.json")
	require.NoError(tb, err)

	for _, f := range files {
		data, err := os.ReadFile(f)
		require.NoError(tb, err)
		td, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		require.NoError(tb, err)

		rss := td.ResourceSpans()
		for i := 0; i < rss.Len(); i++ {
			sss := rss.At(i).ScopeSpans()
			for j := 0; j < sss.Len(); j++ {
				spans := sss.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					spans.At(k).Attributes().Range(func(key string, v pcommon.Value) bool {
						if v.Type() == pcommon.ValueTypeStr {
							keys = append(keys, key)
							values = append(values, v.Str())
						}
						return true
					})
				}
			}
		}
	}
	return keys, values
}

// BenchmarkMaskCaptures masks every string span attribute of the captured
// exports; bytes are the attribute bytes.
func BenchmarkMaskCaptures(b *testing.B) {
	m, err := New(Config{})
	require.NoError(b, err)
	tally := m.NewTally()
	keys, values := captureStrings(b)

	total := 0
	for _, v := range values {
		total += len(v)
	}
	b.SetBytes(int64(total))
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for j := range values {
			m.Mask(keys[j], values[j], AllRules, tally)
		}
	}
}
