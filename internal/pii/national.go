package pii

import "strings"

// ukNINODetector finds UK National Insurance numbers: two prefix letters,
// six digits (optionally in pairs separated by spaces) and a suffix A-D.
// The first letter is never D, F, I, Q, U or V, the second never D, F, I, O,
// Q, U or V, and the prefixes BG, GB, KN, NK, NT, TN and ZZ are not issued.
type ukNINODetector struct{}

func (ukNINODetector) Name() string { return "uk_nino" }

func (ukNINODetector) Type() string { return "UK_NINO" }

func (ukNINODetector) Trigger() Trigger { return Trigger{Prefixes: ninoPrefixes} }

// ninoPrefixes are the letter pairs that start an issued National Insurance
// number.
var ninoPrefixes = func() []string {
	var out []string
	for a := byte('A'); a <= 'Z'; a++ {
		for b := byte('A'); b <= 'Z'; b++ {
			if strings.IndexByte("DFIQUV", a) >= 0 || strings.IndexByte("DFIOQUV", b) >= 0 {
				continue
			}
			switch p := string([]byte{a, b}); p {
			case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
			default:
				out = append(out, p+"#", p+" ")
			}
		}
	}
	return out
}()

func (ukNINODetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	if i+9 > len(s) || !isUpper(s[i+1]) || strings.IndexByte("DFIOQUV", s[i+1]) >= 0 {
		return 0, 0, false
	}
	switch s[i : i+2] {
	case "BG", "GB", "KN", "NK", "NT", "TN", "ZZ":
		return 0, 0, false
	}
	p := i + 2
	spaced := p < len(s) && s[p] == ' '
	for pair := 0; pair < 3; pair++ {
		if spaced {
			if p >= len(s) || s[p] != ' ' {
				return 0, 0, false
			}
			p++
		}
		if p+2 > len(s) || !isDigit(s[p]) || !isDigit(s[p+1]) {
			return 0, 0, false
		}
		p += 2
	}
	if spaced && p < len(s) && s[p] == ' ' {
		p++
	}
	if p >= len(s) || s[p] < 'A' || s[p] > 'D' || !boundaryAfter(s, p+1) {
		return 0, 0, false
	}
	return i, p + 1, true
}

// deTaxIDDetector finds German tax identification numbers (Steuerliche
// Identifikationsnummer): 11 digits, the first not 0, whose last digit is
// the ISO 7064 MOD 11,10 check digit of the first ten. One random number in
// ten passes that check, so a match also needs a tax key or one of the words
// "steuer", "tax", "idnr" or "tin" in the 40 bytes before it.
type deTaxIDDetector struct{}

func (deTaxIDDetector) Name() string { return "de_tax_id" }

func (deTaxIDDetector) Type() string { return "DE_TAX_ID" }

func (deTaxIDDetector) Trigger() Trigger { return Trigger{Number: true, MinDigits: 11} }

func (deTaxIDDetector) Canonical(match string) string { return digitsOnly(match) }

func (deTaxIDDetector) Detect(s string, i int, hints KeyHints) (int, int, bool) {
	end := digitRun(s, i)
	if s[i] == '0' || end-i != 11 || !boundaryAfter(s, end) || precededByDigitSeparator(s, i) {
		return 0, 0, false
	}
	if end+1 < len(s) && (s[end] == '.' || s[end] == ',') && isDigit(s[end+1]) {
		return 0, 0, false
	}
	if hints&HintTaxKey == 0 && !hasContextWord(s, i, 40, "steuer", "tax", "idnr", "tin") {
		return 0, 0, false
	}
	product := 10
	for p := i; p < i+10; p++ {
		sum := (int(s[p]-'0') + product) % 10
		if sum == 0 {
			sum = 10
		}
		product = (sum * 2) % 11
	}
	check := 11 - product
	if check == 10 {
		check = 0
	}
	if check != int(s[i+10]-'0') {
		return 0, 0, false
	}
	return i, end, true
}
