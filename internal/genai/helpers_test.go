package genai

import (
	"encoding/hex"
	"encoding/json"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// caseSpan is a span in the readable form of the mapping cases: ids in hex,
// times in unix nanoseconds, attributes as a JSON object.
type caseSpan struct {
	TraceID        string            `json:"trace_id"`
	SpanID         string            `json:"span_id"`
	ParentSpanID   string            `json:"parent_span_id"`
	Name           string            `json:"name"`
	Kind           int               `json:"kind"`
	Scope          *caseScope        `json:"scope"`
	StartUnixNano  string            `json:"start_unix_nano"`
	EndUnixNano    string            `json:"end_unix_nano"`
	Attributes     map[string]any    `json:"attributes"`
	Resource       map[string]any    `json:"resource"`
	Status         caseStatus        `json:"status"`
	Events         []caseEvent       `json:"events"`
	AttributeTypes map[string]string `json:"attribute_types"`
}

type caseScope struct {
	Name       string         `json:"name"`
	Version    string         `json:"version"`
	Attributes map[string]any `json:"attributes"`
}

type caseStatus struct {
	Code    int    `json:"code"`
	Message string `json:"message"`
}

type caseEvent struct {
	Name       string         `json:"name"`
	Attributes map[string]any `json:"attributes"`
}

// spanData holds one span with its resource and scope, as Read takes them.
type spanData struct {
	resource pcommon.Resource
	scope    pcommon.InstrumentationScope
	span     ptrace.Span
}

// buildSpan turns a caseSpan into pdata.
func buildSpan(t testing.TB, cs caseSpan) spanData {
	t.Helper()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	putAttributes(t, rs.Resource().Attributes(), cs.Resource, nil)
	ss := rs.ScopeSpans().AppendEmpty()
	if cs.Scope != nil {
		ss.Scope().SetName(cs.Scope.Name)
		ss.Scope().SetVersion(cs.Scope.Version)
		putAttributes(t, ss.Scope().Attributes(), cs.Scope.Attributes, nil)
	}

	span := ss.Spans().AppendEmpty()
	span.SetName(cs.Name)
	span.SetKind(ptrace.SpanKind(cs.Kind))
	if cs.TraceID != "" {
		var id pcommon.TraceID
		mustHex(t, cs.TraceID, id[:])
		span.SetTraceID(id)
	}
	if cs.SpanID != "" {
		var id pcommon.SpanID
		mustHex(t, cs.SpanID, id[:])
		span.SetSpanID(id)
	}
	if cs.ParentSpanID != "" {
		var id pcommon.SpanID
		mustHex(t, cs.ParentSpanID, id[:])
		span.SetParentSpanID(id)
	}
	span.SetStartTimestamp(pcommon.Timestamp(mustUint(t, cs.StartUnixNano)))
	span.SetEndTimestamp(pcommon.Timestamp(mustUint(t, cs.EndUnixNano)))
	span.Status().SetCode(ptrace.StatusCode(cs.Status.Code))
	span.Status().SetMessage(cs.Status.Message)
	putAttributes(t, span.Attributes(), cs.Attributes, cs.AttributeTypes)
	for _, ev := range cs.Events {
		e := span.Events().AppendEmpty()
		e.SetName(ev.Name)
		putAttributes(t, e.Attributes(), ev.Attributes, nil)
	}
	return spanData{resource: rs.Resource(), scope: ss.Scope(), span: span}
}

// mustHex decodes a hex id. Placeholders such as "<random 16 bytes>" get
// a fixed id of the right length.
func mustHex(t testing.TB, s string, dst []byte) {
	t.Helper()
	if strings.HasPrefix(s, "<") {
		for i := range dst {
			dst[i] = byte(i + 1)
		}
		return
	}
	b, err := hex.DecodeString(s)
	require.NoError(t, err, "id %q is not hex", s)
	require.Len(t, b, len(dst), "id %q has the wrong length", s)
	copy(dst, b)
}

func mustUint(t testing.TB, s string) uint64 {
	t.Helper()
	if s == "" {
		return 0
	}
	n, err := strconv.ParseUint(s, 10, 64)
	require.NoError(t, err, "time %q is not unix nanoseconds", s)
	return n
}

// putAttributes stores JSON-decoded values: whole numbers as ints, other
// numbers as doubles, arrays as slices. types overrides the OTLP/JSON
// encodings that send numbers as strings.
func putAttributes(t testing.TB, m pcommon.Map, attrs map[string]any, types map[string]string) {
	t.Helper()
	for name, val := range attrs {
		switch types[name] {
		case "int_as_decimal_string":
			n, err := strconv.ParseInt(val.(string), 10, 64)
			require.NoError(t, err)
			m.PutInt(name, n)
			continue
		case "double_as_string":
			f, err := strconv.ParseFloat(val.(string), 64)
			require.NoError(t, err)
			m.PutDouble(name, f)
			continue
		}
		require.NoError(t, putValue(m.PutEmpty(name), val), "attribute %s", name)
	}
}

func putValue(dst pcommon.Value, val any) error {
	switch v := val.(type) {
	case json.Number:
		if i, err := v.Int64(); err == nil {
			dst.SetInt(i)
			return nil
		}
		f, err := v.Float64()
		if err != nil {
			return err
		}
		dst.SetDouble(f)
	case []any:
		sl := dst.SetEmptySlice()
		for _, item := range v {
			if err := putValue(sl.AppendEmpty(), item); err != nil {
				return err
			}
		}
	case map[string]any:
		m := dst.SetEmptyMap()
		for k, item := range v {
			if err := putValue(m.PutEmpty(k), item); err != nil {
				return err
			}
		}
	default:
		return dst.FromRaw(v)
	}
	return nil
}

// decodeJSON decodes with numbers kept as json.Number.
func decodeJSON(t testing.TB, data []byte, out any) {
	t.Helper()
	dec := json.NewDecoder(strings.NewReader(string(data)))
	dec.UseNumber()
	require.NoError(t, dec.Decode(out))
}

// readSpan runs Read on one span given as attributes, with optional scope
// name, span name and resource attributes.
func readSpan(t testing.TB, scope, name string, attrs map[string]any) *View {
	t.Helper()
	cs := caseSpan{Name: name, Attributes: normaliseNumbers(attrs)}
	if scope != "" {
		cs.Scope = &caseScope{Name: scope}
	}
	sd := buildSpan(t, cs)
	var v View
	Read(&v, sd.resource, sd.scope, sd.span)
	return &v
}

// normaliseNumbers turns Go ints and floats in test literals into
// json.Number so that putValue keeps ints as ints.
func normaliseNumbers(attrs map[string]any) map[string]any {
	out := make(map[string]any, len(attrs))
	for k, v := range attrs {
		switch n := v.(type) {
		case int:
			out[k] = json.Number(strconv.Itoa(n))
		case int64:
			out[k] = json.Number(strconv.FormatInt(n, 10))
		case float64:
			out[k] = json.Number(strconv.FormatFloat(n, 'g', -1, 64))
		default:
			out[k] = v
		}
	}
	return out
}

// readCase runs Read on a span given in the mapping-case form.
func readCase(t testing.TB, cs caseSpan) *View {
	t.Helper()
	cs.Attributes = normaliseNumbers(cs.Attributes)
	sd := buildSpan(t, cs)
	var v View
	Read(&v, sd.resource, sd.scope, sd.span)
	return &v
}
