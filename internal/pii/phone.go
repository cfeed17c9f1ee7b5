package pii

// phoneDetector finds telephone numbers in these shapes:
//
//   - international: '+', a country code and 8 to 15 digits in all, in groups
//     joined by spaces, '-', '.', NO-BREAK or NARROW NO-BREAK SPACE, with an
//     optional group in parentheses ("+44 (20) 7123 4567", "+14155550132");
//     the national number length is checked for the common country codes;
//   - North American: "(415) 555-0132", "415-555-0132", "415.555.0132",
//     "415 555 0132", with area code and exchange starting with 2-9;
//   - national with trunk prefix 0: 9 to 11 digits in at least two groups
//     joined by one separator ("01 42 68 53 00", "09-7625400", "020 7946 0123");
//   - mobile numbers of 11 digits without separators starting 13-19 (China)
//     or 07-09 (trunk prefix 0, as in the Philippines or the United Kingdom).
//
// Timestamps, dates, versions and digit-only identifiers do not fit these
// shapes; numbers without separators are also skipped under identifier keys.
type phoneDetector struct{}

func (phoneDetector) Name() string { return "phone" }

func (phoneDetector) Type() string { return "PHONE" }

// Trigger requires 9 digits, the fewest of a national number with trunk
// prefix, and 8 after '+'.
func (phoneDetector) Trigger() Trigger {
	return Trigger{Number: true, MinDigits: 9, MinDigitsPlus: 8}
}

func (phoneDetector) Canonical(match string) string { return digitsOnly(match) }

func (phoneDetector) Detect(s string, i int, hints KeyHints) (int, int, bool) {
	switch c := s[i]; {
	case c == '+':
		return detectInternational(s, i)
	case c == '(':
		return detectNANPParenthesized(s, i)
	}
	if precededByDigitSeparator(s, i) || precededByIDPrefix(s, i) {
		return 0, 0, false
	}

	// Cheap rejects before reading groups: a national number starts with
	// the trunk prefix 0, a North American one with a 3-digit area code, and
	// a bare mobile number has 11 digits.
	if first := digitRun(s, i) - i; s[i] != '0' && first != 3 && first != 11 {
		return 0, 0, false
	}
	g := readDigitGroups(s, i, 15)
	if g.n == 1 {
		return detectBareMobile(s, i, &g, hints)
	}
	if g.stoppedNaturally(15) && !g.runEndsClean(s) {
		return 0, 0, false
	}
	if s[i] == '0' {
		return detectTrunkNational(s, i, &g)
	}
	if g.n == 3 && g.stoppedNaturally(15) && nanpGroups(s, &g, 0) {
		return i, g.end[2], true
	}
	return 0, 0, false
}

// nanpGroups reports whether groups from index first are a North American
// number: area code, exchange and line of 3, 3 and 4 digits, area code and
// exchange starting with 2-9.
func nanpGroups(s string, g *digitGroups, first int) bool {
	if g.n-first != 3 {
		return false
	}
	sizes := [3]int{3, 3, 4}
	for j := 0; j < 3; j++ {
		if g.end[first+j]-g.start[first+j] != sizes[j] {
			return false
		}
	}
	return s[g.start[first]] >= '2' && s[g.start[first+1]] >= '2'
}

func detectBareMobile(s string, i int, g *digitGroups, hints KeyHints) (int, int, bool) {
	if g.digits != 11 || !g.runEndsClean(s) {
		return 0, 0, false
	}
	a, b := s[i], s[i+1]
	if !((a == '1' && b >= '3') || (a == '0' && b >= '7')) {
		return 0, 0, false
	}
	if digitHints(s, i, hints)&HintIDKey != 0 {
		return 0, 0, false
	}
	return i, g.end[0], true
}

func detectTrunkNational(s string, i int, g *digitGroups) (int, int, bool) {
	if g.end[0]-g.start[0] < 2 || s[i+1] == '0' {
		return 0, 0, false
	}
	for k := g.n; k >= 2; k-- {
		if n := g.countDigits(k); n >= 9 && n <= 11 {
			return i, g.end[k-1], true
		}
	}
	return 0, 0, false
}

func detectNANPParenthesized(s string, i int) (int, int, bool) {
	g, ok := readPhoneGroups(s, i)
	if !ok || g.n != 3 || !nanpGroups(s, &g, 0) || s[i+1] < '2' {
		return 0, 0, false
	}
	if !g.runEndsClean(s) {
		return 0, 0, false
	}
	return i, g.end[2], true
}

func detectInternational(s string, i int) (int, int, bool) {
	if i+1 >= len(s) || s[i+1] < '1' || s[i+1] > '9' {
		return 0, 0, false
	}
	g, ok := readPhoneGroups(s, i+1)
	if !ok {
		return 0, 0, false
	}
	if g.digits <= 17 && !g.runEndsClean(s) {
		return 0, 0, false
	}

	var digits [18]byte
	total := g.collectDigits(s, g.n, digits[:])
	if total > len(digits) {
		total = len(digits)
	}
	ccLen := countryCodeLength(digits[:total])
	if g.end[0]-g.start[0] < ccLen {
		return 0, 0, false
	}
	lo, hi := nationalNumberLength(digits[:ccLen])
	for k := g.n; k >= 1; k-- {
		n := g.countDigits(k)
		nsn := n - ccLen
		if n >= 8 && n <= 15 && nsn >= lo && nsn <= hi {
			if ccLen == 1 && digits[0] == 1 && digits[1] < 2 {
				return 0, 0, false
			}
			// A group in parentheses ends after its ')'. Any other ')'
			// closes text around the number and stays.
			end := g.end[k-1]
			if g.paren&(1<<(k-1)) != 0 {
				end++
			}
			return i, end, true
		}
	}
	return 0, 0, false
}

// readPhoneGroups reads digit groups from position i, which holds a digit or
// '('. Groups may be wrapped in parentheses and joined by any separator.
// ok is false when a parenthesis is not closed after its digits.
func readPhoneGroups(s string, i int) (digitGroups, bool) {
	var g digitGroups
	for g.n < maxGroups && i < len(s) {
		paren := s[i] == '('
		if paren {
			i++
		}
		end := digitRun(s, i)
		if end == i {
			return g, g.n > 0 && !paren
		}
		g.start[g.n], g.end[g.n] = i, end
		g.n++
		g.digits += end - i
		if paren {
			if end >= len(s) || s[end] != ')' {
				return g, false
			}
			g.paren |= 1 << (g.n - 1)
			end++
		}
		if g.digits > 17 {
			return g, true
		}
		size := separatorAt(s, end)
		if size == 1 && s[end] == '/' {
			size = 0
		}
		next := end + size
		if next >= len(s) || (!isDigit(s[next]) && s[next] != '(') || (size == 0 && !paren) {
			return g, true
		}
		i = next
	}
	return g, g.n > 0
}

// countryCodeLength returns the length of the E.164 country code that starts
// the digits: one digit for zones 1 and 7, two for the listed two-digit
// codes, three otherwise.
func countryCodeLength(d []byte) int {
	if len(d) < 3 {
		return len(d)
	}
	if d[0] == 1 || d[0] == 7 {
		return 1
	}
	switch int(d[0])*10 + int(d[1]) {
	case 20, 27, 30, 31, 32, 33, 34, 36, 39, 40, 41, 43, 44, 45, 46, 47, 48, 49,
		51, 52, 53, 54, 55, 56, 57, 58, 60, 61, 62, 63, 64, 65, 66,
		81, 82, 84, 86, 90, 91, 92, 93, 94, 95, 98:
		return 2
	}
	return 3
}

// nationalNumberLength returns the shortest and longest national number in
// digits that the country code is followed by. Codes not listed get 4 to 13.
func nationalNumberLength(cc []byte) (int, int) {
	code := 0
	for _, d := range cc {
		code = code*10 + int(d)
	}
	switch code {
	case 1, 7, 52, 91:
		return 10, 10
	case 33, 34, 61, 31, 32, 41, 45, 47:
		return 8, 9
	case 44:
		return 9, 10
	case 49:
		return 6, 13
	case 39:
		return 6, 11
	case 55:
		return 10, 11
	case 63, 81:
		return 9, 10
	case 86:
		return 10, 11
	}
	return 4, 13
}

// precededByIDPrefix reports whether position start follows an upper-case
// code and '-', as the digits of an order or invoice number
// ("INV-415-555-0132") do. Codes that name a phone number or an SSN ("TEL-",
// "SSN-") do not count, and neither do lower-case words ("tel-", "ssn-").
func precededByIDPrefix(s string, start int) bool {
	if start < 3 || s[start-1] != '-' {
		return false
	}
	i := start - 1
	for i > 0 && isUpper(s[i-1]) {
		i--
	}
	if start-1-i < 2 || (i > 0 && isWordByte(s[i-1])) {
		return false
	}
	switch s[i : start-1] {
	case "TEL", "FAX", "PH", "MOB", "CELL", "PHONE", "SSN", "NR", "NO":
		return false
	}
	return true
}
