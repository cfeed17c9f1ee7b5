package langfuseexporter

import (
	"encoding/base64"
	"math"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// appendMapJSON appends m as a JSON object in the map's own key order.
// Unlike encoding/json on Map.AsRaw, it never fails: a NaN or infinite
// double becomes the JSON string "NaN", "Infinity" or "-Infinity", and
// invalid UTF-8 becomes U+FFFD, so one bad value cannot empty the object.
func appendMapJSON(buf []byte, m pcommon.Map) []byte {
	buf = append(buf, '{')
	first := true
	for key, value := range m.All() {
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = appendJSONString(buf, key)
		buf = append(buf, ':')
		buf = appendValueJSON(buf, value)
	}
	return append(buf, '}')
}

// appendValueJSON appends one attribute value as JSON, with bytes as
// base64 text and an empty value as null.
func appendValueJSON(buf []byte, value pcommon.Value) []byte {
	switch value.Type() {
	case pcommon.ValueTypeStr:
		return appendJSONString(buf, value.Str())
	case pcommon.ValueTypeInt:
		return strconv.AppendInt(buf, value.Int(), 10)
	case pcommon.ValueTypeDouble:
		return appendJSONFloat(buf, value.Double())
	case pcommon.ValueTypeBool:
		return strconv.AppendBool(buf, value.Bool())
	case pcommon.ValueTypeBytes:
		buf = append(buf, '"')
		buf = base64.StdEncoding.AppendEncode(buf, value.Bytes().AsRaw())
		return append(buf, '"')
	case pcommon.ValueTypeMap:
		return appendMapJSON(buf, value.Map())
	case pcommon.ValueTypeSlice:
		items := value.Slice()
		buf = append(buf, '[')
		for i := range items.Len() {
			if i > 0 {
				buf = append(buf, ',')
			}
			buf = appendValueJSON(buf, items.At(i))
		}
		return append(buf, ']')
	}
	return append(buf, "null"...)
}

// appendJSONFloat appends f as a JSON number, or as a string naming the
// value when JSON has no number for it.
func appendJSONFloat(buf []byte, f float64) []byte {
	switch {
	case math.IsNaN(f):
		return append(buf, `"NaN"`...)
	case math.IsInf(f, 1):
		return append(buf, `"Infinity"`...)
	case math.IsInf(f, -1):
		return append(buf, `"-Infinity"`...)
	}
	return strconv.AppendFloat(buf, f, 'g', -1, 64)
}
