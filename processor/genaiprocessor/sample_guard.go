package genaiprocessor

import (
	"context"
	"slices"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/payload"
)

// minTrimBytes is the minimum size the span limit cuts an attribute down to,
// so that a trimmed attribute still shows its beginning.
const minTrimBytes = 512

// truncateAttribute cuts the string value v to at most limit bytes, markers
// included, and returns the new value. A JSON object or array stays valid
// JSON, because its longest string values are cut, each followed by its own
// marker.
// Other text, and JSON whose string values are too short to free enough
// bytes, is cut at the end.
func (s *sampler) truncateAttribute(ctx context.Context, st *spanState, v pcommon.Value, str string, limit int,
	m *ruleMetrics,
) string {
	if payload.LooksLikeJSON(str) {
		out, ok := st.shrinker.Shrink(st.buf[:0], str, limit)
		if ok {
			st.buf = out
			return s.setTruncated(ctx, v, str, string(out), m)
		}
		if s.logger.Core().Enabled(zap.DebugLevel) {
			s.logger.Debug("Cutting an attribute value over the size limit at the end, because it is not JSON "+
				"whose string values can be cut", zap.Int("bytes", len(str)), zap.Int("limit", limit))
		}
	}

	keep := limit - payload.MaxTruncateMarkerLen
	cut := payload.TruncateText(str, keep)
	out := make([]byte, 0, cut+payload.MaxTruncateMarkerLen)
	out = append(out, str[:cut]...)
	out = payload.AppendTruncateMarker(out, len(str)-cut, len(str))
	return s.setTruncated(ctx, v, str, string(out), m)
}

func (s *sampler) setTruncated(ctx context.Context, v pcommon.Value, str, replaced string, m *ruleMetrics) string {
	v.SetStr(replaced)
	m.replaced(ctx, outcomeTruncated, int64(len(str)-len(replaced)))
	return replaced
}

// hashBytesValue replaces the bytes value v by a string hash marker, because
// a cut byte sequence has no room for a marker, and returns the marker.
func (s *sampler) hashBytesValue(ctx context.Context, st *spanState, v pcommon.Value, m *ruleMetrics) string {
	b := v.Bytes().AsRaw()
	digest := st.hasher.DigestBytes(b)
	mediaType := payload.SniffMediaTypeBytes(b)
	replaced := string(payload.AppendHashMarker(st.buf[:0], digest, mediaType))
	v.SetStr(replaced)
	m.replaced(ctx, outcomeHashed, int64(len(b)-len(replaced)))
	return replaced
}

// limitValue applies max_attribute_bytes to the string and bytes values of v
// and of the maps and slices it contains, and returns the size v counts
// toward max_span_bytes: the length of strings, bytes and map keys.
func (s *sampler) limitValue(ctx context.Context, st *spanState, v pcommon.Value) int {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		str := v.Str()
		if s.maxAttributeBytes > 0 && len(str) > s.maxAttributeBytes {
			str = s.truncateAttribute(ctx, st, v, str, s.maxAttributeBytes, s.telemetry.attributeLimit)
		}
		return len(str)

	case pcommon.ValueTypeBytes:
		size := v.Bytes().Len()
		if s.maxAttributeBytes > 0 && size > s.maxAttributeBytes {
			return len(s.hashBytesValue(ctx, st, v, s.telemetry.attributeLimit))
		}
		return size

	case pcommon.ValueTypeMap:
		size := 0
		for key, item := range v.Map().All() {
			size += len(key) + s.limitValue(ctx, st, item)
		}
		return size

	case pcommon.ValueTypeSlice:
		size := 0
		items := v.Slice()
		for i := 0; i < items.Len(); i++ {
			size += s.limitValue(ctx, st, items.At(i))
		}
		return size
	}
	return 0
}

// trimCandidate is a string or bytes value the span limit may cut, at the
// top level of an attribute or inside a map or slice attribute value.
type trimCandidate struct {
	value     pcommon.Value
	size      int
	protected bool
}

// trimSpan cuts the span's largest string and bytes values until the span
// fits max_span_bytes: values in attributes no rule protects first, then
// protected ones, each string down to at least minTrimBytes and each bytes
// value to a hash marker.
func (s *sampler) trimSpan(ctx context.Context, st *spanState) {
	st.trims = s.collectTrimCandidates(st.trims[:0], st.span.Attributes())
	events := st.span.Events()
	for i := 0; i < events.Len(); i++ {
		st.trims = s.collectTrimCandidates(st.trims, events.At(i).Attributes())
	}
	slices.SortFunc(st.trims, func(a, b trimCandidate) int {
		if a.protected != b.protected {
			if a.protected {
				return 1
			}
			return -1
		}
		return b.size - a.size
	})

	// The candidates refer to values in place. Nothing is added to or
	// removed from the attribute maps while trimming, so they stay valid.
	for _, c := range st.trims {
		excess := st.spanBytes - s.maxSpanBytes
		if excess <= 0 {
			break
		}
		var replaced string
		if c.value.Type() == pcommon.ValueTypeBytes {
			replaced = s.hashBytesValue(ctx, st, c.value, s.telemetry.spanLimit)
		} else {
			target := max(c.size-excess, minTrimBytes)
			replaced = s.truncateAttribute(ctx, st, c.value, c.value.Str(), target, s.telemetry.spanLimit)
		}
		st.spanBytes -= c.size - len(replaced)
	}

	if st.spanBytes > s.maxSpanBytes {
		s.logger.Warn("Span is still above max_span_bytes after trimming its string and bytes values; "+
			"raise max_span_bytes or sample more payloads",
			zap.Int("span_bytes", st.spanBytes), zap.Int("max_span_bytes", s.maxSpanBytes),
			zap.String("span_name", st.span.Name()))
	}
}

func (s *sampler) collectTrimCandidates(dst []trimCandidate, attrs pcommon.Map) []trimCandidate {
	for key, v := range attrs.All() {
		dst = appendTrimCandidates(dst, v, s.isProtected(key))
	}
	return dst
}

// appendTrimCandidates appends v, or the values inside it, that are long
// enough for trimming to shorten them.
func appendTrimCandidates(dst []trimCandidate, v pcommon.Value, protected bool) []trimCandidate {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		if size := len(v.Str()); size > minTrimBytes+payload.MaxTruncateMarkerLen {
			dst = append(dst, trimCandidate{value: v, size: size, protected: protected})
		}
	case pcommon.ValueTypeBytes:
		if size := v.Bytes().Len(); size > minTrimBytes+payload.MaxTruncateMarkerLen {
			dst = append(dst, trimCandidate{value: v, size: size, protected: protected})
		}
	case pcommon.ValueTypeMap:
		for _, item := range v.Map().All() {
			dst = appendTrimCandidates(dst, item, protected)
		}
	case pcommon.ValueTypeSlice:
		items := v.Slice()
		for i := 0; i < items.Len(); i++ {
			dst = appendTrimCandidates(dst, items.At(i), protected)
		}
	}
	return dst
}
