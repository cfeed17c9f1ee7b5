package langfusereceiver

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
)

// eventStatuses posts events as one batch and returns the status of each
// event by event id.
func eventStatuses(t *testing.T, tr *testReceiver, events ...map[string]any) map[string]int {
	t.Helper()
	resp := tr.postBatch(t, events...)
	require.Equal(t, http.StatusMultiStatus, resp.status, "body: %s", resp.raw)
	var parsed ingestionResponse
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	statuses := map[string]int{}
	for _, s := range parsed.Successes {
		statuses[s.ID] = s.Status
	}
	for _, e := range parsed.Errors {
		statuses[e.ID] = e.Status
	}
	return statuses
}

func TestIngestionTimestampForms(t *testing.T) {
	tests := []struct {
		timestamp string
		want      int
	}{
		{timestamp: "2026-01-01T00:00:00Z", want: http.StatusCreated},
		{timestamp: "2026-01-01T00:00:00.123456789Z", want: http.StatusCreated},
		{timestamp: "2026-01-01T02:00:00+02:00", want: http.StatusCreated},
		{timestamp: "2026-01-01T00:00:00-00:00", want: http.StatusCreated},
		{timestamp: "2026-01-01T00:00:00", want: http.StatusBadRequest},
		{timestamp: "2026-01-01T00:00:00.000", want: http.StatusBadRequest},
		{timestamp: "2026-01-01", want: http.StatusBadRequest},
		{timestamp: "2026-01-01 00:00:00Z", want: http.StatusBadRequest},
		{timestamp: "1767225600", want: http.StatusBadRequest},
		{timestamp: "", want: http.StatusBadRequest},
		{timestamp: "2026-13-01T00:00:00Z", want: http.StatusBadRequest},
	}
	tr := startReceiver(t, receiverOptions{})
	for i, tt := range tests {
		t.Run(tt.timestamp, func(t *testing.T) {
			envelope := fmt.Sprint("env-", i)
			start := fmt.Sprint("start-", i)
			statuses := eventStatuses(t, tr,
				ingestionEvent(envelope, "event-create", tt.timestamp,
					map[string]any{"id": envelope, "traceId": "t"}),
				ingestionEvent(start, "event-create", ts,
					map[string]any{"id": start, "traceId": "t", "startTime": tt.timestamp}),
			)
			assert.Equal(t, tt.want, statuses[envelope], "envelope timestamp")
			assert.Equal(t, tt.want, statuses[start], "body.startTime")
		})
	}
}

func TestIngestionEnvironmentNotRejected(t *testing.T) {
	// Langfuse normalises an invalid environment to "default" instead of
	// rejecting the event, so the receiver passes it on as sent.
	tr := startReceiver(t, receiverOptions{})
	environments := []string{"PROD", "langfuse-test", "langfuse", ".invalid!",
		strings.Repeat("e", 44), "😀"}
	var events []map[string]any
	for i, environment := range environments {
		events = append(events, ingestionEvent(fmt.Sprint("e", i), "event-create", ts,
			map[string]any{"id": fmt.Sprint("o", i), "traceId": "t", "name": fmt.Sprint("n", i),
				"environment": environment}))
	}
	statuses := eventStatuses(t, tr, events...)
	spans := tr.spans()
	for i, environment := range environments {
		assert.Equal(t, http.StatusCreated, statuses[fmt.Sprint("e", i)], environment)
		assert.Equal(t, environment, attrString(spans[fmt.Sprint("n", i)], attrEnvironment))
	}
}

func TestIngestionCreateTwice(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	statuses := eventStatuses(t, tr,
		ingestionEvent("c1", "generation-create", ts, map[string]any{"id": "g", "traceId": "t",
			"name": "first", "model": "gpt-4o", "input": "one"}),
		ingestionEvent("c2", "generation-create", "2026-12-04T15:20:49.000Z", map[string]any{
			"id": "g", "traceId": "t", "name": "second", "output": "two", "endTime": ts}),
	)
	assert.Equal(t, http.StatusCreated, statuses["c1"])
	assert.Equal(t, http.StatusCreated, statuses["c2"])
	spans := tr.spanList()
	require.Len(t, spans, 1, "two creates for one id become one span")
	assert.Equal(t, "second", spans[0].Name(), "the later create replaces the name")
	assert.Equal(t, "one", attrString(spans[0], attrObservationInput))
	assert.Equal(t, "two", attrString(spans[0], attrObservationOutput))
	assert.Equal(t, "gpt-4o", attrString(spans[0], attrObservationModel))

	// A third create after the span was sent becomes a span with the same id.
	statuses = eventStatuses(t, tr, ingestionEvent("c3", "generation-create", ts,
		map[string]any{"id": "g", "traceId": "t", "endTime": ts, "output": "three"}))
	assert.Equal(t, http.StatusCreated, statuses["c3"])
	spans = tr.spanList()
	require.Len(t, spans, 2)
	assert.Equal(t, spans[0].SpanID(), spans[1].SpanID())
	assert.Equal(t, "second", spans[1].Name(), "the identity is kept")
	assert.Equal(t, "three", attrString(spans[1], attrObservationOutput))
}

func TestIngestionEveryEventType(t *testing.T) {
	maximal := map[string]any{
		"traceId": "t", "parentObservationId": "p", "name": "n", "startTime": ts, "endTime": ts,
		"level": "WARNING", "statusMessage": "s", "version": "v1", "environment": "prod",
		"metadata": map[string]any{"k": "v"}, "input": map[string]any{"q": 1}, "output": "o",
		"completionStartTime": ts, "model": "gpt-4o",
		"modelParameters": map[string]any{"temperature": 0.1, "stop": []string{"x"}},
		"usage":           map[string]any{"input": 1, "output": 2, "unit": "TOKENS"},
		"usageDetails":    map[string]any{"input": 3, "output": 4},
		"costDetails":     map[string]any{"input": 0.1}, "promptName": "p", "promptVersion": 2,
	}
	tr := startReceiver(t, receiverOptions{})
	for name, kind := range eventTypes {
		t.Run(name, func(t *testing.T) {
			var minimal, full map[string]any
			switch kind.kind {
			case kindTrace:
				minimal = map[string]any{"id": "tr-" + name}
				full = map[string]any{"id": "tr-" + name, "timestamp": ts, "name": "n",
					"userId": "u", "sessionId": "s", "release": "r", "version": "v",
					"environment": "prod", "tags": []string{"a"}, "public": true,
					"metadata": map[string]any{"k": "v"}, "input": "i", "output": "o"}
			case kindScore:
				minimal = map[string]any{"name": "q", "value": 1, "traceId": "t"}
				full = map[string]any{"id": "sc-" + name, "name": "q", "value": "good",
					"dataType": "CATEGORICAL", "traceId": "t", "observationId": "o",
					"comment": "c", "metadata": map[string]any{"k": "v"}, "configId": "cfg",
					"environment": "prod"}
			case kindSDKLog:
				minimal = map[string]any{}
				full = map[string]any{"log": map[string]any{"message": "m"}}
			default:
				minimal = map[string]any{"id": "min-" + name}
				full = map[string]any{"id": "max-" + name}
				for key, value := range maximal {
					full[key] = value
				}
				if name == "observation-create" || name == "observation-update" {
					full["type"] = "GENERATION"
				}
			}
			statuses := eventStatuses(t, tr,
				ingestionEvent("min", name, ts, minimal),
				ingestionEvent("max", name, ts, full))
			assert.Equal(t, http.StatusCreated, statuses["min"], "minimal body")
			assert.Equal(t, http.StatusCreated, statuses["max"], "maximal body")
		})
	}
}

func TestScoreDataTypes(t *testing.T) {
	tests := []struct {
		name     string
		value    any
		dataType string
		want     int
		wantType string
	}{
		{name: "numeric", value: 0.5, dataType: "NUMERIC", want: http.StatusOK, wantType: "NUMERIC"},
		{name: "numeric negative", value: -3, dataType: "NUMERIC", want: http.StatusOK},
		{name: "inferred numeric", value: 7, want: http.StatusOK, wantType: "NUMERIC"},
		{name: "inferred categorical", value: "good", want: http.StatusOK, wantType: "CATEGORICAL"},
		{name: "boolean one", value: 1, dataType: "BOOLEAN", want: http.StatusOK},
		{name: "boolean zero", value: 0, dataType: "BOOLEAN", want: http.StatusOK},
		{name: "boolean true", value: true, dataType: "BOOLEAN", want: http.StatusBadRequest},
		{name: "boolean half", value: 0.5, dataType: "BOOLEAN", want: http.StatusBadRequest},
		{name: "inferred boolean value", value: true, want: http.StatusBadRequest},
		{name: "categorical number", value: 1, dataType: "CATEGORICAL", want: http.StatusBadRequest},
		{name: "text 500", value: strings.Repeat("x", 500), dataType: "TEXT", want: http.StatusOK},
		{name: "text 501", value: strings.Repeat("x", 501), dataType: "TEXT",
			want: http.StatusBadRequest},
		// JavaScript counts UTF-16 code units, and an emoji takes two.
		{name: "text 250 emoji", value: strings.Repeat("😀", 250), dataType: "TEXT",
			want: http.StatusOK},
		{name: "text 251 emoji", value: strings.Repeat("😀", 251), dataType: "TEXT",
			want: http.StatusBadRequest},
		{name: "correction", value: "fixed", dataType: "CORRECTION", want: http.StatusOK},
		{name: "correction number", value: 1, dataType: "CORRECTION", want: http.StatusBadRequest},
		{name: "array value", value: []int{1}, want: http.StatusBadRequest},
		{name: "object value", value: map[string]any{}, want: http.StatusBadRequest},
		{name: "lower-case type", value: 1, dataType: "numeric", want: http.StatusBadRequest},
	}
	tr := startReceiver(t, receiverOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			score := map[string]any{"name": "q", "value": tt.value, "traceId": "t"}
			if tt.dataType != "" {
				score["dataType"] = tt.dataType
			}
			body, err := json.Marshal(score)
			require.NoError(t, err)
			before := len(tr.logRecords())
			resp := tr.post(t, pathScores, body)
			assert.Equal(t, tt.want, resp.status, "body: %s", resp.raw)
			if tt.want != http.StatusOK {
				assert.Len(t, tr.logRecords(), before)
				return
			}
			records := tr.logRecords()
			require.Len(t, records, before+1)
			if tt.wantType != "" {
				dataType, _ := records[before].Attributes().Get("langfuse.score.data_type")
				assert.Equal(t, tt.wantType, dataType.AsString())
			}
		})
	}
}

// TestIDMappingCollisions maps many free-form ids that differ in one
// character and checks that no two share a trace id or span id.
func TestIDMappingCollisions(t *testing.T) {
	traceIDs := map[pcommon.TraceID]string{}
	spanIDs := map[pcommon.SpanID]string{}
	var ids []string
	for i := range 50_000 {
		ids = append(ids, fmt.Sprint("trace-", i), fmt.Sprint("Trace-", i),
			fmt.Sprint("trace-", i, " "))
	}
	ids = append(ids, "a", "A", "a\x00", "\x00a", "ä", "a\u0308")
	for _, id := range ids {
		traceID, exact := mapTraceID(id)
		assert.False(t, exact)
		if previous, ok := traceIDs[traceID]; ok {
			t.Fatalf("trace ids %q and %q collide", previous, id)
		}
		traceIDs[traceID] = id

		spanID, _ := mapSpanID(id)
		if previous, ok := spanIDs[spanID]; ok {
			t.Fatalf("span ids %q and %q collide", previous, id)
		}
		spanIDs[spanID] = id
		assert.NotEqual(t, rootSpanID(id), spanID)
	}

	// A hashed id never lands on the hex id that names it.
	hashed, _ := mapTraceID("x")
	again, exact := mapTraceID(hashed.String())
	assert.True(t, exact)
	assert.Equal(t, hashed, again, "the hex form of a hashed id names the same trace")
}

func TestMergeTimeoutOverHTTP(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		cfg.MergeTimeout = 40 * time.Millisecond
	}})
	statuses := eventStatuses(t, tr,
		ingestionEvent("e1", "trace-create", ts, map[string]any{"id": "t", "name": "root"}),
		ingestionEvent("e2", "span-create", ts, map[string]any{"id": "s", "traceId": "t",
			"name": "open"}),
	)
	assert.Equal(t, http.StatusCreated, statuses["e2"])
	require.Eventually(t, func() bool { return tr.traces.SpanCount() == 2 }, 5*time.Second,
		10*time.Millisecond, "the trace and the open span are sent after the merge timeout")
	assert.Equal(t, int64(2), metricSum(t, tr.telemetry,
		"otelcol_genai_langfuse_receiver_spans_assembled", map[string]string{"reason": flushTimeout}))
}

func TestMaxPendingEvicts(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) { cfg.MaxPending = 2 }})
	var events []map[string]any
	for i := range 5 {
		events = append(events, ingestionEvent(fmt.Sprint("e", i), "span-create", ts,
			map[string]any{"id": fmt.Sprint("s", i), "traceId": fmt.Sprint("t", i),
				"name": fmt.Sprint("span-", i)}))
	}
	statuses := eventStatuses(t, tr, events...)
	for i := range 5 {
		assert.Equal(t, http.StatusCreated, statuses[fmt.Sprint("e", i)],
			"a full receiver sends the oldest early instead of rejecting new events")
	}
	spans := tr.spans()
	assert.Len(t, spans, 3)
	for _, name := range []string{"span-0", "span-1", "span-2"} {
		assert.Contains(t, spans, name, "the oldest are sent")
	}
	assert.Equal(t, int64(3), metricSum(t, tr.telemetry,
		"otelcol_genai_langfuse_receiver_spans_assembled", map[string]string{"reason": flushEvicted}))
	assert.Equal(t, 2, tr.receiver.assembler.pendingCount())
}

func TestReceiverShutdownTwice(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	require.NoError(t, tr.receiver.Shutdown(context.Background()))
	assert.NotPanics(t, func() { _ = tr.receiver.Shutdown(context.Background()) })
}

func TestIngestionLengthsInUTF16(t *testing.T) {
	// Langfuse limits ids to 800 and trace names to 1000 characters, counted
	// as JavaScript counts them: a CJK character is one unit, an emoji two.
	tr := startReceiver(t, receiverOptions{})
	statuses := eventStatuses(t, tr,
		ingestionEvent("id-800", "event-create", ts,
			map[string]any{"id": strings.Repeat("観", 800), "traceId": "t"}),
		ingestionEvent("id-801", "event-create", ts,
			map[string]any{"id": strings.Repeat("観", 801), "traceId": "t"}),
		ingestionEvent("id-emoji", "event-create", ts,
			map[string]any{"id": strings.Repeat("😀", 401), "traceId": "t"}),
		ingestionEvent("name-1000", "trace-create", ts,
			map[string]any{"id": "t1", "name": strings.Repeat("名", 1000)}),
		ingestionEvent("name-1001", "trace-create", ts,
			map[string]any{"id": "t2", "name": strings.Repeat("名", 1001)}),
	)
	assert.Equal(t, http.StatusCreated, statuses["id-800"])
	assert.Equal(t, http.StatusBadRequest, statuses["id-801"])
	assert.Equal(t, http.StatusBadRequest, statuses["id-emoji"], "401 emoji are 802 units")
	assert.Equal(t, http.StatusCreated, statuses["name-1000"])
	assert.Equal(t, http.StatusBadRequest, statuses["name-1001"])
}

// TestMergeTimeoutAfterResentEvent checks that a resent event, which is
// skipped, does not delay the expiry of its observation behind newer ones.
func TestMergeTimeoutAfterResentEvent(t *testing.T) {
	a := newAssembler(time.Minute, 100)
	parse := func(eventID, observationID string) event {
		ev, evErr := parseEvent(json.RawMessage(`{"id":"` + eventID + `","type":"span-create",` +
			`"timestamp":"` + ts + `","body":{"id":"` + observationID + `","traceId":"t"}}`))
		require.Nil(t, evErr)
		return ev
	}
	start := time.Now()
	a.add([]event{parse("e1", "old")}, source{}, start)
	a.add([]event{parse("e2", "new")}, source{}, start.Add(30*time.Second))
	traces, _ := a.add([]event{parse("e1", "old")}, source{}, start.Add(40*time.Second))
	require.Zero(t, traces.SpanCount())

	traces, counts := a.expire(start.Add(61 * time.Second))
	assert.Equal(t, 1, traces.SpanCount(), "the old observation expires on time")
	assert.Equal(t, flushCounts{flushTimeout: 1}, counts)
}

func TestMaxPendingBytesEvicts(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		cfg.MaxPendingBytes = 1000
	}})
	input := strings.Repeat("x", 398) // 400 bytes as a JSON string
	var events []map[string]any
	for i := range 5 {
		events = append(events, ingestionEvent(fmt.Sprint("e", i), "span-create", ts,
			map[string]any{"id": fmt.Sprint("s", i), "traceId": "t", "name": fmt.Sprint("span-", i),
				"input": input}))
	}
	statuses := eventStatuses(t, tr, events...)
	for i := range 5 {
		assert.Equal(t, http.StatusCreated, statuses[fmt.Sprint("e", i)])
	}

	spans := tr.spans()
	assert.Len(t, spans, 3, "the oldest are sent once 1000 bytes are held")
	for _, name := range []string{"span-0", "span-1", "span-2"} {
		require.Contains(t, spans, name)
		assert.Equal(t, input, attrString(spans[name], attrObservationInput),
			"an evicted span keeps its payload")
	}
	assert.Equal(t, 2, tr.receiver.assembler.pendingCount())
	assert.Equal(t, int64(800), tr.receiver.assembler.heldBytes)
	assert.Equal(t, int64(3), metricSum(t, tr.telemetry,
		"otelcol_genai_langfuse_receiver_spans_assembled", map[string]string{"reason": flushEvicted}))

	// One observation above the bound is sent at once, with its payload.
	big := strings.Repeat("y", 2000)
	statuses = eventStatuses(t, tr, ingestionEvent("big", "generation-create", ts,
		map[string]any{"id": "g", "traceId": "t", "name": "big", "input": big,
			"modelParameters": map[string]any{"stop": big}}))
	assert.Equal(t, http.StatusCreated, statuses["big"])
	require.Contains(t, tr.spans(), "big")
	assert.Equal(t, big, attrString(tr.spans()["big"], attrObservationInput))
	assert.LessOrEqual(t, tr.receiver.assembler.heldBytes, int64(1000))
}

func TestHeldBytesReturnToZero(t *testing.T) {
	a := newAssembler(time.Minute, 100)
	var events []event
	for i := range 10 {
		ev, evErr := parseEvent(json.RawMessage(fmt.Sprintf(`{"id":"e%d","type":"generation-create",`+
			`"timestamp":"%s","body":{"id":"g%d","traceId":"t","input":"in","output":{"k":1},`+
			`"metadata":{"m":"v"},"modelParameters":{"temperature":0.5}}}`, i, ts, i)))
		require.Nil(t, evErr)
		events = append(events, ev)
	}
	trace, evErr := parseEvent(json.RawMessage(`{"id":"tr","type":"trace-create","timestamp":"` +
		ts + `","body":{"id":"t","input":"question","metadata":{"k":"v"}}}`))
	require.Nil(t, evErr)
	events = append(events, trace)

	start := time.Now()
	a.add(events, source{}, start)
	assert.Positive(t, a.heldBytes)
	traces, _ := a.flushAll()
	assert.Equal(t, 11, traces.SpanCount())
	a.expire(start.Add(retention + time.Minute))
	assert.Empty(t, a.observations)
	assert.Empty(t, a.traces)
	assert.Zero(t, a.heldBytes, "every counted byte is released")
}
