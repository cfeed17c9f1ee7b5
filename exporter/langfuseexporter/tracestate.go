package langfuseexporter

import (
	"container/list"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// maxPropagatedTags bounds the tag union kept per trace.
const maxPropagatedTags = 64

// maxRememberedValueBytes bounds each string the trace state keeps, so a
// remembered trace takes at most about 18 KB: six values and 64 tags of at
// most 256 bytes. Longer values still reach the spans of their own batch
// but are not remembered for later batches.
const maxRememberedValueBytes = 256

// traceAttributes are the trace-level values Langfuse v4 stores on every
// observation row, taken only from that observation's own span. The
// exporter therefore copies them onto every span of the trace.
type traceAttributes struct {
	UserID      string
	SessionID   string
	Tags        []string
	TraceName   string
	Environment string
	Release     string
	// fromRoot is true once the root span contributed, so that its values
	// win over those of children seen earlier.
	fromRoot bool
}

// merge fills the empty fields of a from other; when other comes from the
// root span its non-empty values replace those of a. Tags are united.
func (a *traceAttributes) merge(other traceAttributes) {
	override := other.fromRoot && !a.fromRoot
	pick := func(dst *string, src string) {
		if src != "" && (*dst == "" || override) {
			*dst = src
		}
	}
	pick(&a.UserID, other.UserID)
	pick(&a.SessionID, other.SessionID)
	pick(&a.TraceName, other.TraceName)
	pick(&a.Environment, other.Environment)
	pick(&a.Release, other.Release)

	for _, tag := range other.Tags {
		if len(a.Tags) >= maxPropagatedTags {
			break
		}
		if !slices.Contains(a.Tags, tag) {
			a.Tags = append(a.Tags, tag)
		}
	}
	a.fromRoot = a.fromRoot || other.fromRoot
}

// empty reports whether a carries nothing worth remembering.
func (a *traceAttributes) empty() bool {
	return a.UserID == "" && a.SessionID == "" && a.TraceName == "" &&
		a.Environment == "" && a.Release == "" && len(a.Tags) == 0
}

// traceState remembers traceAttributes per trace id across batches, bounded
// by a maximum number of traces (least recently used evicted first) and a
// time to live since the last update.
type traceState struct {
	maxTraces int
	ttl       time.Duration

	mu      sync.Mutex
	order   *list.List // front is the most recently used
	entries map[pcommon.TraceID]*list.Element
}

type traceEntry struct {
	traceID pcommon.TraceID
	attrs   traceAttributes
	updated time.Time
}

// evictionCounts reports how many traces a call forgot, by cause.
type evictionCounts struct {
	capacity int
	expired  int
}

func newTraceState(maxTraces int, ttl time.Duration) *traceState {
	return &traceState{
		maxTraces: maxTraces,
		ttl:       ttl,
		order:     list.New(),
		entries:   make(map[pcommon.TraceID]*list.Element),
	}
}

// update merges attrs into the stored values of traceID and returns the
// merged values. Entries older than the TTL are removed first, and the least
// recently used entries when the state is full.
func (s *traceState) update(traceID pcommon.TraceID, attrs traceAttributes, now time.Time) (traceAttributes, evictionCounts) {
	s.mu.Lock()
	defer s.mu.Unlock()

	var counts evictionCounts
	counts.expired = s.expireLocked(now)

	if element, ok := s.entries[traceID]; ok {
		entry := element.Value.(*traceEntry)
		merged := cloneAttributes(entry.attrs)
		merged.merge(attrs)
		entry.attrs = rememberedAttributes(merged)
		entry.updated = now
		s.order.MoveToFront(element)
		return merged, counts
	}

	if attrs.empty() {
		return attrs, counts
	}

	for s.order.Len() >= s.maxTraces {
		oldest := s.order.Back()
		s.order.Remove(oldest)
		delete(s.entries, oldest.Value.(*traceEntry).traceID)
		counts.capacity++
	}

	entry := &traceEntry{traceID: traceID, attrs: rememberedAttributes(attrs), updated: now}
	s.entries[traceID] = s.order.PushFront(entry)
	return attrs, counts
}

// expireLocked removes entries not updated within the TTL. The list is
// ordered by last use, which is also the order of last update, so the scan
// stops at the first fresh entry.
func (s *traceState) expireLocked(now time.Time) int {
	expired := 0
	for element := s.order.Back(); element != nil; element = s.order.Back() {
		entry := element.Value.(*traceEntry)
		if now.Sub(entry.updated) < s.ttl {
			break
		}
		s.order.Remove(element)
		delete(s.entries, entry.traceID)
		expired++
	}
	return expired
}

// len returns the number of traces remembered.
func (s *traceState) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.order.Len()
}

// rememberedAttributes returns a copy of a without the values longer than
// maxRememberedValueBytes.
func rememberedAttributes(a traceAttributes) traceAttributes {
	short := func(s string) string {
		if len(s) > maxRememberedValueBytes {
			return ""
		}
		return s
	}
	out := traceAttributes{
		UserID:      short(a.UserID),
		SessionID:   short(a.SessionID),
		TraceName:   short(a.TraceName),
		Environment: short(a.Environment),
		Release:     short(a.Release),
		fromRoot:    a.fromRoot,
	}
	for _, tag := range a.Tags {
		if len(tag) <= maxRememberedValueBytes {
			out.Tags = append(out.Tags, tag)
		}
	}
	return out
}

func cloneAttributes(a traceAttributes) traceAttributes {
	a.Tags = slices.Clone(a.Tags)
	return a
}
