package pii

// maxGroups bounds the digit groups read for one candidate.
const maxGroups = 8

// digitGroups is a run of ASCII digit groups joined by single separators,
// as in "4111 1111 1111 1111" or "01 42 68 53 00".
type digitGroups struct {
	start, end [maxGroups]int
	n          int
	// digits is the number of digits in all groups.
	digits int
	// sep is the separator between the groups, empty for one group.
	sep string
	// mixed reports that a different separator followed the last group.
	mixed bool
	// paren has bit j set when group j was written in parentheses; only
	// readPhoneGroups sets it.
	paren uint8
}

// readDigitGroups reads digit groups from position i, which must hold a digit.
// All groups are joined by the same separator. Reading stops before a
// separator that differs or that no digit follows, and after maxDigits
// digits.
func readDigitGroups(s string, i, maxDigits int) digitGroups {
	return readGroups(s, i, maxDigits, true)
}

// readGroups reads digit groups as readDigitGroups describes. With
// sameSeparator false each gap may have its own separator, as in
// "4111-1111 1111-1111", and sep and mixed stay unset.
func readGroups(s string, i, maxDigits int, sameSeparator bool) digitGroups {
	var g digitGroups
	for g.n < maxGroups {
		end := digitRun(s, i)
		g.start[g.n], g.end[g.n] = i, end
		g.n++
		g.digits += end - i
		if g.digits > maxDigits {
			return g
		}
		size := separatorAt(s, end)
		if size == 0 || end+size >= len(s) || !isDigit(s[end+size]) {
			return g
		}
		if sameSeparator {
			sep := s[end : end+size]
			if g.sep != "" && sep != g.sep {
				g.mixed = true
				return g
			}
			g.sep = sep
		}
		i = end + size
	}
	return g
}

// collectDigits stores the digit values of groups [0, k) in dst and returns
// their count, which exceeds len(dst) when they do not fit.
func (g *digitGroups) collectDigits(s string, k int, dst []byte) int {
	n := 0
	for j := 0; j < k; j++ {
		for p := g.start[j]; p < g.end[j]; p++ {
			if n < len(dst) {
				dst[n] = s[p] - '0'
			}
			n++
		}
	}
	return n
}

// stoppedNaturally reports whether reading ended at the end of the number
// rather than at a limit or at a different separator.
func (g *digitGroups) stoppedNaturally(maxDigits int) bool {
	return !g.mixed && g.digits <= maxDigits && g.n < maxGroups
}

// countDigits returns the number of digits in groups [0, k).
func (g *digitGroups) countDigits(k int) int {
	n := 0
	for j := 0; j < k; j++ {
		n += g.end[j] - g.start[j]
	}
	return n
}

// runEndsClean reports whether the full run of groups ends at a word boundary
// and is not followed by more digits behind a separator that was not read.
func (g *digitGroups) runEndsClean(s string) bool {
	end := g.end[g.n-1]
	if !boundaryAfter(s, end) {
		return false
	}
	// A decimal fraction or a further dotted number continues the value.
	if end+1 < len(s) && (s[end] == '.' || s[end] == ',') && isDigit(s[end+1]) {
		return false
	}
	return true
}

// digitsOnly returns the ASCII digits of s, and '+' when s starts with one.
func digitsOnly(s string) string {
	b := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) || (i == 0 && s[i] == '+') {
			b = append(b, s[i])
		}
	}
	return string(b)
}

// precededByDigitSeparator reports whether position start of s follows a
// digit and a separator, so the candidate is the tail of a longer number.
func precededByDigitSeparator(s string, start int) bool {
	if start >= 2 && isDigit(s[start-2]) && (s[start-1] == '.' || s[start-1] == ',') {
		return true
	}
	return false
}
