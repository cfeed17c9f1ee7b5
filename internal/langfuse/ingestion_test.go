package langfuse

import (
	"encoding/json"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestJSONValue(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"", ""},
		{`{"a":1}`, `{"a":1}`},
		{`[1,2]`, `[1,2]`},
		{`plain text`, `"plain text"`},
		{`{"cut":`, `"{\"cut\":"`},
		{`42`, `42`},
		{"{\"a\":\"b\xffc\"}", "{\"a\":\"b\uFFFDc\"}"},
		{"text \xfe", `"text \ufffd"`},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got := JSONValue(tt.in)
			assert.Equal(t, tt.want, string(got))
			if len(got) > 0 {
				assert.True(t, utf8.Valid(got), "invalid UTF-8 in %q", got)
				assert.True(t, json.Valid(got))
			}
		})
	}
}

func TestJSONValueInvalidUTF8InEnvelope(t *testing.T) {
	event, err := json.Marshal(IngestionEvent{
		ID: "e1", Type: EventSpanCreate,
		Body: ObservationBody{ID: "s", TraceID: "t", Input: JSONValue("[\"\xc3\x28\"]")},
	})
	require.NoError(t, err)
	assert.True(t, utf8.Valid(event), "invalid UTF-8 in %q", event)
}

func TestFormatTimeUsesUTCMicroseconds(t *testing.T) {
	local := time.Date(2026, 1, 2, 5, 4, 5, 123456789, time.FixedZone("UTC+2", 2*3600))
	assert.Equal(t, "2026-01-02T03:04:05.123456Z", FormatTime(local))
}

func TestBodiesOmitEmptyFields(t *testing.T) {
	encoded, err := json.Marshal(ObservationBody{ID: "0102030405060708", TraceID: "0a"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"0102030405060708","traceId":"0a"}`, string(encoded))

	encoded, err = json.Marshal(TraceBody{ID: "0a"})
	require.NoError(t, err)
	assert.JSONEq(t, `{"id":"0a"}`, string(encoded))
}
