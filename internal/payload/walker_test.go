package payload

import (
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// Test media: file signatures followed by filler bytes.
var (
	pngBytes  = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 600)...)
	wavBytes  = append([]byte("RIFF\x10\x20\x30\x40WAVEfmt "), make([]byte, 600)...)
	pdfBytes  = append([]byte("%PDF-1.4\n"), make([]byte, 600)...)
	jpegBytes = append([]byte("\xff\xd8\xff\xe0"), make([]byte, 2000)...)

	pngB64  = base64.StdEncoding.EncodeToString(pngBytes)
	wavB64  = base64.StdEncoding.EncodeToString(wavBytes)
	pdfB64  = base64.StdEncoding.EncodeToString(pdfBytes)
	jpegB64 = base64.StdEncoding.EncodeToString(jpegBytes)
)

// wantPart is a part as a test expects it: its kind, media type and the
// JSON text of its value.
type wantPart struct {
	kind      Kind
	mediaType string
	value     string
}

func TestWalkerFindsParts(t *testing.T) {
	tests := []struct {
		name string
		doc  string
		want []wantPart
	}{
		{
			name: "otel genai blob",
			doc: `[{"role":"user","parts":[{"type":"text","content":"describe"},` +
				`{"type":"blob","modality":"image","mime_type":"image/png","content":"` + pngB64 + `"}]}]`,
			want: []wantPart{{KindImage, "image/png", `"` + pngB64 + `"`}},
		},
		{
			name: "otel genai uri with data uri",
			doc:  `[{"role":"user","parts":[{"type":"uri","modality":"image","uri":"data:image/png;base64,` + pngB64 + `"}]}]`,
			want: []wantPart{{KindImage, "image/png", `"data:image/png;base64,` + pngB64 + `"`}},
		},
		{
			name: "otel genai reasoning",
			doc: `[{"role":"assistant","parts":[{"type":"reasoning","content":"first I think"},` +
				`{"type":"text","content":"answer"}],"finish_reason":"stop"}]`,
			want: []wantPart{{KindReasoning, "", `"first I think"`}},
		},
		{
			name: "openai image_url",
			doc: `[{"role":"user","content":[{"type":"text","text":"what is this"},` +
				`{"type":"image_url","image_url":{"url":"data:image/jpeg;base64,` + jpegB64 + `","detail":"low"}}]}]`,
			want: []wantPart{{KindImage, "image/jpeg", `"data:image/jpeg;base64,` + jpegB64 + `"`}},
		},
		{
			name: "openai input_audio",
			doc:  `[{"role":"user","content":[{"type":"input_audio","input_audio":{"data":"` + wavB64 + `","format":"wav"}}]}]`,
			want: []wantPart{{KindAudio, "audio/wav", `"` + wavB64 + `"`}},
		},
		{
			name: "openai file",
			doc: `[{"role":"user","content":[{"type":"file","file":{"filename":"a.pdf",` +
				`"file_data":"data:application/pdf;base64,` + pdfB64 + `"}}]}]`,
			want: []wantPart{{KindFile, "application/pdf", `"data:application/pdf;base64,` + pdfB64 + `"`}},
		},
		{
			name: "openai audio output",
			doc: `{"role":"assistant","audio":{"id":"audio_1","data":"` + wavB64 +
				`","expires_at":1,"transcript":"hello"}}`,
			want: []wantPart{{KindAudio, "audio/wav", `"` + wavB64 + `"`}},
		},
		{
			name: "openai responses input_image and reasoning",
			doc: `[{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"plan"}]},` +
				`{"role":"user","content":[{"type":"input_image","image_url":"data:image/png;base64,` + pngB64 + `"}]}]`,
			want: []wantPart{
				{KindReasoning, "", `[{"type":"summary_text","text":"plan"}]`},
				{KindImage, "image/png", `"data:image/png;base64,` + pngB64 + `"`},
			},
		},
		{
			name: "anthropic image source",
			doc: `[{"role":"user","content":[{"type":"image","source":{"type":"base64",` +
				`"media_type":"image/png","data":"` + pngB64 + `"}}]}]`,
			want: []wantPart{{KindImage, "image/png", `"` + pngB64 + `"`}},
		},
		{
			name: "anthropic pdf document is binary, not a document",
			doc: `[{"role":"user","content":[{"type":"document","source":{"type":"base64",` +
				`"media_type":"application/pdf","data":"` + pdfB64 + `"}}]}]`,
			want: []wantPart{{KindFile, "application/pdf", `"` + pdfB64 + `"`}},
		},
		{
			name: "anthropic text document",
			doc: `[{"role":"user","content":[{"type":"document","source":{"type":"text",` +
				`"media_type":"text/plain","data":"The grass is green."}}]}]`,
			want: []wantPart{{KindDocument, "", `{"type":"text","media_type":"text/plain","data":"The grass is green."}`}},
		},
		{
			name: "anthropic tool_result with image",
			doc: `[{"role":"user","content":[{"type":"tool_result","tool_use_id":"t1","content":[` +
				`{"type":"image","source":{"type":"base64","media_type":"image/png","data":"` + pngB64 + `"}}]}]}]`,
			want: []wantPart{{KindImage, "image/png", `"` + pngB64 + `"`}},
		},
		{
			name: "anthropic thinking and redacted thinking",
			doc: `[{"role":"assistant","content":[{"type":"thinking","thinking":"let me see","signature":"c2ln"},` +
				`{"type":"redacted_thinking","data":"ZW5jcnlwdGVk"},{"type":"text","text":"done"}]}]`,
			want: []wantPart{
				{KindReasoning, "", `"let me see"`},
				{KindReasoning, "", `"ZW5jcnlwdGVk"`},
			},
		},
		{
			name: "anthropic search result",
			doc: `[{"role":"user","content":[{"type":"search_result","source":"https://example.com","title":"t",` +
				`"content":[{"type":"text","text":"retrieved text"}]}]}]`,
			want: []wantPart{{KindDocument, "", `[{"type":"text","text":"retrieved text"}]`}},
		},
		{
			name: "vercel image and file parts",
			doc: `[{"role":"user","content":[{"type":"image","image":"` + pngB64 + `","mediaType":"image/png"},` +
				`{"type":"file","data":"` + pdfB64 + `","mediaType":"application/pdf"}]}]`,
			want: []wantPart{
				{KindImage, "image/png", `"` + pngB64 + `"`},
				{KindFile, "application/pdf", `"` + pdfB64 + `"`},
			},
		},
		{
			name: "vercel image without media type is sniffed",
			doc:  `[{"role":"user","content":[{"type":"image","image":"` + pngB64 + `"}]}]`,
			want: []wantPart{{KindImage, "image/png", `"` + pngB64 + `"`}},
		},
		{
			name: "vercel reasoning",
			doc:  `[{"role":"assistant","content":[{"type":"reasoning","text":"thinking hard"},{"type":"text","text":"ok"}]}]`,
			want: []wantPart{{KindReasoning, "", `"thinking hard"`}},
		},
		{
			name: "gemini inline data and thought",
			doc: `{"contents":[{"role":"user","parts":[{"inlineData":{"mimeType":"audio/wav","data":"` + wavB64 + `"}}]},` +
				`{"role":"model","parts":[{"text":"pondering","thought":true},{"text":"answer"}]}]}`,
			want: []wantPart{
				{KindAudio, "audio/wav", `"` + wavB64 + `"`},
				{KindReasoning, "", `"pondering"`},
			},
		},
		{
			name: "langchain documents",
			doc:  `[{"page_content":"doc one","metadata":{"source":"a"}},{"page_content":"doc two","metadata":{}}]`,
			want: []wantPart{
				{KindDocument, "", `"doc one"`},
				{KindDocument, "", `"doc two"`},
			},
		},
		{
			name: "long base64 under any key",
			doc:  `{"payload":"` + jpegB64 + `"}`,
			want: []wantPart{{KindImage, "image/jpeg", `"` + jpegB64 + `"`}},
		},
		{
			name: "data uri in array",
			doc:  `["data:image/png;base64,` + pngB64 + `","plain"]`,
			want: []wantPart{{KindImage, "image/png", `"data:image/png;base64,` + pngB64 + `"`}},
		},
		{
			name: "escaped slashes in data uri",
			doc:  `[{"url":"data:image\/png;base64,` + strings.ReplaceAll(pngB64, "/", `\/`) + `"}]`,
			want: []wantPart{{KindImage, `image\/png`, `"data:image\/png;base64,` + strings.ReplaceAll(pngB64, "/", `\/`) + `"`}},
		},
		{
			name: "text messages only",
			doc:  `[{"role":"user","parts":[{"type":"text","content":"What should I wear in Lisbon tonight?"}]}]`,
		},
		{
			name: "short data value without binary context",
			doc:  `{"data":"hello","type":"text"}`,
		},
		{
			name: "tool call arguments",
			doc: `[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"getWeather",` +
				`"arguments":{"city":"Lisbon"}}]}]`,
		},
		{
			name: "text data uri",
			doc:  `[{"url":"data:text/plain,hello%20world"}]`,
		},
		{
			name: "null reasoning content",
			doc:  `[{"type":"reasoning","content":null}]`,
		},
	}

	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			require.True(t, json.Valid([]byte(tt.doc)), "test document must be JSON")
			var w Walker
			parts, err := w.Find(tt.doc)
			require.NoError(t, err)

			got := make([]wantPart, 0, len(parts))
			for _, p := range parts {
				got = append(got, wantPart{p.Kind, p.MediaType, tt.doc[p.Start:p.End]})
			}
			assert.Equal(t, tt.want, nilIfEmpty(got))
		})
	}
}

func nilIfEmpty(parts []wantPart) []wantPart {
	if len(parts) == 0 {
		return nil
	}
	return parts
}

func TestWalkerDataStart(t *testing.T) {
	doc := `[{"url":"data:image/png;base64,` + pngB64 + `"},{"data":"` + pngB64 + `","mime_type":"image/png"}]`
	var w Walker
	parts, err := w.Find(doc)
	require.NoError(t, err)
	require.Len(t, parts, 2)
	for _, p := range parts {
		assert.Equal(t, pngB64, doc[p.DataStart:p.End-1])
		assert.True(t, p.String)
	}
}

func TestWalkerRejectsInvalidJSON(t *testing.T) {
	tests := map[string]string{
		"empty":                "",
		"blank":                "  ",
		"unterminated object":  `{"a":1`,
		"unterminated string":  `["abc`,
		"unterminated escape":  `["abc\`,
		"missing colon":        `{"a" 1}`,
		"number key":           `{1:2}`,
		"trailing data":        `[1] [2]`,
		"bad character":        `[1,:]`,
		"missing value":        `{"a":}`,
		"unterminated array":   `[1,2`,
		"too deeply nested":    strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
		"missing comma":        `{"a":1 "b":2}`,
		"array without commas": `[1 2]`,
		"bad literal":          `[tru]`,
		"capital literal":      `[True]`,
		"leading zero":         `[01]`,
		"bare minus":           `[-]`,
		"dot without digits":   `[1.]`,
		"exponent sign only":   `[1e+]`,
		"hex number":           `[0x10]`,
		"bad escape":           `["a\x"]`,
		"short unicode escape": `["\u12"]`,
		"bad unicode escape":   `["\u12g4"]`,
		"raw control byte":     "[\"a\x01b\"]",
		"raw newline":          "[\"a\nb\"]",
		"control byte in key":  "{\"a\tb\":1}",
		"control after escape": "[\"\\n\x1f\"]",
	}
	for name, doc := range tests {
		t.Run(name, func(t *testing.T) {
			var w Walker
			parts, err := w.Find(doc)
			var syntaxErr *SyntaxError
			assert.ErrorAs(t, err, &syntaxErr)
			assert.Empty(t, parts)
		})
	}
}

func TestWalkerAcceptsDeepNestingWithinLimit(t *testing.T) {
	doc := strings.Repeat("[", maxDepth) + strings.Repeat("]", maxDepth)
	var w Walker
	_, err := w.Find(doc)
	assert.NoError(t, err)
}

func TestWalkerNoAllocations(t *testing.T) {
	doc := `[{"role":"system","parts":[{"type":"text","content":"You are a concise travel assistant."}]},` +
		`{"role":"user","parts":[{"type":"text","content":"What should I wear in Lisbon tonight?"}]},` +
		`{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"getWeather","arguments":{"city":"Lisbon"}}]}]`
	var w Walker
	_, err := w.Find(doc)
	require.NoError(t, err)

	if raceDetector {
		t.Skip("the race detector's instrumentation allocates")
	}
	allocs := testing.AllocsPerRun(100, func() {
		_, _ = w.Find(doc)
	})
	assert.Zero(t, allocs)
}

func TestLooksLikeJSON(t *testing.T) {
	assert.True(t, LooksLikeJSON(` [1]`))
	assert.True(t, LooksLikeJSON("\n{}"))
	assert.False(t, LooksLikeJSON(`hello`))
	assert.False(t, LooksLikeJSON(`"str"`))
	assert.False(t, LooksLikeJSON(``))
	assert.False(t, LooksLikeJSON(`   `))
}

func FuzzWalker(f *testing.F) {
	seeds := []string{
		`[{"role":"user","parts":[{"type":"blob","modality":"image","content":"` + pngB64[:64] + `"}]}]`,
		`[{"type":"reasoning","content":"x"},{"type":"thinking","thinking":"y"}]`,
		`{"a":["data:image/png;base64,iVBORw0KGgo=",{"data":"AAAA","format":"wav"}]}`,
		`[{"type":"document","source":{"type":"base64","data":"JVBERi0xLjQ="}}]`,
		`{"x":"\u00e9\"\\"}`,
		`[1,-2.5e3,true,false,null]`,
		`[-0.0e-0,1E+2,"\/\b\f\n\r\t\u00e9"]`,
		"[\"\x01\"]", `[1.]`, `[tru]`, `["\x"]`,
		`{"page_content":"a","thought":true,"text":"b"}`,
		`[`, `{"`, `{"a":`, `"`,
	}
	for _, s := range seeds {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var w Walker
		parts, err := w.Find(doc)
		// The walker accepts exactly the JSON documents, except that it does
		// not check UTF-8 and limits nesting.
		valid := json.Valid([]byte(doc))
		if err == nil && !valid && utf8.ValidString(doc) {
			t.Fatalf("walker accepted %q, which is not JSON", doc)
		}
		if err != nil && valid && !strings.Contains(err.Error(), "nesting deeper") {
			t.Fatalf("walker rejected the JSON document %q: %v", doc, err)
		}
		if err != nil {
			if len(parts) != 0 {
				t.Fatalf("parts returned with error %v", err)
			}
			return
		}
		last := 0
		for _, p := range parts {
			if p.Start < last || p.End <= p.Start || p.End > len(doc) {
				t.Fatalf("part %+v out of order or out of bounds (previous end %d, length %d)", p, last, len(doc))
			}
			if p.String && (doc[p.Start] != '"' || doc[p.End-1] != '"') {
				t.Fatalf("string part %q is not quoted", doc[p.Start:p.End])
			}
			if p.Kind.IsBinary() && (p.DataStart <= p.Start || p.DataStart > p.End-1) {
				t.Fatalf("binary part %+v has its data outside the value", p)
			}
			last = p.End
		}
	})
}

func BenchmarkWalkerFind(b *testing.B) {
	docs := map[string]string{
		"text_messages": `[{"role":"user","parts":[{"type":"text","content":"` +
			strings.Repeat("What should I wear in Lisbon tonight? ", 400) + `"}]}]`,
		"image_part": `[{"type":"blob","modality":"image","mime_type":"image/png","content":"` + jpegB64 + `"}]`,
	}
	for name, doc := range docs {
		b.Run(name, func(b *testing.B) {
			var w Walker
			b.SetBytes(int64(len(doc)))
			b.ReportAllocs()
			for b.Loop() {
				if _, err := w.Find(doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
