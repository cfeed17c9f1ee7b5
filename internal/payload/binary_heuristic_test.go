package payload

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// randomBytes returns n bytes from a fixed seed, standing in for compressed
// media, whose bytes are close to uniform.
func randomBytes(n int) []byte {
	b := make([]byte, n)
	r := rand.NewChaCha8([32]byte{7})
	_, _ = r.Read(b)
	return b
}

// hexDigests returns at least n characters of concatenated SHA-256 hex
// digests.
func hexDigests(n int) string {
	var b strings.Builder
	for i := 0; b.Len() < n; i++ {
		sum := sha256.Sum256([]byte{byte(i), byte(i >> 8)})
		b.WriteString(hex.EncodeToString(sum[:]))
	}
	return b.String()[:n]
}

// pcmAudio returns n bytes of 16-bit little-endian PCM of a sine wave, audio
// without a file signature.
func pcmAudio(n int) []byte {
	b := make([]byte, n)
	for i := 0; i+1 < n; i += 2 {
		v := int16(8000 * math.Sin(float64(i)/20))
		b[i], b[i+1] = byte(v), byte(v>>8)
	}
	return b
}

// base64AlphabetText are texts of more than MinBase64 bytes that use only the
// base64 alphabet but encode nothing.
var base64AlphabetText = map[string]string{
	"hex digests":           hexDigests(1500),
	"upper case hex":        strings.ToUpper(hexDigests(1500)),
	"german compound words": strings.Repeat("Donaudampfschifffahrtsgesellschaftskapitaenswitwenrente", 24),
	"identifier":            strings.Repeat("AbstractSingletonProxyFactoryBean", 40),
	"slug":                  strings.Repeat("how-to-configure-the-collector-for-langfuse-", 30),
	"snake case name":       strings.Repeat("max_attribute_bytes_per_span_", 40),
	"long number":           strings.Repeat("31415926535897932384626433832795", 40),
	"padded letters":        strings.Repeat("abcd", 300) + "==",
}

func TestLooksBinary(t *testing.T) {
	binary := map[string]string{
		"random bytes":          base64.StdEncoding.EncodeToString(randomBytes(2000)),
		"random bytes url safe": base64.RawURLEncoding.EncodeToString(randomBytes(2000)),
		"pcm audio":             base64.StdEncoding.EncodeToString(pcmAudio(2000)),
		"png signature":         pngB64,
		"jpeg signature":        jpegB64,
		"json escaped slashes": strings.ReplaceAll(
			base64.StdEncoding.EncodeToString(randomBytes(2000)), "/", `\/`),
	}
	for name, s := range binary {
		t.Run(name, func(t *testing.T) {
			require.True(t, IsBase64(s, minKeyedBase64, true), "test value must be base64 text")
			assert.True(t, LooksBinary(s))
		})
	}
	for name, s := range base64AlphabetText {
		t.Run(name, func(t *testing.T) {
			require.True(t, IsBase64(s, MinBase64, false), "test value must pass the alphabet check")
			assert.False(t, LooksBinary(s))
		})
	}
	t.Run("zero bytes without signature", func(t *testing.T) {
		assert.False(t, LooksBinary(base64.StdEncoding.EncodeToString(make([]byte, 2000))))
	})
	t.Run("empty", func(t *testing.T) {
		assert.False(t, LooksBinary(""))
	})
}

func TestWalkerSkipsBase64AlphabetText(t *testing.T) {
	for name, text := range base64AlphabetText {
		t.Run(name, func(t *testing.T) {
			docs := []string{
				`[{"role":"user","parts":[{"type":"text","content":"` + text + `"}]}]`,
				`{"sha":"` + text + `"}`,
				`["` + text + `"]`,
				// A binary key alone is not enough without a media type
				// or a binary part type beside it.
				`{"data":"` + text + `"}`,
				`{"id":"x","bytes":"` + text[:300] + `"}`,
			}
			for _, doc := range docs {
				var w Walker
				parts, err := w.Find(doc)
				require.NoError(t, err)
				assert.Empty(t, parts, doc[:40])
			}
		})
	}
}

func TestWalkerFindsUntypedBinary(t *testing.T) {
	random := base64.StdEncoding.EncodeToString(randomBytes(1200))
	docs := map[string]string{
		"any key":            `{"screenshot":"` + random + `"}`,
		"array element":      `["` + random + `"]`,
		"binary key":         `{"data":"` + random[:400] + `"}`,
		"binary key and png": `{"bytes":"` + pngB64 + `"}`,
		// A media type beside the key makes any base64 text binary.
		"zero bytes with media type": `{"data":"` + strings.Repeat("A", 400) + `","mime_type":"image/bmp"}`,
	}
	for name, doc := range docs {
		t.Run(name, func(t *testing.T) {
			var w Walker
			parts, err := w.Find(doc)
			require.NoError(t, err)
			require.Len(t, parts, 1)
			assert.True(t, parts[0].Kind.IsBinary())
		})
	}
}
