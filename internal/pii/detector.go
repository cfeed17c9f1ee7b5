package pii

import "strings"

// Detector finds one kind of personal data or secret. A detector is called
// by the Scanner at the positions its Trigger names and validates the
// candidate there; it never scans the whole string itself.
type Detector interface {
	// Name is the configuration key of the detector, for example "email".
	Name() string
	// Type is the entity type written into replacement tokens, for example
	// "EMAIL".
	Type() string
	// Trigger describes where the scanner calls Detect.
	Trigger() Trigger
	// Detect examines the candidate at position i of s and returns the byte
	// range of a validated match. The range may start before i when the
	// trigger byte sits inside the value, as the '@' of an e-mail address does.
	Detect(s string, i int, hints KeyHints) (start, end int, ok bool)
}

// Canonicalizer is implemented by detectors whose matches have several
// spellings of one value, so that pseudonyms of the spellings agree
// ("4111 1111 1111 1111" and "4111-1111-1111-1111").
type Canonicalizer interface {
	Canonical(match string) string
}

// Trigger describes where the scanner calls a detector. Number and prefix
// triggers fire only at a word start: a position that no ASCII letter, digit
// or '_' precedes.
type Trigger struct {
	// Prefixes are literal beginnings of a match, each at least three
	// bytes, where a '#' in third place is any ASCII digit. The scanner
	// calls Detect where the first two bytes of a prefix occur, followed by
	// a byte of the same class as its third: digit, space, '-' or other.
	// The detector checks the rest.
	Prefixes []string
	// Number makes the scanner call Detect where a digit, '+' or '(' starts
	// a number of at least MinDigits digits (see digitsAhead).
	Number    bool
	MinDigits int
	// MinDigitsPlus, when not zero, replaces MinDigits for numbers that
	// start with '+'.
	MinDigitsPlus int
	// NumberSeparator, when not zero, limits number triggers to numbers
	// whose first run of digits is followed by this byte, as the '.' of a
	// dotted IPv4 address.
	NumberSeparator byte
	// Anywhere holds bytes that trigger a call at every position.
	Anywhere string
}

// KeyHints is the context that the attribute key around a value gives.
type KeyHints uint8

// Key hints derived from an attribute or JSON object key.
const (
	// HintIDKey marks keys of identifiers, timestamps and counters
	// (span_id, user.id, time_unix_nano, prompt_tokens). Detectors of
	// bare digit runs (cards, phones, SSNs) skip values under such keys.
	HintIDKey KeyHints = 1 << iota
	// HintSSNKey marks keys that name a US social security number, which
	// lets the SSN detector accept nine digits without separators.
	HintSSNKey
	// HintTaxKey marks keys that name a tax identifier.
	HintTaxKey
)

// KeyContext holds the attribute key of a value and, inside JSON, the key of
// the innermost object member. Their hints are derived on first use, because
// most values never reach a detector that reads them.
type KeyContext struct {
	key, member string
	done        bool
	hints       KeyHints
}

// NewKeyContext returns the context of a value under an attribute key.
func NewKeyContext(key string) KeyContext { return KeyContext{key: key} }

// HintsContext returns a context with the given hints and no keys.
func HintsContext(hints KeyHints) *KeyContext { return &KeyContext{done: true, hints: hints} }

// Hints returns the hints of both keys; a nil context has none.
func (c *KeyContext) Hints() KeyHints {
	if c == nil {
		return 0
	}
	if !c.done {
		c.hints = HintsForKey(c.key) | HintsForKey(c.member)
		c.done = true
	}
	return c.hints
}

// withMember returns the context of a JSON member value under member.
func (c KeyContext) withMember(member string) KeyContext {
	return KeyContext{key: c.key, member: member}
}

// idKeySuffixes are lower-case key endings that mark identifiers, times and
// counters rather than personal numbers.
var idKeySuffixes = []string{
	"_id", ".id", "-id", "_ids", ".ids", "uuid", "guid", "hash", "_sha",
	"_ns", "_ms", "_us", "_nanos", "_nano", "_millis", "timestamp", "_time", ".time",
	"_at", "tokens", "_count", ".count", "_seq", "_offset", "_index", "version",
}

// HintsForKey derives key hints from an attribute or JSON object key.
func HintsForKey(key string) KeyHints {
	var h KeyHints
	if isIDKey(key) {
		h |= HintIDKey
	}
	// One pass over the key for the words of both hints.
	for i := 0; i < len(key); i++ {
		switch key[i] | 0x20 {
		case 's':
			if lowerWordAt(key, i, "ssn") || lowerWordAt(key, i, "social_security") {
				h |= HintSSNKey
			}
			if lowerWordAt(key, i, "steuer") {
				h |= HintTaxKey
			}
		case 't':
			if lowerWordAt(key, i, "tax") {
				h |= HintTaxKey
			}
		}
	}
	return h
}

func isIDKey(key string) bool {
	if key == "" {
		return false
	}
	if strings.EqualFold(key, "id") {
		return true
	}
	// camelCase identifiers: parentId, traceID.
	if n := len(key); n > 2 && key[n-2] == 'I' && (key[n-1] == 'd' || key[n-1] == 'D') && isLower(key[n-3]) {
		return true
	}
	for _, suffix := range idKeySuffixesByLast[key[len(key)-1]|0x20] {
		if len(key) >= len(suffix) && strings.EqualFold(key[len(key)-len(suffix):], suffix) {
			return true
		}
	}
	return false
}

// idKeySuffixesByLast indexes idKeySuffixes by their last byte.
var idKeySuffixesByLast = func() (t [256][]string) {
	for _, suffix := range idKeySuffixes {
		last := suffix[len(suffix)-1]
		t[last] = append(t[last], suffix)
	}
	return t
}()

// inlineKeyHints derives key hints from a "key=" or "key: " written in the
// text right before position start, as in "parent_span_id=0000000000000000".
func inlineKeyHints(s string, start int) KeyHints {
	i := start
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '"' || s[i-1] == '\'') {
		i--
	}
	if i == 0 || (s[i-1] != '=' && s[i-1] != ':') {
		return 0
	}
	i--
	for i > 0 && (s[i-1] == ' ' || s[i-1] == '"' || s[i-1] == '\'') {
		i--
	}
	end := i
	for i > 0 && (isWordByte(s[i-1]) || s[i-1] == '.' || s[i-1] == '-') {
		i--
	}
	if i == end {
		return 0
	}
	return HintsForKey(s[i:end])
}

// digitHints merges the hints of the attribute key with those of a key
// written inline before the match.
func digitHints(s string, start int, hints KeyHints) KeyHints {
	return hints | inlineKeyHints(s, start)
}

// hasContextWord reports whether one of the lower-case words occurs in the
// window bytes of text before position start.
func hasContextWord(s string, start, window int, words ...string) bool {
	from := start - window
	if from < 0 {
		from = 0
	}
	text := s[from:start]
	for _, w := range words {
		if containsFold(text, w) {
			return true
		}
	}
	return false
}

// Builtins returns a new instance of every built-in detector.
func Builtins() []Detector {
	return []Detector{
		emailDetector{},
		privateKeyDetector{},
		jwtDetector{},
		anthropicKeyDetector{},
		openAIKeyDetector{},
		awsAccessKeyDetector{},
		githubTokenDetector{},
		bearerTokenDetector{},
		cardDetector{},
		ibanDetector{},
		ssnDetector{},
		phoneDetector{},
		ipv4Detector{},
		ipv6Detector{},
		ukNINODetector{},
		deTaxIDDetector{},
		cryptoWalletDetector{},
	}
}

// BuiltinNames returns the configuration keys of the built-in detectors.
func BuiltinNames() []string {
	ds := Builtins()
	names := make([]string, len(ds))
	for i, d := range ds {
		names[i] = d.Name()
	}
	return names
}
