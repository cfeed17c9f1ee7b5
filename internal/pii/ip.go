package pii

import "net/netip"

// ipv4Detector finds dotted-quad IPv4 addresses with octets 0-255 and no
// leading zeros. A fifth dotted number ("1.2.3.4.5") rejects the candidate,
// as a version string, and so do the words "version", "build" and "release"
// in the ten bytes before it.
type ipv4Detector struct{}

func (ipv4Detector) Name() string { return "ip_address" }

func (ipv4Detector) Type() string { return "IP_ADDRESS" }

func (ipv4Detector) Trigger() Trigger {
	return Trigger{Number: true, MinDigits: 4, NumberSeparator: '.'}
}

func (ipv4Detector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	if !isDigit(s[i]) || (i > 0 && s[i-1] == '.') {
		return 0, 0, false
	}
	// Four-part version numbers ("version 4.2.1.0") are dotted quads too.
	if hasContextWord(s, i, 10, "version", "build", "release") {
		return 0, 0, false
	}
	p := i
	for octet := 0; octet < 4; octet++ {
		if octet > 0 {
			if p >= len(s) || s[p] != '.' {
				return 0, 0, false
			}
			p++
		}
		end := digitRun(s, p)
		n := end - p
		if n == 0 || n > 3 || (n > 1 && s[p] == '0') {
			return 0, 0, false
		}
		v := 0
		for q := p; q < end; q++ {
			v = v*10 + int(s[q]-'0')
		}
		if v > 255 {
			return 0, 0, false
		}
		p = end
	}
	if !boundaryAfter(s, p) || (p+1 < len(s) && s[p] == '.' && isDigit(s[p+1])) {
		return 0, 0, false
	}
	return i, p, true
}

// ipv6Detector finds IPv6 addresses in every compression form, including
// IPv4-mapped ones, as accepted by net/netip. It is called at each ':' and
// walks back to the start of the address. A candidate needs two colons and a
// group of at least three hex digits, or a leading "::", so times
// ("12:34:56"), ratios and MAC addresses are rejected.
type ipv6Detector struct{}

// Name shares the key of the IPv4 detector: both are switched together.
func (ipv6Detector) Name() string { return "ip_address" }

func (ipv6Detector) Type() string { return "IP_ADDRESS" }

func (ipv6Detector) Trigger() Trigger { return Trigger{Anywhere: ":"} }

// maxIPv6Length is the length of the longest IPv6 text form without a zone,
// "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255".
const maxIPv6Length = 45

func (ipv6Detector) Detect(s string, i int, _ KeyHints) (int, int, bool) {
	start := i
	for start > 0 && i-start < maxIPv6Length && (isHex(s[start-1]) || s[start-1] == ':' || s[start-1] == '.') {
		start--
	}
	if start > 0 && isWordByte(s[start-1]) {
		return 0, 0, false
	}
	if s[start] == ':' && (start+1 >= len(s) || s[start+1] != ':') {
		return 0, 0, false
	}

	p := start
	colons, longestGroup, group := 0, 0, 0
	for p < len(s) && p-start < maxIPv6Length {
		c := s[p]
		switch {
		case c == ':':
			colons++
			group = 0
		case isHex(c):
			group++
			if group > longestGroup {
				longestGroup = group
			}
		case c == '.':
			group = 0
		default:
			goto done
		}
		p++
	}
done:
	for p > start && (s[p-1] == ':' || s[p-1] == '.') && !(p-start >= 2 && s[p-2] == ':' && s[p-1] == ':') {
		p--
	}
	if colons < 2 || (longestGroup < 3 && s[start] != ':') || !boundaryAfter(s, p) {
		return 0, 0, false
	}
	addr, err := netip.ParseAddr(s[start:p])
	if err != nil || !addr.Is6() || addr.IsUnspecified() {
		return 0, 0, false
	}
	return start, p, true
}
