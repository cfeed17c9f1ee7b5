package langfuseexporter

import (
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

func TestTraceStateEvictsLeastRecentlyUsed(t *testing.T) {
	state := newTraceState(2, time.Hour)
	now := time.Unix(1_800_000_000, 0)

	_, c1 := state.update(pcommon.TraceID{1}, traceAttributes{UserID: "u1"}, now)
	_, c2 := state.update(pcommon.TraceID{2}, traceAttributes{UserID: "u2"}, now)
	_, c3 := state.update(pcommon.TraceID{1}, traceAttributes{SessionID: "s1"}, now)
	_, c4 := state.update(pcommon.TraceID{3}, traceAttributes{UserID: "u3"}, now)

	assert.Equal(t, evictionCounts{}, c1)
	assert.Equal(t, evictionCounts{}, c2)
	assert.Equal(t, evictionCounts{}, c3)
	assert.Equal(t, evictionCounts{capacity: 1}, c4, "trace 2 is the least recently used")
	assert.Equal(t, 2, state.len())

	got, _ := state.update(pcommon.TraceID{1}, traceAttributes{}, now)
	assert.Equal(t, "u1", got.UserID)
	assert.Equal(t, "s1", got.SessionID)
	got, _ = state.update(pcommon.TraceID{2}, traceAttributes{}, now)
	assert.Empty(t, got.UserID, "trace 2 was evicted")
}

func TestTraceStateExpiresAfterTTL(t *testing.T) {
	state := newTraceState(10, time.Minute)
	now := time.Unix(1_800_000_000, 0)

	state.update(pcommon.TraceID{1}, traceAttributes{UserID: "u1"}, now)
	_, counts := state.update(pcommon.TraceID{2}, traceAttributes{UserID: "u2"}, now.Add(2*time.Minute))

	assert.Equal(t, evictionCounts{expired: 1}, counts)
	assert.Equal(t, 1, state.len())
}

func TestTraceStateSkipsEmptyTraces(t *testing.T) {
	state := newTraceState(10, time.Minute)
	state.update(pcommon.TraceID{1}, traceAttributes{}, time.Now())
	assert.Equal(t, 0, state.len())
}

func TestTraceAttributesMerge(t *testing.T) {
	child := traceAttributes{UserID: "from-child", Tags: []string{"a"}}
	child.merge(traceAttributes{UserID: "from-root", SessionID: "s", Tags: []string{"a", "b"}, fromRoot: true})
	assert.Equal(t, "from-root", child.UserID, "root values win")
	assert.Equal(t, "s", child.SessionID)
	assert.Equal(t, []string{"a", "b"}, child.Tags)

	child.merge(traceAttributes{UserID: "late-child"})
	assert.Equal(t, "from-root", child.UserID, "children do not replace root values")
}

func TestTraceStateForgetsLongValues(t *testing.T) {
	state := newTraceState(10, time.Hour)
	now := time.Unix(1_800_000_000, 0)
	long := strings.Repeat("n", 50<<20)

	got, _ := state.update(pcommon.TraceID{1},
		traceAttributes{UserID: "u1", TraceName: long, Tags: []string{"short", long}, fromRoot: true}, now)
	assert.Len(t, got.TraceName, 50<<20, "the batch that carried the value still gets it")

	got, _ = state.update(pcommon.TraceID{1}, traceAttributes{SessionID: long}, now)
	assert.Equal(t, "u1", got.UserID)
	assert.Len(t, got.SessionID, 50<<20)

	got, _ = state.update(pcommon.TraceID{1}, traceAttributes{}, now)
	assert.Equal(t, "u1", got.UserID)
	assert.Empty(t, got.TraceName, "a long trace name is not remembered")
	assert.Empty(t, got.SessionID, "a long session id is not remembered")
	assert.Equal(t, []string{"short"}, got.Tags)
}

func TestTraceStateBoundedOverManyTraces(t *testing.T) {
	const maxTraces = 1000
	state := newTraceState(maxTraces, time.Hour)
	now := time.Unix(1_800_000_000, 0)

	var evicted int
	for i := range 1_000_000 {
		traceID := pcommon.TraceID{byte(i >> 16), byte(i >> 8), byte(i), 1}
		_, counts := state.update(traceID, traceAttributes{UserID: "u"}, now)
		evicted += counts.capacity
	}

	assert.Equal(t, maxTraces, state.len())
	assert.Equal(t, 1_000_000-maxTraces, evicted)
	assert.Len(t, state.entries, maxTraces)
}
