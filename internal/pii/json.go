package pii

import (
	"strings"
	"unicode/utf16"
	"unicode/utf8"
	"unsafe"
)

// looksLikeJSON reports whether s starts, after white space, with '{' or '['.
func looksLikeJSON(s string) bool {
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

// jsonWalker masks the strings of one JSON document in place. It tokenizes
// the document without decoding it into Go values. Only string tokens that
// contain a match are decoded, masked and written again. Every other byte is
// copied, so the output keeps the structure, number spelling and white space
// of the input. Object keys are masked like values, which can leave two equal
// keys in one object when two keys are redacted.
type jsonWalker struct {
	m      *Masker
	st     *maskState
	s      string
	keys   KeyContext
	active RuleSet
	tally  *Tally
	embed  int

	out     *strings.Builder
	copied  int
	outcome Outcome
}

// walk masks the document. ok is false when s is not valid JSON; nothing
// has been counted then.
func (w *jsonWalker) walk() (string, Outcome, bool) {
	// Validate first so that a syntax error late in the document does not
	// leave counts for a masking that is then discarded.
	if _, ok := w.value(skipSpace(w.s, 0), 0, false); !ok {
		return "", Unchanged, false
	}
	i, ok := w.value(skipSpace(w.s, 0), 0, true)
	if !ok || skipSpace(w.s, i) != len(w.s) {
		return "", Unchanged, false
	}
	if w.outcome == Drop {
		return "", Drop, true
	}
	if w.out == nil {
		return w.s, Unchanged, true
	}
	w.out.WriteString(w.s[w.copied:])
	return w.out.String(), Masked, true
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// value reads the JSON value at position i and returns the position after
// it. When mask is false it only validates.
func (w *jsonWalker) value(i, depth int, mask bool) (int, bool) {
	if i >= len(w.s) || depth > maxDepth {
		return i, false
	}
	switch c := w.s[i]; {
	case c == '{':
		return w.object(i, depth, mask)
	case c == '[':
		return w.array(i, depth, mask)
	case c == '"':
		end, _, ok := stringEnd(w.s, i)
		if ok && mask {
			w.maskString(i, end, w.keys)
		}
		return end, ok
	case c == '-' || isDigit(c):
		return numberEnd(w.s, i)
	case strings.HasPrefix(w.s[i:], "true"):
		return i + 4, true
	case strings.HasPrefix(w.s[i:], "false"):
		return i + 5, true
	case strings.HasPrefix(w.s[i:], "null"):
		return i + 4, true
	}
	return i, false
}

func (w *jsonWalker) object(i, depth int, mask bool) (int, bool) {
	i = skipSpace(w.s, i+1)
	if i < len(w.s) && w.s[i] == '}' {
		return i + 1, true
	}
	for {
		if i >= len(w.s) || w.s[i] != '"' {
			return i, false
		}
		keyEnd, escaped, ok := stringEnd(w.s, i)
		if !ok {
			return i, false
		}
		member := ""
		if !escaped {
			member = w.s[i+1 : keyEnd-1]
		}
		valueKeys := w.keys.withMember(member)
		if mask {
			w.maskString(i, keyEnd, w.keys)
		}
		i = skipSpace(w.s, keyEnd)
		if i >= len(w.s) || w.s[i] != ':' {
			return i, false
		}
		i = skipSpace(w.s, i+1)
		if i < len(w.s) && w.s[i] == '"' {
			end, _, ok := stringEnd(w.s, i)
			if !ok {
				return i, false
			}
			if mask {
				w.maskString(i, end, valueKeys)
			}
			i = end
		} else if i, ok = w.value(i, depth+1, mask); !ok {
			return i, false
		}
		i = skipSpace(w.s, i)
		if i >= len(w.s) {
			return i, false
		}
		switch w.s[i] {
		case ',':
			i = skipSpace(w.s, i+1)
		case '}':
			return i + 1, true
		default:
			return i, false
		}
	}
}

func (w *jsonWalker) array(i, depth int, mask bool) (int, bool) {
	i = skipSpace(w.s, i+1)
	if i < len(w.s) && w.s[i] == ']' {
		return i + 1, true
	}
	for {
		var ok bool
		if i, ok = w.value(i, depth+1, mask); !ok {
			return i, false
		}
		i = skipSpace(w.s, i)
		if i >= len(w.s) {
			return i, false
		}
		switch w.s[i] {
		case ',':
			i = skipSpace(w.s, i+1)
		case ']':
			return i + 1, true
		default:
			return i, false
		}
	}
}

// stringEnd returns the position after the JSON string token that starts
// at i, and whether the token contains escapes.
func stringEnd(s string, i int) (int, bool, bool) {
	escaped := false
	for p := i + 1; p < len(s); p++ {
		// Skip eight bytes at a time while none ends the token or escapes.
		for ; p+8 <= len(s); p += 8 {
			c := s[p : p+8]
			if jsonStringStop[c[0]]|jsonStringStop[c[1]]|jsonStringStop[c[2]]|jsonStringStop[c[3]]|
				jsonStringStop[c[4]]|jsonStringStop[c[5]]|jsonStringStop[c[6]]|jsonStringStop[c[7]] != 0 {
				break
			}
		}
		if p >= len(s) {
			break
		}
		switch c := s[p]; {
		case c == '"':
			return p + 1, escaped, true
		case c == '\\':
			escaped = true
			if p+1 >= len(s) {
				return p, escaped, false
			}
			switch s[p+1] {
			case '"', '\\', '/', 'b', 'f', 'n', 'r', 't':
				p++
			case 'u':
				if p+5 >= len(s) || !isHex(s[p+2]) || !isHex(s[p+3]) || !isHex(s[p+4]) || !isHex(s[p+5]) {
					return p, escaped, false
				}
				p += 5
			default:
				return p, escaped, false
			}
		case c < 0x20:
			return p, escaped, false
		}
	}
	return len(s), escaped, false
}

// jsonStringStop is 1 for the bytes that end or escape a JSON string token,
// or that may not appear in one: the quote, the backslash and control
// characters.
var jsonStringStop = func() (t [256]uint8) {
	for c := 0; c < 0x20; c++ {
		t[c] = 1
	}
	t['"'], t['\\'] = 1, 1
	return t
}()

func numberEnd(s string, i int) (int, bool) {
	p := i
	if s[p] == '-' {
		p++
	}
	switch {
	case p < len(s) && s[p] == '0':
		p++
	case p < len(s) && isDigit(s[p]):
		p = digitRun(s, p)
	default:
		return p, false
	}
	if p < len(s) && s[p] == '.' {
		q := digitRun(s, p+1)
		if q == p+1 {
			return p, false
		}
		p = q
	}
	if p < len(s) && (s[p] == 'e' || s[p] == 'E') {
		p++
		if p < len(s) && (s[p] == '+' || s[p] == '-') {
			p++
		}
		q := digitRun(s, p)
		if q == p {
			return p, false
		}
		p = q
	}
	return p, true
}

// maskString masks the string token s[start:end] (quotes included).
func (w *jsonWalker) maskString(start, end int, keys KeyContext) {
	if w.outcome == Drop {
		return
	}
	raw := w.s[start+1 : end-1]
	text := raw
	if strings.IndexByte(raw, '\\') >= 0 {
		buf := decodeJSONString(w.st.decode[w.embed][:0], raw)
		w.st.decode[w.embed] = buf
		if len(buf) == 0 {
			return
		}
		text = unsafe.String(&buf[0], len(buf))
	}
	masked, outcome := w.m.maskText(w.st, text, keys, w.active, w.tally, w.embed+1)
	switch outcome {
	case Unchanged:
		return
	case Drop:
		w.outcome = Drop
		return
	}
	if w.out == nil {
		w.out = &strings.Builder{}
		w.out.Grow(len(w.s) + 64)
	}
	w.out.WriteString(w.s[w.copied:start])
	writeJSONString(w.out, masked)
	w.copied = end
	w.outcome = Masked
}

// decodeJSONString appends the decoded content of a valid JSON string token
// (quotes removed) to dst. A lone UTF-16 surrogate decodes to U+FFFD.
func decodeJSONString(dst []byte, raw string) []byte {
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		if c != '\\' {
			dst = append(dst, c)
			continue
		}
		i++
		switch raw[i] {
		case 'b':
			dst = append(dst, '\b')
		case 'f':
			dst = append(dst, '\f')
		case 'n':
			dst = append(dst, '\n')
		case 'r':
			dst = append(dst, '\r')
		case 't':
			dst = append(dst, '\t')
		case 'u':
			r := rune(hexValue(raw[i+1 : i+5]))
			i += 4
			if utf16.IsSurrogate(r) {
				if i+6 < len(raw) && raw[i+1] == '\\' && raw[i+2] == 'u' {
					r2 := rune(hexValue(raw[i+3 : i+7]))
					if pair := utf16.DecodeRune(r, r2); pair != utf8.RuneError {
						r = pair
						i += 6
					} else {
						r = utf8.RuneError
					}
				} else {
					r = utf8.RuneError
				}
			}
			dst = utf8.AppendRune(dst, r)
		default:
			dst = append(dst, raw[i])
		}
	}
	return dst
}

func hexValue(h string) int {
	v := 0
	for i := 0; i < len(h); i++ {
		c := h[i]
		switch {
		case isDigit(c):
			v = v<<4 | int(c-'0')
		case c >= 'a' && c <= 'f':
			v = v<<4 | int(c-'a'+10)
		default:
			v = v<<4 | int(c-'A'+10)
		}
	}
	return v
}

// writeJSONString writes s as a JSON string token. Characters other than the
// quote, the backslash and control characters are written unescaped.
func writeJSONString(b *strings.Builder, s string) {
	const hexDigits = "0123456789abcdef"
	b.WriteByte('"')
	prev := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 0x20 && c != '"' && c != '\\' {
			continue
		}
		b.WriteString(s[prev:i])
		switch c {
		case '"', '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		default:
			b.WriteString(`\u00`)
			b.WriteByte(hexDigits[c>>4])
			b.WriteByte(hexDigits[c&0xF])
		}
		prev = i + 1
	}
	b.WriteString(s[prev:])
	b.WriteByte('"')
}
