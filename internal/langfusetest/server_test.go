package langfusetest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

func post(t *testing.T, srv *Server, path, contentType string, body []byte, auth string) (*http.Response, []byte) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.URL()+path, bytes.NewReader(body))
	require.NoError(t, err)
	req.Header.Set("Content-Type", contentType)
	req.Header.Set("x-langfuse-ingestion-version", "4")
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	return resp, data
}

func otlpBody(t *testing.T, traceID pcommon.TraceID) []byte {
	t.Helper()
	traces := ptrace.NewTraces()
	rs := traces.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "svc")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("scope")
	span := ss.Spans().AppendEmpty()
	span.SetName("chat gpt-4o")
	span.SetTraceID(traceID)
	span.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	span.Attributes().PutStr("langfuse.observation.type", "generation")
	body, err := ptraceotlp.NewExportRequestFromTraces(traces).MarshalProto()
	require.NoError(t, err)
	return body
}

func TestOTLPAcceptsProtobuf(t *testing.T) {
	srv := New(t)
	auth := BasicAuth(srv.PublicKey(), srv.SecretKey())

	resp, _ := post(t, srv, OTLPTracesPath, "application/x-protobuf",
		otlpBody(t, pcommon.TraceID{1: 1, 15: 2}), auth)
	require.Equal(t, http.StatusOK, resp.StatusCode)

	spans := srv.Spans()
	require.Len(t, spans, 1)
	assert.Equal(t, "00010000000000000000000000000002", spans[0].TraceID)
	assert.Equal(t, "0102030405060708", spans[0].SpanID)
	assert.Equal(t, "generation", spans[0].Attributes["langfuse.observation.type"])
	assert.Equal(t, "svc", spans[0].ResourceAttributes["service.name"])
	assert.Equal(t, "scope", spans[0].ScopeName)
	assert.Equal(t, 1, srv.Traces().SpanCount())
}

func TestOTLPRejectsZeroTraceID(t *testing.T) {
	srv := New(t, AllowProblems())
	auth := BasicAuth(srv.PublicKey(), srv.SecretKey())

	resp, _ := post(t, srv, OTLPTracesPath, "application/x-protobuf", otlpBody(t, pcommon.TraceID{}), auth)

	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
	assert.Empty(t, srv.Spans())
	assert.Len(t, srv.Problems(), 1)
}

func TestOTLPRejectsUnknownContentType(t *testing.T) {
	srv := New(t, AllowProblems())
	auth := BasicAuth(srv.PublicKey(), srv.SecretKey())

	resp, _ := post(t, srv, OTLPTracesPath, "text/plain", []byte("x"), auth)

	assert.Equal(t, http.StatusBadRequest, resp.StatusCode)
}

func TestAuthFailures(t *testing.T) {
	tests := []struct {
		name   string
		path   string
		auth   string
		status int
	}{
		{"missing on otlp", OTLPTracesPath, "", http.StatusUnauthorized},
		{"wrong secret on otlp", OTLPTracesPath, BasicAuth(DefaultPublicKey, "wrong"), http.StatusUnauthorized},
		{"bearer on otlp", OTLPTracesPath, "Bearer " + DefaultPublicKey, http.StatusForbidden},
		{"wrong public on ingestion", IngestionPath, BasicAuth("pk", DefaultSecretKey), http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := New(t)
			resp, body := post(t, srv, tt.path, "application/json", []byte(`{"batch":[]}`), tt.auth)
			assert.Equal(t, tt.status, resp.StatusCode)
			assert.Contains(t, string(body), `"message"`)
			assert.Empty(t, srv.Problems())
		})
	}
}

func traceEvent(id string) map[string]any {
	return map[string]any{
		"id":        id,
		"type":      "trace-create",
		"timestamp": "2026-01-01T00:00:00.000Z",
		"body": map[string]any{
			"id":   "0102030405060708090a0b0c0d0e0f10",
			"name": "chat",
		},
	}
}

func ingest(t *testing.T, srv *Server, events ...map[string]any) (int, ingestionResponse) {
	t.Helper()
	body, err := json.Marshal(map[string]any{"batch": events})
	require.NoError(t, err)
	resp, data := post(t, srv, IngestionPath, "application/json", body, BasicAuth(srv.PublicKey(), srv.SecretKey()))
	var decoded ingestionResponse
	if resp.StatusCode == http.StatusMultiStatus {
		require.NoError(t, json.Unmarshal(data, &decoded))
	}
	return resp.StatusCode, decoded
}

func TestIngestionAcceptsValidEvent(t *testing.T) {
	srv := New(t)

	status, response := ingest(t, srv, traceEvent("e1"))

	require.Equal(t, http.StatusMultiStatus, status)
	assert.Equal(t, []ingestionSuccess{{ID: "e1", Status: 201}}, response.Successes)
	assert.Empty(t, response.Errors)
	events := srv.EventsOfType("trace-create")
	require.Len(t, events, 1)
	assert.Equal(t, "chat", events[0].Body["name"])
}

func TestIngestionRejectsInvalidEvents(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(map[string]any)
	}{
		{"unknown type", func(e map[string]any) { e["type"] = "agent-create" }},
		{"tags not array", func(e map[string]any) { e["body"].(map[string]any)["tags"] = "a" }},
		{"timestamp without offset", func(e map[string]any) { e["timestamp"] = "2026-01-01T00:00:00" }},
		{"empty id", func(e map[string]any) { e["id"] = "" }},
		{"prompt name alone", func(e map[string]any) { e["body"].(map[string]any)["promptName"] = "p" }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := New(t, AllowProblems())
			bad := traceEvent("bad")
			tt.mutate(bad)

			status, response := ingest(t, srv, traceEvent("good"), bad)

			require.Equal(t, http.StatusMultiStatus, status)
			assert.Equal(t, []ingestionSuccess{{ID: "good", Status: 201}}, response.Successes)
			require.Len(t, response.Errors, 1)
			assert.Equal(t, 400, response.Errors[0].Status)
			assert.NotEmpty(t, srv.Problems())
		})
	}
}

func TestIngestionScoreRules(t *testing.T) {
	score := func(body map[string]any) map[string]any {
		return map[string]any{"id": "s1", "type": "score-create", "timestamp": "2026-01-01T00:00:00Z", "body": body}
	}
	tests := []struct {
		name string
		body map[string]any
		ok   bool
	}{
		{"numeric on trace", map[string]any{"id": "a", "name": "q", "value": 0.5, "traceId": "t", "dataType": "NUMERIC"}, true},
		{"no target", map[string]any{"id": "a", "name": "q", "value": 0.5}, false},
		{"two targets", map[string]any{"id": "a", "name": "q", "value": 0.5, "traceId": "t", "sessionId": "s"}, false},
		{"observation without trace", map[string]any{"id": "a", "name": "q", "value": 1, "sessionId": "s", "observationId": "o"}, false},
		{"boolean out of range", map[string]any{"id": "a", "name": "q", "value": 2, "traceId": "t", "dataType": "BOOLEAN"}, false},
		{"missing name", map[string]any{"id": "a", "value": 1, "traceId": "t"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := New(t, AllowProblems())
			_, response := ingest(t, srv, score(tt.body))
			if tt.ok {
				assert.Len(t, response.Successes, 1)
				assert.Len(t, srv.Scores(), 1)
			} else {
				assert.Len(t, response.Errors, 1)
				assert.Empty(t, srv.Scores())
			}
		})
	}
}

func TestFailEventReportsPerEventError(t *testing.T) {
	srv := New(t)
	srv.FailEvent("e2", 500, "Internal Server Error", 1)

	_, first := ingest(t, srv, traceEvent("e1"), traceEvent("e2"))
	_, second := ingest(t, srv, traceEvent("e2"))

	assert.Equal(t, []ingestionSuccess{{ID: "e1", Status: 201}}, first.Successes)
	require.Len(t, first.Errors, 1)
	assert.Equal(t, ingestionError{ID: "e2", Status: 500, Message: "Internal Server Error", Error: "Internal Server Error"}, first.Errors[0])
	assert.Equal(t, []ingestionSuccess{{ID: "e2", Status: 201}}, second.Successes)
}

func TestFailNextSendsStatusAndRetryAfter(t *testing.T) {
	srv := New(t)
	srv.FailNext(1, http.StatusTooManyRequests)
	auth := BasicAuth(srv.PublicKey(), srv.SecretKey())

	first, _ := post(t, srv, IngestionPath, "application/json", []byte(`{"batch":[]}`), auth)
	second, _ := post(t, srv, IngestionPath, "application/json", []byte(`{"batch":[]}`), auth)

	assert.Equal(t, http.StatusTooManyRequests, first.StatusCode)
	assert.Equal(t, "1", first.Header.Get("Retry-After"))
	assert.Equal(t, http.StatusMultiStatus, second.StatusCode)
	assert.Equal(t, 2, srv.RequestCount(IngestionPath))
}

func TestBodyLimitAnswers413(t *testing.T) {
	srv := New(t, WithMaxBodyBytes(100))
	auth := BasicAuth(srv.PublicKey(), srv.SecretKey())

	resp, _ := post(t, srv, IngestionPath, "application/json", []byte(`{"batch":[],"metadata":"`+strings.Repeat("x", 200)+`"}`), auth)

	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.StatusCode)
}

func TestDownAndUpKeepAddress(t *testing.T) {
	srv := New(t)
	url := srv.URL()
	client := &http.Client{Timeout: time.Second}

	srv.Down()
	_, err := client.Post(url+IngestionPath, "application/json", strings.NewReader(`{"batch":[]}`))
	require.Error(t, err)

	require.NoError(t, srv.Up())
	assert.Equal(t, url, srv.URL())
	resp, err := client.Post(url+IngestionPath, "application/json", strings.NewReader(`{"batch":[]}`))
	require.NoError(t, err)
	resp.Body.Close()
	assert.Equal(t, http.StatusUnauthorized, resp.StatusCode)
}

func TestOTLPWithoutVersionHeaderIsProblem(t *testing.T) {
	srv := New(t, AllowProblems())
	req, err := http.NewRequest(http.MethodPost, srv.URL()+OTLPTracesPath,
		bytes.NewReader(otlpBody(t, pcommon.TraceID{1})))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", BasicAuth(srv.PublicKey(), srv.SecretKey()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Len(t, srv.Problems(), 1)
}

func TestMissingVersionHeaderAccepted(t *testing.T) {
	srv := New(t, AcceptMissingIngestionVersion())
	req, err := http.NewRequest(http.MethodPost, srv.URL()+OTLPTracesPath,
		bytes.NewReader(otlpBody(t, pcommon.TraceID{1})))
	require.NoError(t, err)
	req.Header.Set("Content-Type", "application/x-protobuf")
	req.Header.Set("Authorization", BasicAuth(srv.PublicKey(), srv.SecretKey()))
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	resp.Body.Close()

	assert.Equal(t, http.StatusOK, resp.StatusCode)
	assert.Empty(t, srv.Problems())
}
