package pii

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// emailDetector finds e-mail addresses, including plus-addressing, Latin
// letters outside ASCII in the local part, internationalised (IDN) and
// punycode domains, and the percent-encoded "%40" form found in URLs.
//
// The domain must have at least two labels and end in a top-level label of
// letters or punycode, so "admin@localhost" and "pkg@1.2.3" are rejected.
// No public-suffix list is consulted. Letters of scripts written without
// spaces (Han, kana, Hangul) never join the address, so an address glued to
// Japanese or Chinese text is still found.
type emailDetector struct{}

func (emailDetector) Name() string { return "email" }

func (emailDetector) Type() string { return "EMAIL" }

func (emailDetector) Trigger() Trigger { return Trigger{Anywhere: "@%"} }

// Canonical lower-cases the address and decodes "%40", so both spellings
// pseudonymize alike.
func (emailDetector) Canonical(match string) string {
	return strings.ToLower(strings.Replace(match, "%40", "@", 1))
}

// isFileExtension reports whether the lower-case label is an image or code
// file extension that follows an '@' in asset names ("icon@2x.png") and is
// not a top-level domain in use for mail.
func isFileExtension(label string) bool {
	switch label {
	case "png", "jpg", "jpeg", "gif", "svg", "webp", "ico", "css", "js":
		return true
	}
	return false
}

// localPartBytes marks the ASCII punctuation allowed in a local part.
var localPartBytes = func() (t [256]bool) {
	for _, c := range []byte(".!#$&*+^_{|}~-") {
		t[c] = true
	}
	return t
}()

func (emailDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	domainStart := i + 1
	if s[i] == '%' {
		if i+2 >= len(s) || s[i+1] != '4' || s[i+2] != '0' {
			return 0, 0, false
		}
		domainStart = i + 3
	}

	start := localPartStart(s, i)
	if start == i || i-start > 64 {
		return 0, 0, false
	}

	end, ok := domainEnd(s, domainStart)
	if !ok {
		return 0, 0, false
	}

	// "_a@b.com_" is Markdown emphasis: the underscores wrap the address.
	if s[start] == '_' && end < len(s) && s[end] == '_' {
		for start < i && s[start] == '_' {
			start++
		}
		if start == i {
			return 0, 0, false
		}
	}
	return start, end, true
}

// localPartStart walks back from the '@' at position at over the characters
// of a local part and returns where it starts.
func localPartStart(s string, at int) int {
	i := at
	for i > 0 {
		c := s[i-1]
		if c < utf8.RuneSelf {
			if isAlnum(c) || localPartBytes[c] {
				i--
				continue
			}
			break
		}
		r, size := lastRune(s, i)
		if r == utf8.RuneError || !unicode.IsLetter(r) || !unicode.In(r, unicode.Latin) {
			break
		}
		i -= size
	}
	// RFC 5322 allows these characters to start a local part, but mailbox
	// names practically never do, while Markdown emphasis ("**a@b.com**")
	// and template braces put them right before an address.
	for i < at && strings.IndexByte(".*{}|~^!", s[i]) >= 0 {
		i++
	}
	if i < at && s[at-1] == '.' {
		return at
	}
	return i
}

// domainEnd reads a domain name starting at position from and returns its
// end when it is a plausible mail domain.
func domainEnd(s string, from int) (int, bool) {
	i := from
	labels := 0
	labelStart := from
	lastLabelStart := from
	for {
		for i < len(s) {
			c := s[i]
			if c < utf8.RuneSelf {
				if isAlnum(c) || c == '-' {
					i++
					continue
				}
				break
			}
			r, size := utf8.DecodeRuneInString(s[i:])
			if r == utf8.RuneError || !unicode.IsLetter(r) || isCJK(r) {
				break
			}
			i += size
		}
		label := s[labelStart:i]
		if len(label) == 0 || len(label) > 63 || label[0] == '-' || label[len(label)-1] == '-' {
			if labels >= 2 && len(label) == 0 {
				// A sentence-ending dot after the address.
				i = labelStart - 1
				break
			}
			return 0, false
		}
		labels++
		lastLabelStart = labelStart
		if i+1 < len(s) && s[i] == '.' && s[i+1] != '.' {
			i++
			labelStart = i
			continue
		}
		break
	}
	if labels < 2 || i-from > 253 {
		return 0, false
	}
	tld := s[lastLabelStart:i]
	if !validTLD(tld) {
		return 0, false
	}
	return i, true
}

func validTLD(tld string) bool {
	if hasPrefixFold(tld, 0, "xn--") {
		return len(tld) > 4
	}
	if len(tld) < 2 {
		return false
	}
	// ASCII labels, the common case, are checked byte by byte.
	var lower [4]byte
	for i := 0; i < len(tld); i++ {
		c := tld[i]
		if c >= utf8.RuneSelf {
			return validUnicodeTLD(tld)
		}
		if !isAlpha(c) {
			return false
		}
		if i < len(lower) {
			lower[i] = c | 0x20
		}
	}
	return len(tld) > len(lower) || !isFileExtension(string(lower[:len(tld)]))
}

// validUnicodeTLD reports whether an IDN top-level label has two or more
// characters, all letters.
func validUnicodeTLD(tld string) bool {
	letters := 0
	for _, r := range tld {
		if !unicode.IsLetter(r) {
			return false
		}
		letters++
	}
	return letters >= 2
}
