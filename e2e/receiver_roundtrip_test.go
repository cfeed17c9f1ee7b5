package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.yaml.in/yaml/v3"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// The round-trip tests send real SDK data to the langfuse receiver of the
// built collector, whose pipeline runs the genai processor and the langfuse
// exporter to the Langfuse test server. They compare every observation and
// score that the SDK sent, field by field, with what reached the test server.

// piiRedactions lists the personal values that the SDK scripts send and the
// token that the genai processor's default redaction writes in their place.
var piiRedactions = []struct{ value, token string }{
	{value: "jane.doe@example.com", token: "[REDACTED:EMAIL]"},
	{value: "4111 1111 1111 1111", token: "[REDACTED:CREDIT_CARD]"},
}

// piiLeaks are byte strings that no request to Langfuse and no collector log
// line may contain: each personal value, and the card number without spaces.
var piiLeaks = [][]byte{
	[]byte("jane.doe@example.com"),
	[]byte("4111 1111 1111 1111"),
	[]byte("4111111111111111"),
}

// processorAddedAttributes are the span attributes that the genai processor
// writes onto a priced span (see processor/genaiprocessor/README.md).
var processorAddedAttributes = []string{
	"gen_ai.usage.cost",
	"gen_ai.usage.cost.price_id",
	"gen_ai.usage.input_tokens",
	"gen_ai.usage.output_tokens",
	"langfuse.observation.cost_details",
}

// startCollectorWithReceiver starts the built collector with the langfuse
// receiver added to the traces pipeline and to a logs pipeline that runs the
// genai processor, so that score comments are masked too. It returns the
// Langfuse test server, the collector and the receiver's address.
func startCollectorWithReceiver(t *testing.T) (*langfusetest.Server, *Collector, string) {
	t.Helper()
	binary := RequireE2E(t)
	out, err := exec.Command(binary, "components").CombinedOutput()
	require.NoError(t, err)
	if !componentListed(string(out), "receivers", "langfuse") {
		if os.Getenv(EnvMode) == "required" {
			t.Fatalf("collector binary %s has no langfuse receiver: add receiver/langfusereceiver to builder-config.yaml", binary)
		}
		t.Skipf("collector binary %s has no langfuse receiver", binary)
	}

	srv := langfusetest.New(t)
	var receiverAddress string
	collector := StartCollector(t, CollectorOptions{Langfuse: srv, Configure: func(cfg map[string]any) {
		// StartCollector calls Configure on every start attempt, so a retry
		// after another process took the port gets a new one.
		receiverAddress = fmt.Sprintf("127.0.0.1:%d", FreePort(t))
		cfg["receivers"].(map[string]any)["langfuse"] = map[string]any{
			"endpoint":      receiverAddress,
			"merge_timeout": "300ms",
			"keys":          []any{map[string]any{"public_key": receiverPublicKey, "secret_key": receiverSecretKey}},
		}
		pipelines := cfg["service"].(map[string]any)["pipelines"].(map[string]any)
		traces := pipelines["traces"].(map[string]any)
		traces["receivers"] = append(traces["receivers"].([]string), "langfuse")
		pipelines["logs"] = map[string]any{
			"receivers":  []string{"langfuse"},
			"processors": []string{"genai"},
			"exporters":  []string{"langfuse"},
		}
	}})
	return srv, collector, receiverAddress
}

// TestReceiverRoundTripV3 sends the v3 SDK's batch through the built
// collector and compares each observation, the trace and each score with
// what the Langfuse test server received.
func TestReceiverRoundTripV3(t *testing.T) {
	srv, collector, receiverAddress := startCollectorWithReceiver(t)
	prices := loadBuiltinPrices(t)

	line := lastLine(RunNodeOutput(t, "langfuse-v3.mjs", map[string]string{
		"E2E_LANGFUSE_BASEURL":    "http://" + receiverAddress,
		"E2E_LANGFUSE_PUBLIC_KEY": receiverPublicKey,
		"E2E_LANGFUSE_SECRET_KEY": receiverSecretKey,
	}))
	var sent v3Sent
	require.NoError(t, json.Unmarshal([]byte(line), &sent), "manifest: %s", line)
	require.NotEmpty(t, sent.Observations)
	require.NotEmpty(t, sent.Scores)

	ids := make([]string, 0, len(sent.Observations))
	for _, observation := range sent.Observations {
		ids = append(ids, observation["id"].(string))
	}
	received, root := waitForObservations(t, srv, sent.Trace["id"].(string), ids)
	traceID := root.TraceID
	assert.Regexp(t, hexTraceID, traceID, "the trace reaches Langfuse with a W3C trace id")

	t.Run("trace", func(t *testing.T) {
		assert.Equal(t, sent.Trace["name"], root.Name)
		assert.Equal(t, sent.Trace["id"], root.Attributes["langfuse.trace.id"])
		assertMillis(t, "trace timestamp", parseISOTime(t, sent.Trace["timestamp"]), root.StartTime)
		assertJSONValue(t, root, "langfuse.trace.input", sent.Trace["input"])
		assertJSONValue(t, root, "langfuse.trace.output", sent.Trace["output"])
		assertTraceFields(t, root, sent.Trace)
	})

	for _, observation := range sent.Observations {
		id := observation["id"].(string)
		t.Run(id, func(t *testing.T) {
			span := received[id]
			assert.Len(t, spansWithID(srv, span.SpanID), 1, "observation %s arrives as one span", id)
			assert.Regexp(t, hexObservationID, span.SpanID, "observation %s reaches Langfuse with a W3C span id", id)

			assert.Equal(t, observation["name"], span.Name)
			assert.Equal(t, observation["type"], span.Attributes["langfuse.observation.type"])
			assert.Equal(t, traceID, span.TraceID, "trace id of %s", id)
			if parent, ok := observation["parentObservationId"].(string); ok {
				assert.Equal(t, received[parent].SpanID, span.ParentSpanID, "parent of %s", id)
			} else {
				assert.Equal(t, root.SpanID, span.ParentSpanID, "an observation without parent is a child of the trace")
			}

			assertMillis(t, "start time", parseISOTime(t, observation["startTime"]), span.StartTime)
			if end, ok := observation["endTime"]; ok {
				assertMillis(t, "end time", parseISOTime(t, end), span.EndTime)
			} else {
				assertMillis(t, "end time of an observation without one", span.StartTime, span.EndTime)
			}
			if completionStart, ok := observation["completionStartTime"]; ok {
				assertAttrTime(t, span, "langfuse.observation.completion_start_time", parseISOTime(t, completionStart))
			}

			assertObservationFields(t, span, observation, prices)
			assertTraceFields(t, span, sent.Trace)
		})
	}

	t.Run("scores", func(t *testing.T) {
		ids := make([]string, 0, len(sent.Scores))
		for _, score := range sent.Scores {
			ids = append(ids, score["id"].(string))
		}
		events := WaitForEvents(t, srv, ids, deliveryTimeout)
		assert.Len(t, srv.Scores(), len(sent.Scores), "each score arrives once")
		for _, score := range sent.Scores {
			observationSpanID := ""
			if observation, ok := score["observationId"].(string); ok {
				observationSpanID = received[observation].SpanID
			}
			assertScore(t, events[score["id"].(string)], score, traceID, observationSpanID)
		}
	})

	t.Run("no personal data", func(t *testing.T) {
		assertNoPersonalData(t, srv, collector)
	})
}

// TestReceiverRoundTripV5 sends the v5 SDK's OTLP spans through the built
// collector and compares each span, with every attribute the SDK set, with
// what the Langfuse test server received.
func TestReceiverRoundTripV5(t *testing.T) {
	srv, collector, receiverAddress := startCollectorWithReceiver(t)
	prices := loadBuiltinPrices(t)

	line := lastLine(RunNodeOutput(t, "langfuse-v5.mjs", map[string]string{
		"E2E_LANGFUSE_BASEURL":    "http://" + receiverAddress,
		"E2E_LANGFUSE_PUBLIC_KEY": receiverPublicKey,
		"E2E_LANGFUSE_SECRET_KEY": receiverSecretKey,
	}))
	var sent struct {
		Spans []v5Span `json:"spans"`
	}
	require.NoError(t, json.Unmarshal([]byte(line), &sent), "manifest: %s", line)
	require.NotEmpty(t, sent.Spans)

	ids := make([]string, 0, len(sent.Spans))
	for _, span := range sent.Spans {
		ids = append(ids, span.SpanID)
	}
	received := WaitForSpans(t, srv, ids, deliveryTimeout)

	for _, want := range sent.Spans {
		t.Run(want.Name, func(t *testing.T) {
			assert.Len(t, spansWithID(srv, want.SpanID), 1, "span %s arrives once", want.SpanID)
			got := received[want.SpanID]

			assert.Equal(t, want.Name, got.Name)
			assert.Equal(t, want.TraceID, got.TraceID)
			assert.Equal(t, want.ParentSpanID, got.ParentSpanID)
			assertMillis(t, "start time", parseNanos(t, want.StartTimeUnixNano), got.StartTime)
			assertMillis(t, "end time", parseNanos(t, want.EndTimeUnixNano), got.EndTime)

			for key, value := range want.Attributes {
				assertV5Attribute(t, got, key, value)
			}
			for key, value := range got.Attributes {
				if _, sentKey := want.Attributes[key]; sentKey || slices.Contains(processorAddedAttributes, key) {
					continue
				}
				if key == "langfuse.observation.level" {
					assert.Equal(t, "DEFAULT", value, "the level of a span sent without one is Langfuse's default")
					continue
				}
				t.Errorf("attribute %s was neither sent nor written by the genai processor: %v", key, value)
			}
			assertV5Cost(t, got, want.Attributes, prices)
		})
	}

	t.Run("no personal data", func(t *testing.T) {
		assertNoPersonalData(t, srv, collector)
	})
}

// assertObservationFields compares the observation fields that a v3 SDK
// observation carries with the span's langfuse.observation.* attributes.
func assertObservationFields(t *testing.T, span langfusetest.Span, observation map[string]any, prices priceTable) {
	t.Helper()

	for field, key := range map[string]string{
		"input": "langfuse.observation.input", "output": "langfuse.observation.output",
	} {
		if value, ok := observation[field]; ok {
			assertJSONValue(t, span, key, value)
		} else {
			assert.NotContains(t, span.Attributes, key)
		}
	}

	for field, key := range map[string]string{
		"model":         "langfuse.observation.model.name",
		"statusMessage": "langfuse.observation.status_message",
		"promptName":    "langfuse.observation.prompt.name",
	} {
		if value, ok := observation[field]; ok {
			assert.Equal(t, value, span.Attributes[key], "attribute %s", key)
		} else {
			assert.NotContains(t, span.Attributes, key)
		}
	}
	if version, ok := observation["promptVersion"]; ok {
		assert.Equal(t, normalizeJSONNumber(version), normalizeJSONNumber(span.Attributes["langfuse.observation.prompt.version"]))
	} else {
		assert.NotContains(t, span.Attributes, "langfuse.observation.prompt.version")
	}

	// Langfuse stores DEFAULT for an observation sent without a level.
	level, ok := observation["level"]
	if !ok {
		level = "DEFAULT"
	}
	assert.Equal(t, level, span.Attributes["langfuse.observation.level"])

	if parameters, ok := observation["modelParameters"]; ok {
		assertJSONValue(t, span, "langfuse.observation.model.parameters", parameters)
	} else {
		assert.NotContains(t, span.Attributes, "langfuse.observation.model.parameters")
	}

	metadata, _ := observation["metadata"].(map[string]any)
	for key, value := range metadata {
		assert.Equal(t, maskPII(value), span.Attributes["langfuse.observation.metadata."+key], "metadata %s", key)
	}
	assert.Len(t, attributesWithPrefix(span, "langfuse.observation.metadata."), len(metadata), "metadata keys")

	usage, hasUsage := observation["usageDetails"].(map[string]any)
	if hasUsage {
		assertCounts(t, span, "langfuse.observation.usage_details", usage)
	} else {
		assert.NotContains(t, span.Attributes, "langfuse.observation.usage_details")
	}

	model, _ := observation["model"].(string)
	appCost, hasAppCost := observation["costDetails"].(map[string]any)
	switch {
	case hasAppCost:
		assertAppCost(t, span, appCost)
	case hasUsage && model != "":
		assertTableCost(t, span, prices.expectedCostDetails(t, model, usage))
	default:
		assert.NotContains(t, span.Attributes, "langfuse.observation.cost_details")
	}
}

// assertTraceFields checks the trace-level attributes that every span of a
// trace carries, with personal data in the trace metadata masked.
func assertTraceFields(t *testing.T, span langfusetest.Span, trace map[string]any) {
	t.Helper()
	for field, key := range map[string]string{
		"userId": "user.id", "sessionId": "session.id", "name": "langfuse.trace.name",
		"release": "langfuse.release", "version": "langfuse.version", "environment": "langfuse.environment",
	} {
		assert.Equal(t, trace[field], span.Attributes[key], "attribute %s on span %s", key, span.Name)
	}
	assert.Equal(t, trace["tags"], span.Attributes["langfuse.trace.tags"], "tags on span %s", span.Name)

	metadata := trace["metadata"].(map[string]any)
	for key, value := range metadata {
		assert.Equal(t, maskPII(value), span.Attributes["langfuse.trace.metadata."+key],
			"trace metadata %s on span %s", key, span.Name)
	}
	assert.Len(t, attributesWithPrefix(span, "langfuse.trace.metadata."), len(metadata),
		"trace metadata keys on span %s", span.Name)
}

// assertScore compares one score-create event that reached Langfuse with the
// score the v3 SDK sent.
func assertScore(t *testing.T, event langfusetest.Event, score map[string]any, traceID, observationSpanID string) {
	t.Helper()
	body := event.Body
	id := score["id"]
	assert.Equal(t, "score-create", event.Type)
	assert.Equal(t, score["name"], body["name"], "name of score %s", id)
	assert.Equal(t, score["value"], body["value"], "value of score %s", id)

	dataType, ok := score["dataType"]
	if !ok {
		dataType = "NUMERIC"
	}
	assert.Equal(t, dataType, body["dataType"], "data type of score %s", id)

	if comment, ok := score["comment"]; ok {
		assert.Equal(t, maskPII(comment), body["comment"], "comment of score %s", id)
	} else {
		assert.NotContains(t, body, "comment")
	}
	assert.Equal(t, "staging", body["environment"], "environment of score %s", id)

	// Langfuse stores spans that arrive over OTLP under their hex trace and
	// span ids, so a score must name the same ids to attach to them.
	assert.Equal(t, traceID, body["traceId"], "score %s must carry the trace id its spans reached Langfuse with", id)
	if observationSpanID != "" {
		assert.Equal(t, observationSpanID, body["observationId"], "score %s must carry the span id of its observation", id)
	} else {
		assert.NotContains(t, body, "observationId")
	}
}

// assertV5Attribute compares one attribute that the v5 SDK set with the
// attribute that reached Langfuse.
func assertV5Attribute(t *testing.T, got langfusetest.Span, key string, sentValue any) {
	t.Helper()
	value, ok := got.Attributes[key]
	if !assert.True(t, ok, "attribute %s missing", key) {
		return
	}

	switch key {
	case "langfuse.observation.completion_start_time":
		// The v5 SDK sends the time as a JSON string.
		var sentTime string
		require.NoError(t, json.Unmarshal([]byte(sentValue.(string)), &sentTime))
		assertAttrTime(t, got, key, parseISOTime(t, sentTime))
		return
	case "langfuse.observation.usage_details":
		var usage map[string]any
		require.NoError(t, json.Unmarshal([]byte(sentValue.(string)), &usage))
		assertCounts(t, got, key, usage)
		return
	case "langfuse.observation.cost_details":
		// Compared by assertV5Cost.
		return
	}

	text, isString := sentValue.(string)
	var decoded any
	if isString && json.Unmarshal([]byte(text), &decoded) == nil && isJSONContainer(decoded) {
		assertJSONValue(t, got, key, decoded)
		return
	}
	assert.Equal(t, normalizeJSONNumber(maskPII(sentValue)), normalizeJSONNumber(value), "attribute %s", key)
}

// assertV5Cost checks the cost of a v5 span: the application's cost as sent,
// the price table's cost for a priced model with usage, or none.
func assertV5Cost(t *testing.T, got langfusetest.Span, sent map[string]any, prices priceTable) {
	t.Helper()
	if text, ok := sent["langfuse.observation.cost_details"].(string); ok {
		var appCost map[string]any
		require.NoError(t, json.Unmarshal([]byte(text), &appCost))
		assertAppCost(t, got, appCost)
		return
	}

	model, _ := sent["langfuse.observation.model.name"].(string)
	usageText, hasUsage := sent["langfuse.observation.usage_details"].(string)
	if model == "" || !hasUsage {
		assert.NotContains(t, got.Attributes, "langfuse.observation.cost_details")
		return
	}
	var usage map[string]any
	require.NoError(t, json.Unmarshal([]byte(usageText), &usage))
	assertTableCost(t, got, prices.expectedCostDetails(t, model, usage))
}

func assertAppCost(t *testing.T, span langfusetest.Span, appCost map[string]any) {
	t.Helper()
	assertJSONValue(t, span, "langfuse.observation.cost_details", appCost)
	assert.NotContains(t, span.Attributes, "gen_ai.usage.cost.price_id", "a cost the application sent is not priced again")
}

func assertTableCost(t *testing.T, span langfusetest.Span, want map[string]float64) {
	t.Helper()
	got := decodeCounts(t, span, "langfuse.observation.cost_details")
	assert.ElementsMatch(t, mapKeys(want), mapKeys(got), "cost_details keys of span %s", span.Name)
	for key, cost := range want {
		assert.InEpsilon(t, cost, got[key], 1e-9, "cost_details %s of span %s", key, span.Name)
	}
	if total, ok := span.Attributes["gen_ai.usage.cost"]; ok {
		assert.InEpsilon(t, want["total"], total, 1e-9, "gen_ai.usage.cost of span %s", span.Name)
	}
}

// assertCounts checks that a JSON object attribute contains the same keys
// and numbers as want.
func assertCounts(t *testing.T, span langfusetest.Span, key string, want map[string]any) {
	t.Helper()
	got := decodeCounts(t, span, key)
	wantCounts := make(map[string]float64, len(want))
	for name, value := range want {
		number, ok := value.(float64)
		require.True(t, ok, "%s %s is not a number: %v", key, name, value)
		wantCounts[name] = number
	}
	assert.Equal(t, wantCounts, got, "attribute %s of span %s", key, span.Name)
}

func decodeCounts(t *testing.T, span langfusetest.Span, key string) map[string]float64 {
	t.Helper()
	text, ok := span.Attributes[key].(string)
	if !ok {
		t.Errorf("attribute %s of span %s is missing or not a string: %v", key, span.Name, span.Attributes[key])
		return nil
	}
	var counts map[string]float64
	if err := json.Unmarshal([]byte(text), &counts); err != nil {
		t.Errorf("attribute %s of span %s is not a JSON object of numbers: %v: %s", key, span.Name, err, text)
	}
	return counts
}

// assertJSONValue checks that attribute key contains sent with personal
// data masked. A string is compared as it is, any other value as valid JSON.
func assertJSONValue(t *testing.T, span langfusetest.Span, key string, sent any) {
	t.Helper()
	got, ok := span.Attributes[key].(string)
	if !assert.True(t, ok, "attribute %s of span %s is missing or not a string: %v", key, span.Name, span.Attributes[key]) {
		return
	}
	want := maskPII(sent)
	if text, isString := want.(string); isString {
		assert.Equal(t, text, got, "attribute %s of span %s", key, span.Name)
		return
	}
	if !assert.True(t, json.Valid([]byte(got)), "attribute %s of span %s is not valid JSON: %s", key, span.Name, got) {
		return
	}
	encoded, err := json.Marshal(want)
	require.NoError(t, err)
	assert.JSONEq(t, string(encoded), got, "attribute %s of span %s", key, span.Name)
}

func assertAttrTime(t *testing.T, span langfusetest.Span, key string, want time.Time) {
	t.Helper()
	text, ok := span.Attributes[key].(string)
	if !assert.True(t, ok, "attribute %s of span %s is missing or not a string", key, span.Name) {
		return
	}
	got, err := time.Parse(time.RFC3339Nano, strings.Trim(text, `"`))
	if assert.NoError(t, err, "attribute %s of span %s: %q", key, span.Name, text) {
		assertMillis(t, key, want, got)
	}
}

// assertMillis compares two times at millisecond precision, the precision
// Langfuse stores.
func assertMillis(t *testing.T, field string, want, got time.Time) {
	t.Helper()
	assert.Equal(t, want.UnixMilli(), got.UnixMilli(), "%s: expected %s, got %s",
		field, want.UTC().Format(time.RFC3339Nano), got.UTC().Format(time.RFC3339Nano))
}

// assertNoPersonalData checks that no request body the test server received
// and no collector log line contains a personal value that the scripts sent.
func assertNoPersonalData(t *testing.T, srv *langfusetest.Server, collector *Collector) {
	t.Helper()
	requests := srv.Requests()
	require.NotEmpty(t, requests)
	for i, request := range requests {
		for _, leak := range piiLeaks {
			assert.False(t, bytes.Contains(request.Body, leak), "request %d (%s %s) contains %q",
				i, request.Method, request.Path, leak)
		}
	}
	output := collector.Output()
	for _, leak := range piiLeaks {
		assert.NotContains(t, output, string(leak), "the collector log contains personal data")
	}
}

// waitForObservations waits until the test server has received a span for
// each Langfuse observation id and the root span that the receiver builds
// from the trace-create of traceID. It returns the last span of each
// observation, by Langfuse id, and the root span.
func waitForObservations(t *testing.T, srv *langfusetest.Server, traceID string,
	ids []string) (map[string]langfusetest.Span, langfusetest.Span) {
	t.Helper()
	deadline := time.Now().Add(deliveryTimeout)
	for {
		byID := map[string]langfusetest.Span{}
		var root langfusetest.Span
		rootFound := false
		for _, span := range srv.Spans() {
			if id, ok := span.Attributes["langfuse.observation.id"].(string); ok {
				byID[id] = span
			} else if span.Attributes["langfuse.trace.id"] == traceID && span.ParentSpanID == "" {
				root, rootFound = span, true
			}
		}
		var missing []string
		for _, id := range ids {
			if _, ok := byID[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 && rootFound {
			return byID, root
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, observations %v missing (root span found: %t) at the Langfuse test server; "+
				"received: %s", deliveryTimeout, missing, rootFound, describeSpans(srv.Spans()))
		}
		time.Sleep(pollInterval)
	}
}

func spansWithID(srv *langfusetest.Server, spanID string) []langfusetest.Span {
	var out []langfusetest.Span
	for _, span := range srv.Spans() {
		if span.SpanID == spanID {
			out = append(out, span)
		}
	}
	return out
}

func attributesWithPrefix(span langfusetest.Span, prefix string) []string {
	var keys []string
	for key := range span.Attributes {
		if strings.HasPrefix(key, prefix) {
			keys = append(keys, key)
		}
	}
	return keys
}

// maskPII returns value with each personal value in its strings replaced by
// the redaction token, as the genai processor's masking stage does.
func maskPII(value any) any {
	switch v := value.(type) {
	case string:
		for _, redaction := range piiRedactions {
			v = strings.ReplaceAll(v, redaction.value, redaction.token)
		}
		return v
	case map[string]any:
		out := make(map[string]any, len(v))
		for key, item := range v {
			out[key] = maskPII(item)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = maskPII(item)
		}
		return out
	}
	return value
}

func isJSONContainer(value any) bool {
	switch value.(type) {
	case map[string]any, []any:
		return true
	}
	return false
}

var (
	hexTraceID       = regexp.MustCompile(`^[0-9a-f]{32}$`)
	hexObservationID = regexp.MustCompile(`^[0-9a-f]{16}$`)
)

func parseISOTime(t *testing.T, value any) time.Time {
	t.Helper()
	text, ok := value.(string)
	require.True(t, ok, "time %v is not a string", value)
	parsed, err := time.Parse(time.RFC3339Nano, text)
	require.NoError(t, err)
	return parsed
}

func parseNanos(t *testing.T, text string) time.Time {
	t.Helper()
	nanos, err := strconv.ParseInt(text, 10, 64)
	require.NoError(t, err, "time %q is not a decimal count of nanoseconds", text)
	return time.Unix(0, nanos)
}

func mapKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for key := range m {
		keys = append(keys, key)
	}
	return keys
}

// priceTable is the part of the genai processor's built-in price table
// (internal/pricing/data/prices.yaml) that the round-trip tests price
// with. The tests read the file themselves, so that a cost that reaches
// Langfuse is checked against the table and not against the processor's
// own arithmetic.
type priceTable struct {
	Models []struct {
		Model   string             `yaml:"model"`
		Aliases []string           `yaml:"aliases"`
		Prices  map[string]float64 `yaml:"prices"`
	} `yaml:"models"`
}

func loadBuiltinPrices(t *testing.T) priceTable {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("..", "internal", "pricing", "data", "prices.yaml"))
	require.NoError(t, err, "read the built-in price table")
	var table priceTable
	require.NoError(t, yaml.Unmarshal(data, &table), "parse the built-in price table")
	require.NotEmpty(t, table.Models, "the built-in price table lists no model")
	return table
}

// usagePriceKeys maps each Langfuse usage key that the SDK scripts send to
// the price table's rate for it and the rate it falls back to.
var usagePriceKeys = map[string][2]string{
	"input":            {"input", ""},
	"output":           {"output", ""},
	"input_cache_read": {"cache_read", "input"},
}

// expectedCostDetails computes the cost_details that the genai processor must
// write for usage of model: each usage bucket times its rate in USD per
// 1,000,000 tokens, and their sum as total.
func (p priceTable) expectedCostDetails(t *testing.T, model string, usage map[string]any) map[string]float64 {
	t.Helper()
	var prices map[string]float64
	matches := 0
	for _, entry := range p.Models {
		if strings.EqualFold(entry.Model, model) || slices.Contains(entry.Aliases, model) {
			prices = entry.Prices
			matches++
		}
	}
	require.Equal(t, 1, matches, "model %s must have exactly one entry in the built-in price table", model)

	details := map[string]float64{}
	total := 0.0
	for key, value := range usage {
		if key == "total" {
			continue
		}
		rateKeys, known := usagePriceKeys[key]
		require.True(t, known, "usage key %s has no rule in the test: extend usagePriceKeys", key)
		rate, ok := prices[rateKeys[0]]
		if !ok {
			rate, ok = prices[rateKeys[1]]
		}
		require.True(t, ok, "model %s has no %s rate", model, rateKeys[0])
		count, isNumber := value.(float64)
		require.True(t, isNumber, "usage %s is not a number: %v", key, value)
		details[key] = count * rate / 1_000_000
		total += details[key]
	}
	details["total"] = total
	return details
}
