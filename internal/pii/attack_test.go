package pii

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func newDefaultMasker(t *testing.T) (*Masker, *Tally) {
	t.Helper()
	m, err := New(Config{})
	require.NoError(t, err)
	return m, m.NewTally()
}

// decodedContent returns the "content" string of a one-message JSON array.
func decodedContent(t *testing.T, doc string) string {
	t.Helper()
	var v []map[string]string
	require.NoError(t, json.Unmarshal([]byte(doc), &v), "output is not valid JSON: %s", doc)
	require.Len(t, v, 1)
	return v[0]["content"]
}

func TestMaskJSONEscapesSplittingValues(t *testing.T) {
	m, tally := newDefaultMasker(t)
	for _, tc := range []struct{ name, content, want string }{
		{"escaped at sign", `mail jane.doe\u0040example.com now`, "mail [REDACTED:EMAIL] now"},
		{"escaped dot in local part", `mail jane\u002edoe@example.com now`, "mail [REDACTED:EMAIL] now"},
		{"escaped solidus around address", `\/jane@example.com\/`, "/[REDACTED:EMAIL]/"},
		{"every character escaped", `\u0061\u0040\u0062\u002e\u0063\u006f`, "[REDACTED:EMAIL]"},
		{"escaped spaces in card", `card 4111\u00201111\u00201111\u00201111`, "card [REDACTED:CREDIT_CARD]"},
		{"escaped plus in phone", `call \u002b44 20 7946 0958`, "call [REDACTED:PHONE]"},
		{"line break escape before card", `\n4111 1111 1111 1111`, "\n[REDACTED:CREDIT_CARD]"},
		{"surrogate pair before address", `\ud83d\udcdejane@example.com`, "\U0001F4DE[REDACTED:EMAIL]"},
		{"surrogate pair after address", `jane@example.com\ud83d\ude00`, "[REDACTED:EMAIL]\U0001F600"},
		{"lone surrogate next to address", `\ud800jane@example.com`, "\uFFFD[REDACTED:EMAIL]"},
		{"escaped quote around address", `\"jane@example.com\"`, `"[REDACTED:EMAIL]"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := `[{"content":"` + tc.content + `"}]`
			out, outcome := m.Mask("gen_ai.input.messages", in, AllRules, tally)
			assert.Equal(t, Masked, outcome)
			assert.Equal(t, tc.want, decodedContent(t, out))
		})
	}
}

func TestMaskJSONObjectKeys(t *testing.T) {
	m, tally := newDefaultMasker(t)
	in := `{"jane@example.com":{"phone":"+44 20 7946 0958"},"bob@example.org":1,"plain":"x"}`
	out, outcome := m.Mask("langfuse.trace.metadata", in, AllRules, tally)
	assert.Equal(t, Masked, outcome)
	assert.True(t, json.Valid([]byte(out)), "duplicate keys are valid JSON: %s", out)
	assert.Equal(t, `{"[REDACTED:EMAIL]":{"phone":"[REDACTED:PHONE]"},"[REDACTED:EMAIL]":1,"plain":"x"}`, out)

	// Pseudonyms keep distinct keys distinct.
	pm, err := New(Config{
		Detectors:    map[string]DetectorSetting{"email": {Enabled: true, Action: ActionPseudonymize}},
		PseudonymKey: testKey,
	})
	require.NoError(t, err)
	out, _ = pm.Mask("langfuse.trace.metadata", in, AllRules, pm.NewTally())
	var keys map[string]json.RawMessage
	require.NoError(t, json.Unmarshal([]byte(out), &keys))
	assert.Len(t, keys, 3, "three distinct keys after pseudonymization: %s", out)
}

func TestMaskHugeValues(t *testing.T) {
	m, tally := newDefaultMasker(t)
	filler := strings.Repeat("the order 4821-0007 shipped on 2024-06-05 to the warehouse. ", 10<<20/60)

	text := "jane@example.com " + filler + " 4111 1111 1111 1111 " + filler + " bob@example.org"
	out, outcome := m.Mask("gen_ai.prompt", text, AllRules, tally)
	assert.Equal(t, Masked, outcome)
	assert.True(t, strings.HasPrefix(out, "[REDACTED:EMAIL] the order"))
	assert.True(t, strings.HasSuffix(out, " [REDACTED:EMAIL]"))
	assert.Contains(t, out, " [REDACTED:CREDIT_CARD] ")
	assert.Len(t, out, len(text)-len("jane@example.com")-len("4111 1111 1111 1111")-
		len("bob@example.org")+len("[REDACTED:EMAIL]")*2+len("[REDACTED:CREDIT_CARD]"))

	doc := `[{"content":"` + filler + ` jane@example.com"}]`
	out, outcome = m.Mask("gen_ai.input.messages", doc, AllRules, tally)
	assert.Equal(t, Masked, outcome)
	assert.True(t, strings.HasSuffix(decodedContent(t, out), " [REDACTED:EMAIL]"))

	many := strings.Repeat("a@b.co ", 1<<20)
	out, _ = m.Mask("gen_ai.prompt", many, AllRules, tally)
	assert.Equal(t, strings.Repeat("[REDACTED:EMAIL] ", 1<<20), out)
}

func TestMaskInvalidUTF8Variants(t *testing.T) {
	for _, in := range []string{
		"\xff",                                // never valid
		"a@example.com \xc3\x28",              // bad continuation
		"\xc0\xaf",                            // overlong '/'
		"\xed\xa0\x80 surrogate",              // UTF-16 surrogate in UTF-8
		"4111 1111 1111 1111\xf4\x90\x80\x80", // above U+10FFFF
		`[{"content":"a@example.com ` + "\xe2\x82" + `"}]`, // truncated, inside JSON
	} {
		m, tally := newDefaultMasker(t)
		out, outcome := m.Mask("k", in, AllRules, tally)
		assert.Equal(t, FailedClosed, outcome, "%q", in)
		assert.Equal(t, "[REDACTED:UNSCANNABLE]", out, "%q", in)
		assert.Equal(t, int64(1), tally.FailedClosed, "%q", in)
	}
}

func TestMaskInternationalEmails(t *testing.T) {
	m, tally := newDefaultMasker(t)
	for _, tc := range []struct{ in, want string }{
		{"an info@bücher.de.", "an [REDACTED:EMAIL]."},
		{"an user@xn--bcher-kva.de,", "an [REDACTED:EMAIL],"},
		{"an a@xn--d1acufc.xn--p1ai", "an [REDACTED:EMAIL]"},
		{"an JANE.DOE@EXAMPLE.COM", "an [REDACTED:EMAIL]"},
		{"an josé.garcía@correo.es", "an [REDACTED:EMAIL]"},
		{"an info@пример.рф", "an [REDACTED:EMAIL]"},
		{"連絡先はtaro@example.co.jpです", "連絡先は[REDACTED:EMAIL]です"},
		{"an a+tag@sub.example.museum", "an [REDACTED:EMAIL]"},
	} {
		out, _ := m.Mask("k", tc.in, AllRules, tally)
		assert.Equal(t, tc.want, out, "%q", tc.in)
	}
}

func TestMaskCardGroupings(t *testing.T) {
	m, tally := newDefaultMasker(t)
	for _, card := range []string{
		"4111111111111111",
		"4111 1111 1111 1111",
		"4111-1111-1111-1111",
		"4111.1111.1111.1111",
		"4111/1111/1111/1111",
		"4111\u00a01111\u00a01111\u00a01111",
		"4111\u20091111\u20091111\u20091111",
		"4111\u202f1111\u202f1111\u202f1111",
		"411111 111111 1111",
		"4111-1111 1111-1111",
		"4111 1111-1111.1111",
		"3714 496353 98431",
		"371449635398431",
		"5555 5555 5555 4444",
		"2223 0031 2200 3222",
		"6205 5000 0000 0000 004",
		"4222 2222 2222 2",
	} {
		out, outcome := m.Mask("k", "pay with "+card+" today", AllRules, tally)
		assert.Equal(t, Masked, outcome, "%q", card)
		assert.Equal(t, "pay with [REDACTED:CREDIT_CARD] today", out, "%q", card)
	}

	out, _ := m.Mask("k", "amex 3714 496353 98431-2027 exp", AllRules, tally)
	assert.Equal(t, "amex [REDACTED:CREDIT_CARD]-2027 exp", out, "expiry after another separator")
}

// TestMaskLeavesLookalikesUnchanged checks values that look like personal
// data but are not: each must come out byte for byte.
func TestMaskLeavesLookalikesUnchanged(t *testing.T) {
	m, tally := newDefaultMasker(t)
	for _, in := range []string{
		"created 2024-06-05T14:30:00Z, updated 2024-06-05T14:30:00.123456+02:00",
		"at 2024-06-05 14:30:00 UTC",
		"epoch 1733312345, millis 1733312345123, nanos 1733312345123456789",
		"version 1.2.3, v2.10.0-rc.1, go1.26.0, Python 3.12.1, build 10.0.19045.3803",
		"Chrome/120.0.6099.109 Safari/537.36",
		"request 123e4567-e89b-12d3-a456-426614174000 done",
		"commit a94a8fe5ccb19ba61c4c0873d391e987982fbbd3 (a94a8fe)",
		"trace 4bf92f3577b34da6a3ce929d0e0e4736 span 00f067aa0ba902b7",
		"traceparent: 00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
		"prompt_tokens=1234 completion_tokens=5678 total_tokens=6912",
		"cost $0.0025, EUR 1,234.56, 0.00001500 per token, 4111.50 USD",
		"order ORD-2024-000123456, order 4821-0007, invoice INV-2024-06-0042",
		"ticket #12345678, PR 48213, issue 1234567",
		"ratio 16:9 at 14:30:00, 2001 to 2024",
		"sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
		"model gpt-4o-2024-08-06, claude-3-5-sonnet-20241022",
		"temperature 0.7, top_p 0.95, max_tokens 4096, seed 42",
		"dates 05.06.2024, 06/05/2024, 2024/06/05",
		"the bearer of this letter is known",
		"version 4.2.1.0 released, build 10.0.0.1",
		"invoice INV-415-555-0132 and REF-020-7946-0123",
		"order 4111 7946 078-05 shipped",
		"package left-pad@1.3.0 and icon@2x.png",
	} {
		out, outcome := m.Mask("gen_ai.prompt", in, AllRules, tally)
		assert.Equal(t, Unchanged, outcome, "%q -> %q", in, out)
		assert.Equal(t, in, out)
	}
}

func TestPseudonymsAcrossMaskers(t *testing.T) {
	build := func(key string) *Masker {
		m, err := New(Config{
			Detectors: map[string]DetectorSetting{
				"email":       {Enabled: true, Action: ActionPseudonymize},
				"credit_card": {Enabled: true, Action: ActionPseudonymize},
			},
			PseudonymKey: []byte(key),
		})
		require.NoError(t, err)
		return m
	}
	const in = "jane@example.com paid with 4111 1111 1111 1111"
	first, _ := build("key one, at least sixteen bytes").Mask("k", in, AllRules, nil)
	second, _ := build("key one, at least sixteen bytes").Mask("k", in, AllRules, nil)
	other, _ := build("key two, at least sixteen bytes").Mask("k", in, AllRules, nil)

	assert.Regexp(t, `^\[EMAIL:[0-9a-f]{12}\] paid with \[CREDIT_CARD:[0-9a-f]{12}\]$`, first)
	assert.Equal(t, first, second, "same key, same pseudonyms")
	assert.NotEqual(t, first[:20], other[:20], "another key, another e-mail pseudonym")
	assert.NotEqual(t, first[len(first)-20:], other[len(other)-20:], "another key, another card pseudonym")

	dashed, _ := build("key one, at least sixteen bytes").Mask("k",
		"JANE@example.com paid with 4111-1111-1111-1111", AllRules, nil)
	assert.Equal(t, first, dashed, "spellings of one value share a pseudonym")
}
