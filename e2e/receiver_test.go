package e2e

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
	"github.com/otelcol-genai/otelcol-genai/receiver/langfusereceiver"
)

// These tests point the real Langfuse SDKs at the langfuse receiver running
// in the test process and compare what each SDK sent with what the receiver
// passed on. They need node and e2e/node_modules, but not the collector
// binary.

const (
	receiverPublicKey = "pk-lf-e2e-receiver"
	receiverSecretKey = "sk-lf-e2e-receiver"
	upstreamPublicKey = "pk-lf-upstream"
	upstreamSecretKey = "sk-lf-upstream"
)

// inProcessReceiver is a langfuse receiver with sinks for both pipelines.
type inProcessReceiver struct {
	baseURL string
	traces  *consumertest.TracesSink
	logs    *consumertest.LogsSink
}

func startInProcessReceiver(t *testing.T, upstreamURL string) *inProcessReceiver {
	t.Helper()
	return startInProcessReceiverWith(t, upstreamURL, nil)
}

// startInProcessReceiverWith starts the receiver with next as its traces
// consumer, or with the traces sink when next is nil.
func startInProcessReceiverWith(t *testing.T, upstreamURL string,
	next consumer.Traces) *inProcessReceiver {
	t.Helper()
	factory := langfusereceiver.NewFactory()
	cfg := factory.CreateDefaultConfig().(*langfusereceiver.Config)
	address := fmt.Sprintf("127.0.0.1:%d", FreePort(t))
	cfg.ServerConfig.NetAddr.Endpoint = address
	cfg.Keys = []langfusereceiver.KeyPair{{PublicKey: receiverPublicKey, SecretKey: receiverSecretKey}}
	cfg.MergeTimeout = 300 * time.Millisecond
	if upstreamURL != "" {
		pt := cfg.Passthrough.GetOrInsertDefault()
		pt.ClientConfig.Endpoint = upstreamURL
		pt.PublicKey = upstreamPublicKey
		pt.SecretKey = upstreamSecretKey
		pt.Paths = []string{"/api/public/v2/prompts/{name}"}
		cfg.Passthrough = configoptional.Some(*pt)
	}
	require.NoError(t, cfg.Validate())

	r := &inProcessReceiver{baseURL: "http://" + address, traces: new(consumertest.TracesSink), logs: new(consumertest.LogsSink)}
	set := receivertest.NewNopSettings(factory.Type())
	if next == nil {
		next = r.traces
	}
	tracesReceiver, err := factory.CreateTraces(context.Background(), set, cfg, next)
	require.NoError(t, err)
	logsReceiver, err := factory.CreateLogs(context.Background(), set, cfg, r.logs)
	require.NoError(t, err)
	require.NoError(t, tracesReceiver.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, logsReceiver.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() {
		assert.NoError(t, tracesReceiver.Shutdown(context.Background()))
		assert.NoError(t, logsReceiver.Shutdown(context.Background()))
	})
	return r
}

// requireNode skips the test when node or e2e/node_modules is missing, or
// fails it when OTELCOL_GENAI_E2E=required.
func requireNode(t *testing.T) {
	t.Helper()
	var missing string
	if _, err := exec.LookPath("node"); err != nil {
		missing = "node is not on PATH: install Node.js 20 or later"
	} else if _, err := os.Stat(filepath.Join("node_modules", ".package-lock.json")); err != nil {
		missing = "e2e/node_modules is missing: run `make e2e-deps`"
	}
	if missing == "" {
		return
	}
	if os.Getenv(EnvMode) == "required" {
		t.Fatalf("end-to-end prerequisite missing (%s=required): %s", EnvMode, missing)
	}
	t.Skipf("skipping SDK test of the langfuse receiver: %s", missing)
}

// runSDKScript runs node js/<script> and returns its last stdout line.
func runSDKScript(t *testing.T, script string, env map[string]string) []byte {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), nodeScriptTimeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "node", filepath.Join("js", script))
	cmd.Env = os.Environ()
	for key, value := range env {
		cmd.Env = append(cmd.Env, key+"="+value)
	}
	var stderr strings.Builder
	cmd.Stderr = &stderr
	stdout, err := cmd.Output()
	require.NoError(t, err, "node %s failed\nstdout:\n%s\nstderr:\n%s", script, stdout, stderr.String())
	lines := strings.Split(strings.TrimSpace(string(stdout)), "\n")
	return []byte(lines[len(lines)-1])
}

// promptUpstream starts a stand-in for the Langfuse prompt API. The returned
// function returns the Authorization header of every request so far. The
// handler runs on the server's goroutines, so a mutex guards the headers.
func promptUpstream(t *testing.T) (*httptest.Server, func() []string) {
	t.Helper()
	var authHeaders []string
	var mu sync.Mutex
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		authHeaders = append(authHeaders, r.Header.Get("Authorization"))
		mu.Unlock()
		if !strings.HasPrefix(r.URL.Path, "/api/public/v2/prompts/") {
			w.WriteHeader(http.StatusNotFound)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"id":"p1","name":"travel-system","version":3,"type":"text",`+
			`"prompt":"You are a concise travel assistant.","config":{},"labels":["production"],"tags":[]}`)
	}))
	t.Cleanup(upstream.Close)
	return upstream, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(authHeaders)
	}
}

// v3Sent is what langfuse-v3.mjs reports it sent.
type v3Sent struct {
	Trace        map[string]any   `json:"trace"`
	Observations []map[string]any `json:"observations"`
	Scores       []map[string]any `json:"scores"`
	Prompt       map[string]any   `json:"prompt"`
}

func TestReceiverLangfuseV3SDK(t *testing.T) {
	requireNode(t)
	upstream, upstreamAuth := promptUpstream(t)
	r := startInProcessReceiver(t, upstream.URL)

	line := runSDKScript(t, "langfuse-v3.mjs", map[string]string{
		"E2E_LANGFUSE_BASEURL":    r.baseURL,
		"E2E_LANGFUSE_PUBLIC_KEY": receiverPublicKey,
		"E2E_LANGFUSE_SECRET_KEY": receiverSecretKey,
		"E2E_PROMPT_NAME":         "travel-system",
	})
	var sent v3Sent
	require.NoError(t, json.Unmarshal(line, &sent), "manifest: %s", line)

	// Every observation and the trace's root span.
	want := len(sent.Observations) + 1
	require.Eventually(t, func() bool { return r.traces.SpanCount() >= want }, 10*time.Second, 50*time.Millisecond,
		"got %d spans, expected %d", r.traces.SpanCount(), want)
	byObservation := map[string]ptrace.Span{}
	var root ptrace.Span
	forEachReceivedSpan(r.traces, func(span ptrace.Span) {
		if id, ok := span.Attributes().Get(langfusereceiver.AttrObservationID); ok {
			byObservation[id.Str()] = span
			return
		}
		root = span
	})

	traceID := sent.Trace["id"].(string)
	t.Run("trace", func(t *testing.T) {
		assertAttr(t, root, langfusereceiver.AttrTraceID, traceID)
		assert.Equal(t, sent.Trace["name"], root.Name())
		checkTraceAttributes(t, root, sent.Trace)
		assertJSONAttr(t, root, "langfuse.trace.input", sent.Trace["input"])
		assertJSONAttr(t, root, "langfuse.trace.output", sent.Trace["output"])
	})

	for _, observation := range sent.Observations {
		id := observation["id"].(string)
		t.Run(id, func(t *testing.T) {
			span, ok := byObservation[id]
			require.True(t, ok, "no span for observation %s", id)
			assert.Equal(t, observation["name"], span.Name())
			assert.Equal(t, root.TraceID(), span.TraceID())
			assertAttr(t, span, "langfuse.observation.type", observation["type"])
			if parent, ok := observation["parentObservationId"].(string); ok {
				assert.Equal(t, byObservation[parent].SpanID(), span.ParentSpanID())
			} else {
				assert.Equal(t, root.SpanID(), span.ParentSpanID())
			}
			checkTraceAttributes(t, span, sent.Trace)
			for field, key := range map[string]string{
				"model": "langfuse.observation.model.name", "level": "langfuse.observation.level",
				"statusMessage": "langfuse.observation.status_message",
			} {
				if value, ok := observation[field]; ok {
					assertAttr(t, span, key, value)
				}
			}
			for field, key := range map[string]string{
				"input": "langfuse.observation.input", "output": "langfuse.observation.output",
				"modelParameters": "langfuse.observation.model.parameters",
				"usageDetails":    "langfuse.observation.usage_details",
				"costDetails":     "langfuse.observation.cost_details",
			} {
				if value, ok := observation[field]; ok {
					assertJSONAttr(t, span, key, value)
				}
			}
			if metadata, ok := observation["metadata"].(map[string]any); ok {
				for key, value := range metadata {
					assertAttr(t, span, "langfuse.observation.metadata."+key, value)
				}
			}
		})
	}

	t.Run("scores", func(t *testing.T) {
		records := map[string]plog.LogRecord{}
		for _, record := range receivedLogRecords(r.logs) {
			id, _ := record.Attributes().Get(langfuse.AttrScoreID)
			records[id.Str()] = record
		}
		require.Len(t, records, len(sent.Scores))
		for _, score := range sent.Scores {
			record, ok := records[score["id"].(string)]
			if !assert.True(t, ok, "no log record for score %s", score["id"]) {
				continue
			}
			attrs := record.Attributes().AsRaw()
			assert.Equal(t, langfuse.ScoreEventName, record.EventName())
			assert.Equal(t, score["name"], attrs[langfuse.AttrScoreName])
			assert.Equal(t, score["value"], attrs[langfuse.AttrScoreValue])
			assert.Equal(t, score["comment"], attrs[langfuse.AttrScoreComment])
			assert.Equal(t, traceID, attrs[langfuse.AttrScoreTraceID])
			assert.Equal(t, root.TraceID(), record.TraceID())
			if observation, ok := score["observationId"].(string); ok {
				assert.Equal(t, byObservation[observation].SpanID(), record.SpanID())
			} else {
				assert.True(t, record.SpanID().IsEmpty(), "a trace score has no span id")
			}
		}
	})

	t.Run("prompt passthrough", func(t *testing.T) {
		require.NotNil(t, sent.Prompt)
		assert.Equal(t, "travel-system", sent.Prompt["name"])
		assert.InDelta(t, 3, sent.Prompt["version"], 0)
		authHeaders := upstreamAuth()
		require.NotEmpty(t, authHeaders)
		assert.Equal(t, basicAuthValue(upstreamPublicKey, upstreamSecretKey), authHeaders[0],
			"the upstream sees the collector's Langfuse keys, not the SDK's")
	})
}

// rejectingTraces rejects the first `rejections` batches with a retryable error,
// as memory_limiter does, and passes later ones to sink.
type rejectingTraces struct {
	mu         sync.Mutex
	rejections int
	rejected   int
	sink       *consumertest.TracesSink
}

func (r *rejectingTraces) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{}
}

func (r *rejectingTraces) ConsumeTraces(ctx context.Context, traces ptrace.Traces) error {
	r.mu.Lock()
	if r.rejected < r.rejections {
		r.rejected++
		r.mu.Unlock()
		return errors.New("data refused due to high memory usage")
	}
	r.mu.Unlock()
	return r.sink.ConsumeTraces(ctx, traces)
}

// TestReceiverV3ResendAfterRejection checks that the v3 SDK resends a batch
// whose spans the pipeline rejected, and that every observation then arrives
// once and whole.
func TestReceiverV3ResendAfterRejection(t *testing.T) {
	requireNode(t)
	rejecting := &rejectingTraces{rejections: 1, sink: new(consumertest.TracesSink)}
	r := startInProcessReceiverWith(t, "", rejecting)

	line := runSDKScript(t, "langfuse-v3.mjs", map[string]string{
		"E2E_LANGFUSE_BASEURL":    r.baseURL,
		"E2E_LANGFUSE_PUBLIC_KEY": receiverPublicKey,
		"E2E_LANGFUSE_SECRET_KEY": receiverSecretKey,
		"E2E_RETRY_COUNT":         "3",
		"E2E_RETRY_DELAY_MS":      "100",
	})
	var sent v3Sent
	require.NoError(t, json.Unmarshal(line, &sent), "manifest: %s", line)

	want := len(sent.Observations) + 1
	require.Eventually(t, func() bool { return rejecting.sink.SpanCount() >= want }, 10*time.Second,
		50*time.Millisecond, "got %d spans, expected %d", rejecting.sink.SpanCount(), want)
	rejecting.mu.Lock()
	assert.Equal(t, 1, rejecting.rejected, "the first batch was rejected")
	rejecting.mu.Unlock()

	spans := map[string][]ptrace.Span{}
	forEachReceivedSpan(rejecting.sink, func(span ptrace.Span) {
		if id, ok := span.Attributes().Get(langfusereceiver.AttrObservationID); ok {
			spans[id.Str()] = append(spans[id.Str()], span)
		}
	})
	for _, observation := range sent.Observations {
		id := observation["id"].(string)
		require.Len(t, spans[id], 1, "observation %s", id)
		assert.Equal(t, observation["name"], spans[id][0].Name())
		if input, ok := observation["input"]; ok {
			assertJSONAttr(t, spans[id][0], "langfuse.observation.input", input)
		}
	}
	sentScores := map[string]bool{}
	for _, score := range sent.Scores {
		sentScores[score["id"].(string)] = true
	}
	for _, record := range receivedLogRecords(r.logs) {
		id, _ := record.Attributes().Get(langfuse.AttrScoreID)
		assert.True(t, sentScores[id.Str()], "score %s: a resent score keeps its id, so Langfuse stores it once", id.Str())
	}
}

// TestReceiverV5ResendAfterRejection checks that the v5 SDK's OTLP exporter
// resends spans that the pipeline rejected, because the receiver responds with 503.
func TestReceiverV5ResendAfterRejection(t *testing.T) {
	requireNode(t)
	rejecting := &rejectingTraces{rejections: 1, sink: new(consumertest.TracesSink)}
	r := startInProcessReceiverWith(t, "", rejecting)

	line := runSDKScript(t, "langfuse-v5.mjs", map[string]string{
		"E2E_LANGFUSE_BASEURL":    r.baseURL,
		"E2E_LANGFUSE_PUBLIC_KEY": receiverPublicKey,
		"E2E_LANGFUSE_SECRET_KEY": receiverSecretKey,
	})
	var sent struct {
		Spans []v5Span `json:"spans"`
	}
	require.NoError(t, json.Unmarshal(line, &sent), "manifest: %s", line)
	require.NotEmpty(t, sent.Spans)

	rejecting.mu.Lock()
	assert.Equal(t, 1, rejecting.rejected, "the first export was rejected")
	rejecting.mu.Unlock()
	received := map[string]int{}
	forEachReceivedSpan(rejecting.sink, func(span ptrace.Span) { received[span.SpanID().String()]++ })
	for _, want := range sent.Spans {
		assert.Equal(t, 1, received[want.SpanID], "span %s (%s)", want.Name, want.SpanID)
	}
}

// v5Span is one span that langfuse-v5.mjs ended, with its attributes.
type v5Span struct {
	TraceID      string `json:"traceId"`
	SpanID       string `json:"spanId"`
	ParentSpanID string `json:"parentSpanId"`
	Name         string `json:"name"`
	// StartTimeUnixNano and EndTimeUnixNano are decimal nanoseconds since
	// the Unix epoch.
	StartTimeUnixNano string         `json:"startTimeUnixNano"`
	EndTimeUnixNano   string         `json:"endTimeUnixNano"`
	Attributes        map[string]any `json:"attributes"`
}

func TestReceiverLangfuseV5SDK(t *testing.T) {
	requireNode(t)
	r := startInProcessReceiver(t, "")

	line := runSDKScript(t, "langfuse-v5.mjs", map[string]string{
		"E2E_LANGFUSE_BASEURL":    r.baseURL,
		"E2E_LANGFUSE_PUBLIC_KEY": receiverPublicKey,
		"E2E_LANGFUSE_SECRET_KEY": receiverSecretKey,
	})
	var sent struct {
		Spans []v5Span `json:"spans"`
	}
	require.NoError(t, json.Unmarshal(line, &sent), "manifest: %s", line)
	require.NotEmpty(t, sent.Spans)

	received := map[string]ptrace.Span{}
	forEachReceivedSpan(r.traces, func(span ptrace.Span) { received[span.SpanID().String()] = span })
	require.Len(t, received, len(sent.Spans))
	for _, want := range sent.Spans {
		t.Run(want.Name, func(t *testing.T) {
			span, ok := received[want.SpanID]
			require.True(t, ok, "span %s (%s) did not arrive", want.Name, want.SpanID)
			assert.Equal(t, want.TraceID, span.TraceID().String())
			assert.Equal(t, want.ParentSpanID, spanIDString(span.ParentSpanID()))
			assert.Equal(t, want.Name, span.Name())
			for key, value := range want.Attributes {
				got, ok := span.Attributes().Get(key)
				if assert.True(t, ok, "attribute %s missing", key) {
					assert.Equal(t, normalizeJSONNumber(value), normalizeJSONNumber(got.AsRaw()), "attribute %s", key)
				}
			}
			assert.Equal(t, len(want.Attributes), span.Attributes().Len(), "no attribute is added or lost")
		})
	}
}

func forEachReceivedSpan(sink *consumertest.TracesSink, fn func(ptrace.Span)) {
	for _, traces := range sink.AllTraces() {
		for i := 0; i < traces.ResourceSpans().Len(); i++ {
			scopes := traces.ResourceSpans().At(i).ScopeSpans()
			for j := 0; j < scopes.Len(); j++ {
				spans := scopes.At(j).Spans()
				for k := 0; k < spans.Len(); k++ {
					fn(spans.At(k))
				}
			}
		}
	}
}

func receivedLogRecords(sink *consumertest.LogsSink) []plog.LogRecord {
	var out []plog.LogRecord
	for _, logs := range sink.AllLogs() {
		for i := 0; i < logs.ResourceLogs().Len(); i++ {
			scopes := logs.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < scopes.Len(); j++ {
				for k := 0; k < scopes.At(j).LogRecords().Len(); k++ {
					out = append(out, scopes.At(j).LogRecords().At(k))
				}
			}
		}
	}
	return out
}

// checkTraceAttributes checks the trace-level attributes that every span of
// a v3 trace carries.
func checkTraceAttributes(t *testing.T, span ptrace.Span, trace map[string]any) {
	t.Helper()
	assertAttr(t, span, "user.id", trace["userId"])
	assertAttr(t, span, "session.id", trace["sessionId"])
	assertAttr(t, span, "langfuse.trace.name", trace["name"])
	assertAttr(t, span, "langfuse.release", trace["release"])
	assertAttr(t, span, "langfuse.version", trace["version"])
	assertAttr(t, span, "langfuse.environment", trace["environment"])
	tags, ok := span.Attributes().Get("langfuse.trace.tags")
	if assert.True(t, ok, "langfuse.trace.tags missing on %s", span.Name()) {
		assert.Equal(t, trace["tags"], tags.Slice().AsRaw())
	}
	for key, value := range trace["metadata"].(map[string]any) {
		assertAttr(t, span, "langfuse.trace.metadata."+key, value)
	}
}

func assertAttr(t *testing.T, span ptrace.Span, key string, want any) {
	t.Helper()
	got, ok := span.Attributes().Get(key)
	if assert.True(t, ok, "attribute %s missing on span %s", key, span.Name()) {
		assert.Equal(t, fmt.Sprint(want), got.AsString(), "attribute %s on span %s", key, span.Name())
	}
}

// assertJSONAttr checks an attribute that holds a value as JSON text, or as
// the string itself when the value is a string.
func assertJSONAttr(t *testing.T, span ptrace.Span, key string, want any) {
	t.Helper()
	got, ok := span.Attributes().Get(key)
	if !assert.True(t, ok, "attribute %s missing on span %s", key, span.Name()) {
		return
	}
	if s, isString := want.(string); isString {
		assert.Equal(t, s, got.Str(), "attribute %s on span %s", key, span.Name())
		return
	}
	encoded, err := json.Marshal(want)
	require.NoError(t, err)
	assert.JSONEq(t, string(encoded), got.Str(), "attribute %s on span %s", key, span.Name())
}

func spanIDString(id pcommon.SpanID) string {
	if id.IsEmpty() {
		return ""
	}
	return id.String()
}

// normalizeJSONNumber turns every number into float64, because the manifest
// is decoded from JSON and pdata keeps integers as int64.
func normalizeJSONNumber(value any) any {
	switch v := value.(type) {
	case int64:
		return float64(v)
	case []any:
		out := make([]any, len(v))
		for i, item := range v {
			out[i] = normalizeJSONNumber(item)
		}
		return out
	}
	return value
}

func basicAuthValue(publicKey, secretKey string) string {
	req, _ := http.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
	req.SetBasicAuth(publicKey, secretKey)
	return req.Header.Get("Authorization")
}

func lastLine(output string) string {
	lines := strings.Split(strings.TrimSpace(output), "\n")
	return lines[len(lines)-1]
}
