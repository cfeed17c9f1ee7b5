package pii

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestMaskJSON(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	tally := m.NewTally()

	tests := []struct {
		name string
		in   string
		want string
	}{
		{
			name: "value",
			in:   `{"content":"mail jane@example.com now","n":4111111111111111}`,
			want: `{"content":"mail [REDACTED:EMAIL] now","n":4111111111111111}`,
		},
		{
			name: "key",
			in:   `{"jane.doe@example.com":{"role":"admin"}}`,
			want: `{"[REDACTED:EMAIL]":{"role":"admin"}}`,
		},
		{
			name: "escaped at sign",
			in:   `[{"content":"jane.doe\u0040example.com"}]`,
			want: `[{"content":"[REDACTED:EMAIL]"}]`,
		},
		{
			name: "newline escape before card",
			in:   `{"c":"Card:\n4111 1111 1111 1111\nExp"}`,
			want: `{"c":"Card:\n[REDACTED:CREDIT_CARD]\nExp"}`,
		},
		{
			name: "quote and control characters are escaped again",
			in:   `{"c":"say \"hi\" to a@example.com\t\u0001"}`,
			want: `{"c":"say \"hi\" to [REDACTED:EMAIL]\t\u0001"}`,
		},
		{
			name: "document inside a string",
			in:   `{"tool":"{\"to\":\"bob@example.org\",\"n\":1}"}`,
			want: `{"tool":"{\"to\":\"[REDACTED:EMAIL]\",\"n\":1}"}`,
		},
		{
			name: "white space and untouched strings kept",
			in:   "{\n  \"a\" : \"x\\u00e9\",\n  \"b\" : [ 1.5e3 , true , null , \"c@example.com\" ]\n}",
			want: "{\n  \"a\" : \"x\\u00e9\",\n  \"b\" : [ 1.5e3 , true , null , \"[REDACTED:EMAIL]\" ]\n}",
		},
		{
			name: "id key vetoes digits",
			in:   `{"parent_id":"5309136012499991","card":"5309136012499991"}`,
			want: `{"parent_id":"5309136012499991","card":"[REDACTED:CREDIT_CARD]"}`,
		},
		{
			name: "invalid JSON scanned as text",
			in:   `[{"content":"mail a@example.com and card 4111 1111 1111 1111 exp 12/2`,
			want: `[{"content":"mail [REDACTED:EMAIL] and card [REDACTED:CREDIT_CARD] exp 12/2`,
		},
		{
			name: "bracketed text that is not JSON",
			in:   `[citation needed] ask a@example.com`,
			want: `[citation needed] ask [REDACTED:EMAIL]`,
		},
		{
			name: "trailing garbage makes it text",
			in:   `{"a":"b@example.com"} x`,
			want: `{"a":"[REDACTED:EMAIL]"} x`,
		},
		{
			name: "clean document returned as is",
			in:   `{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":4111}}`,
			want: `{"model":"gpt-4o-2024-08-06","usage":{"prompt_tokens":4111}}`,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := m.Mask("gen_ai.input.messages", tt.in, AllRules, tally)
			assert.Equal(t, tt.want, got)
			if json.Valid([]byte(tt.in)) {
				assert.True(t, json.Valid([]byte(got)), "output is not valid JSON: %s", got)
			}
		})
	}
}

func TestMaskJSONDropAction(t *testing.T) {
	m, err := New(Config{Detectors: map[string]DetectorSetting{
		"credit_card": {Enabled: true, Action: ActionDrop},
	}})
	require.NoError(t, err)
	out, outcome := m.Mask("k", `{"a":"x","b":"4111111111111111"}`, AllRules, m.NewTally())
	assert.Equal(t, Drop, outcome)
	assert.Empty(t, out)
}

func TestMaskJSONDeepNestingFallsBackToText(t *testing.T) {
	m, err := New(Config{})
	require.NoError(t, err)
	in := strings.Repeat("[", maxDepth+10) + `"a@example.com"` + strings.Repeat("]", maxDepth+10)
	out, outcome := m.Mask("k", in, AllRules, m.NewTally())
	assert.Equal(t, Masked, outcome)
	assert.NotContains(t, out, "a@example.com")
}

func TestDecodeJSONStringSurrogates(t *testing.T) {
	tests := []struct{ raw, want string }{
		{`\ud83d\udcde call`, "\U0001F4DE call"},
		{`lone \ud83d here`, "lone \uFFFD here"},
		{`\u0040\u002B\/\\\"`, `@+/\"`},
	}
	for _, tt := range tests {
		assert.Equal(t, tt.want, string(decodeJSONString(nil, tt.raw)), tt.raw)
	}
}
