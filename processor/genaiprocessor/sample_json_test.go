package genaiprocessor

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// reasoningTruncateConfig returns a configuration whose one rule truncates
// reasoning parts to keep bytes on every trace.
func reasoningTruncateConfig(keep int) SamplingConfig {
	cfg := defaultSamplingConfig()
	cfg.Rules = []SamplingRule{{
		Name:          "reasoning",
		Parts:         []string{"reasoning"},
		Replacement:   replacementTruncate,
		TruncateBytes: keep,
	}}
	return cfg
}

func TestTruncatedPartsStayJSON(t *testing.T) {
	contents := map[string]string{
		"escaped quotes":      `\"a\"\"b\\\"c\\\\\"` + strings.Repeat(`x\"`, 10),
		"unicode escapes":     strings.Repeat(`\u00e9\u0000\u001f`, 8),
		"surrogate pairs":     strings.Repeat(`\ud83d\ude00a`, 8),
		"multibyte":           strings.Repeat("日本語é", 8),
		"slash and controls":  strings.Repeat(`\/\b\f\n\r\t`, 8),
		"trailing backslash":  strings.Repeat("a", 20) + `\\`,
		"number":              "", // The content is replaced by a number below.
		"nested arrays":       "",
		"empty":               "",
		"escape at every cut": strings.Repeat(`ab\"`, 12),
	}
	values := map[string]string{
		"number":        `12345678901234567890e-3`,
		"nested arrays": `[[1,[2,"x\"y"]],{"a":[]},[],"` + strings.Repeat("z", 30) + `"]`,
	}
	for name, content := range contents {
		value, ok := values[name]
		if !ok {
			value = `"` + content + `"`
		}
		doc := `[{"role":"assistant","parts":[{"type":"text","content":"before \"x\""},` +
			`{"type":"reasoning","content":` + value + `},[],{"n":[1.5,-2e10,[[]]]},` +
			`{"type":"text","content":"after \u00e9"}]}]`
		require.True(t, json.Valid([]byte(doc)), "test document must be JSON: %s", doc)

		t.Run(name, func(t *testing.T) {
			for keep := 1; keep <= len(value)+1; keep++ {
				s := newTestSampler(t, reasoningTruncateConfig(keep))
				td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"m": doc})
				sampleTraces(s, td)

				got := attrString(t, span, "m")
				require.True(t, json.Valid([]byte(got)), "truncate_bytes %d: %s", keep, got)
				var msgs []struct {
					Parts []any `json:"parts"`
				}
				require.NoError(t, json.Unmarshal([]byte(got), &msgs))
				require.Len(t, msgs[0].Parts, 5)
				assert.Equal(t, map[string]any{"type": "text", "content": `before "x"`}, msgs[0].Parts[0])
				assert.Equal(t, []any{}, msgs[0].Parts[2])
				assert.Equal(t, map[string]any{"type": "text", "content": "after é"}, msgs[0].Parts[4])
			}
		})
	}
}

func TestHashedPartsStayJSON(t *testing.T) {
	escaped := strings.ReplaceAll(testPNGB64, "/", `\/`)
	docs := map[string]string{
		"escaped slashes in data": `[{"type":"image","image":"` + escaped + `","mediaType":"image\/png"}]`,
		"escaped media type":      `[{"type":"blob","modality":"image","mime_type":"image\/png\"x","content":"` + testPNGB64 + `"}]`,
		"unicode media type":      `[{"type":"blob","modality":"image","mime_type":"image/p\u006eg","content":"` + testPNGB64 + `"}]`,
		"line breaks in data":     `[{"type":"input_audio","input_audio":{"data":"` + strings.Join(chunk(testWAVB64, 76), `\n`) + `","format":"wav"}}]`,
		"data uri in array":       `["data:image/png;base64,` + testPNGB64 + `",[],{}]`,
		"empty array after":       `[{"type":"image_url","image_url":{"url":"data:image/png;base64,` + testPNGB64 + `"}},[]]`,
	}
	s := newTestSampler(t, defaultSamplingConfig())
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			require.True(t, json.Valid([]byte(doc)), "test document must be JSON")
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"gen_ai.input.messages": doc})
			sampleTraces(s, td)

			got := attrString(t, span, "gen_ai.input.messages")
			assert.True(t, json.Valid([]byte(got)), got)
			assert.Contains(t, got, "[sampled:sha256:")
			assert.Less(t, len(got), 400, got)
		})
	}
}

func TestEmptyAndScalarDocumentsUnchanged(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	for _, doc := range []string{`[]`, `{}`, `[[],{}]`, ` [ ] `, `[1,2,3]`, `{"parts":[]}`, `[` + strings.Repeat(`"ab",`, 300) + `""]`} {
		t.Run(doc[:min(len(doc), 12)], func(t *testing.T) {
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"gen_ai.input.messages": doc})
			sampleTraces(s, td)
			assert.Equal(t, doc, attrString(t, span, "gen_ai.input.messages"))
		})
	}
}

func TestInvalidJSONVariantsLeftAsIs(t *testing.T) {
	reasoning := strings.Repeat("think ", 400)
	docs := map[string]string{
		"cut off":          `[{"type":"reasoning","content":"` + reasoning,
		"trailing comma":   `[{"type":"reasoning","content":"` + reasoning + `"},]`,
		"single quotes":    `[{'type':'reasoning','content':'` + reasoning + `'}]`,
		"two documents":    `[{"type":"reasoning","content":"` + reasoning + `"}][]`,
		"unescaped quote":  `[{"type":"reasoning","content":"` + reasoning + `"x"}]`,
		"text before JSON": `note: [{"type":"reasoning","content":"` + reasoning + `"}]`,
		"bad literal":      `[{"type":"reasoning","content":"` + reasoning + `","n":tru}]`,
		"bad number":       `[{"type":"reasoning","content":"` + reasoning + `","n":01.}]`,
		"bad escape":       `[{"type":"reasoning","content":"` + reasoning + `\x"}]`,
		"control byte":     "[{\"type\":\"reasoning\",\"content\":\"" + reasoning + "\x01\"}]",
	}
	s := newTestSampler(t, defaultSamplingConfig())
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			require.False(t, json.Valid([]byte(doc)), "test document must not be JSON")
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"gen_ai.output.messages": doc})
			sampleTraces(s, td)
			assert.Equal(t, doc, attrString(t, span, "gen_ai.output.messages"))
		})
	}
}

// chunk splits s into pieces of n bytes.
func chunk(s string, n int) []string {
	var out []string
	for len(s) > n {
		out = append(out, s[:n])
		s = s[n:]
	}
	return append(out, s)
}
