package pii

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

var testKey = []byte("0123456789abcdef0123456789abcdef")

func TestMaskActions(t *testing.T) {
	m, err := New(Config{
		Detectors: map[string]DetectorSetting{
			"email":       {Enabled: true, Action: ActionPseudonymize},
			"phone":       {Enabled: true, Action: ActionRedact, Token: "<phone>"},
			"credit_card": {Enabled: true, Action: ActionDrop},
			"iban":        {Enabled: false},
		},
		RedactionToken: "***{type}***",
		PseudonymKey:   testKey,
	})
	require.NoError(t, err)
	tally := m.NewTally()

	out, outcome := m.Mask("k", "call 415-555-0132", AllRules, tally)
	assert.Equal(t, Masked, outcome)
	assert.Equal(t, "call <phone>", out)

	out, _ = m.Mask("k", "ip 10.1.2.3", AllRules, tally)
	assert.Equal(t, "ip ***IP_ADDRESS***", out)

	out, _ = m.Mask("k", "IBAN DE89370400440532013000", AllRules, tally)
	assert.Equal(t, "IBAN DE89370400440532013000", out, "disabled detector")

	out, outcome = m.Mask("k", "pay 4111111111111111", AllRules, tally)
	assert.Equal(t, Drop, outcome)
	assert.Empty(t, out)

	first, _ := m.Mask("k", "to Jane@Example.com", AllRules, tally)
	second, _ := m.Mask("k", "from jane@example.com", AllRules, tally)
	assert.Regexp(t, `^to \[EMAIL:[0-9a-f]{12}\]$`, first)
	assert.Equal(t, strings.TrimPrefix(first, "to "), strings.TrimPrefix(second, "from "),
		"one address, one pseudonym")
	other, _ := m.Mask("k", "to john@example.com", AllRules, tally)
	assert.NotEqual(t, first, other)

	otherKey, err := New(Config{
		Detectors:    map[string]DetectorSetting{"email": {Enabled: true, Action: ActionPseudonymize}},
		PseudonymKey: []byte("another key of at least 16 bytes"),
	})
	require.NoError(t, err)
	withOtherKey, _ := otherKey.Mask("k", "to jane@example.com", AllRules, otherKey.NewTally())
	assert.NotEqual(t, first, withOtherKey, "the pseudonym depends on the key")

	byName := map[string]int64{}
	for i, src := range m.Sources() {
		byName[src.Name] += tally.Counts[i]
	}
	assert.Equal(t, int64(1), byName["phone"])
	assert.Equal(t, int64(1), byName["ip_address"])
	assert.Equal(t, int64(1), byName["credit_card"])
	assert.Equal(t, int64(3), byName["email"])
	assert.Zero(t, byName["iban"])
}

func TestReplacementLenMatchesReplacement(t *testing.T) {
	for _, action := range []Action{ActionRedact, ActionPseudonymize} {
		m, err := New(Config{
			Detectors: map[string]DetectorSetting{
				"email": {Enabled: true, Action: action},
				"phone": {Enabled: true, Action: action, Token: "<a longer token for phone numbers>"},
			},
			PseudonymKey:    testKey,
			PseudonymLength: 20,
		})
		require.NoError(t, err)
		for i, src := range m.Sources() {
			assert.Len(t, m.replacement(i, "a@example.com"), m.replacementLen(i), "%s %s", src.Name, action)
		}
		if action == ActionRedact {
			tally := m.NewTally()
			in := "a@b.co, +44 20 7946 0958, c@d.io"
			if !raceDetector {
				allocs := testing.AllocsPerRun(20, func() { m.Mask("k", in, AllRules, tally) })
				assert.Equal(t, 1.0, allocs, "the output is allocated once")
			}
		}
	}
}

func TestMaskAllowList(t *testing.T) {
	m, err := New(Config{
		AllowValues:   []string{"support@example.com", "ops@example.com"},
		AllowPatterns: []string{`.*@example\.org`, `10\.\d+\.\d+\.\d+`},
	})
	require.NoError(t, err)
	tally := m.NewTally()

	tests := []struct{ in, want string }{
		{"support@example.com", "support@example.com"},
		{"ask support@example.com or a@example.net", "ask support@example.com or [REDACTED:EMAIL]"},
		{"team@example.org", "team@example.org"},
		{"from 10.0.0.1 to 192.168.0.1", "from 10.0.0.1 to [REDACTED:IP_ADDRESS]"},
		{"xsupport@example.com", "[REDACTED:EMAIL]"},
	}
	for _, tt := range tests {
		got, _ := m.Mask("k", tt.in, AllRules, tally)
		assert.Equal(t, tt.want, got, tt.in)
	}
}

func TestMaskUserRules(t *testing.T) {
	m, err := New(Config{Rules: []RuleSetting{
		{Name: "employee_id", Pattern: `EMP-\d{6}`},
		{Name: "loyalty_card", Pattern: `LC\d{8}`, Validator: "luhn", Action: ActionRedact, Token: "[CARD]"},
		{Name: "ticket", Pattern: `T-\d+`},
	}})
	require.NoError(t, err)
	tally := m.NewTally()

	got, _ := m.Mask("k", "EMP-123456 has LC79927398 and LC79927399", AllRules, tally)
	assert.Equal(t, "[REDACTED:EMPLOYEE_ID] has [CARD] and LC79927399", got, "luhn validator")

	got, _ = m.Mask("k", "EMP-123456 and T-77", RuleSet(1<<2), tally)
	assert.Equal(t, "EMP-123456 and [REDACTED:TICKET]", got, "only rule 2 active")

	got, _ = m.Mask("k", "mail a@example.com, ticket T-1", 0, tally)
	assert.Equal(t, "mail [REDACTED:EMAIL], ticket T-1", got, "built-in detectors need no rule bit")

	sources := m.Sources()
	last := sources[len(sources)-1]
	assert.Equal(t, "rule:ticket", last.Name)
	assert.Equal(t, "TICKET", last.Type)
}

func TestMaskFailsClosedOnInvalidUTF8(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	tally := m.NewTally()
	out, outcome := m.Mask("k", "a@example.com \xc3\x28", AllRules, tally)
	assert.Equal(t, FailedClosed, outcome)
	assert.Equal(t, "[REDACTED:UNSCANNABLE]", out)
	assert.Equal(t, int64(1), tally.FailedClosed)
}

// panicDetector stands for a detector with a bug.
type panicDetector struct{}

func (panicDetector) Name() string     { return "panic" }
func (panicDetector) Type() string     { return "PANIC" }
func (panicDetector) Trigger() Trigger { return Trigger{Anywhere: "!"} }
func (panicDetector) Detect(string, int, KeyHints) (int, int, bool) {
	panic("detector bug")
}

func TestMaskFailsClosedOnDetectorPanic(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	m.scanner = NewScanner([]Detector{panicDetector{}})
	m.sources = []Source{{Name: "panic", Type: "PANIC"}}
	tally := m.NewTally()
	out, outcome := m.Mask("k", "boom!", AllRules, tally)
	assert.Equal(t, FailedClosed, outcome)
	assert.Equal(t, "[REDACTED:UNSCANNABLE]", out)
	assert.Equal(t, int64(1), tally.FailedClosed)
}

func TestMaskNilTally(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	for _, in := range []string{"mail a@example.com", "bad \xc3\x28", `{"to":"a@example.com"}`} {
		var out string
		var outcome Outcome
		require.NotPanics(t, func() { out, outcome = m.Mask("k", in, AllRules, nil) }, "input %q", in)
		assert.NotEqual(t, Unchanged, outcome, "input %q", in)
		assert.NotContains(t, out, "a@example.com", "input %q", in)
	}
}

func TestMaskGrowsShortTally(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	tally := &Tally{}
	out, outcome := m.Mask("k", "mail a@example.com", AllRules, tally)
	assert.Equal(t, Masked, outcome)
	assert.Equal(t, "mail [REDACTED:EMAIL]", out)
	require.Len(t, tally.Counts, len(m.Sources()))
	assert.Equal(t, int64(1), tally.Counts[0], "e-mail is the first source")
}

func TestNewRejectsInvalidConfig(t *testing.T) {
	tests := []struct {
		name    string
		cfg     Config
		wantErr string
	}{
		{"unknown detector", Config{Detectors: map[string]DetectorSetting{"mail": {}}}, `unknown detector "mail"`},
		{"pseudonymize without key", Config{Detectors: map[string]DetectorSetting{
			"email": {Enabled: true, Action: ActionPseudonymize}}}, "set a secret of at least 16 bytes"},
		{"short key", Config{PseudonymKey: []byte("short"), Detectors: map[string]DetectorSetting{
			"email": {Enabled: true, Action: ActionPseudonymize}}}, "has 5 bytes"},
		{"pseudonym length", Config{PseudonymLength: 100}, "pseudonym length 100"},
		{"bad rule", Config{Rules: []RuleSetting{{Name: "r", Pattern: "a("}}}, `rule 0 ("r")`},
		{"bad validator", Config{Rules: []RuleSetting{{Name: "r", Pattern: "a", Validator: "x"}}}, "unknown validator"},
		{"too many rules", Config{Rules: make([]RuleSetting, MaxRules+1)}, "at most 64"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.cfg)
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestParseAction(t *testing.T) {
	for _, name := range []string{"redact", "pseudonymize", "drop"} {
		a, err := ParseAction(name)
		require.NoError(t, err)
		assert.Equal(t, name, a.String())
	}
	a, err := ParseAction("")
	require.NoError(t, err)
	assert.Equal(t, ActionRedact, a)
	_, err = ParseAction("hash")
	assert.ErrorContains(t, err, `unknown action "hash"`)
}

func TestValidators(t *testing.T) {
	tests := []struct {
		validator string
		value     string
		want      bool
	}{
		{"luhn", "4111 1111 1111 1111", true},
		{"luhn", "4111 1111 1111 1112", false},
		{"iban", "GB29 NWBK 6016 1331 9268 19", true},
		{"iban", "GB29 NWBK 6016 1331 9268 10", false},
		{"us_ssn", "078-05-1123", true},
		{"us_ssn", "666-05-1123", false},
		{"email", "a@example.com", true},
		{"email", "a@localhost", false},
		{"ip", "2001:db8::1", true},
		{"ip", "256.1.1.1", false},
		{"jwt", "eyJhbGciOiJub25lIn0.eyJzdWIiOiIxIn0.", true},
		{"jwt", "eyJ.eyJ.", false},
	}
	for _, tt := range tests {
		v, ok := LookupValidator(tt.validator)
		require.True(t, ok, tt.validator)
		assert.Equal(t, tt.want, v(tt.value), "%s(%q)", tt.validator, tt.value)
	}
	assert.Equal(t, []string{"email", "iban", "ip", "jwt", "luhn", "us_ssn"}, ValidatorNames())
}
