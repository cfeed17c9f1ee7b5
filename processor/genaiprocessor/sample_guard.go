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

// truncateAttribute cuts the string attribute v to at most limit bytes,
// marker included, and returns the new value.
func (s *sampler) truncateAttribute(ctx context.Context, v pcommon.Value, str string, limit int, m *ruleMetrics) string {
	keep := limit - payload.MaxTruncateMarkerLen
	cut := payload.TruncateText(str, keep)
	out := make([]byte, 0, cut+payload.MaxTruncateMarkerLen)
	out = append(out, str[:cut]...)
	out = payload.AppendTruncateMarker(out, len(str)-cut, len(str))

	replaced := string(out)
	v.SetStr(replaced)
	m.replaced(ctx, outcomeTruncated, int64(len(str)-len(replaced)))
	return replaced
}

// trimCandidate is a string attribute the span limit may cut.
type trimCandidate struct {
	attrs     pcommon.Map
	key       string
	size      int
	protected bool
}

// trimSpan cuts the span's largest string attributes until the span fits
// max_span_bytes: attributes no rule protects first, then protected ones,
// each down to at least minTrimBytes.
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

	for _, c := range st.trims {
		excess := st.spanBytes - s.maxSpanBytes
		if excess <= 0 {
			break
		}
		target := max(c.size-excess, minTrimBytes)
		v, ok := c.attrs.Get(c.key)
		if !ok {
			continue
		}
		replaced := s.truncateAttribute(ctx, v, v.Str(), target, s.telemetry.spanLimit)
		st.spanBytes -= c.size - len(replaced)
	}

	if st.spanBytes > s.maxSpanBytes {
		s.logger.Warn("Span is still above max_span_bytes after trimming its string attributes; "+
			"raise max_span_bytes or sample more payloads",
			zap.Int("span_bytes", st.spanBytes), zap.Int("max_span_bytes", s.maxSpanBytes),
			zap.String("span_name", st.span.Name()))
	}
}

func (s *sampler) collectTrimCandidates(dst []trimCandidate, attrs pcommon.Map) []trimCandidate {
	for key, v := range attrs.All() {
		if v.Type() != pcommon.ValueTypeStr {
			continue
		}
		if size := len(v.Str()); size > minTrimBytes+payload.MaxTruncateMarkerLen {
			dst = append(dst, trimCandidate{attrs: attrs, key: key, size: size, protected: s.isProtected(key)})
		}
	}
	return dst
}
