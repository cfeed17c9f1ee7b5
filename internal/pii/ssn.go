package pii

// ssnDetector finds US social security numbers written "ddd-dd-dddd" or
// "ddd dd dddd" with one kind of separator, and nine bare digits only under
// a key or after a word that names an SSN. Numbers the Social Security
// Administration never issues are rejected: area 000, 666 or 900-999, group
// 00, serial 0000, and the advertised sample numbers 078-05-1120 and
// 123-45-6789.
type ssnDetector struct{}

func (ssnDetector) Name() string { return "us_ssn" }

func (ssnDetector) Type() string { return "US_SSN" }

func (ssnDetector) Trigger() Trigger { return Trigger{Number: true, MinDigits: 9} }

func (ssnDetector) Canonical(match string) string { return digitsOnly(match) }

func (ssnDetector) Detect(s string, i int, hints KeyHints) (int, int, bool) {
	if !isDigit(s[i]) || precededByDigitSeparator(s, i) {
		return 0, 0, false
	}
	g := readDigitGroups(s, i, 9)
	if !g.stoppedNaturally(9) || !g.runEndsClean(s) || g.digits != 9 {
		return 0, 0, false
	}
	switch g.n {
	case 1:
		if hints&HintSSNKey == 0 && !hasContextWord(s, i, 40, "ssn", "social security") {
			return 0, 0, false
		}
	case 3:
		if g.sep != "-" && g.sep != " " {
			return 0, 0, false
		}
		if g.end[0]-g.start[0] != 3 || g.end[1]-g.start[1] != 2 {
			return 0, 0, false
		}
	default:
		return 0, 0, false
	}

	var d [9]byte
	g.collectDigits(s, g.n, d[:])
	if !ssnIssuable(d) {
		return 0, 0, false
	}
	return i, g.end[g.n-1], true
}

func ssnIssuable(d [9]byte) bool {
	area := int(d[0])*100 + int(d[1])*10 + int(d[2])
	group := int(d[3])*10 + int(d[4])
	serial := int(d[5])*1000 + int(d[6])*100 + int(d[7])*10 + int(d[8])
	if area == 0 || area == 666 || area >= 900 || group == 0 || serial == 0 {
		return false
	}
	if (area == 78 && group == 5 && serial == 1120) || (area == 123 && group == 45 && serial == 6789) {
		return false
	}
	return true
}
