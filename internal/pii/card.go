package pii

// cardDetector finds payment card numbers of 13 to 19 digits, written
// without separators or in groups joined by separators (space, '-', '.',
// '/', NO-BREAK, THIN or NARROW NO-BREAK SPACE, one per gap). Groups joined
// by more than one kind of separator must be groups of four. A candidate must
// pass the Luhn check and fall in an issuer range with a length that issuer
// uses (see issuerAccepts). Numbers without separators are skipped under
// identifier and counter keys.
type cardDetector struct{}

func (cardDetector) Name() string { return "credit_card" }

func (cardDetector) Type() string { return "CREDIT_CARD" }

func (cardDetector) Trigger() Trigger { return Trigger{Number: true, MinDigits: 13} }

func (cardDetector) Canonical(match string) string { return digitsOnly(match) }

func (cardDetector) Detect(s string, i int, hints KeyHints) (int, int, bool) {
	if !isDigit(s[i]) || precededByDigitSeparator(s, i) {
		return 0, 0, false
	}
	g := readGroups(s, i, 19+6, false)
	if g.n == 1 {
		if !g.runEndsClean(s) || g.digits < 13 || g.digits > 19 {
			return 0, 0, false
		}
		if digitHints(s, i, hints)&HintIDKey != 0 {
			return 0, 0, false
		}
		if !validCardDigits(s, &g, 1) {
			return 0, 0, false
		}
		return i, g.end[0], true
	}

	// Trailing groups may belong to the next word ("... 1111 2027"), so try
	// the longest prefix of groups that is a valid number.
	if g.stoppedNaturally(19+6) && !g.runEndsClean(s) {
		return 0, 0, false
	}
	for k := g.n; k >= 2; k-- {
		n := g.countDigits(k)
		if n < 13 || n > 19 || !cardGroupSizesOK(&g, k) || (mixedSeparators(s, &g, k) && !groupsOfFour(&g, k)) {
			continue
		}
		if validCardDigits(s, &g, k) {
			return i, g.end[k-1], true
		}
	}
	return 0, 0, false
}

// mixedSeparators reports whether the gaps between groups [0, k) hold more
// than one kind of separator.
func mixedSeparators(s string, g *digitGroups, k int) bool {
	for j := 2; j < k; j++ {
		if s[g.end[j-1]:g.start[j]] != s[g.end[0]:g.start[1]] {
			return true
		}
	}
	return false
}

// groupsOfFour reports whether groups [0, k) have four digits each, the last
// one one to four. Only this grouping is accepted with mixed separators,
// because dates and numbers in prose mix separators more often than cards do.
func groupsOfFour(g *digitGroups, k int) bool {
	for j := 0; j < k; j++ {
		size := g.end[j] - g.start[j]
		if size > 4 || (size < 4 && j < k-1) {
			return false
		}
	}
	return true
}

// cardGroupSizesOK reports whether groups [0, k) have the sizes card numbers
// are printed with: three to six digits, the last one one to six.
func cardGroupSizesOK(g *digitGroups, k int) bool {
	for j := 0; j < k; j++ {
		size := g.end[j] - g.start[j]
		if size > 6 || (size < 3 && j < k-1) {
			return false
		}
	}
	return true
}

func validCardDigits(s string, g *digitGroups, k int) bool {
	var digits [19]byte
	n := g.collectDigits(s, k, digits[:])
	if n > len(digits) {
		return false
	}
	return luhnDigits(digits[:n]) && issuerAccepts(digits[:n])
}

// luhnDigits reports whether the digit values pass the Luhn (mod 10) check.
func luhnDigits(digits []byte) bool {
	sum := 0
	double := false
	for i := len(digits) - 1; i >= 0; i-- {
		d := int(digits[i])
		if double {
			d *= 2
			if d > 9 {
				d -= 9
			}
		}
		sum += d
		double = !double
	}
	return sum%10 == 0
}

// issuerAccepts reports whether the number starts with an issuer
// identification number of a card network and has a length that network
// issues. Ranges: Visa 4 (13, 16, 19); Mastercard 51-55 and 2221-2720 (16);
// American Express 34, 37 (15); Diners Club 300-305, 36, 38, 39 (14-19);
// Discover 6011, 644-649, 65 (16-19); JCB 3528-3589 (16-19); UnionPay 62
// (16-19); Maestro 5018, 5020, 5038, 5893, 6304, 6759, 6761-6763 (12-19);
// Dankort 5019 (16); UATP 1 (15).
func issuerAccepts(d []byte) bool {
	n := len(d)
	prefix := func(k int) int {
		v := 0
		for i := 0; i < k; i++ {
			v = v*10 + int(d[i])
		}
		return v
	}
	p2, p3, p4 := prefix(2), prefix(3), prefix(4)
	between := func(v, lo, hi int) bool { return v >= lo && v <= hi }
	switch {
	case d[0] == 4:
		return n == 13 || n == 16 || n == 19
	case between(p2, 51, 55), between(p4, 2221, 2720):
		return n == 16
	case p2 == 34 || p2 == 37:
		return n == 15
	case between(p3, 300, 305), p2 == 36, p2 == 38, p2 == 39:
		return between(n, 14, 19)
	case p4 == 6011, between(p3, 644, 649), p2 == 65:
		return between(n, 16, 19)
	case between(p4, 3528, 3589):
		return between(n, 16, 19)
	case p2 == 62:
		return between(n, 16, 19)
	case p4 == 5018, p4 == 5020, p4 == 5038, p4 == 5893, p4 == 6304, p4 == 6759, between(p4, 6761, 6763):
		return between(n, 12, 19)
	case p4 == 5019:
		return n == 16
	case d[0] == 1:
		return n == 15
	}
	return false
}
