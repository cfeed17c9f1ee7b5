package langfuseexporter

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

func TestStatusCodes(t *testing.T) {
	tests := []struct {
		status    int
		permanent bool
		message   string
	}{
		{http.StatusBadRequest, true, "rejected the request as invalid with HTTP 400"},
		{http.StatusUnauthorized, true, "rejected the API keys with HTTP 401"},
		{http.StatusForbidden, true, "rejected the API keys with HTTP 403"},
		{http.StatusNotFound, true, "responded with HTTP 404"},
		{http.StatusTooManyRequests, false, "is throttling with HTTP 429"},
		{http.StatusInternalServerError, false, "failed with HTTP 500"},
		{http.StatusBadGateway, false, "failed with HTTP 502"},
		{http.StatusServiceUnavailable, false, "is throttling with HTTP 503"},
	}
	for _, protocol := range []Protocol{ProtocolOTLP, ProtocolIngestion} {
		for _, tt := range tests {
			t.Run(string(protocol)+"/"+http.StatusText(tt.status), func(t *testing.T) {
				srv := langfusetest.New(t)
				srv.FailNext(1, tt.status)
				h := newHarness(t)
				exp := h.startTraces(t, serverConfig(srv, protocol), viewsByName(nil))

				err := exp.ConsumeTraces(context.Background(),
					makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

				require.Error(t, err)
				assert.Equal(t, tt.permanent, consumererror.IsPermanent(err), err.Error())
				assert.Contains(t, err.Error(), tt.message)
				assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_failed",
					attribute.String("status_code", itoa(tt.status))))
			})
		}
	}
}

func TestNetworkErrorIsRetryable(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(nil))
	srv.Down()

	err := exp.ConsumeTraces(context.Background(), makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "send to Langfuse at")
}

func TestRetryReachesServerAfterUp(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.RetryConfig.Enabled = true
	cfg.RetryConfig.InitialInterval = 50 * time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = 10 * time.Second
	exp := h.startTraces(t, cfg, viewsByName(nil))
	srv.Down()
	go func() {
		time.Sleep(200 * time.Millisecond)
		assert.NoError(t, srv.Up())
	}()

	err := exp.ConsumeTraces(context.Background(), makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

	require.NoError(t, err)
	assert.Len(t, srv.Spans(), 1)
}

func TestRetryAfterHeaderHonoured(t *testing.T) {
	srv := langfusetest.New(t)
	srv.InjectFaults(1, langfusetest.Fault{Status: http.StatusTooManyRequests, RetryAfter: "3600"})
	h := newHarness(t)
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.RetryConfig.Enabled = true
	cfg.RetryConfig.InitialInterval = time.Millisecond
	cfg.RetryConfig.MaxElapsedTime = time.Minute
	exp := h.startTraces(t, cfg, viewsByName(nil))

	err := exp.ConsumeTraces(context.Background(), makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

	// The retry sender gives up at once, because the server requested a wait
	// of one hour, which is longer than max_elapsed_time. Without Retry-After
	// the 1 ms backoff would retry.
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no more retries left")
	assert.Contains(t, err.Error(), "Throttle (1h0m0s)")
	assert.Equal(t, 1, srv.RequestCount(langfusetest.OTLPTracesPath))
}

func TestRetryAfterParsing(t *testing.T) {
	tests := []struct {
		name   string
		header string
		body   string
		want   time.Duration
		ok     bool
	}{
		{"seconds", "7", "", 7 * time.Second, true},
		{"langfuse body", "", `{"details":{"retryAfterSeconds":3}}`, 3 * time.Second, true},
		{"past date", "Mon, 02 Jan 2006 15:04:05 GMT", "", 0, true},
		{"none", "", `{"message":"x"}`, 0, false},
		{"garbage", "soon", "", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.header != "" {
				header.Set("Retry-After", tt.header)
			}
			got, ok := retryAfter(response{status: 429, header: header, body: []byte(tt.body)})
			assert.Equal(t, tt.ok, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestSecretNeverInErrorsOrLogs(t *testing.T) {
	const secret = "sk-lf-very-secret-value-0123456789"
	srv := langfusetest.New(t)
	for _, protocol := range []Protocol{ProtocolOTLP, ProtocolIngestion} {
		t.Run(string(protocol), func(t *testing.T) {
			h := newHarness(t)
			cfg := serverConfig(srv, protocol)
			cfg.SecretKey = configopaque.String(secret)
			exp := h.startTraces(t, cfg, viewsByName(nil))

			err := exp.ConsumeTraces(context.Background(),
				makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

			require.Error(t, err)
			assert.True(t, consumererror.IsPermanent(err))
			assert.Contains(t, err.Error(), "LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY")
			assert.NotContains(t, err.Error(), secret)
			for _, entry := range h.logs.All() {
				assert.NotContains(t, entry.Message, secret)
				for key, value := range entry.ContextMap() {
					assert.NotContains(t, strings.ToLower(toString(value)), strings.ToLower(secret), key)
				}
			}
		})
	}
}

func TestSecretRedactedFromEchoedBody(t *testing.T) {
	const secret = "sk-lf-echoed-secret"
	s := newSender("http://127.0.0.1:1", "pk", secret, "test")
	err := s.classify("http://127.0.0.1:1/x", response{status: 401,
		body: []byte(`{"message":"bad key ` + secret + `"}`)})
	assert.NotContains(t, err.Error(), secret)
	assert.Contains(t, err.Error(), "[redacted]")
}
