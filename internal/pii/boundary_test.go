package pii

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// boundaryValue is one value a detector must find whole. lead holds the
// context words that some detectors need before a value, and unmaskedPrefix
// starts the value but is not masked, as "Bearer " before a token.
type boundaryValue struct {
	name           string
	lead           string
	value          string
	typ            string
	unmaskedPrefix string
}

var boundaryValues = []boundaryValue{
	{"email", "", "jane.roe@example.com", "EMAIL", ""},
	{"email subdomains", "", "ops@corp.example.co.uk", "EMAIL", ""},
	{"email percent encoded", "", "jane%40example.com", "EMAIL", ""},
	{"phone international", "", "+44 20 7946 0958", "PHONE", ""},
	{"phone international compact", "", "+14155550132", "PHONE", ""},
	{"phone inner parentheses", "", "+44 (20) 7123 4567", "PHONE", ""},
	{"phone nanp parenthesised", "", "(415) 555-0132", "PHONE", ""},
	{"phone nanp dashed", "", "415-555-0132", "PHONE", ""},
	{"phone national", "", "01 42 68 53 00", "PHONE", ""},
	{"phone bare mobile", "", "13812345678", "PHONE", ""},
	{"card grouped", "", "4111 1111 1111 1111", "CREDIT_CARD", ""},
	{"card compact", "", "4111111111111111", "CREDIT_CARD", ""},
	{"card dashed", "", "4012-8888-8888-1881", "CREDIT_CARD", ""},
	{"card amex", "", "3714 496353 98431", "CREDIT_CARD", ""},
	{"iban grouped", "", "DE89 3704 0044 0532 0130 00", "IBAN", ""},
	{"iban compact", "", "GB29NWBK60161331926819", "IBAN", ""},
	{"iban letters at end", "", "FR14 2004 1010 0505 0001 3M02 606", "IBAN", ""},
	{"ipv4", "", "192.168.1.20", "IP_ADDRESS", ""},
	{"ipv6", "", "2001:db8::8a2e:370:7334", "IP_ADDRESS", ""},
	{"ssn", "SSN ", "078-05-1123", "US_SSN", ""},
	{"uk nino", "", "AB123456C", "UK_NINO", ""},
	{"de tax id", "Steuer-ID ", "12345678903", "DE_TAX_ID", ""},
	{"bitcoin base58", "", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", "CRYPTO_WALLET", ""},
	{"bitcoin bech32", "", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "CRYPTO_WALLET", ""},
	{"openai key", "", "sk-proj-abc123DEF456ghi789JKL012", "OPENAI_API_KEY", ""},
	{"anthropic key", "", "sk-ant-api03-AbCdEf123456GhIjKl789012-xyz", "ANTHROPIC_API_KEY", ""},
	{"aws key id", "", "AKIAIOSFODNN7EXAMPLE", "AWS_ACCESS_KEY_ID", ""},
	{"github token", "", "ghp_1234567890abcdefghijABCDEFGHIJ123456", "GITHUB_TOKEN", ""},
	{"bearer token", "", "abc.DEF-123_456~xyz=", "BEARER_TOKEN", "Bearer "},
	{"jwt", "", "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." +
		"dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", "JWT", ""},
}

// boundaryWrappers surround a value with punctuation that is not part of it.
var boundaryWrappers = []struct{ name, open, close string }{
	{"bare", "", ""},
	{"markdown bold", "**", "**"},
	{"markdown italic", "*", "*"},
	{"parentheses", "(", ")"},
	{"closing parenthesis only", "", ")"},
	{"opening parenthesis only", "(", ""},
	{"parentheses and dot", "(", ")."},
	{"parentheses and comma", "(", "),"},
	{"two closing parentheses", "((", "))"},
	{"brackets", "[", "]"},
	{"braces", "{", "}"},
	{"angle brackets", "<", ">"},
	{"double quotes", `"`, `"`},
	{"single quotes", "'", "'"},
	{"backticks", "`", "`"},
	{"typographic quotes", "\u201c", "\u201d"},
	{"guillemets", "\u00ab", "\u00bb"},
	{"trailing dot", "", "."},
	{"trailing comma", "", ","},
	{"trailing semicolon", "", ";"},
	{"trailing exclamation", "", "!"},
	{"trailing question", "", "?"},
	{"trailing ellipsis", "", "..."},
	{"quote and dot", `"`, `".`},
	{"ideographic full stop", "", "\u3002"},
	{"line break", "\n", "\n"},
	{"tab", "\t", "\t"},
}

// TestMaskKeepsSurroundingPunctuation checks that a match never takes
// punctuation around a value: every value is replaced by exactly its token
// and every other byte stays.
func TestMaskKeepsSurroundingPunctuation(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	tally := m.NewTally()
	for _, v := range boundaryValues {
		for _, w := range boundaryWrappers {
			t.Run(v.name+"/"+w.name, func(t *testing.T) {
				in := "Note: see " + v.lead + w.open + v.unmaskedPrefix + v.value + w.close + " Next"
				want := "Note: see " + v.lead + w.open + v.unmaskedPrefix + "[REDACTED:" + v.typ + "]" + w.close + " Next"
				out, outcome := m.Mask("message", in, AllRules, tally)
				assert.Equal(t, Masked, outcome)
				assert.Equal(t, want, out)
			})
		}
	}
}

// TestMaskKeepsPunctuationAtStringEdges checks values that start or end the
// string, where a detector reads up to the first or last byte.
func TestMaskKeepsPunctuationAtStringEdges(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	tally := m.NewTally()
	for _, v := range boundaryValues {
		for _, close := range []string{"", ")", ".", ")."} {
			t.Run(v.name+"/"+close, func(t *testing.T) {
				in := v.lead + v.unmaskedPrefix + v.value + close
				want := v.lead + v.unmaskedPrefix + "[REDACTED:" + v.typ + "]" + close
				out, _ := m.Mask("message", in, AllRules, tally)
				assert.Equal(t, want, out)
			})
		}
	}
}

// TestMaskParenthesesAndMarkup pins the parenthesis cases of phone numbers,
// where a closing parenthesis belongs to a number only when the number opened
// it, and Markdown around addresses.
func TestMaskParenthesesAndMarkup(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	tally := m.NewTally()
	for _, tc := range []struct{ name, in, want string }{
		{"contact in parentheses",
			"Hi, I am Jane Roe (jane.roe@example.com, +44 20 7946 0958). Order",
			"Hi, I am Jane Roe ([REDACTED:EMAIL], [REDACTED:PHONE]). Order"},
		{"number in parentheses", "call (+44 20 7946 0958) now", "call ([REDACTED:PHONE]) now"},
		{"inner group kept with outer parenthesis",
			"call (+44 (20) 7946 0958) now", "call ([REDACTED:PHONE]) now"},
		{"unbalanced closing parenthesis", "call +44 (20) 7946 0958) now", "call [REDACTED:PHONE]) now"},
		{"last group in parentheses", "call +44 20 7946 (0958) now", "call [REDACTED:PHONE] now"},
		{"last group in parentheses inside parentheses",
			"call (+44 20 7946 (0958)) now", "call ([REDACTED:PHONE]) now"},
		{"nanp with outer parentheses", "call ((415) 555-0132) now", "call ([REDACTED:PHONE]) now"},
		{"nanp unbalanced", "call (415) 555-0132) now", "call [REDACTED:PHONE]) now"},
		{"unclosed area code", "call (415 555 0132 now", "call ([REDACTED:PHONE] now"},
		{"email in markdown underscores", "mail _jane@example.com_ now", "mail _[REDACTED:EMAIL]_ now"},
		{"trailing groups left out", "call (+1 415 555 0132 9999) now", "call ([REDACTED:PHONE] 9999) now"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			out, _ := m.Mask("message", tc.in, AllRules, tally)
			assert.Equal(t, tc.want, out)
		})
	}
}
