package langfusereceiver

import (
	"container/list"
	"encoding/json"
	"math"
	"slices"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Reasons why held observations and traces are sent, recorded as the reason
// attribute of the flush metric.
const (
	flushComplete = "complete"
	flushTimeout  = "timeout"
	flushEvicted  = "evicted"
	flushShutdown = "shutdown"
)

// retention is how long the receiver remembers an observation or trace after
// its span was sent, so that a late update is merged with its identity and a
// late observation gets the trace attributes. Langfuse itself treats a trace
// id as new again after 10 minutes.
const retention = 10 * time.Minute

// source is the SDK that sent an event, from the x-langfuse-sdk-* headers.
// It becomes the resource and scope of the spans built from the event.
type source struct {
	sdkName    string
	sdkVersion string
}

// heldObservation is the merged state of one observation id.
type heldObservation struct {
	fields observationFields
	// hasCreate is true once a create event arrived. An update alone waits
	// for its create until the merge timeout.
	hasCreate bool
	// pending is true while events wait to be sent.
	pending bool
	// firstTimestamp is the earliest envelope timestamp, the start time of
	// an observation whose events carry none.
	firstTimestamp time.Time
	lastSeen       time.Time
	source         source
	eventIDs       recentEventIDs
	element        *list.Element
	// payloadBytes is the size of the raw JSON payloads in fields, as last
	// counted in assembler.heldBytes.
	payloadBytes int64
}

// heldTrace is the merged state of one trace id.
type heldTrace struct {
	fields         traceFields
	pending        bool
	firstTimestamp time.Time
	lastSeen       time.Time
	// maxEnd is the latest end time of the trace's observations, the end
	// time of the span that stands for the trace.
	maxEnd       time.Time
	source       source
	eventIDs     recentEventIDs
	element      *list.Element
	payloadBytes int64
}

// maxRecentEventIDs bounds the event ids remembered per observation or trace.
// The v3 SDKs send two or three events per observation.
const maxRecentEventIDs = 16

// recentEventIDs are the ids of the last events merged into one observation
// or trace. An SDK that resends a batch after a failed request reuses its
// event ids, and Langfuse treats the event id as the deduplication key, so a
// resent event is skipped instead of being merged and sent a second time.
type recentEventIDs []string

// add records id and reports whether it was new.
func (r *recentEventIDs) add(id string) bool {
	if slices.Contains(*r, id) {
		return false
	}
	if len(*r) == maxRecentEventIDs {
		*r = slices.Delete(*r, 0, 1)
	}
	*r = append(*r, id)
	return true
}

func (r *recentEventIDs) remove(id string) {
	*r = slices.DeleteFunc(*r, func(seen string) bool { return seen == id })
}

// flushCounts counts observations and traces sent, by flush reason.
type flushCounts map[string]int

// assembler merges create and update events by id and builds spans. Each
// list orders its entries by last event, oldest first, so that expiry and
// eviction look only at the front.
type assembler struct {
	mu         sync.Mutex
	timeout    time.Duration
	maxEntries int
	// maxBytes bounds heldBytes, the raw JSON payload bytes (input, output,
	// metadata, model parameters) of every held observation and trace.
	maxBytes  int64
	heldBytes int64

	observations     map[string]*heldObservation
	observationOrder *list.List
	traces           map[string]*heldTrace
	traceOrder       *list.List
}

func newAssembler(timeout time.Duration, maxEntries int) *assembler {
	return &assembler{
		timeout:          timeout,
		maxEntries:       maxEntries,
		maxBytes:         math.MaxInt64,
		observations:     map[string]*heldObservation{},
		observationOrder: list.New(),
		traces:           map[string]*heldTrace{},
		traceOrder:       list.New(),
	}
}

// add merges the trace and observation events of one request and returns
// the spans that are complete, with the number sent per reason. Events are
// applied as Langfuse orders them: creates before updates, each by envelope
// timestamp.
func (a *assembler) add(events []event, src source, now time.Time) (ptrace.Traces, flushCounts) {
	ordered := slices.Clone(events)
	slices.SortStableFunc(ordered, func(x, y event) int {
		if x.eventType.update != y.eventType.update {
			if x.eventType.update {
				return 1
			}
			return -1
		}
		return x.timestamp.Compare(y.timestamp)
	})

	a.mu.Lock()
	defer a.mu.Unlock()
	out := newSpanBatch()
	counts := flushCounts{}
	var touched []*heldObservation
	for i := range ordered {
		ev := &ordered[i]
		switch {
		case ev.trace != nil:
			a.addTrace(ev, src, now, out, counts)
		case ev.observation != nil:
			touched = append(touched, a.addObservation(ev, src, now, out, counts))
		}
	}
	for _, held := range touched {
		if held.pending && held.complete() {
			a.sendObservation(held, out)
			counts[flushComplete]++
		}
	}
	return out.traces, counts
}

func (a *assembler) addTrace(ev *event, src source, now time.Time, out *spanBatch,
	counts flushCounts) {
	held, ok := a.traces[ev.trace.id]
	if !ok {
		held = &heldTrace{fields: traceFields{id: ev.trace.id}, firstTimestamp: ev.timestamp,
			source: src}
		held.element = a.traceOrder.PushBack(held)
		a.traces[ev.trace.id] = held
		a.evictTraces(out, counts)
	}
	if !held.eventIDs.add(ev.id) {
		return
	}
	// The list stays ordered by lastSeen only if a skipped resent event
	// leaves the entry where it is.
	a.traceOrder.MoveToBack(held.element)
	held.fields.mergeTrace(ev.trace)
	held.pending = true
	held.lastSeen = now
	if ev.timestamp.Before(held.firstTimestamp) {
		held.firstTimestamp = ev.timestamp
	}
	a.recountTrace(held)
	a.evictForBytes(out, counts)
}

func (a *assembler) addObservation(ev *event, src source, now time.Time, out *spanBatch,
	counts flushCounts) *heldObservation {
	fields := ev.observation
	held, ok := a.observations[fields.id]
	if !ok {
		held = &heldObservation{fields: observationFields{id: fields.id},
			firstTimestamp: ev.timestamp, source: src}
		held.element = a.observationOrder.PushBack(held)
		a.observations[fields.id] = held
		a.evictObservations(out, counts)
	}
	if !held.eventIDs.add(ev.id) {
		return held
	}
	a.observationOrder.MoveToBack(held.element)

	if !ev.eventType.update && !held.hasCreate {
		// A create that arrives after its updates lies beneath them, because
		// Langfuse orders an entity's events by timestamp, creates first.
		merged := *fields
		merged.mergeObservation(&held.fields)
		held.fields = merged
		held.hasCreate = true
	} else {
		held.fields.mergeObservation(fields)
	}
	held.pending = true
	held.lastSeen = now
	if ev.timestamp.Before(held.firstTimestamp) {
		held.firstTimestamp = ev.timestamp
	}
	a.recountObservation(held)
	a.evictForBytes(out, counts)
	return held
}

// forget removes the ids of events from the observations and traces they
// were merged into, so that the SDK can resend them after the pipeline
// rejected their spans.
func (a *assembler) forget(events []event) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i := range events {
		ev := &events[i]
		switch {
		case ev.trace != nil:
			if held, ok := a.traces[ev.trace.id]; ok {
				held.eventIDs.remove(ev.id)
			}
		case ev.observation != nil:
			if held, ok := a.observations[ev.observation.id]; ok {
				held.eventIDs.remove(ev.id)
			}
		}
	}
}

// complete reports whether an observation can be sent without waiting: it
// has its create and either an end time or a type that has no update event.
func (h *heldObservation) complete() bool {
	if !h.hasCreate {
		return false
	}
	if h.fields.endTime.set {
		return true
	}
	switch h.fields.observationType.value {
	case "span", "generation", "":
		return false
	}
	return true
}

// sendObservation builds the span of held and keeps only its identity.
func (a *assembler) sendObservation(held *heldObservation, out *spanBatch) {
	trace := a.traces[traceKey(&held.fields)]
	end := out.addObservation(held, trace)
	if trace != nil && end.After(trace.maxEnd) {
		trace.maxEnd = end
	}
	held.fields = held.fields.identity()
	held.pending = false
	a.recountObservation(held)
}

// sendTrace builds the span that stands for the trace and keeps the fields
// that later observations of the trace copy.
func (a *assembler) sendTrace(held *heldTrace, out *spanBatch) {
	out.addTrace(held)
	held.fields.input = opt[json.RawMessage]{}
	held.fields.output = opt[json.RawMessage]{}
	held.pending = false
	a.recountTrace(held)
}

// expire sends observations and traces whose last event is at least the
// merge timeout old, and removes those sent more than retention ago.
func (a *assembler) expire(now time.Time) (ptrace.Traces, flushCounts) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := newSpanBatch()
	counts := flushCounts{}

	// Traces go first, so that observations sent in the same pass find
	// their trace still held.
	for e := a.traceOrder.Front(); e != nil; {
		held := e.Value.(*heldTrace)
		next := e.Next()
		age := now.Sub(held.lastSeen)
		if age < a.timeout {
			break
		}
		if held.pending {
			a.sendTrace(held, out)
			counts[flushTimeout]++
		} else if age >= retention {
			a.removeTrace(held)
		}
		e = next
	}

	for e := a.observationOrder.Front(); e != nil; {
		held := e.Value.(*heldObservation)
		next := e.Next()
		age := now.Sub(held.lastSeen)
		if age < a.timeout {
			break
		}
		if held.pending {
			a.sendObservation(held, out)
			counts[flushTimeout]++
		} else if age >= retention {
			a.removeObservation(held)
		}
		e = next
	}
	return out.traces, counts
}

// flushAll sends everything that is pending, for shutdown.
func (a *assembler) flushAll() (ptrace.Traces, flushCounts) {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := newSpanBatch()
	counts := flushCounts{}
	for e := a.traceOrder.Front(); e != nil; e = e.Next() {
		if held := e.Value.(*heldTrace); held.pending {
			a.sendTrace(held, out)
			counts[flushShutdown]++
		}
	}
	for e := a.observationOrder.Front(); e != nil; e = e.Next() {
		if held := e.Value.(*heldObservation); held.pending {
			a.sendObservation(held, out)
			counts[flushShutdown]++
		}
	}
	return out.traces, counts
}

// evictObservations sends or removes the oldest observations beyond the
// bound.
func (a *assembler) evictObservations(out *spanBatch, counts flushCounts) {
	for len(a.observations) > a.maxEntries {
		e := a.observationOrder.Front()
		held := e.Value.(*heldObservation)
		if held.pending {
			a.sendObservation(held, out)
			counts[flushEvicted]++
		}
		a.removeObservation(held)
	}
}

// evictTraces sends or removes the oldest traces beyond the bound.
func (a *assembler) evictTraces(out *spanBatch, counts flushCounts) {
	for len(a.traces) > a.maxEntries {
		e := a.traceOrder.Front()
		held := e.Value.(*heldTrace)
		if held.pending {
			a.sendTrace(held, out)
			counts[flushEvicted]++
		}
		a.removeTrace(held)
	}
}

// evictForBytes sends and removes the oldest observations, then the oldest
// traces, until the held payloads fit in maxBytes. It removes sent entries
// too, because the identity of a sent generation keeps its model parameters.
func (a *assembler) evictForBytes(out *spanBatch, counts flushCounts) {
	for a.heldBytes > a.maxBytes && a.observationOrder.Len() > 0 {
		held := a.observationOrder.Front().Value.(*heldObservation)
		if held.pending {
			a.sendObservation(held, out)
			counts[flushEvicted]++
		}
		a.removeObservation(held)
	}
	for a.heldBytes > a.maxBytes && a.traceOrder.Len() > 0 {
		held := a.traceOrder.Front().Value.(*heldTrace)
		if held.pending {
			a.sendTrace(held, out)
			counts[flushEvicted]++
		}
		a.removeTrace(held)
	}
}

func (a *assembler) removeObservation(held *heldObservation) {
	a.observationOrder.Remove(held.element)
	delete(a.observations, held.fields.id)
	a.heldBytes -= held.payloadBytes
	held.payloadBytes = 0
}

func (a *assembler) removeTrace(held *heldTrace) {
	a.traceOrder.Remove(held.element)
	delete(a.traces, held.fields.id)
	a.heldBytes -= held.payloadBytes
	held.payloadBytes = 0
}

func (a *assembler) recountObservation(held *heldObservation) {
	f := &held.fields
	n := rawLength(f.input) + rawLength(f.output) + objectLength(f.metadata) +
		objectLength(f.modelParameters)
	a.heldBytes += n - held.payloadBytes
	held.payloadBytes = n
}

func (a *assembler) recountTrace(held *heldTrace) {
	f := &held.fields
	n := rawLength(f.input) + rawLength(f.output) + objectLength(f.metadata)
	a.heldBytes += n - held.payloadBytes
	held.payloadBytes = n
}

func rawLength(value opt[json.RawMessage]) int64 {
	return int64(len(value.value))
}

func objectLength(object map[string]json.RawMessage) int64 {
	var n int64
	for key, value := range object {
		n += int64(len(key) + len(value))
	}
	return n
}

// pendingCount returns the number of observations and traces waiting to be
// sent.
func (a *assembler) pendingCount() int {
	a.mu.Lock()
	defer a.mu.Unlock()
	n := 0
	for _, held := range a.observations {
		if held.pending {
			n++
		}
	}
	for _, held := range a.traces {
		if held.pending {
			n++
		}
	}
	return n
}

// traceKey returns the Langfuse trace id of an observation. An observation
// without one gets a trace of its own, keyed by its id. Langfuse gives it a
// random trace id instead.
func traceKey(fields *observationFields) string {
	if fields.traceID.set {
		return fields.traceID.value
	}
	return fields.id
}
