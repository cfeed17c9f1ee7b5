package pii

import (
	"net/netip"
	"sort"
	"strings"
)

// Validator checks a value matched by a user rule's pattern.
type Validator func(match string) bool

// validators are the checks a user rule can name. Each ignores separators
// where the value is a number written in groups.
var validators = map[string]Validator{
	"luhn":   validateLuhn,
	"iban":   validateIBAN,
	"us_ssn": validateSSN,
	"email":  validateEmail,
	"ip":     validateIP,
	"jwt":    validateJWT,
}

// ValidatorNames returns the names a user rule can give as its validator.
func ValidatorNames() []string {
	names := make([]string, 0, len(validators))
	for name := range validators {
		names = append(names, name)
	}
	sort.Strings(names)
	return names
}

// LookupValidator returns the validator with the given name.
func LookupValidator(name string) (Validator, bool) {
	v, ok := validators[name]
	return v, ok
}

// validateLuhn reports whether the digits of match (at least two, other
// characters ignored) pass the Luhn check.
func validateLuhn(match string) bool {
	var digits [64]byte
	n := 0
	for i := 0; i < len(match); i++ {
		if isDigit(match[i]) {
			if n == len(digits) {
				return false
			}
			digits[n] = match[i] - '0'
			n++
		}
	}
	return n >= 2 && luhnDigits(digits[:n])
}

func validateIBAN(match string) bool {
	var compact [34]byte
	n := 0
	for i := 0; i < len(match); i++ {
		c := match[i]
		if !isAlnum(c) {
			continue
		}
		if n == len(compact) {
			return false
		}
		compact[n] = toUpper(c)
		n++
	}
	if n < 5 || !isUpper(compact[0]) || !isUpper(compact[1]) {
		return false
	}
	length, ok := ibanLengths[string(compact[:2])]
	return ok && length == n && ibanChecksumOK(compact[:n])
}

func validateSSN(match string) bool {
	var d [9]byte
	n := 0
	for i := 0; i < len(match); i++ {
		if isDigit(match[i]) {
			if n == len(d) {
				return false
			}
			d[n] = match[i] - '0'
			n++
		}
	}
	return n == 9 && ssnIssuable(d)
}

func validateEmail(match string) bool {
	at := strings.LastIndexByte(match, '@')
	if at <= 0 {
		return false
	}
	start, end, ok := emailDetector{}.Detect(match, at, 0)
	return ok && start == 0 && end == len(match)
}

func validateIP(match string) bool {
	_, err := netip.ParseAddr(match)
	return err == nil
}

func validateJWT(match string) bool {
	start, end, ok := jwtDetector{}.Detect(match, 0, 0)
	return ok && start == 0 && end == len(match)
}
