package payload

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestAppendHashMarker(t *testing.T) {
	var d Digest
	for i := range d.Sum {
		d.Sum[i] = byte(i)
	}
	d.Size = 34567

	assert.Equal(t, "[sampled:sha256:0001020304050607 34567 bytes image/png]",
		string(AppendHashMarker(nil, d, "image/png")))
	assert.Equal(t, "[sampled:sha256:0001020304050607 34567 bytes]",
		string(AppendHashMarker(nil, d, "")))
	assert.Equal(t, "[sampled:sha256:0001020304050607 34567 bytes image/png]",
		string(AppendHashMarker(nil, d, `image\/png`)), "JSON escapes are removed from the media type")
	assert.Equal(t, "[sampled:sha256:0001020304050607 34567 bytes image/pngx]",
		string(AppendHashMarker(nil, d, "image/png\"\nx")), "quotes and control characters are removed")

	long := AppendHashMarker(nil, d, "image/"+strings.Repeat("é", 10_000))
	assert.Less(t, len(long), 320, "a media type from the document is cut")
	assert.True(t, utf8.Valid(long))
	assert.True(t, strings.HasSuffix(string(long), "é]"))
}

func TestAppendTruncateAndDropMarkers(t *testing.T) {
	assert.Equal(t, "[sampled:truncated 12000 of 13024 bytes]", string(AppendTruncateMarker(nil, 12000, 13024)))
	assert.Equal(t, "[sampled:dropped 5 bytes]", string(AppendDropMarker(nil, 5)))
	assert.LessOrEqual(t, len(AppendTruncateMarker(nil, 999999999999999, 999999999999999)), MaxTruncateMarkerLen)
}

func TestTruncateText(t *testing.T) {
	tests := []struct {
		name string
		s    string
		n    int
		want int
	}{
		{"ascii", "hello world", 5, 5},
		{"whole", "hello", 10, 5},
		{"zero", "hello", 0, 0},
		{"negative", "hello", -1, 0},
		{"inside two-byte rune", "aé", 2, 1},
		{"after two-byte rune", "aéb", 3, 3},
		{"inside four-byte rune", "a😀b", 3, 1},
		{"inside four-byte rune at end", "a😀b", 4, 1},
		{"after four-byte rune", "a😀b", 5, 5},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TruncateText(tt.s, tt.n)
			assert.Equal(t, tt.want, got)
			assert.True(t, utf8.ValidString(tt.s[:got]))
		})
	}
}

func TestTruncateJSONString(t *testing.T) {
	tests := []struct {
		name string
		raw  string
		n    int
		want string
	}{
		{"plain", `abcdef`, 3, `abc`},
		{"before escape", `ab\ncd`, 2, `ab`},
		{"inside two-byte escape", `ab\ncd`, 3, `ab`},
		{"after two-byte escape", `ab\ncd`, 4, `ab\n`},
		{"inside unicode escape", `ab\u00e9cd`, 5, `ab`},
		{"after unicode escape", `ab\u00e9cd`, 8, `ab\u00e9`},
		{"between surrogate halves", `a\ud83d\ude00b`, 7, `a`},
		{"inside low surrogate", `a\ud83d\ude00b`, 10, `a`},
		{"after surrogate pair", `a\ud83d\ude00b`, 13, `a\ud83d\ude00`},
		{"escaped backslash then u", `a\\ud83dxxxxxx`, 8, `a\\ud83d`},
		{"inside utf-8", `aé`, 2, `a`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := TruncateJSONString(tt.raw, tt.n)
			assert.Equal(t, tt.want, tt.raw[:got])
			assert.True(t, json.Valid([]byte(`"`+tt.raw[:got]+`"`)), "cut string must stay valid JSON")
		})
	}
}

func TestAppendJSONString(t *testing.T) {
	inputs := []string{
		"plain",
		"quote \" backslash \\ slash /",
		"control \x00\x01\x1f tab\t newline\n return\r",
		"unicode é 😀 \u2028",
		"invalid \xff utf-8",
		`{"a":[1,2]}`,
	}
	for _, in := range inputs {
		out := AppendJSONString(nil, in)
		require.True(t, json.Valid(out), "%q", out)
		var back string
		require.NoError(t, json.Unmarshal(out, &back))
		assert.Equal(t, strings.ToValidUTF8(in, "\ufffd"), back)
	}
}

func TestSplice(t *testing.T) {
	doc := `{"a":"xxxx","b":[1,2],"c":"yy"}`
	edits := []Edit{
		{Start: 5, End: 11, Text: []byte(`"A"`)},
		{Start: strings.Index(doc, `"yy"`), End: strings.Index(doc, `"yy"`) + 4, Text: []byte(`"C"`)},
	}
	assert.Equal(t, `{"a":"A","b":[1,2],"c":"C"}`, string(Splice(nil, doc, edits)))
	assert.Equal(t, doc, string(Splice(nil, doc, nil)))
}

func FuzzTruncateJSONString(f *testing.F) {
	for _, seed := range []string{`abc`, `a\nb`, `\u00e9\u00e9`, `a\ud83d\ude00b`, `\\\\u0041`, `é😀x`} {
		f.Add(seed, 3)
	}
	f.Fuzz(func(t *testing.T, raw string, n int) {
		if !json.Valid([]byte(`"` + raw + `"`)) {
			return
		}
		cut := TruncateJSONString(raw, n)
		if cut < 0 || cut > len(raw) || (n >= 0 && cut > n && cut != len(raw)) {
			t.Fatalf("cut %d out of range for length %d and n %d", cut, len(raw), n)
		}
		if !json.Valid([]byte(`"` + raw[:cut] + `"`)) {
			t.Fatalf("cut %q of %q is not a valid JSON string", raw[:cut], raw)
		}
	})
}

func TestIsMarker(t *testing.T) {
	var d Digest
	assert.True(t, IsMarker(string(AppendHashMarker(nil, d, "image/png"))))
	assert.True(t, IsMarker(string(AppendDropMarker(nil, 12))))
	assert.False(t, IsMarker("[sampled:dropped 12 bytes] and more]"))
	assert.False(t, IsMarker("text [sampled:dropped 12 bytes]"))
	assert.False(t, IsMarker("[INFO] started"))
	assert.False(t, IsMarker(""))
}

func TestTruncatedPrefixLen(t *testing.T) {
	marked := "abc" + string(AppendTruncateMarker(nil, 10, 13))
	assert.Equal(t, 3, TruncatedPrefixLen(marked))
	assert.Equal(t, 0, TruncatedPrefixLen(string(AppendTruncateMarker(nil, 10, 10))))
	assert.Equal(t, -1, TruncatedPrefixLen("abc"))
	assert.Equal(t, -1, TruncatedPrefixLen("abc[sampled:truncated x of 13 bytes]"))
	assert.Equal(t, -1, TruncatedPrefixLen("abc[sampled:truncated 10 bytes]"))
	assert.Equal(t, -1, TruncatedPrefixLen(marked+"!"))
}
