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

func TestTruncatedStructuredPartKeepsShape(t *testing.T) {
	// An OpenAI Responses reasoning item carries its summary as an array of
	// summary_text parts.
	long := strings.Repeat("Compare the forecast with the packing list. ", 20)
	doc := `[{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"` + long + `"},` +
		`{"type":"summary_text","text":"` + long + `"}]}]`
	s := newTestSampler(t, reasoningTruncateConfig(400))
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"m": doc})
	sampleTraces(s, td)

	got := attrString(t, span, "m")
	var items []struct {
		ID      string `json:"id"`
		Summary []struct {
			Type string `json:"type"`
			Text string `json:"text"`
		} `json:"summary"`
	}
	require.NoError(t, json.Unmarshal([]byte(got), &items), got)
	require.Len(t, items, 1)
	assert.Equal(t, "rs_1", items[0].ID)
	require.Len(t, items[0].Summary, 2)
	summary, err := json.Marshal(items[0].Summary)
	require.NoError(t, err)
	assert.LessOrEqual(t, len(summary), 400)
	for _, part := range items[0].Summary {
		assert.Equal(t, "summary_text", part.Type)
		assert.Contains(t, part.Text, "[sampled:truncated ")
		assert.True(t, strings.HasPrefix(long, strings.Split(part.Text, "[sampled:")[0]))
	}
}

func TestTruncatedWholeJSONAttributeStaysJSON(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.Rules = []SamplingRule{{
		Name:          "documents",
		Attributes:    []string{"retrieval.documents"},
		Replacement:   replacementTruncate,
		TruncateBytes: 512,
	}}
	s := newTestSampler(t, cfg)
	passage := strings.Repeat("Lisbon is mild in spring. ", 60)
	doc := `[{"id":"d1","score":0.91,"content":"` + passage + `"},{"id":"d2","score":0.5,"content":"` + passage + `"}]`
	text := strings.Repeat("plain passage ", 100)
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"retrieval.documents": doc})
	td2, span2 := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"retrieval.documents": text})
	sampleTraces(s, td)
	sampleTraces(s, td2)

	got := attrString(t, span, "retrieval.documents")
	assert.LessOrEqual(t, len(got), 512)
	var docs []map[string]any
	require.NoError(t, json.Unmarshal([]byte(got), &docs), got)
	require.Len(t, docs, 2)
	assert.Equal(t, "d1", docs[0]["id"])
	assert.Equal(t, 0.5, docs[1]["score"])
	assert.Contains(t, docs[1]["content"], "[sampled:truncated ")

	assert.Equal(t, text[:512]+"[sampled:truncated 888 of 1400 bytes]", attrString(t, span2, "retrieval.documents"))
}
