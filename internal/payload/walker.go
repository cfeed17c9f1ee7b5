package payload

import (
	"fmt"
	"strings"
)

// Thresholds of the base64 heuristics, in bytes of base64 text.
const (
	// minKeyedBase64 is the minimum length of a value under a binary key
	// ("data", "bytes", …) that counts as binary when its object names a
	// media type or a binary part type. Shorter values are too ambiguous.
	minKeyedBase64 = 16
	// minUntypedKeyedBase64 is the minimum length of a value under a binary
	// key when no other member of its object marks it as binary.
	minUntypedKeyedBase64 = 256
	// MinBase64 is the minimum length of base64 text that counts as binary
	// under any key or as a whole attribute value, when LooksBinary also
	// accepts it. Prose of this length contains a space or punctuation
	// outside the alphabet, but hex digests, slugs and identifiers do not.
	MinBase64 = 1024
)

// maxDepth bounds the nesting of arrays and objects the walker accepts, so
// hostile input cannot exhaust the stack. The error message of enter states
// the same number.
const maxDepth = 512

// Part is one payload found in a JSON document.
type Part struct {
	Kind Kind
	// Start and End delimit the value in the document, quotes included when
	// the value is a string.
	Start, End int
	// DataStart is the offset of the base64 data of a binary part: after the
	// header of a data URI, else after the opening quote.
	DataStart int
	// MediaType is the media type of a binary part as the document or its
	// file signature gives it; "" when unknown. It refers into the document
	// or to a constant and may contain JSON escapes such as "\/".
	MediaType string
	// String reports whether the value is a JSON string.
	String bool
	// Escaped reports whether a string value contains escape sequences.
	Escaped bool
}

// SyntaxError is returned for a document that is not JSON.
type SyntaxError struct {
	Offset int
	Msg    string
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("invalid JSON at byte %d: %s", e.Offset, e.Msg)
}

// member is one key and value of the object being walked. Offsets index the
// document; the key range excludes its quotes.
type member struct {
	keyStart, keyEnd int
	valStart, valEnd int
	// valType is the first byte of the value: '"', '{', '[', a digit, '-',
	// 't', 'f' or 'n'.
	valType    byte
	valEscaped bool
	// partsBefore is the number of parts found before the value was walked,
	// so parts[partsBefore:] lie inside the value.
	partsBefore int
	handled     bool
}

// Walker finds payload parts in JSON documents. It keeps scratch space
// between calls, so finding parts in a document without any allocates
// nothing once the scratch space has grown. A Walker is not safe for
// concurrent use.
type Walker struct {
	doc     string
	members []member
	parts   []Part
	depth   int
	// err is the error Find returns, kept here so that rejecting a
	// document does not allocate.
	err SyntaxError
}

// Find returns the parts of doc in document order. The slice is valid until
// the next call. A document that is not JSON returns a *SyntaxError, which
// is also valid until the next call. Find does not check that strings are
// valid UTF-8. Parts never overlap: a reasoning part or a document that
// contains binary content is not reported, only the binary content is.
func (w *Walker) Find(doc string) ([]Part, error) {
	w.doc = doc
	w.members = w.members[:0]
	w.parts = w.parts[:0]
	w.depth = 0

	i := w.skipSpace(0)
	if i == len(doc) {
		return nil, w.fail(i, "empty document")
	}
	end, err := w.value(i)
	if err != nil {
		w.parts = w.parts[:0]
		return nil, err
	}
	if i = w.skipSpace(end); i != len(doc) {
		w.parts = w.parts[:0]
		return nil, w.fail(i, "data after the top-level value")
	}
	return w.parts, nil
}

// LooksLikeJSON reports whether s starts, after white space, with '{' or
// '[', the only documents that can contain parts.
func LooksLikeJSON(s string) bool {
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case ' ', '\t', '\n', '\r':
			continue
		case '{', '[':
			return true
		}
		return false
	}
	return false
}

// fail returns the walker's error, set to msg at offset.
func (w *Walker) fail(offset int, msg string) error {
	w.err = SyntaxError{Offset: offset, Msg: msg}
	return &w.err
}

func (w *Walker) skipSpace(i int) int {
	for i < len(w.doc) {
		switch w.doc[i] {
		case ' ', '\t', '\n', '\r':
			i++
		default:
			return i
		}
	}
	return i
}

// value walks the value at i and returns the offset after it.
func (w *Walker) value(i int) (int, error) {
	if i >= len(w.doc) {
		return i, w.fail(i, "unexpected end of document")
	}
	switch c := w.doc[i]; {
	case c == '{':
		return w.object(i)
	case c == '[':
		return w.array(i)
	case c == '"':
		end, _, err := w.str(i)
		return end, err
	case c == '-' || (c >= '0' && c <= '9') || c == 't' || c == 'f' || c == 'n':
		return w.scalar(i)
	default:
		return i, w.fail(i, "unexpected character")
	}
}

// str returns the offset after the string that starts at i and whether it
// contains escapes. It rejects control bytes and invalid escape sequences,
// as JSON does. UTF-8 is not checked.
func (w *Walker) str(i int) (end int, escaped bool, err error) {
	j := i + 1
	for {
		k := strings.IndexByte(w.doc[j:], '"')
		if k < 0 {
			return len(w.doc), escaped, w.fail(i, "unterminated string")
		}
		b := strings.IndexByte(w.doc[j:j+k], '\\')
		if b < 0 {
			if hasControlByte(w.doc[j : j+k]) {
				return j + k, escaped, w.fail(i, "control character in string")
			}
			return j + k + 1, escaped, nil
		}
		if hasControlByte(w.doc[j : j+b]) {
			return j + b, escaped, w.fail(i, "control character in string")
		}
		escaped = true
		j += b
		n := escapeLen(w.doc[j:])
		if n == 0 {
			return j, escaped, w.fail(j, "invalid escape sequence in string")
		}
		j += n
	}
}

// escapeLen returns the length of the JSON escape sequence s starts with, or
// 0 when s does not start with a valid one.
func escapeLen(s string) int {
	if len(s) < 2 {
		return 0
	}
	switch s[1] {
	case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
		return 2
	case 'u':
		if len(s) < 6 {
			return 0
		}
		for _, c := range []byte(s[2:6]) {
			if !isHexDigit(c) {
				return 0
			}
		}
		return 6
	}
	return 0
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// hasControlByte reports whether s contains a byte below 0x20, which a JSON
// string must escape. It tests eight bytes at a time: for a word x, the
// expression (x - 0x20 in each byte) &^ x & 0x80 in each byte is non-zero
// exactly when some byte of x is below 0x20.
func hasControlByte(s string) bool {
	const ones, highs, spaces = 0x0101010101010101, 0x8080808080808080, 0x2020202020202020
	i := 0
	for ; i+8 <= len(s); i += 8 {
		x := uint64(s[i]) | uint64(s[i+1])<<8 | uint64(s[i+2])<<16 | uint64(s[i+3])<<24 |
			uint64(s[i+4])<<32 | uint64(s[i+5])<<40 | uint64(s[i+6])<<48 | uint64(s[i+7])<<56
		if (x-spaces)&^x&highs != 0 {
			return true
		}
	}
	for ; i < len(s); i++ {
		if s[i] < 0x20 {
			return true
		}
	}
	return false
}

// scalar returns the offset after the number or literal at i, or an error
// when it is neither a JSON number nor true, false or null.
func (w *Walker) scalar(i int) (int, error) {
	j := i
	for j < len(w.doc) && !isDelimiter(w.doc[j]) {
		j++
	}
	tok := w.doc[i:j]
	if tok == "true" || tok == "false" || tok == "null" || isNumber(tok) {
		return j, nil
	}
	return i, w.fail(i, "invalid literal or number")
}

func isDelimiter(c byte) bool {
	switch c {
	case ',', '}', ']', ' ', '\t', '\n', '\r':
		return true
	}
	return false
}

// isNumber reports whether s is a JSON number:
// -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
func isNumber(s string) bool {
	i := 0
	if i < len(s) && s[i] == '-' {
		i++
	}
	switch {
	case i < len(s) && s[i] == '0':
		i++
	case i < len(s) && s[i] >= '1' && s[i] <= '9':
		i = skipDigits(s, i)
	default:
		return false
	}
	if i < len(s) && s[i] == '.' {
		if i+1 >= len(s) || !isDigit(s[i+1]) {
			return false
		}
		i = skipDigits(s, i+1)
	}
	if i < len(s) && (s[i] == 'e' || s[i] == 'E') {
		i++
		if i < len(s) && (s[i] == '+' || s[i] == '-') {
			i++
		}
		if i >= len(s) || !isDigit(s[i]) {
			return false
		}
		i = skipDigits(s, i)
	}
	return i == len(s)
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func skipDigits(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

func (w *Walker) enter(i int) error {
	w.depth++
	if w.depth > maxDepth {
		return w.fail(i, "nesting deeper than the limit of 512 levels")
	}
	return nil
}

func (w *Walker) array(i int) (int, error) {
	if err := w.enter(i); err != nil {
		return i, err
	}
	i = w.skipSpace(i + 1)
	if i < len(w.doc) && w.doc[i] == ']' {
		w.depth--
		return i + 1, nil
	}

	for {
		if i >= len(w.doc) {
			return i, w.fail(i, "unterminated array")
		}
		var end int
		var err error
		if w.doc[i] == '"' {
			var escaped bool
			end, escaped, err = w.str(i)
			if err != nil {
				return end, err
			}
			w.findInString(i, end, escaped, nil, "")
		} else if end, err = w.value(i); err != nil {
			return end, err
		}

		i = w.skipSpace(end)
		if i >= len(w.doc) {
			return i, w.fail(i, "unterminated array")
		}
		switch w.doc[i] {
		case ',':
			i = w.skipSpace(i + 1)
		case ']':
			w.depth--
			return i + 1, nil
		default:
			return i, w.fail(i, "expected ',' or ']' in array")
		}
	}
}

func (w *Walker) object(i int) (int, error) {
	if err := w.enter(i); err != nil {
		return i, err
	}
	base := len(w.members)
	i = w.skipSpace(i + 1)
	if i < len(w.doc) && w.doc[i] == '}' {
		w.depth--
		return i + 1, nil
	}

	for {
		if i >= len(w.doc) || w.doc[i] != '"' {
			return i, w.fail(i, "expected a string key in object")
		}
		keyEnd, _, err := w.str(i)
		if err != nil {
			return keyEnd, err
		}
		m := member{keyStart: i + 1, keyEnd: keyEnd - 1}

		i = w.skipSpace(keyEnd)
		if i >= len(w.doc) || w.doc[i] != ':' {
			return i, w.fail(i, "expected ':' after object key")
		}
		i = w.skipSpace(i + 1)
		if i >= len(w.doc) {
			return i, w.fail(i, "missing object value")
		}

		m.valStart = i
		m.valType = w.doc[i]
		m.partsBefore = len(w.parts)
		if m.valType == '"' {
			m.valEnd, m.valEscaped, err = w.str(i)
		} else {
			m.valEnd, err = w.value(i)
		}
		if err != nil {
			return m.valEnd, err
		}
		w.members = append(w.members, m)

		i = w.skipSpace(m.valEnd)
		if i >= len(w.doc) {
			return i, w.fail(i, "unterminated object")
		}
		if w.doc[i] == '}' {
			break
		}
		if w.doc[i] != ',' {
			return i, w.fail(i, "expected ',' or '}' in object")
		}
		i = w.skipSpace(i + 1)
	}

	w.classify(w.members[base:])
	w.members = w.members[:base]
	w.depth--
	return i + 1, nil
}
