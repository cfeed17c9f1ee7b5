package pii

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
)

// detectorCase is one input for a detector: want is the matched text, or
// empty when nothing may match.
type detectorCase struct {
	name  string
	text  string
	want  string
	hints KeyHints
}

// runDetectorCases scans each text with only the named detectors and checks
// the single match.
func runDetectorCases(t *testing.T, names []string, cases []detectorCase) {
	t.Helper()
	var ds []Detector
	for _, d := range Builtins() {
		for _, n := range names {
			if d.Name() == n {
				ds = append(ds, d)
			}
		}
	}
	if len(ds) == 0 {
		t.Fatalf("no detector named %v", names)
	}
	sc := NewScanner(ds)
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ms := sc.Scan(tc.text, HintsContext(tc.hints), nil)
			if tc.want == "" {
				for _, m := range ms {
					t.Errorf("unexpected match %q in %q", tc.text[m.Start:m.End], tc.text)
				}
				return
			}
			if assert.Len(t, ms, 1, "matches in %q", tc.text) {
				assert.Equal(t, tc.want, tc.text[ms[0].Start:ms[0].End])
			}
		})
	}
}

func TestEmailDetector(t *testing.T) {
	runDetectorCases(t, []string{"email"}, []detectorCase{
		{"plain", "write to info@presidio.site today", "info@presidio.site", 0},
		{"plus addressing", "bob+news@example.org.", "bob+news@example.org", 0},
		{"punycode domain", "a@xn--d1acufc.xn--p1ai", "a@xn--d1acufc.xn--p1ai", 0},
		{"IDN domain", "kontakt: info@bücher.de!", "info@bücher.de", 0},
		{"latin local part", "josé.garcía@example.com", "josé.garcía@example.com", 0},
		{"glued to kana", "連絡先はtaro@example.comです", "taro@example.com", 0},
		{"percent encoded", "?email=jane%40example.com&x=1", "jane%40example.com", 0},
		{"subdomains", "ops@corp.example.co.uk,", "ops@corp.example.co.uk", 0},
		{"no dot in domain", "admin@localhost", "", 0},
		{"trailing dot only", "info@presidio.", "", 0},
		{"ipv6 after at", "user@2001:db8::1", "", 0},
		{"package version", "npm i left-pad@1.3.0", "", 0},
		{"retina asset", "icon@2x.png", "", 0},
		{"no local part", "@example.com", "", 0},
		{"label starts with hyphen", "a@-bad.com", "", 0},
		{"one letter tld", "a@example.c", "", 0},
	})
}

func TestCardDetector(t *testing.T) {
	runDetectorCases(t, []string{"credit_card"}, []detectorCase{
		{"visa compact", "card 4111111111111111 ok", "4111111111111111", 0},
		{"visa spaced", "4111 1111 1111 1111", "4111 1111 1111 1111", 0},
		{"visa dashed", "4012-8888-8888-1881", "4012-8888-8888-1881", 0},
		{"visa dotted", "4111.1111.1111.1111 exp", "4111.1111.1111.1111", 0},
		{"narrow no-break space", "4111\u202f1111\u202f1111\u202f1111", "4111\u202f1111\u202f1111\u202f1111", 0},
		{"mastercard 2-series", "2223003122003222", "2223003122003222", 0},
		{"amex 4-6-5", "3714 496353 98431", "3714 496353 98431", 0},
		{"unionpay 19 digits", "6205500000000000004", "6205500000000000004", 0},
		{"visa 13 digits", "4222222222222", "4222222222222", 0},
		{"uatp", "122000000000003", "122000000000003", 0},
		{"trailing year group", "4111 1111 1111 1111 2027", "4111 1111 1111 1111", 0},
		{"luhn failure", "4111-1111-1111-1112", "", 0},
		{"epoch millis", "1748503543012", "", 0},
		{"all zero span id", "0000000000000000", "", 0},
		{"unknown issuer", "9111111111111111", "", 0},
		{"id key vetoes compact", "5309136012499991", "", HintIDKey},
		{"inline id key", "parent_id=5309136012499991", "", 0},
		{"id key allows grouped", "5555 5555 5555 4444", "5555 5555 5555 4444", HintIDKey},
		{"inside longer number", "41111111111111112222", "", 0},
		{"decimal fraction", "-0.5309136012499991", "", 0},
		{"masked pan", "4111 11** **** 1111", "", 0},
		{"followed by letters", "4111111111111111abc", "", 0},
	})
}

func TestPhoneDetector(t *testing.T) {
	runDetectorCases(t, []string{"phone"}, []detectorCase{
		{"e164", "tel:+14155550132", "+14155550132", 0},
		{"uk parenthesised", "+44 (20) 7123 4567 now", "+44 (20) 7123 4567", 0},
		{"france international", "+33 1 42 68 53 00.", "+33 1 42 68 53 00", 0},
		{"no-break spaces", "+33\u00a01\u00a042\u00a068\u00a053\u00a000", "+33\u00a01\u00a042\u00a068\u00a053\u00a000", 0},
		{"nanp dashed", "US: 415-555-0132", "415-555-0132", 0},
		{"nanp parenthesised", "(415) 555-0132", "(415) 555-0132", 0},
		{"france national", "01 42 68 53 00", "01 42 68 53 00", 0},
		{"israel national", "09-7625400", "09-7625400", 0},
		{"china mobile bare", "号码13812345678，", "13812345678", 0},
		{"philippines mobile bare", "or 09171234567.", "09171234567", 0},
		{"nanp bad area code", "115-555-0132", "", 0},
		{"iso date", "2024-06-05", "", 0},
		{"european date", "05.06.2024", "", 0},
		{"nanosecond duration", "ttft_ns=4155550132", "", 0},
		{"bare ten digits", "4155550132", "", 0},
		{"version", "v1.2.3", "", 0},
		{"time", "14:30:00", "", 0},
		{"trailing groups left out", "+1 415 555 0132 9999 8888", "+1 415 555 0132", 0},
		{"too many digits", "+1415555013299998888", "", 0},
		{"nanp wrong length", "+1 415 555 013", "", 0},
		{"id key vetoes bare mobile", "13812345678", "", HintIDKey},
		{"order number", "ORD-2024-000123456", "", 0},
	})
}

func TestIBANDetector(t *testing.T) {
	runDetectorCases(t, []string{"iban"}, []detectorCase{
		{"german spaced", "IBAN DE89 3704 0044 0532 0130 00, BIC", "DE89 3704 0044 0532 0130 00", 0},
		{"compact", "GB29NWBK60161331926819", "GB29NWBK60161331926819", 0},
		{"letters in account", "FR14 2004 1010 0505 0001 3M02 606", "FR14 2004 1010 0505 0001 3M02 606", 0},
		{"lower case", "de89370400440532013000", "de89370400440532013000", 0},
		{"slash separators", "AL47/2121/1009/0000/0002/3569/8741", "AL47/2121/1009/0000/0002/3569/8741", 0},
		{"trailing word", "VG96 VPVG 0000 0123 4567 8901 X", "VG96 VPVG 0000 0123 4567 8901", 0},
		{"trailing number", "DE89370400440532013000 2 days", "DE89370400440532013000", 0},
		{"bad checksum", "GB29 NWBK 6016 1331 9268 10", "", 0},
		{"too short", "IL15 0120 6900 0000", "", 0},
		{"unknown country", "AB12CD34EF56GH78", "", 0},
		{"too long", "DE893704004405320130001", "", 0},
		{"mixed case", "De89370400440532013000", "", 0},
	})
}

func TestIPDetectors(t *testing.T) {
	runDetectorCases(t, []string{"ip_address"}, []detectorCase{
		{"ipv4", "from 192.168.1.20 port", "192.168.1.20", 0},
		{"ipv4 cidr keeps suffix", "10.0.0.0/8", "10.0.0.0", 0},
		{"ipv6 compressed", "peer 2001:db8::8a2e:370:7334 up", "2001:db8::8a2e:370:7334", 0},
		{"ipv6 bracketed", "[2001:db8::1]:8080", "2001:db8::1", 0},
		{"ipv6 loopback", "bind ::1 now", "::1", 0},
		{"ipv6 mapped", "::ffff:192.0.2.1", "::ffff:192.0.2.1", 0},
		{"ipv6 link local", "fe80::1ff:fe23:4567:890a", "fe80::1ff:fe23:4567:890a", 0},
		{"octet too large", "192.168.1.256", "", 0},
		{"leading zero", "010.1.1.1", "", 0},
		{"version with five parts", "1.2.3.4.5", "", 0},
		{"time", "Time 12:34:56", "", 0},
		{"ratio", "Ratio 1:2:3:4", "", 0},
		{"cpp scope", "std::cout", "", 0},
		{"mac address", "FF:FF:FF:FF:FF:FF", "", 0},
		{"unspecified", "listen on :: only", "", 0},
	})
}

func TestSSNDetector(t *testing.T) {
	runDetectorCases(t, []string{"us_ssn"}, []detectorCase{
		{"dashed", "My SSN is 078-05-1123", "078-05-1123", 0},
		{"spaced", "ssn 219 09 9999", "219 09 9999", 0},
		{"bare with context", "social security 219099999", "219099999", 0},
		{"bare with key", "219099999", "219099999", HintSSNKey},
		{"bare without context", "code 219099999", "", 0},
		{"mixed delimiters", "ssn 693-09.4444", "", 0},
		{"area 000", "000-12-3456", "", 0},
		{"area 666", "666-12-3456", "", 0},
		{"area 9xx", "912-12-3456", "", 0},
		{"group 00", "123-00-4567", "", 0},
		{"serial 0000", "123-45-0000", "", 0},
		{"advertised sample", "078-05-1120", "", 0},
		{"zip plus four", "90210-1234", "", 0},
	})
}

func TestSecretDetectors(t *testing.T) {
	const jwt = "eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0." +
		"dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U"
	runDetectorCases(t, []string{"openai_api_key", "anthropic_api_key", "aws_access_key_id",
		"github_token", "jwt", "private_key", "bearer_token"}, []detectorCase{
		{"openai project key", "key sk-proj-abc123DEF456ghi789JKL012 end", "sk-proj-abc123DEF456ghi789JKL012", 0},
		{"openai legacy key", "OPENAI_API_KEY=sk-T3BlbkFJabc123def456ghi789", "sk-T3BlbkFJabc123def456ghi789", 0},
		{"anthropic key", "sk-ant-api03-AbCdEf123456GhIjKl789012-xyz", "sk-ant-api03-AbCdEf123456GhIjKl789012-xyz", 0},
		{"aws key id", "aws AKIAIOSFODNN7EXAMPLE.", "AKIAIOSFODNN7EXAMPLE", 0},
		{"github classic", "ghp_1234567890abcdefghijABCDEFGHIJ123456", "ghp_1234567890abcdefghijABCDEFGHIJ123456", 0},
		{"jwt", "token " + jwt + " sent", jwt, 0},
		{"pem block", "k: -----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY----- ok",
			"-----BEGIN RSA PRIVATE KEY-----\nMIIE\n-----END RSA PRIVATE KEY-----", 0},
		{"pem cut off", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", "-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBg", 0},
		{"bearer token only", "Authorization: Bearer abc.DEF-123_456~xyz=", "abc.DEF-123_456~xyz=", 0},
		{"lower-case bearer, capital after dot", "auth: bearer x.Abcdefghijklmnop", "x.Abcdefghijklmnop", 0},
		{"lower-case bearer, capital word", "auth: bearer  Abcdefghijklmnopq", "Abcdefghijklmnopq", 0},
		{"word sk-learn", "pip install sk-learn", "", 0},
		{"inside word", "task-abcdefghij1234567890", "", 0},
		{"aws wrong alphabet", "AKIAIOSFODNN1EXAMPLE", "", 0},
		{"github too short", "ghp_123", "", 0},
		{"jwt bad header", "eyJub3RoaW5nIjoxfQ.eyJzdWIiOjF9.sig", "", 0},
		{"public key", "-----BEGIN PUBLIC KEY-----\nMIIB", "", 0},
		{"bearer in prose", "the bearer of this letter", "", 0},
	})
}

func TestNationalIDAndWalletDetectors(t *testing.T) {
	runDetectorCases(t, []string{"uk_nino", "de_tax_id", "crypto_wallet"}, []detectorCase{
		{"nino spaced", "number YZ 61 48 68 B", "YZ 61 48 68 B", 0},
		{"nino compact", "AB123456C", "AB123456C", 0},
		{"nino excluded prefix", "GB123456A", "", 0},
		{"nino bad suffix", "AB123456E", "", 0},
		{"de tax id with context", "Steuer-ID: 12345678903.", "12345678903", 0},
		{"de tax id with key", "12345678903", "12345678903", HintTaxKey},
		{"de tax id without context", "order 12345678903", "", 0},
		{"de tax id bad check digit", "Steuer-ID 12345678904", "", 0},
		{"bech32", "send to bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdq", 0},
		{"bech32 bad checksum", "bc1qar0srrr7xfkvy5l643lydnw9re59gtzzwf5mdx", "", 0},
		{"p2pkh", "pay 1BoatSLRHtKNngkdXEeobR76b53LETtpyT now", "1BoatSLRHtKNngkdXEeobR76b53LETtpyT", 0},
		{"p2pkh extra char", "16Yeky6GMjeNkAiNcBY7ZhrLoMSgg1BoyZ2", "", 0},
	})
}

func TestScannerAlwaysAdvances(t *testing.T) {
	sc := NewScanner(Builtins())
	for _, s := range []string{"abc::d:", "abc::d::", "00:aa0:&0", "fe80::1:", "a@b.co@"} {
		done := make(chan struct{})
		go func() {
			sc.Scan(s, nil, nil)
			close(done)
		}()
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			t.Fatalf("scan of %q does not finish", s)
		}
	}
}
