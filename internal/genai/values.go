package genai

import (
	"encoding/json"
	"math"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// valueString returns v as text: string values as they are (no copy), maps
// and arrays as JSON text, numbers and booleans in decimal form, bytes as
// base64.
func valueString(v pcommon.Value) string {
	if v.Type() == pcommon.ValueTypeStr {
		return v.Str()
	}
	if v.Type() == pcommon.ValueTypeEmpty {
		return ""
	}
	return v.AsString()
}

// valueCount returns v as a token count. Integers, finite doubles with no
// fractional part, and strings holding either (OTLP/JSON sends 64-bit
// integers as decimal strings) are accepted. Negative, NaN, infinite and
// non-numeric values are rejected.
func valueCount(v pcommon.Value) (int64, bool) {
	switch v.Type() {
	case pcommon.ValueTypeInt:
		n := v.Int()
		return n, n >= 0
	case pcommon.ValueTypeDouble:
		return floatCount(v.Double())
	case pcommon.ValueTypeStr:
		return stringCount(v.Str())
	}
	return 0, false
}

func stringCount(s string) (int64, bool) {
	s = strings.TrimSpace(s)
	if n, err := strconv.ParseInt(s, 10, 64); err == nil {
		return n, n >= 0
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return floatCount(f)
}

func floatCount(f float64) (int64, bool) {
	if math.IsNaN(f) || math.IsInf(f, 0) || f < 0 || f > math.MaxInt64/2 {
		return 0, false
	}
	return int64(f), f == math.Trunc(f)
}

// valueFloat returns v as a finite number; numeric strings are accepted.
func valueFloat(v pcommon.Value) (float64, bool) {
	var f float64
	switch v.Type() {
	case pcommon.ValueTypeInt:
		return float64(v.Int()), true
	case pcommon.ValueTypeDouble:
		f = v.Double()
	case pcommon.ValueTypeStr:
		var err error
		f, err = strconv.ParseFloat(strings.TrimSpace(v.Str()), 64)
		if err != nil {
			return 0, false
		}
	default:
		return 0, false
	}
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0, false
	}
	return f, true
}

// valueTrue reports whether v is boolean true or the string "true", the two
// forms Langfuse accepts for langfuse.trace.public.
func valueTrue(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeBool:
		return v.Bool()
	case pcommon.ValueTypeStr:
		return strings.EqualFold(strings.TrimSpace(v.Str()), "true")
	}
	return false
}

// appendTags appends the tags in v to dst. An array keeps its items. A
// string that starts with '[' is read as a JSON array, or as a Python list
// repr when it is not valid JSON. A string with commas is split on them, and
// any other non-empty string is one tag.
func appendTags(dst []string, v pcommon.Value) []string {
	if v.Type() == pcommon.ValueTypeSlice {
		sl := v.Slice()
		for i := 0; i < sl.Len(); i++ {
			if t := strings.TrimSpace(valueString(sl.At(i))); t != "" {
				dst = append(dst, t)
			}
		}
		return dst
	}

	s := strings.TrimSpace(valueString(v))
	if s == "" {
		return dst
	}
	if s[0] == '[' {
		ok := forEachJSONItem(s, func(item string) {
			dst = append(dst, jsonStringText(item))
		})
		if ok {
			return dst
		}
		// OTLP exporters of some SDKs send string arrays as Python reprs
		// such as "['beta', 'eu']".
		s = strings.TrimSuffix(strings.TrimPrefix(s, "["), "]")
	}
	if !strings.Contains(s, ",") {
		return append(dst, trimTag(s))
	}
	for part := range strings.SplitSeq(s, ",") {
		if t := trimTag(part); t != "" {
			dst = append(dst, t)
		}
	}
	return dst
}

func trimTag(s string) string {
	s = strings.TrimSpace(s)
	if len(s) >= 2 && (s[0] == '\'' || s[0] == '"') && s[len(s)-1] == s[0] {
		s = s[1 : len(s)-1]
	}
	return s
}

// setModelParameter stores one request parameter. The model itself is not a
// parameter; Vercel's maxRetries and the runtime context are kept out.
func (v *View) setModelParameter(name string, val pcommon.Value) {
	switch name {
	case "model", "model_name", "":
		return
	}
	if v.ModelParameters == nil {
		v.ModelParameters = make(map[string]any, 4)
	}
	switch val.Type() {
	case pcommon.ValueTypeInt:
		v.ModelParameters[name] = val.Int()
	case pcommon.ValueTypeDouble:
		v.ModelParameters[name] = val.Double()
	case pcommon.ValueTypeBool:
		v.ModelParameters[name] = val.Bool()
	default:
		v.ModelParameters[name] = valueString(val)
	}
	v.setServiceTier(name, val)
}

// setServiceTier sets ServiceTier when name is service_tier and val is
// stored as text in ModelParameters, that is, not a number or a boolean.
func (v *View) setServiceTier(name string, val pcommon.Value) {
	if name != "service_tier" {
		return
	}
	switch val.Type() {
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
		return
	}
	v.ServiceTier = valueString(val)
}

// jsonObjectFields decodes a JSON object text into its top-level fields.
// It returns false when s is not a JSON object.
func jsonObjectFields(s string) (map[string]json.RawMessage, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '{' {
		return nil, false
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal([]byte(s), &fields); err != nil {
		return nil, false
	}
	return fields, true
}

// unquoteJSON returns s without one level of JSON string encoding when s is
// a JSON string literal, and s otherwise.
func unquoteJSON(s string) string {
	s = strings.TrimSpace(s)
	if len(s) < 2 || s[0] != '"' {
		return s
	}
	var out string
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		return s
	}
	return out
}

// rawText returns a JSON field as text: strings without their quotes, any
// other value as its JSON text.
func rawText(raw json.RawMessage) string {
	if len(raw) > 0 && raw[0] == '"' {
		var s string
		if err := json.Unmarshal(raw, &s); err == nil {
			return s
		}
	}
	return string(raw)
}

// looksLikeJSONContainer reports whether s starts and ends like a JSON
// object or array. It replaces json.Valid, at a fraction of the cost, for
// values that SDKs produce with a JSON encoder. A value that passes it is
// written into rebuilt JSON as it is.
func looksLikeJSONContainer(s string) bool {
	s = strings.TrimSpace(s)
	if len(s) < 2 {
		return false
	}
	first, last := s[0], s[len(s)-1]
	return (first == '{' && last == '}') || (first == '[' && last == ']')
}
