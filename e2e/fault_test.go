package e2e

import (
	"encoding/base64"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// outageDuration is how long the Langfuse test server stays down in the
// outage tests: long enough for several retries at the 100-500 ms backoff
// that StartCollector configures.
const outageDuration = 2 * time.Second

func TestServerDownThenUp(t *testing.T) {
	RequireE2E(t)
	for _, protocol := range []string{ProtocolOTLP, ProtocolIngestion} {
		t.Run(protocol, func(t *testing.T) {
			srv := langfusetest.New(t)
			c := StartCollector(t, CollectorOptions{Langfuse: srv, Protocol: protocol})

			srv.Down()
			var ids []string
			for range 3 {
				td, batch := NewChatTraces(2, 4)
				SendTraces(t, c, td)
				ids = append(ids, batch...)
			}
			time.Sleep(outageDuration)
			require.True(t, c.Running(), "collector exited while Langfuse was down")
			require.NoError(t, srv.Up())

			assertDeliveredOnce(t, srv, protocol, ids)
		})
	}
}

// TestTransientFaults checks that a throttled, failing or too-large
// response loses no span and duplicates none. The test server sends 429 and
// 503 with Retry-After: 1, and the exporter retries them. It retries 500 with
// backoff, and after a 413 it sends each half of the request on its own.
func TestTransientFaults(t *testing.T) {
	RequireE2E(t)
	tests := []struct {
		status int
		count  int
	}{
		{status: http.StatusTooManyRequests, count: 2},
		{status: http.StatusServiceUnavailable, count: 1},
		{status: http.StatusInternalServerError, count: 3},
		{status: http.StatusRequestEntityTooLarge, count: 1},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := langfusetest.New(t)
			c := StartCollector(t, CollectorOptions{Langfuse: srv})

			srv.FailNext(tt.count, tt.status)
			td, ids := NewChatTraces(2, 4)
			SendTraces(t, c, td)

			assertDeliveredOnce(t, srv, ProtocolOTLP, ids)
			waitForStatus(t, srv, tt.status, deliveryTimeout)
		})
	}
}

func TestCollectorKilledWhileServerDown(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	first := StartCollector(t, CollectorOptions{Langfuse: srv})

	srv.Down()
	var ids []string
	for range 3 {
		td, batch := NewChatTraces(2, 4)
		SendTraces(t, first, td)
		ids = append(ids, batch...)
	}
	// Let the queue consumers take the requests and fail at least once, so
	// that in-flight requests are in the queue at the kill as well.
	time.Sleep(time.Second)
	first.Kill()
	require.NoError(t, srv.Up())
	assert.Empty(t, srv.Spans(), "spans arrived although Langfuse was down until the kill")

	StartCollector(t, CollectorOptions{Langfuse: srv, StorageDir: first.StorageDir})
	assertDeliveredOnce(t, srv, ProtocolOTLP, ids)
}

func TestWrongCredentials(t *testing.T) {
	RequireE2E(t)
	const wrongSecret = "sk-lf-wrong-e2e-9c41d7"
	srv := langfusetest.New(t)
	c := StartCollector(t, CollectorOptions{Langfuse: srv, SecretKey: wrongSecret})

	td, _ := NewChatTraces(1, 2)
	SendTraces(t, c, td)
	waitForStatus(t, srv, http.StatusUnauthorized, deliveryTimeout)
	// "HTTP 401" rather than "401", which a port number in the start-up log can contain.
	c.WaitForOutput("HTTP 401", deliveryTimeout)

	output := c.Output()
	lower := strings.ToLower(output)
	assert.True(t, strings.Contains(lower, "public_key") || strings.Contains(lower, "secret_key"),
		"collector output does not name public_key or secret_key as the cause of the 401:\n%s", output)
	assert.NotContains(t, output, wrongSecret, "collector output contains the secret key")
	basic := base64.StdEncoding.EncodeToString([]byte(srv.PublicKey() + ":" + wrongSecret))
	assert.NotContains(t, output, basic, "collector output contains the Basic auth credentials")

	require.True(t, c.Running(), "collector exited after a 401")
	td, _ = NewChatTraces(1, 1)
	SendTraces(t, c, td)
	assert.Empty(t, srv.Spans(), "Langfuse accepted spans sent with a wrong secret key")
}

func TestMalformedOTLP(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	c := StartCollector(t, CollectorOptions{Langfuse: srv})
	tracesURL := c.OTLPHTTP + "/v1/traces"

	tests := []struct {
		name        string
		contentType string
		body        []byte
	}{
		{name: "garbage protobuf", contentType: contentTypeProtobuf, body: []byte{0xff, 0xff, 0xff, 0xff, 0x0f, 0x0a, 0x03}},
		{name: "truncated protobuf", contentType: contentTypeProtobuf, body: truncatedProtobuf(t)},
		{name: "bad JSON", contentType: contentTypeJSON, body: []byte(`{"resourceSpans": [`)},
		{name: "JSON of wrong shape", contentType: contentTypeJSON, body: []byte(`{"resourceSpans": "not a list"}`)},
		{name: "span id of wrong length", contentType: contentTypeJSON,
			body: []byte(`{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":"0102","spanId":"03","name":"x"}]}]}]}`)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			status, response := PostOTLP(t, tracesURL, tt.contentType, tt.body)
			assert.Equal(t, http.StatusBadRequest, status, "response: %s", response)
			assert.True(t, c.Running(), "collector exited after %s", tt.name)
		})
	}

	// HTTP/1.1 garbage on the gRPC port: the server must drop the
	// connection and keep serving.
	conn, err := net.DialTimeout("tcp", c.OTLPGRPC, time.Second)
	require.NoError(t, err)
	_, _ = conn.Write([]byte("POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\n\x00\x01\x02"))
	_ = conn.SetReadDeadline(time.Now().Add(2 * time.Second))
	_, _ = conn.Read(make([]byte, 256))
	conn.Close()

	require.True(t, c.Running(), "collector exited after malformed requests")
	td, ids := NewChatTraces(1, 3)
	SendTraces(t, c, td)
	WaitForSpans(t, srv, ids, deliveryTimeout)
	assert.Empty(t, srv.Problems(), "the exporter sent requests the Langfuse test server rejects")
}

// truncatedProtobuf returns a valid OTLP protobuf request cut in the middle
// of a field.
func truncatedProtobuf(t *testing.T) []byte {
	t.Helper()
	td, _ := NewChatTraces(1, 1)
	body, err := marshalProto(td)
	require.NoError(t, err)
	return body[:len(body)/2]
}

// waitForStatus waits until the test server has responded to at least one
// request with status.
func waitForStatus(t *testing.T, srv *langfusetest.Server, status int, timeout time.Duration) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		for _, r := range srv.Requests() {
			if r.Status == status {
				return
			}
		}
		time.Sleep(pollInterval)
	}
	t.Fatalf("Langfuse test server responded to no request with %d after %v; requests: %s",
		status, timeout, describeRequests(srv.Requests()))
}

// assertDeliveredOnce waits for every span id and checks that each arrived
// exactly once. Over OTLP the ids are span ids, and a second copy is a
// failure. Over the ingestion protocol they are the body ids of the
// observation create events, which the exporter sets to the span ids. There a
// repeated event is allowed if it repeats the same event id, because Langfuse
// stores an event id once, so the replay is idempotent.
func assertDeliveredOnce(t *testing.T, srv *langfusetest.Server, protocol string, ids []string) {
	t.Helper()
	switch protocol {
	case ProtocolOTLP:
		WaitForSpans(t, srv, ids, deliveryTimeout)
		counts := map[string]int{}
		for _, span := range srv.Spans() {
			counts[span.SpanID]++
		}
		for _, id := range ids {
			assert.Equal(t, 1, counts[id], "deliveries of span %s", id)
		}
		assert.Len(t, counts, len(ids), "distinct spans received")

	case ProtocolIngestion:
		WaitForEvents(t, srv, ids, deliveryTimeout)
		eventIDs := map[string]map[string]bool{}
		for _, event := range srv.Events() {
			if event.Type == "trace-create" || !strings.HasSuffix(event.Type, "-create") {
				continue
			}
			id, _ := event.Body["id"].(string)
			if eventIDs[id] == nil {
				eventIDs[id] = map[string]bool{}
			}
			eventIDs[id][event.ID] = true
		}
		for _, id := range ids {
			assert.Len(t, eventIDs[id], 1, "distinct event ids for observation %s: a retry must reuse its event id", id)
		}
		assert.Len(t, eventIDs, len(ids), "distinct observations received")

	default:
		t.Fatalf("unknown protocol %q", protocol)
	}
}
