package payload

import (
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestParseDataURI(t *testing.T) {
	tests := []struct {
		uri       string
		mediaType string
		data      string
		ok        bool
	}{
		{"data:image/png;base64,iVBO", "image/png", "iVBO", true},
		{"DATA:image/png;BASE64,iVBO", "image/png", "iVBO", true},
		{"data:audio/wav;name=a.wav;base64,UklG", "audio/wav", "UklG", true},
		{"data:;base64,AAAA", "", "AAAA", true},
		{"data:text/plain,hello", "", "", false},
		{"data:image/png;base64", "", "", false},
		{"https://example.com/a.png", "", "", false},
		{"data", "", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.uri, func(t *testing.T) {
			mediaType, start, ok := ParseDataURI(tt.uri)
			assert.Equal(t, tt.ok, ok)
			if !tt.ok {
				return
			}
			assert.Equal(t, tt.mediaType, mediaType)
			assert.Equal(t, tt.data, tt.uri[start:])
		})
	}
}

func TestIsBase64(t *testing.T) {
	tests := []struct {
		name    string
		s       string
		min     int
		escaped bool
		want    bool
	}{
		{"standard", "iVBORw0KGgo=", 4, false, true},
		{"url safe", "ab-_cd==", 4, false, true},
		{"too short", "AAAA", 8, false, false},
		{"empty", "", 0, false, false},
		{"prose", "hello world", 4, false, false},
		{"padding inside", "AA==AA", 4, false, false},
		{"three padding", "A===", 4, false, false},
		{"mime line breaks", "AAAA\r\nBBBB", 4, false, true},
		{"json escaped slash", `AA\/BB`, 4, true, true},
		{"json escaped newline", `AAAA\nBBBB`, 4, true, true},
		{"json escaped quote", `AA\"BB`, 4, true, false},
		{"raw backslash when not escaped", `AA\/BB`, 4, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			assert.Equal(t, tt.want, IsBase64(tt.s, tt.min, tt.escaped))
		})
	}
}

func TestSniffMediaType(t *testing.T) {
	tests := map[string]string{
		"\x89PNG\r\n\x1a\n":          "image/png",
		"\xff\xd8\xff\xe0":           "image/jpeg",
		"GIF89a":                     "image/gif",
		"%PDF-1.7":                   "application/pdf",
		"ID3\x03\x00":                "audio/mpeg",
		"OggS\x00\x02":               "audio/ogg",
		"fLaC\x00\x00":               "audio/flac",
		"RIFF\x24\x08\x00\x00WAVEfm": "audio/wav",
		"RIFF\x24\x08\x00\x00WEBPVP": "image/webp",
		"RIFF\x24\x08\x00\x00AVI LI": "video/x-msvideo",
		"\x00\x00\x00\x18ftypmp42":   "video/mp4",
		"\x1a\x45\xdf\xa3\x01\x00":   "video/webm",
		"PK\x03\x04\x14\x00":         "application/zip",
		"plain text here":            "",
	}
	for file, want := range tests {
		t.Run(want, func(t *testing.T) {
			assert.Equal(t, want, SniffMediaType(base64.StdEncoding.EncodeToString([]byte(file))))
		})
	}
}

func TestDigestBase64(t *testing.T) {
	content := []byte("\x89PNG\r\n\x1a\n" + strings.Repeat("\xfb\xff\xfe", 700))
	want := sha256.Sum256(content)
	std := base64.StdEncoding.EncodeToString(content)

	variants := map[string]struct {
		text    string
		escaped bool
	}{
		"standard":          {std, false},
		"url safe":          {base64.URLEncoding.EncodeToString(content), false},
		"unpadded":          {base64.RawStdEncoding.EncodeToString(content), false},
		"json escaped":      {strings.ReplaceAll(std, "/", `\/`), true},
		"mime line breaks":  {std[:76] + "\r\n" + std[76:], false},
		"json line escapes": {std[:76] + `\n` + std[76:], true},
	}
	var h Hasher
	for name, v := range variants {
		t.Run(name, func(t *testing.T) {
			d := h.DigestBase64(v.text, v.escaped)
			assert.Equal(t, want, d.Sum)
			assert.Equal(t, int64(len(content)), d.Size)
		})
	}
}

func TestDigestText(t *testing.T) {
	var h Hasher
	text := strings.Repeat("reasoning ", 500)
	d := h.DigestText(text)
	assert.Equal(t, sha256.Sum256([]byte(text)), d.Sum)
	assert.Equal(t, int64(len(text)), d.Size)
}

func TestKindOfMediaType(t *testing.T) {
	assert.Equal(t, KindImage, KindOfMediaType("image/png"))
	assert.Equal(t, KindImage, KindOfMediaType("IMAGE/JPEG"))
	assert.Equal(t, KindAudio, KindOfMediaType("audio/wav"))
	assert.Equal(t, KindVideo, KindOfMediaType("video/mp4"))
	assert.Equal(t, KindFile, KindOfMediaType("application/pdf"))
	assert.Equal(t, KindFile, KindOfMediaType(""))
}

func TestParseKind(t *testing.T) {
	for _, k := range []Kind{KindImage, KindAudio, KindVideo, KindFile, KindReasoning, KindDocument} {
		got, ok := ParseKind(k.String())
		assert.True(t, ok, k.String())
		assert.Equal(t, k, got)
	}
	_, ok := ParseKind("none")
	assert.False(t, ok)
	_, ok = ParseKind("binary")
	assert.False(t, ok)
}
