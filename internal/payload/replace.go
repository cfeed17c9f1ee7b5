package payload

import (
	"encoding/hex"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Replacement markers. A replaced payload reads, for example,
// "[sampled:sha256:3f2a9c0d11b2e4f5 34567 bytes image/png]",
// "[sampled:truncated 12000 of 13024 bytes]" after the kept prefix, or
// "[sampled:dropped 34567 bytes]".
const (
	markerOpen = "[sampled:"
	// HashHexDigits is the number of hex digits of the SHA-256 hash that a
	// hash marker shows: 64 bits, enough to tell payloads of one trace apart.
	HashHexDigits = 16
)

// maxMarkerMediaTypeLen is the longest media type a hash marker shows: RFC
// 6838 limits the type and the subtype names to 127 characters each.
// Longer text comes from the document, not from a media type registry, and
// is cut, so that a marker cannot be made longer than a few hundred bytes.
const maxMarkerMediaTypeLen = 255

// AppendHashMarker appends the hash marker for a payload with digest d and
// media type mediaType ("" to leave it out).
func AppendHashMarker(dst []byte, d Digest, mediaType string) []byte {
	mediaType = mediaType[:TruncateText(mediaType, maxMarkerMediaTypeLen)]
	dst = append(dst, markerOpen...)
	dst = append(dst, "sha256:"...)
	dst = hex.AppendEncode(dst, d.Sum[:HashHexDigits/2])
	dst = append(dst, ' ')
	dst = strconv.AppendInt(dst, d.Size, 10)
	dst = append(dst, " bytes"...)
	if mediaType != "" {
		dst = append(dst, ' ')
		for i := 0; i < len(mediaType); i++ {
			if c := mediaType[i]; c != '\\' && c != '"' && c >= 0x20 {
				dst = append(dst, c)
			}
		}
	}
	return append(dst, ']')
}

// AppendTruncateMarker appends the marker that follows a kept prefix: cut
// bytes were removed from a payload of total bytes.
func AppendTruncateMarker(dst []byte, cut, total int) []byte {
	dst = append(dst, markerOpen...)
	dst = append(dst, "truncated "...)
	dst = strconv.AppendInt(dst, int64(cut), 10)
	dst = append(dst, " of "...)
	dst = strconv.AppendInt(dst, int64(total), 10)
	return append(dst, " bytes]"...)
}

// AppendDropMarker appends the marker for a dropped payload of size bytes.
func AppendDropMarker(dst []byte, size int) []byte {
	dst = append(dst, markerOpen...)
	dst = append(dst, "dropped "...)
	dst = strconv.AppendInt(dst, int64(size), 10)
	return append(dst, " bytes]"...)
}

// IsMarker reports whether s is one whole hash or drop marker, so that a
// payload replaced by an earlier pass, in this or an upstream collector, is
// not replaced again.
func IsMarker(s string) bool {
	if !strings.HasPrefix(s, markerOpen) || !strings.HasSuffix(s, "]") {
		return false
	}
	return strings.IndexByte(s[len(markerOpen):], ']') == len(s)-len(markerOpen)-1
}

// TruncatedPrefixLen returns the length of the text before the truncation
// marker that ends s, or -1 when s does not end with one.
func TruncatedPrefixLen(s string) int {
	const open, closing = markerOpen + "truncated ", " bytes]"
	if !strings.HasSuffix(s, closing) {
		return -1
	}
	i := strings.LastIndex(s, open)
	if i < 0 {
		return -1
	}
	cut, total, ok := strings.Cut(s[i+len(open):len(s)-len(closing)], " of ")
	if !ok || !isDigits(cut) || !isDigits(total) {
		return -1
	}
	return i
}

func isDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// MaxTruncateMarkerLen is the longest truncation marker for payloads below
// 10^15 bytes.
const MaxTruncateMarkerLen = len(markerOpen) + len("truncated ") + 15 + len(" of ") + 15 + len(" bytes]")

// TruncateText returns the length of the longest prefix of s that is at most
// n bytes and does not end inside a UTF-8 sequence.
func TruncateText(s string, n int) int {
	if n >= len(s) {
		return len(s)
	}
	if n <= 0 {
		return 0
	}
	cut := n
	// Step back over continuation bytes to the start of the cut rune, and
	// keep the rune only if it ends at or before n.
	for cut > 0 && cut > n-utf8.UTFMax && !utf8.RuneStart(s[cut]) {
		cut--
	}
	return cut
}

// TruncateJSONString returns the length of the longest prefix of raw that is
// at most n bytes and stays a valid JSON string. Raw is the content of a JSON
// string between its quotes. The prefix ends neither inside an escape
// sequence or a UTF-8 sequence, nor between the halves of a surrogate pair.
func TruncateJSONString(raw string, n int) int {
	if n >= len(raw) {
		return len(raw)
	}
	cut := TruncateText(raw, n)

	// Escapes can only be read left to right, so walk them from the start.
	lastStart, lastEnd := -1, -1
	for i := 0; i < cut; i++ {
		if raw[i] != '\\' {
			continue
		}
		end := i + 2
		if i+1 < len(raw) && raw[i+1] == 'u' {
			end = i + 6
		}
		if end > cut {
			cut = i
			break
		}
		lastStart, lastEnd = i, end
		i = end - 1
	}

	if lastEnd == cut && isHighSurrogateEscape(raw[lastStart:lastEnd]) {
		cut = lastStart
	}
	return cut
}

// isHighSurrogateEscape reports whether esc is an escape \uD800 to \uDBFF,
// the first half of a surrogate pair.
func isHighSurrogateEscape(esc string) bool {
	if len(esc) != 6 || esc[1] != 'u' {
		return false
	}
	v, err := strconv.ParseUint(esc[2:], 16, 16)
	return err == nil && v >= 0xD800 && v <= 0xDBFF
}

// AppendJSONString appends s as a JSON string, quotes included.
func AppendJSONString(dst []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	dst = append(dst, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' && c < utf8.RuneSelf {
			dst = append(dst, c)
			i++
			continue
		}
		switch c {
		case '"', '\\':
			dst = append(dst, '\\', c)
			i++
			continue
		case '\n':
			dst = append(dst, '\\', 'n')
			i++
			continue
		case '\r':
			dst = append(dst, '\\', 'r')
			i++
			continue
		case '\t':
			dst = append(dst, '\\', 't')
			i++
			continue
		}
		if c < 0x20 {
			dst = append(dst, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			dst = append(dst, `\ufffd`...)
		} else {
			dst = append(dst, s[i:i+size]...)
		}
		i += size
	}
	return append(dst, '"')
}

// Edit replaces doc[Start:End] with Text.
type Edit struct {
	Start, End int
	Text       []byte
}

// Splice appends doc with each edit applied to dst. Edits must be in
// document order and must not overlap.
func Splice(dst []byte, doc string, edits []Edit) []byte {
	last := 0
	for _, e := range edits {
		dst = append(dst, doc[last:e.Start]...)
		dst = append(dst, e.Text...)
		last = e.End
	}
	return append(dst, doc[last:]...)
}
