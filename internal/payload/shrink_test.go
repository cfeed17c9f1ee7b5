package payload

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestShrinkKeepsJSONValid(t *testing.T) {
	long := strings.Repeat("word ", 400)
	tests := map[string]string{
		"messages": `[{"role":"user","parts":[{"type":"text","content":"` + long + `"}]},` +
			`{"role":"assistant","parts":[{"type":"text","content":"` + long + `"}],"finish_reason":"stop"}]`,
		"numbers and nested arrays around": `{"a":[1,-2.5e3,[true,null,[{}]]],"text":"` + long + `","b":[[],[[0]]]}`,
		"escaped quotes everywhere":        `{"q":"` + strings.Repeat(`\"`, 1500) + `"}`,
		"backslashes":                      `{"q":"` + strings.Repeat(`\\`, 1500) + `"}`,
		"unicode escapes":                  `{"q":"` + strings.Repeat(`\u00e9`, 500) + `"}`,
		"surrogate pairs":                  `{"q":"` + strings.Repeat(`\ud83d\ude00`, 300) + `"}`,
		"multibyte characters":             `{"q":"` + strings.Repeat("日本語", 400) + `"}`,
		"string array":                     `["` + long + `","` + long + `","short"]`,
		"white space":                      "{\n  \"text\" : \"" + long + "\" ,\n  \"n\" : 1\n}",
	}
	for name, doc := range tests {
		for _, limit := range []int{1024, 1500, 1999} {
			t.Run(name, func(t *testing.T) {
				require.True(t, json.Valid([]byte(doc)), "test document must be JSON")
				require.Greater(t, len(doc), limit, "test document must exceed the limit")

				var s Shrinker
				got, ok := s.Shrink(nil, doc, limit)
				require.True(t, ok)
				assert.LessOrEqual(t, len(got), limit)
				assert.True(t, json.Valid(got), "%s", got)
				assert.Contains(t, string(got), "[sampled:truncated ")
			})
		}
	}
}

func TestShrinkCutsLongestValuesOnly(t *testing.T) {
	long := strings.Repeat("x", 3000)
	doc := `{"id":"abc","long":"` + long + `","count":3,"tags":["a","b"]}`
	var s Shrinker
	got, ok := s.Shrink(nil, doc, 1024)
	require.True(t, ok)

	var v struct {
		ID    string   `json:"id"`
		Long  string   `json:"long"`
		Count int      `json:"count"`
		Tags  []string `json:"tags"`
	}
	require.NoError(t, json.Unmarshal(got, &v))
	assert.Equal(t, "abc", v.ID)
	assert.Equal(t, 3, v.Count)
	assert.Equal(t, []string{"a", "b"}, v.Tags)
	prefix, marker, found := strings.Cut(v.Long, "[sampled:truncated ")
	require.True(t, found, v.Long)
	assert.True(t, strings.HasPrefix(long, prefix))
	assert.Greater(t, len(prefix), 800, "the cap must be the largest that fits")
	assert.Equal(t, string(AppendTruncateMarker(nil, 3000-len(prefix), 3000))[len("[sampled:truncated "):], marker)
}

func TestShrinkNeverCutsKeys(t *testing.T) {
	key := strings.Repeat("k", 1500)
	doc := `{"` + key + `":"` + strings.Repeat("v", 1500) + `"}`
	var s Shrinker
	got, ok := s.Shrink(nil, doc, 1700)
	require.True(t, ok)
	assert.True(t, strings.HasPrefix(string(got), `{"`+key+`":"`))
	assert.True(t, json.Valid(got))
}

func TestShrinkCutAtEscapeBoundary(t *testing.T) {
	// For every cap position, the cut must fall outside the escape.
	for pad := range 8 {
		doc := `{"q":"` + strings.Repeat("a", 1000+pad) + `\"\u00e9\ud83d\ude00` + strings.Repeat("b", 2000) + `"}`
		for limit := 1040; limit < 1080; limit++ {
			var s Shrinker
			got, ok := s.Shrink(nil, doc, limit)
			require.True(t, ok)
			assert.LessOrEqual(t, len(got), limit)
			assert.True(t, json.Valid(got), "pad %d limit %d: %s", pad, limit, got[len(got)-120:])
		}
	}
}

func TestShrinkRejects(t *testing.T) {
	tests := map[string]string{
		"plain text":         strings.Repeat("text ", 500),
		"invalid JSON":       `[{"a":"` + strings.Repeat("x", 2000) + `"`,
		"top-level string":   `"` + strings.Repeat("x", 2000) + `"`,
		"numbers only":       "[" + strings.Repeat("12345,", 500) + "1]",
		"many short strings": "[" + strings.Repeat(`"ab",`, 500) + `"c"]`,
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			var s Shrinker
			got, ok := s.Shrink([]byte("prefix"), doc, 1024)
			assert.False(t, ok)
			assert.Equal(t, "prefix", string(got))
		})
	}
}

func TestShrinkWithinLimitCopies(t *testing.T) {
	var s Shrinker
	got, ok := s.Shrink(nil, `{"a":"b"}`, 1024)
	require.True(t, ok)
	assert.Equal(t, `{"a":"b"}`, string(got))
}

func FuzzShrink(f *testing.F) {
	f.Add(`{"a":"`+strings.Repeat(`x\"`, 40)+`"}`, 60)
	f.Add(`["\ud83d\ude00\ud83d\ude00\ud83d\ude00","\u00e9\u00e9\u00e9\u00e9"]`, 20)
	f.Add(`[{"k":[1,2,{"s":"abcdefghijklmnopqrstuvwxyz"}]},"0123456789"]`, 10)
	f.Add(`{"a":1}`, 3)
	f.Fuzz(func(t *testing.T, doc string, limit int) {
		if !json.Valid([]byte(doc)) || limit < 0 {
			return
		}
		var s Shrinker
		got, ok := s.Shrink(nil, doc, limit)
		if !ok {
			if len(got) != 0 {
				t.Fatalf("rejected shrink appended %q", got)
			}
			return
		}
		if len(got) > limit {
			t.Fatalf("shrinking %q to %d bytes returned %d bytes", doc, limit, len(got))
		}
		if !json.Valid(got) {
			t.Fatalf("shrinking %q to %d bytes returned invalid JSON %q", doc, limit, got)
		}
	})
}
