package langfuseexporter

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// testHarness is an exporter wired to a metric reader and a log observer.
type testHarness struct {
	metrics *sdkmetric.ManualReader
	logs    *observer.ObservedLogs
	set     exporter.Settings
}

func newHarness(t *testing.T) *testHarness {
	t.Helper()
	reader := sdkmetric.NewManualReader()
	provider := sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	t.Cleanup(func() { _ = provider.Shutdown(context.Background()) })

	core, logs := observer.New(zap.DebugLevel)
	set := exportertest.NewNopSettings(componentType)
	set.TelemetrySettings.MeterProvider = provider
	set.Logger = zap.New(core)
	return &testHarness{metrics: reader, logs: logs, set: set}
}

// serverConfig returns a configuration that sends to srv synchronously:
// no queue and no retries, so a push returns the error of its request.
func serverConfig(srv *langfusetest.Server, protocol Protocol) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.ClientConfig.Endpoint = srv.URL()
	cfg.PublicKey = srv.PublicKey()
	cfg.SecretKey = configopaque.String(srv.SecretKey())
	cfg.Protocol = protocol
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	cfg.RetryConfig.Enabled = false
	cfg.ClientConfig.Compression = configcompression.TypeGzip
	return cfg
}

func (h *testHarness) startTraces(t *testing.T, cfg *Config, read readFunc) exporter.Traces {
	t.Helper()
	require.NoError(t, cfg.Validate())
	exp, err := createTracesWithReader(context.Background(), h.set, cfg, read)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })
	return exp
}

// counter returns the sum of the named counter over the data points whose
// attributes include every given key and value.
func (h *testHarness) counter(t *testing.T, name string, attrs ...attribute.KeyValue) int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, h.metrics.Collect(context.Background(), &rm))

	var total int64
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			sum, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "metric %s is not an int64 sum", name)
			for _, dp := range sum.DataPoints {
				if hasAttributes(dp.Attributes, attrs) {
					total += dp.Value
				}
			}
		}
	}
	return total
}

func hasAttributes(set attribute.Set, want []attribute.KeyValue) bool {
	for _, kv := range want {
		got, ok := set.Value(kv.Key)
		if !ok || got != kv.Value {
			return false
		}
	}
	return true
}

// viewsByName returns a reader that fills the View registered under the
// span's name, so tests decide exactly what the exporter maps.
func viewsByName(views map[string]genai.View) readFunc {
	return func(dst *genai.View, _ pcommon.Resource, _ pcommon.InstrumentationScope, span ptrace.Span) {
		view, ok := views[span.Name()]
		if !ok {
			view = genai.View{Name: span.Name(), Type: genai.TypeSpan}
		}
		*dst = view
	}
}

// spanSpec describes one test span.
type spanSpec struct {
	name    string
	traceID pcommon.TraceID
	spanID  pcommon.SpanID
	parent  pcommon.SpanID
	attrs   map[string]any
}

var testStart = time.Now().Add(-time.Minute).Truncate(time.Millisecond)

func makeTraces(t *testing.T, specs ...spanSpec) ptrace.Traces {
	t.Helper()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "chat-app")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("test-scope")
	for i, spec := range specs {
		span := ss.Spans().AppendEmpty()
		span.SetName(spec.name)
		span.SetTraceID(spec.traceID)
		span.SetSpanID(spec.spanID)
		span.SetParentSpanID(spec.parent)
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(testStart.Add(time.Duration(i) * time.Millisecond)))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(testStart.Add(time.Duration(i)*time.Millisecond + time.Second)))
		require.NoError(t, span.Attributes().FromRaw(spec.attrs))
	}
	return td
}

var (
	traceA = pcommon.TraceID{0xa, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	traceB = pcommon.TraceID{0xb, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15}
	spanR  = pcommon.SpanID{0x10, 1, 1, 1, 1, 1, 1, 1}
	spanC  = pcommon.SpanID{0x20, 2, 2, 2, 2, 2, 2, 2}
	spanD  = pcommon.SpanID{0x30, 3, 3, 3, 3, 3, 3, 3}
)

func readTestdata(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", name))
}

func itoa(n int) string { return strconv.Itoa(n) }

func toString(v any) string { return fmt.Sprint(v) }
