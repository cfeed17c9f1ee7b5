package pii

import "strings"

// Match is the byte range of one value found in a string and the index of the
// detector or rule that found it.
type Match struct {
	Start, End int
	// Source indexes the Scanner's detectors, then the Masker's rules.
	Source int
}

// Scanner runs a fixed set of detectors over a string in one pass.
//
// At the first byte of each ASCII word, and at '+' and '(' after a non-word
// byte, the scanner checks with table lookups whether any detector can start
// there: a number start ('+', '(' or a digit) with enough digits ahead for
// the detector, or the first three bytes of a detector prefix. Only then are
// detectors called. Anywhere triggers ('@', '%', ':') are examined at every
// occurrence.
type Scanner struct {
	detectors []Detector
	flags     [256]uint8
	// prefixBits is a bitmap over prefixKey of every prefix.
	prefixBits [1 << 18 / 64]uint64
	byPrefix   [256][]uint8
	numbers    []numberEntry
	// minNumberDigits is the smallest MinDigits of the number detectors,
	// and minAnySeparator that of those without a NumberSeparator.
	minNumberDigits int
	minAnySeparator int
	anywhere        [256][]uint8
}

type numberEntry struct {
	detector      uint8
	minDigits     int
	minDigitsPlus int
	separator     byte
}

// applies reports whether the detector is called at a number start whose
// number has digits digits and whose first run of digits is followed by the
// byte after (0 at the end of the text).
func (n *numberEntry) applies(plus bool, digits int, after byte) bool {
	least := n.minDigits
	if plus {
		least = n.minDigitsPlus
	}
	return digits >= least && (n.separator == 0 || after == n.separator)
}

// Per-byte flags of a Scanner.
const (
	flagAnywhere = 1 << iota
	flagNumber
	flagPrefix
	flagWord
)

// NewScanner returns a scanner over the given detectors; at most 255 are
// supported. It panics when a prefix is shorter than three bytes, which is a
// programming error in a detector.
func NewScanner(detectors []Detector) *Scanner {
	sc := &Scanner{detectors: detectors, minAnySeparator: maxDigitsAhead + 1}
	for idx, d := range detectors {
		t := d.Trigger()
		for _, p := range t.Prefixes {
			if len(p) < 3 {
				panic("pii: detector " + d.Name() + " has a prefix shorter than three bytes")
			}
			key := prefixKey(p[0], p[1], p[2])
			if p[2] == '#' {
				key = prefixKey(p[0], p[1], '0')
			}
			sc.prefixBits[key/64] |= 1 << (key % 64)
			sc.flags[p[0]] |= flagPrefix
			if !containsIndex(sc.byPrefix[p[0]], uint8(idx)) {
				sc.byPrefix[p[0]] = append(sc.byPrefix[p[0]], uint8(idx))
			}
		}
		if t.Number {
			entry := numberEntry{detector: uint8(idx), minDigits: t.MinDigits,
				minDigitsPlus: t.MinDigitsPlus, separator: t.NumberSeparator}
			if entry.minDigitsPlus == 0 {
				entry.minDigitsPlus = entry.minDigits
			}
			sc.numbers = append(sc.numbers, entry)
			if len(sc.numbers) == 1 || t.MinDigits < sc.minNumberDigits {
				sc.minNumberDigits = t.MinDigits
			}
			if t.NumberSeparator == 0 && t.MinDigits < sc.minAnySeparator {
				sc.minAnySeparator = t.MinDigits
			}
		}
		for i := 0; i < len(t.Anywhere); i++ {
			c := t.Anywhere[i]
			sc.anywhere[c] = append(sc.anywhere[c], uint8(idx))
			sc.flags[c] |= flagAnywhere
		}
	}
	if len(sc.numbers) > 0 {
		for _, c := range []byte("+(0123456789") {
			sc.flags[c] |= flagNumber
		}
	}
	for c := 0; c < 256; c++ {
		if isWordByte(byte(c)) {
			sc.flags[c] |= flagWord
		}
	}
	return sc
}

func containsIndex(list []uint8, idx uint8) bool {
	for _, v := range list {
		if v == idx {
			return true
		}
	}
	return false
}

// Detectors returns the scanner's detectors; Match.Source indexes this slice.
func (sc *Scanner) Detectors() []Detector { return sc.detectors }

// Scan appends the matches in s to dst, sorted by start, with overlapping
// matches merged, and returns the extended slice. keys, which may be nil, is
// the context of s. Scan allocates only when dst must grow.
//
// Every match contains a byte that is not plain (see notPlain), such as a
// digit, '@', '-' or an upper-case letter. The match starts in the same
// space-free token as that byte, or for a bearer token in the token before.
// So Scan skips eight-byte chunks of plain bytes, and examines byte by byte
// only from the start of the token that holds another byte. Words that no
// detector can start and that hold no trigger, such as a capitalised word
// or a short number, are skipped without that examination (see skipWord).
func (sc *Scanner) Scan(s string, keys *KeyContext, dst []Match) []Match {
	first := len(dst)
	// done is the position before which every byte has been examined or
	// skipped.
	done := 0
	for {
		p := nextNotPlain(s, done)
		if p == len(s) {
			break
		}
		if end := sc.skipWord(s, p, done); end > p {
			done = end
			continue
		}
		done, dst = sc.scanBytes(s, examineFrom(s, p, done), p+1, keys, dst)
	}
	return mergeMatches(dst, first)
}

// nextNotPlain returns the position of the first byte at or after i that is
// not plain, or len(s). It tests eight bytes at a time.
func nextNotPlain(s string, i int) int {
	for ; i+8 <= len(s); i += 8 {
		c := s[i : i+8]
		if notPlain[c[0]]|notPlain[c[1]]|notPlain[c[2]]|notPlain[c[3]]|
			notPlain[c[4]]|notPlain[c[5]]|notPlain[c[6]]|notPlain[c[7]] != 0 {
			break
		}
	}
	for i < len(s) && notPlain[s[i]] == 0 {
		i++
	}
	return i
}

// notPlain is 1 for bytes that are not plain. Plain bytes are lower-case
// ASCII letters, the space, the line feed, '.', ',', '"', the apostrophe and
// the bytes of non-ASCII characters. No match consists of plain bytes only.
var notPlain = func() (t [256]uint8) {
	for c := 0; c < 0x80; c++ {
		if !isLower(byte(c)) && strings.IndexByte(" \n.,\"'", byte(c)) < 0 {
			t[c] = 1
		}
	}
	return t
}()

// examineFrom returns where byte-by-byte examination for a byte at position
// p starts: the start of its token, or of the token before when that is a
// plain prefix. It never returns less than floor.
func examineFrom(s string, p, floor int) int {
	from := tokenStart(s, p, floor)
	if precededByPlainPrefix(s, from, floor) {
		from = tokenBefore(s, from, floor)
	}
	return from
}

// tokenStart returns the start of the space-free token that contains
// position i, but not less than floor.
func tokenStart(s string, i, floor int) int {
	for i > floor && s[i-1] != ' ' {
		i--
	}
	return i
}

// precededByPlainPrefix reports whether the token before position start is
// the lower-case word "bearer": the only prefix of a built-in detector that
// is made of plain bytes.
func precededByPlainPrefix(s string, start, floor int) bool {
	i := start
	for i > floor && s[i-1] == ' ' {
		i--
	}
	if i == start || i-6 < floor || s[i-6:i] != "bearer" {
		return false
	}
	return i-6 == floor || !isLower(s[i-7])
}

// tokenBefore returns the start of the space-free token before the one that
// contains position i, but not less than floor.
func tokenBefore(s string, i, floor int) int {
	for i > floor && s[i-1] != ' ' {
		i--
	}
	for i > floor && s[i-1] == ' ' {
		i--
	}
	for i > floor && s[i-1] != ' ' {
		i--
	}
	return i
}

// scanBytes examines s byte by byte from position i until it passes limit
// and reaches a plain byte, and returns where it stopped. Going on to the
// next plain byte examines a run such as "2024-06-05" in one call.
func (sc *Scanner) scanBytes(s string, i, limit int, keys *KeyContext, dst []Match) (int, []Match) {
	prevWord := i > 0 && isWordByte(s[i-1])
	for i < len(s) && (i < limit || notPlain[s[i]] != 0) {
		c := s[i]
		f := sc.flags[c]
		if f&flagAnywhere != 0 {
			if m, ok := sc.anywhereAt(s, i, keys); ok {
				dst = append(dst, m)
				i = m.End
				prevWord = isWordByte(s[i-1])
				continue
			}
		}
		if !prevWord && f&flagPrefix != 0 {
			// The prefix bitmap check, inlined: most word starts end here.
			if i+2 >= len(s) {
				f &^= flagPrefix
			} else if key := prefixKey(c, s[i+1], s[i+2]); sc.prefixBits[key/64]&(1<<(key%64)) == 0 {
				f &^= flagPrefix
			}
		}
		if !prevWord && f&flagNumber != 0 && isDigit(c) && sc.shortNumber(s, i) {
			f &^= flagNumber
		}
		if !prevWord && f&(flagNumber|flagPrefix) != 0 {
			if m, ok := sc.wordStartAt(s, i, f, keys); ok {
				dst = append(dst, m)
				i = m.End
				prevWord = isWordByte(s[i-1])
				continue
			}
		}
		i++
		if f&flagWord != 0 {
			for i < len(s) && sc.flags[s[i]]&flagWord != 0 {
				i++
			}
			prevWord = true
			continue
		}
		prevWord = false
	}
	return i, dst
}

func (sc *Scanner) anywhereAt(s string, i int, keys *KeyContext) (Match, bool) {
	for _, idx := range sc.anywhere[s[i]] {
		// A match that ends at or before i was found from an earlier
		// trigger; taking it again would not advance the scan.
		if start, end, ok := sc.detectors[idx].Detect(s, i, keys.Hints()); ok && end > i {
			return Match{Start: start, End: end, Source: int(idx)}, true
		}
	}
	return Match{}, false
}

// wordStartAt returns the longest match of the number and prefix detectors
// that can start at position i; on equal length the detector listed first
// wins.
func (sc *Scanner) wordStartAt(s string, i int, f uint8, keys *KeyContext) (Match, bool) {
	best := Match{Source: -1}
	try := func(idx uint8) {
		start, end, ok := sc.detectors[idx].Detect(s, i, keys.Hints())
		if ok && end-start > best.End-best.Start {
			best = Match{Start: start, End: end, Source: int(idx)}
		}
	}
	if f&flagNumber != 0 {
		digits := digitsAhead(s, i)
		after := byteAt(s, digitRun(s, i))
		for k := range sc.numbers {
			if sc.numbers[k].applies(s[i] == '+', digits, after) {
				try(sc.numbers[k].detector)
			}
		}
	}
	if f&flagPrefix != 0 && i+2 < len(s) {
		key := prefixKey(s[i], s[i+1], s[i+2])
		if sc.prefixBits[key/64]&(1<<(key%64)) != 0 {
			for _, idx := range sc.byPrefix[s[i]] {
				try(idx)
			}
		}
	}
	return best, best.Source >= 0
}

// prefixKey maps the first three bytes of a prefix to a bitmap index: both
// bytes, and the class of the third (digit, space, '-' or other).
func prefixKey(b0, b1, b2 byte) uint32 {
	class := uint32(3)
	switch {
	case isDigit(b2):
		class = 0
	case b2 == ' ':
		class = 1
	case b2 == '-':
		class = 2
	}
	return uint32(b0)<<10 | uint32(b1)<<2 | class
}

// shortNumber reports whether the digits at position i form a number with
// fewer digits than any number detector needs, and nothing continues the
// number (see numberEndsAt).
func (sc *Scanner) shortNumber(s string, i int) bool {
	end := digitRun(s, i)
	return end-i < sc.minNumberDigits && sc.numberEndsAt(s, end)
}

// numberEndsAt reports whether a number that reaches position end stops
// there: no parenthesis follows, and no separator followed by a digit or '('.
func (sc *Scanner) numberEndsAt(s string, end int) bool {
	if end >= len(s) {
		return true
	}
	if s[end] == '(' || s[end] == ')' {
		return false
	}
	next := end + separatorAt(s, end)
	return next == end || next >= len(s) || !(isDigit(s[next]) || s[next] == '(')
}

// skipWord returns the end of the word that starts at position p when no
// match can start in it or reach into it, and p otherwise. That holds for a
// word that
//
//   - starts after a plain byte that is not a letter, so no number or
//     prefix detector can start inside it;
//   - starts with a letter where no prefix begins, or with a number too
//     short for every number detector (see shortNumber);
//   - ends at a plain byte or at the end of s, so it holds no anywhere
//     trigger and no separator continues it;
//   - does not follow a token that may be a bearer prefix.
//
// floor is the position before which every byte has been examined. Skipping
// capitalised words and counts this way saves the byte-by-byte examination
// of most non-plain bytes in prose.
func (sc *Scanner) skipWord(s string, p, floor int) int {
	c := s[p]
	if p > 0 && !plainBreak[s[p-1]] {
		return p
	}
	end := p + 1
	switch {
	case isUpper(c):
		if sc.flags[c]&flagPrefix != 0 && (p+2 >= len(s) || sc.prefixAt(c, s[p+1], s[p+2])) {
			return p
		}
		for end < len(s) && isLower(s[end]) {
			end++
		}
	case isDigit(c):
		// Counts and other short numbers end after their first run.
		if end = digitRun(s, p); end-p >= sc.minNumberDigits || !sc.numberEndsAt(s, end) {
			end = sc.plainNumberEnd(s, p)
		}
		if end == p {
			return p
		}
	default:
		return p
	}
	if end < len(s) && !plainBreak[s[end]] {
		return p
	}
	if precededByPlainPrefix(s, tokenStart(s, p, floor), floor) {
		return p
	}
	return end
}

// plainBreak marks plain bytes that are not word bytes: the space, the line
// feed, '.', ',', '"', the apostrophe and the bytes of non-ASCII characters.
var plainBreak = func() (t [256]bool) {
	for c := 0; c < 256; c++ {
		t[c] = notPlain[c] == 0 && !isWordByte(byte(c))
	}
	return t
}()

// maxSkippedRuns bounds the runs of digits of a number that skipWord skips.
// A number of so few digits cannot hold a prefix match: the only prefixes
// that start with a digit are those of base58 addresses, which have 26 or
// more characters without separators.
const maxSkippedRuns = 8

// plainNumberEnd returns the end of the number at position p, which holds a
// digit, when no detector can match from p or from a later run of its
// digits, and p otherwise. The number is runs of digits joined by one
// separator each (see separatorAt). A number with a parenthesis or with more
// than maxSkippedRuns runs or maxDigitsAhead digits is never skipped.
func (sc *Scanner) plainNumberEnd(s string, p int) int {
	var ends [maxSkippedRuns]int
	runs, digits := 0, 0
	for i := p; ; {
		end := digitRun(s, i)
		ends[runs] = end
		runs++
		digits += end - i
		next := end + separatorAt(s, end)
		if next < len(s) && (s[next] == '(' || s[next] == ')') {
			return p
		}
		if next == end || next >= len(s) || !isDigit(s[next]) {
			break
		}
		if runs == maxSkippedRuns || digits >= maxDigitsAhead {
			return p
		}
		i = next
	}

	// From each run on, the number has fewer digits; no detector may apply
	// at any of the runs.
	start := p
	for r := 0; r < runs && digits >= sc.minNumberDigits; r++ {
		if digits >= sc.minAnySeparator {
			return p
		}
		after := byteAt(s, ends[r])
		for k := range sc.numbers {
			if sc.numbers[k].separator != 0 && sc.numbers[k].applies(false, digits, after) {
				return p
			}
		}
		digits -= ends[r] - start
		start = ends[r] + separatorAt(s, ends[r])
	}
	return ends[runs-1]
}

// byteAt returns s[i], or 0 when i is past the end of s.
func byteAt(s string, i int) byte {
	if i < len(s) {
		return s[i]
	}
	return 0
}

// prefixAt reports whether a prefix of some detector starts with the bytes
// b0 and b1 followed by a byte of the class of b2.
func (sc *Scanner) prefixAt(b0, b1, b2 byte) bool {
	key := prefixKey(b0, b1, b2)
	return sc.prefixBits[key/64]&(1<<(key%64)) != 0
}

// maxDigitsAhead caps digitsAhead; no number detector needs more.
const maxDigitsAhead = 20

// digitsAhead counts the digits of the number that starts at position i: runs
// of digits joined by one separator or by parentheses, as in
// "+44 (20) 7123 4567" or "4111-1111-1111-1111".
func digitsAhead(s string, i int) int {
	n := 0
	p := i
	if s[p] == '+' {
		p++
	}
	for p < len(s) && n < maxDigitsAhead {
		c := s[p]
		switch {
		case isDigit(c):
			n++
			p++
			continue
		case c == '(' || c == ')':
			p++
			continue
		}
		size := separatorAt(s, p)
		if size == 0 || p+size >= len(s) || !(isDigit(s[p+size]) || s[p+size] == '(') {
			break
		}
		p += size
	}
	return n
}

// mergeMatches sorts dst[first:] by start and merges overlapping ranges; a
// merged range keeps the source of its longest part.
func mergeMatches(dst []Match, first int) []Match {
	ms := dst[first:]
	for i := 1; i < len(ms); i++ {
		for j := i; j > 0 && ms[j].Start < ms[j-1].Start; j-- {
			ms[j], ms[j-1] = ms[j-1], ms[j]
		}
	}
	out := 0
	for i := 0; i < len(ms); i++ {
		m := ms[i]
		if out > 0 && m.Start < ms[out-1].End {
			prev := &ms[out-1]
			if m.End-m.Start > prev.End-prev.Start {
				prev.Source = m.Source
			}
			if m.End > prev.End {
				prev.End = m.End
			}
			continue
		}
		ms[out] = m
		out++
	}
	return dst[:first+out]
}
