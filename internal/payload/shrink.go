package payload

import (
	"slices"
	"strings"
)

// Shrinker cuts JSON documents to a size limit and keeps them valid JSON. It
// truncates the longest string values, each with a truncation marker inside
// the string. It keeps its scratch space between calls. A Shrinker is not
// safe for concurrent use.
type Shrinker struct {
	// values are the offsets of the document's string values, quotes
	// included. Object keys are never cut.
	values []valueRange
	// lengths are the content lengths of the values, longest first.
	lengths []int
	// walker checks that a document is JSON.
	walker Walker
}

type valueRange struct {
	start, end int
}

// Shrink appends to dst a copy of the JSON document doc that is at most limit
// bytes long, and returns it with true. Every string value longer than a
// common cap keeps its first bytes up to the cap, cut outside escapes,
// UTF-8 sequences and surrogate pairs, followed by a truncation marker. The
// cap is the largest that fits the limit, so short values stay whole.
//
// Shrink returns dst unchanged and false when doc is not a JSON object or
// array, or when cutting every string value to its marker alone does not
// fit the limit, for example for a long array of numbers.
func (s *Shrinker) Shrink(dst []byte, doc string, limit int) ([]byte, bool) {
	if !LooksLikeJSON(doc) {
		return dst, false
	}
	// The walker accepts exactly the JSON documents up to its nesting limit,
	// except that it does not check UTF-8. It is used instead of
	// encoding/json.Valid, which is about ten times slower on message text.
	if _, err := s.walker.Find(doc); err != nil {
		return dst, false
	}
	if len(doc) <= limit {
		return append(dst, doc...), true
	}

	s.findValues(doc)
	capBytes, ok := maxCap(len(doc), limit, s.sortedLengths())
	if !ok {
		s.values = s.values[:0]
		return dst, false
	}

	last := 0
	for _, v := range s.values {
		raw := doc[v.start+1 : v.end-1]
		if len(raw) <= capBytes+MaxTruncateMarkerLen {
			continue
		}
		cut := TruncateJSONString(raw, capBytes)
		dst = append(dst, doc[last:v.start+1]...)
		dst = append(dst, raw[:cut]...)
		dst = AppendTruncateMarker(dst, len(raw)-cut, len(raw))
		dst = append(dst, '"')
		last = v.end
	}
	s.values = s.values[:0]
	return append(dst, doc[last:]...), true
}

// findValues stores the offsets of the string values of doc, a valid JSON
// document, in document order.
func (s *Shrinker) findValues(doc string) {
	s.values = s.values[:0]
	for i := 0; i < len(doc); i++ {
		quote := strings.IndexByte(doc[i:], '"')
		if quote < 0 {
			return
		}
		i += quote
		end := stringEnd(doc, i)
		j := end
		for j < len(doc) && (doc[j] == ' ' || doc[j] == '\t' || doc[j] == '\n' || doc[j] == '\r') {
			j++
		}
		if j >= len(doc) || doc[j] != ':' {
			s.values = append(s.values, valueRange{start: i, end: end})
		}
		i = end - 1
	}
}

// sortedLengths returns the content lengths of the stored values, longest
// first, so that sizeWithCap can stop at the first value the cap leaves
// whole.
func (s *Shrinker) sortedLengths() []int {
	s.lengths = s.lengths[:0]
	for _, v := range s.values {
		s.lengths = append(s.lengths, v.end-v.start-2)
	}
	slices.Sort(s.lengths)
	slices.Reverse(s.lengths)
	return s.lengths
}

// maxCap returns the largest number of content bytes per string value that
// brings a document of size bytes to at most limit bytes, given the content
// lengths of its string values in descending order.
func maxCap(size, limit int, lengths []int) (int, bool) {
	if len(lengths) == 0 || sizeWithCap(size, lengths, 0) > limit {
		return 0, false
	}
	// sizeWithCap grows with the cap, so search for the last cap that fits.
	low, high := 0, lengths[0]
	for low < high {
		mid := low + (high-low+1)/2
		if sizeWithCap(size, lengths, mid) <= limit {
			low = mid
		} else {
			high = mid - 1
		}
	}
	return low, true
}

// sizeWithCap returns an upper bound of the document size after cutting each
// string value longer than capBytes plus a marker to capBytes and a marker.
// The bound counts every marker at its maximum length, and a cut may keep
// fewer than capBytes bytes, so the real size is at most the bound.
func sizeWithCap(size int, lengths []int, capBytes int) int {
	for _, n := range lengths {
		if n <= capBytes+MaxTruncateMarkerLen {
			break
		}
		size -= n - capBytes - MaxTruncateMarkerLen
	}
	return size
}

// stringEnd returns the offset after the JSON string that starts at i. A
// quote ends the string unless an odd number of backslashes precedes it.
func stringEnd(doc string, i int) int {
	j := i + 1
	for {
		quote := strings.IndexByte(doc[j:], '"')
		if quote < 0 {
			return len(doc)
		}
		j += quote
		backslashes := 0
		for k := j - 1; k > i && doc[k] == '\\'; k-- {
			backslashes++
		}
		if backslashes%2 == 0 {
			return j + 1
		}
		j++
	}
}
