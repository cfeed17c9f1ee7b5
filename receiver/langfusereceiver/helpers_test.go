package langfusereceiver

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"os"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver/receivertest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
)

const (
	testPublicKey = "pk-lf-test"
	testSecretKey = "sk-lf-test"
)

// testReceiver is a receiver started through its factory on a loopback port,
// with sinks for both pipelines.
type testReceiver struct {
	receiver  *langfuseReceiver
	baseURL   string
	traces    *consumertest.TracesSink
	logs      *consumertest.LogsSink
	telemetry *componenttest.Telemetry
}

type receiverOptions struct {
	configure  func(*Config)
	nextTraces consumer.Traces
	nextLogs   consumer.Logs
	noLogs     bool
	logger     *zap.Logger
}

func startReceiver(t *testing.T, opts receiverOptions) *testReceiver {
	t.Helper()
	factory := NewFactory()
	cfg := factory.CreateDefaultConfig().(*Config)
	cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Keys = []KeyPair{{PublicKey: testPublicKey, SecretKey: testSecretKey}}
	cfg.MergeTimeout = time.Hour
	if opts.configure != nil {
		opts.configure(cfg)
	}
	require.NoError(t, cfg.Validate())

	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := receivertest.NewNopSettings(componentType)
	set.TelemetrySettings = tel.NewTelemetrySettings()
	if opts.logger != nil {
		set.Logger = opts.logger
	}

	tr := &testReceiver{traces: new(consumertest.TracesSink), logs: new(consumertest.LogsSink), telemetry: tel}
	var next consumer.Traces = tr.traces
	if opts.nextTraces != nil {
		next = opts.nextTraces
	}
	tracesReceiver, err := factory.CreateTraces(context.Background(), set, cfg, next)
	require.NoError(t, err)
	require.NoError(t, tracesReceiver.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, tracesReceiver.Shutdown(context.Background())) })
	if !opts.noLogs {
		var nextLogs consumer.Logs = tr.logs
		if opts.nextLogs != nil {
			nextLogs = opts.nextLogs
		}
		logsReceiver, err := factory.CreateLogs(context.Background(), set, cfg, nextLogs)
		require.NoError(t, err)
		require.NoError(t, logsReceiver.Start(context.Background(), componenttest.NewNopHost()))
		t.Cleanup(func() { require.NoError(t, logsReceiver.Shutdown(context.Background())) })
	}

	tr.receiver = tracesReceiver.(*sharedReceiver).receiver
	tr.baseURL = "http://" + tr.receiver.address
	return tr
}

// response is a decoded response of the receiver.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    []byte
}

func basicAuth(publicKey, secretKey string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(publicKey+":"+secretKey))
}

func (tr *testReceiver) do(t *testing.T, method, path string, body []byte, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(method, tr.baseURL+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Authorization", basicAuth(testPublicKey, testSecretKey))
	req.Header.Set("Content-Type", "application/json")
	for key, value := range header {
		if value == "" {
			req.Header.Del(key)
			continue
		}
		req.Header.Set(key, value)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(t, json.Unmarshal(raw, &out.body), "body: %s", raw)
	}
	return out
}

func (tr *testReceiver) post(t *testing.T, path string, body []byte) response {
	t.Helper()
	return tr.do(t, http.MethodPost, path, body, nil)
}

// postBatch sends events as one ingestion batch.
func (tr *testReceiver) postBatch(t *testing.T, events ...map[string]any) response {
	t.Helper()
	body, err := json.Marshal(map[string]any{"batch": events})
	require.NoError(t, err)
	return tr.post(t, pathIngestion, body)
}

// spans returns every span the traces sink received, by name.
func (tr *testReceiver) spans() map[string]ptrace.Span {
	out := map[string]ptrace.Span{}
	for _, traces := range tr.traces.AllTraces() {
		forEachSpan(traces, func(_ pcommon.Resource, span ptrace.Span) { out[span.Name()] = span })
	}
	return out
}

// spanList returns every span the traces sink received, in order.
func (tr *testReceiver) spanList() []ptrace.Span {
	var out []ptrace.Span
	for _, traces := range tr.traces.AllTraces() {
		forEachSpan(traces, func(_ pcommon.Resource, span ptrace.Span) { out = append(out, span) })
	}
	return out
}

func (tr *testReceiver) logRecords() []plog.LogRecord {
	var out []plog.LogRecord
	for _, logs := range tr.logs.AllLogs() {
		for i := 0; i < logs.ResourceLogs().Len(); i++ {
			scopes := logs.ResourceLogs().At(i).ScopeLogs()
			for j := 0; j < scopes.Len(); j++ {
				records := scopes.At(j).LogRecords()
				for k := 0; k < records.Len(); k++ {
					out = append(out, records.At(k))
				}
			}
		}
	}
	return out
}

func forEachSpan(traces ptrace.Traces, fn func(pcommon.Resource, ptrace.Span)) {
	for i := 0; i < traces.ResourceSpans().Len(); i++ {
		rs := traces.ResourceSpans().At(i)
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			spans := rs.ScopeSpans().At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				fn(rs.Resource(), spans.At(k))
			}
		}
	}
}

func gzipBytes(t *testing.T, data []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	_, err := zw.Write(data)
	require.NoError(t, err)
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile("testdata/" + name)
	require.NoError(t, err)
	return data
}

// attrString returns a span attribute as a string, "" when absent.
func attrString(span ptrace.Span, key string) string {
	value, ok := span.Attributes().Get(key)
	if !ok {
		return ""
	}
	return value.AsString()
}

// event builds one ingestion event.
func ingestionEvent(id, eventType, timestamp string, body map[string]any) map[string]any {
	return map[string]any{"id": id, "type": eventType, "timestamp": timestamp, "body": body}
}

// metricSum returns the sum of a counter's data points whose attributes
// include every pair in match.
func metricSum(t *testing.T, tel *componenttest.Telemetry, name string, match map[string]string) int64 {
	t.Helper()
	m, err := tel.GetMetric(name)
	require.NoError(t, err)
	sum, ok := m.Data.(metricdata.Sum[int64])
	require.True(t, ok, "metric %s is %T, not an int64 sum", name, m.Data)
	var total int64
	for _, dp := range sum.DataPoints {
		matched := true
		for key, want := range match {
			value, ok := dp.Attributes.Value(attribute.Key(key))
			if !ok || value.AsString() != want {
				matched = false
			}
		}
		if matched {
			total += dp.Value
		}
	}
	return total
}

func readOTLPJSON(t testing.TB, data []byte) ptrace.Traces {
	t.Helper()
	traces, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
	require.NoError(t, err)
	return traces
}
