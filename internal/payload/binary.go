package payload

import (
	"crypto/sha256"
	"encoding/base64"
	"hash"
	"math"
	"strings"
)

// base64Values maps each byte of the standard and the URL-safe base64
// alphabets to its 6-bit value, and every other byte to 0xff.
var base64Values = func() [256]byte {
	var t [256]byte
	for i := range t {
		t[i] = 0xff
	}
	const std = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
	for i := 0; i < len(std); i++ {
		t[std[i]] = byte(i)
	}
	t['-'] = 62
	t['_'] = 63
	return t
}()

// ParseDataURI parses an RFC 2397 data URI with base64 content,
// "data:<media type>[;<parameter>]*;base64,<data>". It returns the media type
// (empty when the URI names none) and the offset of the base64 data in s.
// URIs without ";base64" carry text and are not reported.
func ParseDataURI(s string) (mediaType string, dataStart int, ok bool) {
	if len(s) < 5 || !strings.EqualFold(s[:5], "data:") {
		return "", 0, false
	}

	comma := strings.IndexByte(s, ',')
	if comma < 0 {
		return "", 0, false
	}
	header := s[5:comma]
	if len(header) < 7 || !strings.EqualFold(header[len(header)-7:], ";base64") {
		return "", 0, false
	}

	mediaType = header
	if semicolon := strings.IndexByte(header, ';'); semicolon >= 0 {
		mediaType = header[:semicolon]
	}
	return mediaType, comma + 1, true
}

// IsBase64 reports whether s is at least minLen bytes of base64 text in the
// standard or URL-safe alphabet, with optional padding. When escaped is true,
// s is the raw content of a JSON string, and the escapes "\/", "\n" and "\r"
// that some encoders write into base64 text are accepted.
func IsBase64(s string, minLen int, escaped bool) bool {
	if len(s) < minLen || len(s) == 0 {
		return false
	}

	padding := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if base64Values[c] != 0xff {
			if padding > 0 {
				return false
			}
			continue
		}
		switch {
		case c == '=':
			padding++
			if padding > 2 {
				return false
			}
		case escaped && c == '\\' && i+1 < len(s) &&
			(s[i+1] == '/' || s[i+1] == 'n' || s[i+1] == 'r'):
			i++
		case !escaped && (c == '\n' || c == '\r'):
		default:
			return false
		}
	}
	return true
}

// Limits of the entropy test in LooksBinary.
const (
	// minBinaryEntropy is the minimum Shannon entropy, in bits per base64
	// character, of base64 text that counts as binary without a file
	// signature. On samples of about 1 KiB, base64 of random bytes and of
	// 16-bit PCM audio measures 5.85 to 5.96, and base64 of ASCII text or
	// JSON 5.1 to 5.2. Hex digests measure 4.0, words, slugs and identifiers
	// made of letters 4.1 to 4.2, and runs of "A" (zero bytes) near 0.
	minBinaryEntropy = 5.0
	// entropySample is the number of leading characters the entropy is
	// measured on, so that the test costs the same on a payload of any size.
	entropySample = 4096
)

// LooksBinary reports whether base64 text s, which IsBase64 accepted,
// encodes binary content rather than being text that happens to use only
// the base64 alphabet (hex digests, long identifiers, compound words, slugs).
// It is true when s starts with a known file signature or when its leading
// characters have at least minBinaryEntropy bits of entropy per character.
// JSON escapes in s ("\/", "\n") are skipped.
//
// NOTE: binary data of low entropy without a known signature, such as
// uncompressed bitmaps that are mostly one color, is not recognized. It is
// still found under a binary key with a media type or part type beside it,
// or inside a data URI.
func LooksBinary(s string) bool {
	if SniffMediaType(s) != "" {
		return true
	}

	var counts [64]uint16
	n := 0
	for i := 0; i < len(s) && n < entropySample; i++ {
		c := s[i]
		if c == '\\' {
			i++
			continue
		}
		if v := base64Values[c]; v != 0xff {
			counts[v]++
			n++
		}
	}
	if n == 0 {
		return false
	}

	entropy := 0.0
	for _, count := range counts {
		if count == 0 {
			continue
		}
		p := float64(count) / float64(n)
		entropy -= p * math.Log2(p)
	}
	return entropy >= minBinaryEntropy
}

// decodeBase64 feeds the bytes that the base64 text s decodes to into the
// hash and returns their number. It skips line breaks, padding and the JSON
// escapes that IsBase64 accepts, and decodes through the scratch buffer.
func (hs *Hasher) decodeBase64(s string, escaped bool) int64 {
	h := hs.h
	if !escaped {
		if n, ok := hs.decodeStdBase64(s); ok {
			return n
		}
		h.Reset()
	}

	buf := hs.scratch[:3*512]
	n := 0
	var total int64
	var acc uint32
	bits := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if escaped && c == '\\' && i+1 < len(s) {
			i++
			if s[i] != '/' {
				continue
			}
			c = '/'
		}
		v := base64Values[c]
		if v == 0xff {
			continue
		}

		acc = acc<<6 | uint32(v)
		bits += 6
		if bits >= 8 {
			bits -= 8
			buf[n] = byte(acc >> bits)
			n++
			if n == len(buf) {
				h.Write(buf[:n])
				total += int64(n)
				n = 0
			}
		}
	}
	h.Write(buf[:n])
	return total + int64(n)
}

// decodeStdBase64 feeds the bytes that s decodes to into the hash with the standard
// library's decoder, which is several times faster than decodeBase64's loop.
// It returns false, having written part of the bytes, when s is not standard
// base64 in chunks of whole 4-byte groups, for example URL-safe base64.
func (hs *Hasher) decodeStdBase64(s string) (int64, bool) {
	enc := base64.StdEncoding
	if len(s)%4 != 0 && strings.IndexByte(s, '=') < 0 {
		enc = base64.RawStdEncoding
	}

	src := hs.scratch[:4096]
	dst := hs.scratch[4096 : 4096+3072]
	var total int64
	for len(s) > 0 {
		n := copy(src[:], s)
		s = s[n:]
		decoded, err := enc.Decode(dst, src[:n])
		if err != nil {
			return total, false
		}
		hs.h.Write(dst[:decoded])
		total += int64(decoded)
	}
	return total, true
}

// Digest is the hash and size of a payload as its replacement marker shows
// them.
type Digest struct {
	Sum  [sha256.Size]byte
	Size int64
}

// Hasher computes payload digests and reuses its SHA-256 state and decoding
// buffer. It is not safe for concurrent use.
type Hasher struct {
	h       hash.Hash
	scratch []byte
}

// DigestBase64 returns the SHA-256 hash and length of the bytes that the
// base64 text s decodes to, so one image has one hash whether it arrived as
// a data URI, as standard or as URL-safe base64.
func (hs *Hasher) DigestBase64(s string, escaped bool) Digest {
	h := hs.reset()
	size := hs.decodeBase64(s, escaped)
	var d Digest
	h.Sum(d.Sum[:0])
	d.Size = size
	return d
}

// DigestText returns the SHA-256 hash and length of s as it is.
func (hs *Hasher) DigestText(s string) Digest {
	h := hs.reset()
	hs.writeString(s)
	var d Digest
	h.Sum(d.Sum[:0])
	d.Size = int64(len(s))
	return d
}

// DigestBytes returns the SHA-256 hash and length of b.
func (hs *Hasher) DigestBytes(b []byte) Digest {
	h := hs.reset()
	h.Write(b)
	var d Digest
	h.Sum(d.Sum[:0])
	d.Size = int64(len(b))
	return d
}

func (hs *Hasher) reset() hash.Hash {
	if hs.h == nil {
		hs.h = sha256.New()
		hs.scratch = make([]byte, 4096+3072)
	}
	hs.h.Reset()
	return hs.h
}

// writeString writes s to the hash in chunks through the scratch buffer, so
// that hashing a string does not copy it to a new byte slice.
func (hs *Hasher) writeString(s string) {
	for len(s) > 0 {
		n := copy(hs.scratch, s)
		hs.h.Write(hs.scratch[:n])
		s = s[n:]
	}
}

// magic lists the base64 text that the first bytes of common media files
// encode to. Each prefix covers whole 3-byte groups of the file signature.
var magic = []struct {
	prefix    string
	mediaType string
}{
	{"iVBORw0KGgo", "image/png"},
	{"/9j/", "image/jpeg"},
	{"R0lGODdh", "image/gif"},
	{"R0lGODlh", "image/gif"},
	{"JVBERi0", "application/pdf"},
	{"SUQz", "audio/mpeg"},
	{"//u", "audio/mpeg"},
	{"//s", "audio/mpeg"},
	{"T2dnUw", "audio/ogg"},
	{"ZkxhQw", "audio/flac"},
	{"GkXfo", "video/webm"},
	{"UEsDB", "application/zip"},
}

// SniffMediaTypeBytes returns the media type of b from the file signature it
// starts with, or "" when none is known.
func SniffMediaTypeBytes(b []byte) string {
	// 18 bytes cover every signature SniffMediaType reads, in whole 3-byte
	// groups so that the encoding has no padding.
	n := min(len(b), 18)
	n -= n % 3
	var encoded [24]byte
	base64.StdEncoding.Encode(encoded[:], b[:n])
	return SniffMediaType(string(encoded[:base64.StdEncoding.EncodedLen(n)]))
}

// SniffMediaType returns the media type of base64 text from the file
// signature it starts with, or "" when none is known. RIFF containers are
// distinguished by their form type (WAVE, WEBP, AVI), and ISO media files
// are recognized by their "ftyp" box.
func SniffMediaType(b64 string) string {
	for _, m := range magic {
		if strings.HasPrefix(b64, m.prefix) {
			return m.mediaType
		}
	}

	// "RIFF", 4 size bytes, then the form type: bytes 9..11 are digits 12..15.
	if strings.HasPrefix(b64, "UklGR") && len(b64) >= 16 {
		switch b64[12:16] {
		case "QVZF": // "AVE" of WAVE
			return "audio/wav"
		case "RUJQ": // "EBP" of WEBP
			return "image/webp"
		case "Vkkg": // "VI " of AVI
			return "video/x-msvideo"
		}
		return ""
	}

	// ISO base media: 4 size bytes, then "ftyp", which encodes to digits
	// 6..9 "Z0eX" whatever the size.
	if len(b64) >= 10 && b64[6:10] == "Z0eX" {
		return "video/mp4"
	}
	return ""
}
