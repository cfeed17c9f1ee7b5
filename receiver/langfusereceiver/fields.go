package langfusereceiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math"
	"strconv"
	"strings"
	"time"
)

// maxIDLength is the longest id Langfuse accepts for events, traces,
// observations and scores.
const maxIDLength = 800

// opt is a field that an event may leave out. Langfuse merges create and
// update events field by field, and a field that is absent does not replace
// the value that an earlier event set.
type opt[T any] struct {
	value T
	set   bool
}

func some[T any](value T) opt[T] { return opt[T]{value: value, set: true} }

// merge replaces o with newer when newer is set.
func (o *opt[T]) merge(newer opt[T]) {
	if newer.set {
		*o = newer
	}
}

// keepFirst sets o from newer only when o is not set yet, for the fields that
// Langfuse never changes after the first write (a trace's timestamp and
// environment, an observation's trace id, start time and environment).
func (o *opt[T]) keepFirst(newer opt[T]) {
	if !o.set && newer.set {
		*o = newer
	}
}

// fieldReader reads typed fields of one JSON object and keeps the first type
// error, so that a body is checked in one pass and its error names the field.
type fieldReader struct {
	prefix string
	fields map[string]json.RawMessage
	err    error
}

func newFieldReader(prefix string, fields map[string]json.RawMessage) *fieldReader {
	return &fieldReader{prefix: prefix, fields: fields}
}

func (r *fieldReader) fail(key, format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%s%s: %s", r.prefix, key, fmt.Sprintf(format, args...))
	}
}

// raw returns the value of key unless it is absent or null. Langfuse treats
// null as "no value" for the fields the receiver reads.
func (r *fieldReader) raw(key string) (json.RawMessage, bool) {
	value, ok := r.fields[key]
	if !ok || isJSONNull(value) {
		return nil, false
	}
	return value, true
}

func (r *fieldReader) str(key string) opt[string] {
	value, ok := r.raw(key)
	if !ok {
		return opt[string]{}
	}
	var s string
	if err := json.Unmarshal(value, &s); err != nil {
		r.fail(key, "expected a string, got %s", jsonKind(value))
		return opt[string]{}
	}
	return some(s)
}

// id reads an id field: a string of 1 to 800 characters, counted in UTF-16
// code units as Langfuse counts them.
func (r *fieldReader) id(key string) opt[string] {
	s := r.str(key)
	if !s.set {
		return s
	}
	if n := utf16Length(s.value); n == 0 || n > maxIDLength {
		r.fail(key, "expected an id of 1 to %d characters, got %d characters", maxIDLength, n)
		return opt[string]{}
	}
	return s
}

// time reads an ISO-8601 date-time that carries Z or a numeric offset, as
// Langfuse requires.
func (r *fieldReader) time(key string) opt[time.Time] {
	s := r.str(key)
	if !s.set {
		return opt[time.Time]{}
	}
	t, err := parseTimestamp(s.value)
	if err != nil {
		r.fail(key, "%v", err)
		return opt[time.Time]{}
	}
	return some(t)
}

func (r *fieldReader) integer(key string) opt[int64] {
	value, ok := r.raw(key)
	if !ok {
		return opt[int64]{}
	}
	var n json.Number
	if err := json.Unmarshal(value, &n); err != nil {
		r.fail(key, "expected an integer, got %s", jsonKind(value))
		return opt[int64]{}
	}
	i, err := n.Int64()
	if err != nil {
		r.fail(key, "expected an integer, got %s", n)
		return opt[int64]{}
	}
	return some(i)
}

func (r *fieldReader) boolean(key string) opt[bool] {
	value, ok := r.raw(key)
	if !ok {
		return opt[bool]{}
	}
	var b bool
	if err := json.Unmarshal(value, &b); err != nil {
		r.fail(key, "expected a boolean, got %s", jsonKind(value))
		return opt[bool]{}
	}
	return some(b)
}

func (r *fieldReader) object(key string) opt[map[string]json.RawMessage] {
	value, ok := r.raw(key)
	if !ok {
		return opt[map[string]json.RawMessage]{}
	}
	var m map[string]json.RawMessage
	if jsonKind(value) != "an object" || json.Unmarshal(value, &m) != nil {
		r.fail(key, "expected an object, got %s", jsonKind(value))
		return opt[map[string]json.RawMessage]{}
	}
	return some(m)
}

func (r *fieldReader) strings(key string) opt[[]string] {
	value, ok := r.raw(key)
	if !ok {
		return opt[[]string]{}
	}
	var list []string
	if err := json.Unmarshal(value, &list); err != nil {
		r.fail(key, "expected an array of strings, got %s", jsonKind(value))
		return opt[[]string]{}
	}
	return some(list)
}

// json reads any JSON value except null.
func (r *fieldReader) json(key string) opt[json.RawMessage] {
	value, ok := r.raw(key)
	if !ok {
		return opt[json.RawMessage]{}
	}
	return some(value)
}

// oneOf reads a string that must be one of allowed.
func (r *fieldReader) oneOf(key string, allowed ...string) opt[string] {
	s := r.str(key)
	if !s.set {
		return s
	}
	for _, a := range allowed {
		if s.value == a {
			return s
		}
	}
	r.fail(key, "expected one of %s, got %q", strings.Join(allowed, ", "), s.value)
	return opt[string]{}
}

// parseTimestamp parses an ISO-8601 date-time with Z or a numeric offset and
// any number of fractional digits. A time without a zone is rejected, because
// Langfuse rejects it.
func parseTimestamp(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("expected an ISO-8601 date-time with Z or an offset "+
			"such as 2026-01-01T00:00:00.000Z, got %q", s)
	}
	return t, nil
}

func isJSONNull(value json.RawMessage) bool {
	return bytes.Equal(bytes.TrimSpace(value), []byte("null"))
}

// jsonKind names the JSON type of value for error messages.
func jsonKind(value json.RawMessage) string {
	trimmed := bytes.TrimSpace(value)
	if len(trimmed) == 0 {
		return "nothing"
	}
	switch trimmed[0] {
	case '{':
		return "an object"
	case '[':
		return "an array"
	case '"':
		return "a string"
	case 't', 'f':
		return "a boolean"
	case 'n':
		return "null"
	}
	return "a number"
}

// jsonText returns value as attribute text: a JSON string as its content and
// any other value as compact JSON.
func jsonText(value json.RawMessage) string {
	if jsonKind(value) == "a string" {
		var s string
		if json.Unmarshal(value, &s) == nil {
			return s
		}
	}
	return compactJSON(value)
}

// compactJSON returns value as JSON text without insignificant white space.
func compactJSON(value json.RawMessage) string {
	var buf bytes.Buffer
	if json.Compact(&buf, value) != nil {
		return string(value)
	}
	return buf.String()
}

// jsonNumber reads value as a finite number, or a string holding one.
func jsonNumber(value json.RawMessage) (float64, bool) {
	if isJSONNull(value) {
		return 0, false
	}
	var f float64
	if err := json.Unmarshal(value, &f); err == nil {
		return f, !math.IsInf(f, 0) && !math.IsNaN(f)
	}
	var s string
	if err := json.Unmarshal(value, &s); err != nil {
		return 0, false
	}
	f, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	if err != nil || math.IsInf(f, 0) || math.IsNaN(f) {
		return 0, false
	}
	return f, true
}
