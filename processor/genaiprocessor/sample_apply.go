package genaiprocessor

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/payload"
)

// selection is one payload a rule selected: a whole attribute value or a
// value inside a JSON document.
type selection struct {
	// text is the payload: the attribute value, or the JSON value with its
	// quotes when it is a string.
	text string
	// inJSON is true for a value inside a JSON document, whose replacement
	// must be a JSON value.
	inJSON bool
	// isString is true when an inJSON value is a JSON string; escaped when
	// that string contains escapes.
	isString bool
	escaped  bool
	// binary is the base64 data of inline binary content, "" otherwise.
	binary    string
	mediaType string
}

// content returns the payload without JSON string quotes.
func (p *selection) content() string {
	if p.inJSON && p.isString {
		return p.text[1 : len(p.text)-1]
	}
	return p.text
}

// applyRules applies the first rule that selects the attribute, or else the
// rules that select the parts inside its value. It returns the new value and
// whether the attribute is to be removed.
func (s *sampler) applyRules(ctx context.Context, st *spanState, key string, v pcommon.Value, str string) (string, bool) {
	for i := range s.rules {
		if !s.rules[i].selectsKey(key) || s.decide(ctx, st, i) == decisionSkip {
			continue
		}
		sel := selection{text: str}
		if mediaType, dataStart, ok := payload.ParseDataURI(str); ok {
			sel.binary, sel.mediaType = str[dataStart:], mediaType
		}
		return s.replaceAttribute(ctx, st, i, key, v, &sel)
	}

	if !s.hasParts {
		return str, false
	}
	if payload.LooksLikeJSON(str) {
		return s.applyToParts(ctx, st, v, str), false
	}
	return s.applyToBinaryValue(ctx, st, key, v, str)
}

// applyToBinaryValue applies the binary part rules to a whole attribute
// value that is a base64 data URI, or a long base64 text that
// payload.LooksBinary accepts.
func (s *sampler) applyToBinaryValue(ctx context.Context, st *spanState, key string, v pcommon.Value, str string) (string, bool) {
	sel := selection{text: str}
	if mediaType, dataStart, ok := payload.ParseDataURI(str); ok {
		sel.binary = str[dataStart:]
		sel.mediaType = mediaType
	} else if payload.IsBase64(str, payload.MinBase64, false) && payload.LooksBinary(str) {
		sel.binary = str
	} else {
		return str, false
	}
	if sel.mediaType == "" {
		sel.mediaType = payload.SniffMediaType(sel.binary)
	}

	kind := payload.KindFile
	if sel.mediaType != "" {
		kind = payload.KindOfMediaType(sel.mediaType)
	}
	i := s.ruleForKind(ctx, st, kind)
	if i < 0 {
		return str, false
	}
	return s.replaceAttribute(ctx, st, i, key, v, &sel)
}

// minBytesPayload is the minimum length of a bytes value that the binary
// part rules select: the number of bytes that MinBase64 characters of base64
// text encode. Shorter bytes values are ids and digests more often than media.
const minBytesPayload = payload.MinBase64 / 4 * 3

// applyToBytes applies the binary part rules to a bytes value and returns
// true when a rule dropped it. A bytes value the rule does not keep becomes a
// string hash marker whatever the rule's replacement, unless the rule drops
// it, because a cut byte sequence has no room for a truncation marker.
func (s *sampler) applyToBytes(ctx context.Context, st *spanState, key string, v pcommon.Value) bool {
	if v.Bytes().Len() < minBytesPayload {
		return false
	}
	raw := v.Bytes().AsRaw()
	mediaType := payload.SniffMediaTypeBytes(raw)
	kind := payload.KindFile
	if mediaType != "" {
		kind = payload.KindOfMediaType(mediaType)
	}
	i := s.ruleForKind(ctx, st, kind)
	if i < 0 {
		return false
	}

	r := &s.rules[i]
	switch {
	case s.decide(ctx, st, i) == decisionKeep:
		r.metrics.kept(ctx)
		return false
	case r.replacement == replacementDrop:
		r.metrics.dropped(ctx, int64(len(key)+len(raw)))
		return true
	}
	s.hashBytesValue(ctx, st, v, &r.metrics)
	return false
}

// applyToNested applies the part rules to the string and bytes values inside
// a map or slice value, as to whole attribute values. A value that a rule
// drops is replaced by a drop marker, because the map or slice keeps its
// shape.
func (s *sampler) applyToNested(ctx context.Context, st *spanState, key string, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		str := v.Str()
		if payload.LooksLikeJSON(str) {
			s.applyToParts(ctx, st, v, str)
			return
		}
		if _, removed := s.applyToBinaryValue(ctx, st, key, v, str); removed {
			v.SetStr(string(payload.AppendDropMarker(st.buf[:0], len(str))))
		}

	case pcommon.ValueTypeBytes:
		if size := v.Bytes().Len(); s.applyToBytes(ctx, st, key, v) {
			v.SetStr(string(payload.AppendDropMarker(st.buf[:0], size)))
		}

	case pcommon.ValueTypeMap:
		for _, item := range v.Map().All() {
			s.applyToNested(ctx, st, key, item)
		}

	case pcommon.ValueTypeSlice:
		items := v.Slice()
		for i := 0; i < items.Len(); i++ {
			s.applyToNested(ctx, st, key, items.At(i))
		}
	}
}

// ruleForKind returns the index of the first rule that selects parts of kind
// k on the span, or -1.
func (s *sampler) ruleForKind(ctx context.Context, st *spanState, k payload.Kind) int {
	if !s.partKinds[k] {
		return -1
	}
	for i := range s.rules {
		if s.rules[i].parts[k] && s.decide(ctx, st, i) != decisionSkip {
			return i
		}
	}
	return -1
}

// replaceAttribute applies rule i to a whole attribute value.
func (s *sampler) replaceAttribute(ctx context.Context, st *spanState, i int, key string, v pcommon.Value, sel *selection) (string, bool) {
	r := &s.rules[i]
	if s.decide(ctx, st, i) == decisionKeep {
		r.metrics.kept(ctx)
		return sel.text, false
	}
	if r.replacement == replacementDrop {
		r.metrics.dropped(ctx, int64(len(key)+len(sel.text)))
		return "", true
	}

	text, outcome := s.replacementText(st, r, sel, st.buf[:0])
	switch outcome {
	case outcomeReplacedBefore:
		return sel.text, false
	case outcomeKept:
		r.metrics.kept(ctx)
		return sel.text, false
	}
	st.buf = text
	r.metrics.replaced(ctx, outcome, int64(len(sel.text)-len(text)))
	replaced := string(text)
	v.SetStr(replaced)
	return replaced, false
}

// applyToParts applies the part rules to the parts of a JSON document and
// returns the new document. A value that is not valid JSON is left as it is.
func (s *sampler) applyToParts(ctx context.Context, st *spanState, v pcommon.Value, doc string) string {
	parts, err := st.walker.Find(doc)
	if err != nil {
		if s.logger.Core().Enabled(zap.DebugLevel) {
			s.logger.Debug("Attribute value starts like JSON but does not parse; its parts are not sampled",
				zap.Error(err))
		}
		return doc
	}
	if len(parts) == 0 {
		return doc
	}

	// Each edit's text is appended to st.buf. Edits keep slices of earlier
	// backing arrays when st.buf grows, which stay valid.
	buf := st.buf[:0]
	edits := st.edits[:0]
	for _, p := range parts {
		i := s.ruleForKind(ctx, st, p.Kind)
		if i < 0 {
			continue
		}
		r := &s.rules[i]
		if s.decide(ctx, st, i) == decisionKeep {
			r.metrics.kept(ctx)
			continue
		}

		sel := selection{
			text:      doc[p.Start:p.End],
			inJSON:    true,
			isString:  p.String,
			escaped:   p.Escaped,
			mediaType: p.MediaType,
		}
		if p.Kind.IsBinary() {
			sel.binary = doc[p.DataStart : p.End-1]
		}
		start := len(buf)
		var outcome int
		buf, outcome = s.replacementText(st, r, &sel, buf)
		if outcome == outcomeReplacedBefore {
			continue
		}
		if outcome == outcomeKept {
			r.metrics.kept(ctx)
			continue
		}
		text := buf[start:len(buf):len(buf)]
		r.metrics.replaced(ctx, outcome, int64(len(sel.text)-len(text)))
		edits = append(edits, payload.Edit{Start: p.Start, End: p.End, Text: text})
	}
	st.edits = edits[:0]
	if len(edits) == 0 {
		st.buf = buf
		return doc
	}

	out := payload.Splice(make([]byte, 0, spliceLen(doc, edits)), doc, edits)
	st.buf = buf
	replaced := string(out)
	v.SetStr(replaced)
	return replaced
}

func spliceLen(doc string, edits []payload.Edit) int {
	n := len(doc)
	for _, e := range edits {
		n += len(e.Text) - (e.End - e.Start)
	}
	return n
}

// Replacement outcomes, the values of the metric attribute "outcome".
const (
	outcomeKept = iota
	outcomeHashed
	outcomeTruncated
	outcomeDropped
)

// outcomeReplacedBefore is the outcome of a payload that an earlier pass, in
// this or an upstream collector, already replaced. It is not counted.
const outcomeReplacedBefore = -1

// replacementText appends the replacement of sel under rule r to dst and
// returns it with the outcome. A payload that truncate would not shorten is
// kept: the outcome is outcomeKept and nothing is appended. A marker, or a
// prefix the rule would keep followed by a truncation marker, is left as it
// is with outcomeReplacedBefore.
func (s *sampler) replacementText(st *spanState, r *sampleRule, sel *selection, dst []byte) ([]byte, int) {
	content := sel.content()
	if payload.IsMarker(content) {
		return dst, outcomeReplacedBefore
	}
	switch r.replacement {
	case replacementHash:
		var d payload.Digest
		if sel.binary != "" {
			d = st.hasher.DigestBase64(sel.binary, sel.escaped)
		} else {
			d = st.hasher.DigestText(content)
		}
		return appendMarker(dst, sel.inJSON, func(b []byte) []byte {
			return payload.AppendHashMarker(b, d, sel.mediaType)
		}), outcomeHashed

	case replacementTruncate:
		if len(content) <= r.truncateBytes {
			return dst, outcomeKept
		}
		if n := payload.TruncatedPrefixLen(content); n >= 0 && n <= r.truncateBytes {
			return dst, outcomeReplacedBefore
		}
		if (sel.inJSON && !sel.isString) || (!sel.inJSON && payload.LooksLikeJSON(content)) {
			// A JSON array or object, as a part or a whole attribute value,
			// keeps its shape when cutting its string values can bring it
			// to truncate_bytes.
			if out, ok := st.shrinker.Shrink(dst, content, r.truncateBytes); ok {
				return out, outcomeTruncated
			}
		}
		return appendTruncated(dst, sel, r.truncateBytes), outcomeTruncated

	default:
		return appendMarker(dst, sel.inJSON, func(b []byte) []byte {
			return payload.AppendDropMarker(b, len(content))
		}), outcomeDropped
	}
}

// appendMarker appends a marker, as a JSON string when inJSON is true. The
// markers contain no character that JSON must escape.
func appendMarker(dst []byte, inJSON bool, marker func([]byte) []byte) []byte {
	if !inJSON {
		return marker(dst)
	}
	dst = append(dst, '"')
	dst = marker(dst)
	return append(dst, '"')
}

// appendTruncated appends the first keep bytes of the payload and the
// truncation marker. A JSON string is cut outside its escapes. Any other
// JSON value becomes a JSON string of its cut text.
func appendTruncated(dst []byte, sel *selection, keep int) []byte {
	content := sel.content()
	switch {
	case !sel.inJSON:
		cut := payload.TruncateText(content, keep)
		dst = append(dst, content[:cut]...)
		return payload.AppendTruncateMarker(dst, len(content)-cut, len(content))

	case sel.isString:
		cut := payload.TruncateJSONString(content, keep)
		dst = append(dst, '"')
		dst = append(dst, content[:cut]...)
		dst = payload.AppendTruncateMarker(dst, len(content)-cut, len(content))
		return append(dst, '"')

	default:
		cut := payload.TruncateText(content, keep)
		dst = payload.AppendJSONString(dst, content[:cut])
		dst = dst[:len(dst)-1]
		dst = payload.AppendTruncateMarker(dst, len(content)-cut, len(content))
		return append(dst, '"')
	}
}
