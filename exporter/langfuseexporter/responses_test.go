package langfuseexporter

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// eightSpans returns one trace of eight spans.
func eightSpans(t *testing.T) []spanSpec {
	t.Helper()
	specs := make([]spanSpec, 8)
	for i := range specs {
		specs[i] = spanSpec{name: "s", traceID: traceA, spanID: [8]byte{9, byte(i + 1)}}
	}
	return specs
}

func TestAlways413EndsInCountedDrops(t *testing.T) {
	tests := []struct {
		protocol Protocol
		path     string
		// requests is the number of requests the halving takes for eight
		// spans: 1 + 2 + 4 + 8 for OTLP; the batch protocol sends a ninth
		// event, the trace-create, so its halves are uneven.
		requests int
	}{
		{ProtocolOTLP, langfusetest.OTLPTracesPath, 15},
		{ProtocolIngestion, langfusetest.IngestionPath, 17},
	}
	for _, tt := range tests {
		t.Run(string(tt.protocol), func(t *testing.T) {
			srv := langfusetest.New(t)
			srv.InjectFaults(1000, langfusetest.Fault{Status: http.StatusRequestEntityTooLarge})
			h := newHarness(t)
			exp := h.startTraces(t, serverConfig(srv, tt.protocol), viewsByName(nil))

			err := exp.ConsumeTraces(context.Background(), makeTraces(t, eightSpans(t)...))

			require.NoError(t, err)
			assert.Equal(t, tt.requests, srv.RequestCount(tt.path))
			assert.Equal(t, int64(8), h.counter(t, "otelcol_genai_exporter_langfuse_dropped",
				attribute.String("reason", "too_large")))
			assert.Equal(t, int64(0), h.counter(t, "otelcol_genai_exporter_langfuse_exported"))
		})
	}
}

func TestIngestionOddResponses(t *testing.T) {
	tests := []struct {
		name   string
		status int
		body   string
		logged string
	}{
		{"207 not JSON", http.StatusMultiStatus, "<html>oops</html>", "not a 207 result"},
		{"200 garbage", http.StatusOK, "\x00\x01garbage", "not a 207 result"},
		{"207 unknown ids", http.StatusMultiStatus,
			`{"successes":[],"errors":[{"id":"never-sent","status":500,"message":"boom"}]}`,
			"event id that was not sent"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := langfusetest.New(t)
			srv.InjectFaults(1, langfusetest.Fault{Status: tt.status, Body: tt.body})
			h := newHarness(t)
			exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion), viewsByName(nil))

			err := exp.ConsumeTraces(context.Background(),
				makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

			require.NoError(t, err)
			assert.Equal(t, 1, srv.RequestCount(langfusetest.IngestionPath))
			assert.NotEmpty(t, h.logs.FilterMessageSnippet(tt.logged).All())
		})
	}
}

func TestIngestion207AllEventsRejected(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion), viewsByName(nil))
	for _, spanID := range []string{spanR.String(), spanC.String()} {
		srv.FailEvent(eventID(traceA.String(), spanID, "span-create"), http.StatusBadRequest, "Invalid", 1)
	}

	err := exp.ConsumeTraces(context.Background(), makeTraces(t,
		spanSpec{name: "a", traceID: traceA, spanID: spanR},
		spanSpec{name: "b", traceID: traceA, spanID: spanC, parent: spanR}))

	require.NoError(t, err)
	assert.Equal(t, int64(2), h.counter(t, "otelcol_genai_exporter_langfuse_dropped",
		attribute.String("reason", "rejected_by_langfuse")))
	assert.Equal(t, int64(0), h.counter(t, "otelcol_genai_exporter_langfuse_exported",
		attribute.String("signal", "observation")))
}

// TestIngestionLarge207StillRead checks that a 207 body longer than the
// limit for error bodies is read whole, so that its per-event results,
// here a retryable 500 at the end, are not lost.
func TestIngestionLarge207StillRead(t *testing.T) {
	srv := langfusetest.New(t)
	failing := eventID(traceA.String(), spanR.String(), "span-create")
	var body strings.Builder
	body.WriteString(`{"successes":[`)
	for i := range 40_000 {
		if i > 0 {
			body.WriteString(",")
		}
		fmt.Fprintf(&body, `{"id":"padding-event-%08d","status":201}`, i)
	}
	body.WriteString(`],"errors":[{"id":"` + failing + `","status":500,"message":"Internal Server Error"}]}`)
	require.Greater(t, body.Len(), maxErrorBodyBytes)
	srv.InjectFaults(1, langfusetest.Fault{Status: http.StatusMultiStatus, Body: body.String()})
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion), viewsByName(nil))

	err := exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), failing)
}

func TestHugeErrorBodyCapped(t *testing.T) {
	for _, protocol := range []Protocol{ProtocolOTLP, ProtocolIngestion} {
		t.Run(string(protocol), func(t *testing.T) {
			srv := langfusetest.New(t)
			srv.InjectFaults(1, langfusetest.Fault{Status: http.StatusBadRequest,
				Body: strings.Repeat("x", 5<<20)})
			h := newHarness(t)
			exp := h.startTraces(t, serverConfig(srv, protocol), viewsByName(nil))

			err := exp.ConsumeTraces(context.Background(),
				makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

			require.Error(t, err)
			assert.True(t, consumererror.IsPermanent(err))
			assert.Less(t, len(err.Error()), 2048)
		})
	}
}

func TestEventMessageCappedInLog(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion), viewsByName(nil))
	srv.FailEvent(eventID(traceA.String(), spanR.String(), "span-create"), http.StatusBadRequest,
		strings.Repeat("m", 100_000), 1)

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR})))

	logged := h.logs.FilterMessage("Langfuse rejected an event").All()
	require.Len(t, logged, 1)
	message, ok := logged[0].ContextMap()["message"].(string)
	require.True(t, ok)
	assert.LessOrEqual(t, len(message), maxLoggedMessageBytes)
}

func TestSlowServerTimesOutRetryable(t *testing.T) {
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(slow.Close)
	t.Cleanup(func() { close(release) })

	for _, protocol := range []Protocol{ProtocolOTLP, ProtocolIngestion} {
		t.Run(string(protocol), func(t *testing.T) {
			h := newHarness(t)
			cfg := serverConfig(langfusetest.New(t), protocol)
			cfg.ClientConfig.Endpoint = slow.URL
			cfg.SecretKey = configopaque.String("sk-slow")
			cfg.ClientConfig.Timeout = 50 * time.Millisecond
			exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{}))

			err := exp.ConsumeTraces(context.Background(),
				makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

			require.Error(t, err)
			assert.False(t, consumererror.IsPermanent(err))
			assert.Contains(t, err.Error(), "timed out")
			assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_failed",
				attribute.String("status_code", "0")))
		})
	}
}
