package pii

import "strings"

// ibanDetector finds International Bank Account Numbers in upper or lower
// case, written compact or in groups joined by one kind of separator (space,
// '-', '/'). The country code must be known, the number must have exactly
// that country's length, and the mod-97 check (ISO 13616) must give 1.
// Reading stops at the country's length, so a word or number after the IBAN
// is never absorbed ("DE89370400440532013000 2 days").
type ibanDetector struct{}

func (ibanDetector) Name() string { return "iban" }

func (ibanDetector) Type() string { return "IBAN" }

func (ibanDetector) Trigger() Trigger {
	prefixes := make([]string, 0, 2*len(ibanLengths))
	for country := range ibanLengths {
		prefixes = append(prefixes, country+"#", strings.ToLower(country)+"#")
	}
	return Trigger{Prefixes: prefixes}
}

func (ibanDetector) Canonical(match string) string {
	var b strings.Builder
	for i := 0; i < len(match); i++ {
		if isAlnum(match[i]) {
			b.WriteByte(toUpper(match[i]))
		}
	}
	return b.String()
}

func toUpper(c byte) byte {
	if isLower(c) {
		return c - ('a' - 'A')
	}
	return c
}

// ibanLengths maps ISO 3166 country codes to the IBAN length in that country
// (SWIFT IBAN registry).
var ibanLengths = map[string]int{
	"AD": 24, "AE": 23, "AL": 28, "AT": 20, "AZ": 28, "BA": 20, "BE": 16, "BG": 22,
	"BH": 22, "BI": 27, "BR": 29, "BY": 28, "CH": 21, "CR": 22, "CY": 28, "CZ": 24,
	"DE": 22, "DJ": 27, "DK": 18, "DO": 28, "EE": 20, "EG": 29, "ES": 24, "FI": 18,
	"FK": 18, "FO": 18, "FR": 27, "GB": 22, "GE": 22, "GI": 23, "GL": 18, "GR": 27,
	"GT": 28, "HR": 21, "HU": 28, "IE": 22, "IL": 23, "IQ": 23, "IS": 26, "IT": 27,
	"JO": 30, "KW": 30, "KZ": 20, "LB": 28, "LC": 32, "LI": 21, "LT": 20, "LU": 20,
	"LV": 21, "LY": 25, "MC": 27, "MD": 24, "ME": 22, "MK": 19, "MN": 20, "MR": 27,
	"MT": 31, "MU": 30, "NI": 28, "NL": 18, "NO": 15, "OM": 23, "PK": 24, "PL": 28,
	"PS": 29, "PT": 25, "QA": 29, "RO": 24, "RS": 22, "RU": 33, "SA": 24, "SC": 31,
	"SD": 18, "SE": 24, "SI": 19, "SK": 24, "SM": 27, "SO": 23, "ST": 25, "SV": 28,
	"TL": 23, "TN": 24, "TR": 26, "UA": 29, "VA": 22, "VG": 24, "XK": 20,
}

func (ibanDetector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	if i+4 > len(s) || !isAlpha(s[i+1]) || !isDigit(s[i+2]) || !isDigit(s[i+3]) {
		return 0, 0, false
	}
	lower := isLower(s[i])
	if isLower(s[i+1]) != lower {
		return 0, 0, false
	}
	country := [2]byte{s[i] &^ 0x20, s[i+1] &^ 0x20}
	length, ok := ibanLengths[string(country[:])]
	if !ok {
		return 0, 0, false
	}

	var compact [34]byte
	n := 0
	sep := ""
	p := i
	for p < len(s) && n < length {
		c := s[p]
		if isAlnum(c) {
			if isAlpha(c) && n >= 4 && isLower(c) != lower {
				return 0, 0, false
			}
			compact[n] = toUpper(c)
			n++
			p++
			continue
		}
		size := separatorAt(s, p)
		if size != 1 || c == '.' || n < 4 || p+1 >= len(s) || !isAlnum(s[p+1]) {
			break
		}
		if sep != "" && s[p:p+1] != sep {
			break
		}
		sep = s[p : p+1]
		p++
	}
	if n != length || !boundaryAfter(s, p) {
		return 0, 0, false
	}
	if !ibanChecksumOK(compact[:n]) {
		return 0, 0, false
	}
	return i, p, true
}

// ibanChecksumOK reports whether the upper-case compact IBAN passes the
// mod-97 check: moving the first four characters to the end and reading
// letters as 10-35 must give a number whose remainder modulo 97 is 1.
func ibanChecksumOK(iban []byte) bool {
	rem := 0
	add := func(c byte) {
		if isDigit(c) {
			rem = (rem*10 + int(c-'0')) % 97
			return
		}
		rem = (rem*100 + int(c-'A') + 10) % 97
	}
	for _, c := range iban[4:] {
		add(c)
	}
	for _, c := range iban[:4] {
		add(c)
	}
	return rem == 1
}
