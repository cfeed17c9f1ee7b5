package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// Byte classes used by the scanner and the detectors.
const (
	classDigit = 1 << iota
	classUpper
	classLower
	classUnderscore
)

var byteClass = func() (t [256]uint8) {
	for c := '0'; c <= '9'; c++ {
		t[c] = classDigit
	}
	for c := 'A'; c <= 'Z'; c++ {
		t[c] = classUpper
	}
	for c := 'a'; c <= 'z'; c++ {
		t[c] = classLower
	}
	t['_'] = classUnderscore
	return t
}()

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isUpper(c byte) bool { return c >= 'A' && c <= 'Z' }

func isLower(c byte) bool { return c >= 'a' && c <= 'z' }

func isAlpha(c byte) bool { return byteClass[c]&(classUpper|classLower) != 0 }

func isAlnum(c byte) bool { return byteClass[c]&(classDigit|classUpper|classLower) != 0 }

func isHex(c byte) bool {
	return isDigit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}

// isWordByte reports whether c continues an ASCII word; a value never starts
// right after such a byte.
func isWordByte(c byte) bool { return byteClass[c] != 0 }

// boundaryAfter reports whether position end of s is not inside an ASCII word.
func boundaryAfter(s string, end int) bool {
	return end >= len(s) || !isWordByte(s[end])
}

// separatorAt returns the length of a digit-group separator at s[i]: space,
// '-', '.', '/', NO-BREAK SPACE (U+00A0), THIN SPACE (U+2009) or NARROW
// NO-BREAK SPACE (U+202F). It returns 0 when s[i] is no separator.
func separatorAt(s string, i int) int {
	if i >= len(s) {
		return 0
	}
	switch s[i] {
	case ' ', '-', '.', '/':
		return 1
	case 0xC2:
		if i+1 < len(s) && s[i+1] == 0xA0 {
			return 2
		}
	case 0xE2:
		if i+2 < len(s) && s[i+1] == 0x80 && (s[i+2] == 0xAF || s[i+2] == 0x89) {
			return 3
		}
	}
	return 0
}

// digitRun returns the end of the run of ASCII digits that starts at i.
func digitRun(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// hasPrefixFold reports whether s[i:] starts with prefix, ignoring ASCII case.
func hasPrefixFold(s string, i int, prefix string) bool {
	return len(s)-i >= len(prefix) && strings.EqualFold(s[i:i+len(prefix)], prefix)
}

// containsFold reports whether s contains the lower-case ASCII word, ignoring case.
func containsFold(s, word string) bool {
	n := len(word)
	for i := 0; i+n <= len(s); i++ {
		if (s[i]|0x20) == word[0] && strings.EqualFold(s[i:i+n], word) {
			return true
		}
	}
	return false
}

// lowerWordAt reports whether s[i:] starts with the lower-case ASCII word,
// ignoring the case of s.
func lowerWordAt(s string, i int, word string) bool {
	if len(s)-i < len(word) {
		return false
	}
	for j := 0; j < len(word); j++ {
		c := s[i+j]
		if isUpper(c) {
			c += 'a' - 'A'
		}
		if c != word[j] {
			return false
		}
	}
	return true
}

// isCJK reports whether r belongs to a script written without spaces between
// words, so that it never joins an address written next to it.
func isCJK(r rune) bool {
	return unicode.In(r, unicode.Han, unicode.Hiragana, unicode.Katakana, unicode.Hangul) ||
		(r >= 0x3000 && r <= 0x303F) || (r >= 0xFF00 && r <= 0xFFEF)
}

// lastRune decodes the rune that ends at position end of s.
func lastRune(s string, end int) (rune, int) {
	return utf8.DecodeLastRuneInString(s[:end])
}
