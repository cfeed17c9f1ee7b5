package langfusereceiver

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
)

func TestAuthRejected(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	tests := []struct {
		name   string
		header string
	}{
		{name: "missing", header: ""},
		{name: "wrong secret", header: basicAuth(testPublicKey, "sk-wrong")},
		{name: "wrong public key", header: basicAuth("pk-wrong", testSecretKey)},
		{name: "empty secret", header: basicAuth(testPublicKey, "")},
		{name: "not base64", header: "Basic !!!"},
		{name: "unknown scheme", header: "Digest abc"},
		{name: "wrong bearer", header: "Bearer pk-wrong"},
	}
	for _, tt := range tests {
		for _, path := range []string{pathIngestion, pathOTLP, pathScores} {
			t.Run(tt.name+path, func(t *testing.T) {
				resp := tr.do(t, http.MethodPost, path, []byte(`{"batch":[]}`), map[string]string{"Authorization": tt.header})
				assert.Equal(t, http.StatusUnauthorized, resp.status)
				assert.Equal(t, "Unauthorized", resp.body["error"])
				assert.Contains(t, resp.body["message"], "Confirm that you've configured the correct host.")
			})
		}
	}
	assert.Equal(t, int64(len(tests)), metricSum(t, tr.telemetry, "otelcol_genai_langfuse_receiver_requests",
		map[string]string{"endpoint": endpointIngestion, "http.response.status_code": "401"}))
}

func TestAuthSecondKeyAccepted(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		cfg.Keys = append(cfg.Keys, KeyPair{PublicKey: "pk-2", SecretKey: "sk-2"})
	}})
	resp := tr.do(t, http.MethodPost, pathIngestion, []byte(`{"batch":[]}`),
		map[string]string{"Authorization": basicAuth("pk-2", "sk-2")})
	assert.Equal(t, http.StatusMultiStatus, resp.status)
	resp = tr.do(t, http.MethodPost, pathIngestion, []byte(`{"batch":[]}`),
		map[string]string{"Authorization": basicAuth("pk-2", testSecretKey)})
	assert.Equal(t, http.StatusUnauthorized, resp.status, "a secret key works only with its own public key")
}

func TestAuthBearerScoresOnly(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	bearer := map[string]string{"Authorization": "Bearer " + testPublicKey}
	body, _ := json.Marshal(map[string]any{"batch": []any{
		ingestionEvent("s", "score-create", ts, map[string]any{"id": "sc", "name": "q", "value": 1, "traceId": "t"}),
		ingestionEvent("o", "span-create", ts, map[string]any{"id": "a"}),
	}})
	resp := tr.do(t, http.MethodPost, pathIngestion, body, bearer)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	var parsed ingestionResponse
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	require.Len(t, parsed.Successes, 1)
	assert.Equal(t, "s", parsed.Successes[0].ID)
	require.Len(t, parsed.Errors, 1)
	assert.Equal(t, http.StatusUnauthorized, parsed.Errors[0].Status)
	assert.Equal(t, "Access Scope Denied", parsed.Errors[0].Error)

	resp = tr.do(t, http.MethodPost, pathOTLP, []byte(`{}`), bearer)
	assert.Equal(t, http.StatusForbidden, resp.status)
	resp = tr.do(t, http.MethodGet, pathProjects, nil, bearer)
	assert.Equal(t, http.StatusForbidden, resp.status)
}

func TestHealthWithoutAuth(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.do(t, http.MethodGet, pathHealth, nil, map[string]string{"Authorization": ""})
	assert.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, "OK", resp.body["status"])
	assert.Contains(t, resp.body, "version")
}

func TestProjects(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		cfg.Project = ProjectConfig{ID: "proj-1", Name: "Gateway"}
	}})
	resp := tr.do(t, http.MethodGet, pathProjects, nil, nil)
	require.Equal(t, http.StatusOK, resp.status)
	data, ok := resp.body["data"].([]any)
	require.True(t, ok)
	require.Len(t, data, 1)
	project := data[0].(map[string]any)
	assert.Equal(t, "proj-1", project["id"])
	assert.Equal(t, "Gateway", project["name"])
	assert.Contains(t, project, "organization")
	assert.Contains(t, project, "metadata")
}

func TestUnknownPathNotFound(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.do(t, http.MethodGet, "/api/public/v2/prompts/x", nil, nil)
	assert.Equal(t, http.StatusNotFound, resp.status)
}

func TestScoreEventLogRecord(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.postBatch(t,
		ingestionEvent("e1", "score-create", "2026-12-04T15:20:48.007Z", map[string]any{
			"id": "score-1", "name": "user-feedback", "value": 1, "comment": "helpful",
			"traceId": "9ee78abb-d641-4148-a60f-885bcbe41e38", "observationId": "obs-1",
			"environment": "staging", "metadata": map[string]any{"k": "v"}, "configId": "cfg",
		}),
		ingestionEvent("e2", "score-create", ts, map[string]any{
			"name": "tone", "value": "friendly", "sessionId": "sess-1",
		}),
		ingestionEvent("e3", "score-create", ts, map[string]any{
			"id": "score-3", "name": "ok", "value": 0, "dataType": "BOOLEAN",
			"traceId": "40465b016e146213ee58e780388a6371", "observationId": "7718d98ffe31bf09",
		}),
	)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	require.Empty(t, resp.body["errors"])
	records := tr.logRecords()
	require.Len(t, records, 3)

	first := records[0]
	attrs := first.Attributes().AsRaw()
	assert.Equal(t, langfuse.ScoreEventName, first.EventName())
	assert.Equal(t, "score-1", attrs[langfuse.AttrScoreID])
	assert.Equal(t, "user-feedback", attrs[langfuse.AttrScoreName])
	assert.InDelta(t, 1.0, attrs[langfuse.AttrScoreValue], 0)
	assert.Equal(t, scoreNumeric, attrs[langfuse.AttrScoreDataType])
	assert.Equal(t, "helpful", attrs[langfuse.AttrScoreComment])
	assert.Equal(t, "cfg", attrs[langfuse.AttrScoreConfigID])
	assert.Equal(t, "staging", attrs[langfuse.AttrScoreEnvironment])
	assert.JSONEq(t, `{"k":"v"}`, attrs[langfuse.AttrScoreMetadata].(string))
	assert.Equal(t, "9ee78abb-d641-4148-a60f-885bcbe41e38", attrs[langfuse.AttrScoreTraceID])
	assert.Equal(t, "obs-1", attrs[langfuse.AttrScoreObservationID])
	assert.Equal(t, "2026-12-04T15:20:48.007Z", attrs[langfuse.AttrScoreTimestamp])
	assert.Equal(t, "9ee78abbd6414148a60f885bcbe41e38", first.TraceID().String())
	wantSpan, _ := mapSpanID("obs-1")
	assert.Equal(t, wantSpan, first.SpanID())

	second := records[1].Attributes().AsRaw()
	assert.Equal(t, "e2", second[langfuse.AttrScoreID], "a score without an id takes its event id")
	assert.Equal(t, "friendly", second[langfuse.AttrScoreValue])
	assert.Equal(t, scoreCategorical, second[langfuse.AttrScoreDataType])
	assert.Equal(t, "sess-1", second[langfuse.AttrScoreSessionID])
	assert.True(t, records[1].TraceID().IsEmpty())

	third := records[2]
	assert.Equal(t, "40465b016e146213ee58e780388a6371", third.TraceID().String())
	assert.Equal(t, "7718d98ffe31bf09", third.SpanID().String())
	assert.NotContains(t, third.Attributes().AsRaw(), langfuse.AttrScoreTraceID, "a W3C id needs no copy")
	assert.NotContains(t, third.Attributes().AsRaw(), langfuse.AttrScoreObservationID)
}

func TestScoreEndpoint(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.post(t, pathScores, []byte(`{"name":"quality","value":0.8,"traceId":"t1"}`))
	require.Equal(t, http.StatusOK, resp.status, "body: %s", resp.raw)
	id, ok := resp.body["id"].(string)
	require.True(t, ok)
	assert.Len(t, id, 36)

	resp = tr.post(t, pathScores, []byte(`{"id":"mine","name":"quality","value":"good","dataType":"CATEGORICAL","traceId":"t1"}`))
	require.Equal(t, http.StatusOK, resp.status)
	assert.Equal(t, "mine", resp.body["id"])

	records := tr.logRecords()
	require.Len(t, records, 2)
	recordID, _ := records[0].Attributes().Get(langfuse.AttrScoreID)
	assert.Equal(t, id, recordID.Str())

	resp = tr.do(t, http.MethodPost, pathScores, []byte(`{"name":"q","value":1,"traceId":"t"}`),
		map[string]string{"Authorization": "Bearer " + testPublicKey})
	assert.Equal(t, http.StatusOK, resp.status, "a Bearer public key may create scores")
}

func TestScoreValidation(t *testing.T) {
	tests := []struct {
		name      string
		body      string
		wantError string
	}{
		{name: "not an object", body: `[1]`, wantError: "expected a JSON object"},
		{name: "missing name", body: `{"value":1,"traceId":"t"}`, wantError: "name: missing or empty"},
		{name: "two targets", body: `{"name":"q","value":1,"traceId":"t","sessionId":"s"}`, wantError: "exactly one must be set, got 2"},
		{name: "observation without trace", body: `{"name":"q","value":1,"sessionId":"s","observationId":"o"}`, wantError: "observationId: requires traceId"},
		{name: "missing value", body: `{"name":"q","traceId":"t"}`, wantError: "value: missing"},
		{name: "boolean out of range", body: `{"name":"q","value":2,"dataType":"BOOLEAN","traceId":"t"}`, wantError: "expected 0 or 1"},
		{name: "numeric as string", body: `{"name":"q","value":"1","dataType":"NUMERIC","traceId":"t"}`, wantError: "expected a number"},
		{name: "categorical as number", body: `{"name":"q","value":1,"dataType":"CATEGORICAL","traceId":"t"}`, wantError: "expected a string"},
		{name: "text empty", body: `{"name":"q","value":"","dataType":"TEXT","traceId":"t"}`, wantError: "1 to 500 characters"},
		{name: "correction with config", body: `{"name":"q","value":"x","dataType":"CORRECTION","configId":"c","traceId":"t"}`, wantError: "must not have a configId"},
		{name: "unknown data type", body: `{"name":"q","value":1,"dataType":"PERCENT","traceId":"t"}`, wantError: "dataType: expected one of"},
	}
	tr := startReceiver(t, receiverOptions{})
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tr.post(t, pathScores, []byte(tt.body))
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.Equal(t, "Invalid request data", resp.body["message"])
			assert.Contains(t, resp.body["error"], tt.wantError)
		})
	}
	assert.Empty(t, tr.logRecords())
}

func otlpTraces() ptrace.Traces {
	traces := ptrace.NewTraces()
	span := traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("otlp-span")
	span.SetTraceID([16]byte{1, 2, 3})
	span.SetSpanID([8]byte{4, 5, 6})
	span.Attributes().PutStr(attrObservationType, "generation")
	return traces
}

func TestOTLPProtobufAndJSON(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	request := ptraceotlp.NewExportRequestFromTraces(otlpTraces())
	protoBody, err := request.MarshalProto()
	require.NoError(t, err)
	jsonBody, err := request.MarshalJSON()
	require.NoError(t, err)

	tests := []struct {
		name   string
		body   []byte
		header map[string]string
	}{
		{name: "protobuf", body: protoBody, header: map[string]string{"Content-Type": "application/x-protobuf"}},
		{name: "json", body: jsonBody, header: map[string]string{"Content-Type": "application/json"}},
		{name: "gzip protobuf", body: gzipBytes(t, protoBody),
			header: map[string]string{"Content-Type": "application/x-protobuf", "Content-Encoding": "gzip"}},
		{name: "ingestion version 4", body: jsonBody,
			header: map[string]string{"Content-Type": "application/json", "x-langfuse-ingestion-version": "4"}},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tr.do(t, http.MethodPost, pathOTLP, tt.body, tt.header)
			require.Equal(t, http.StatusOK, resp.status, "body: %s", resp.raw)
			assert.JSONEq(t, `{}`, string(resp.raw))
			require.Equal(t, i+1, tr.traces.SpanCount())
			span := tr.spanList()[i]
			assert.Equal(t, "otlp-span", span.Name())
			assert.Equal(t, "generation", attrString(span, attrObservationType))
		})
	}
}

func TestOTLPV5Capture(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	body := readTestdata(t, "langfuse-otel-v5.json")
	resp := tr.post(t, pathOTLP, body)
	require.Equal(t, http.StatusOK, resp.status, "body: %s", resp.raw)
	want := readOTLPJSON(t, body)
	require.Len(t, tr.traces.AllTraces(), 1)
	assert.Equal(t, want, tr.traces.AllTraces()[0], "OTLP spans pass through unchanged")
}

func TestOTLPErrors(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	noSpanID := otlpTraces()
	noSpanID.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).SetSpanID([8]byte{})
	noSpanIDBody, err := ptraceotlp.NewExportRequestFromTraces(noSpanID).MarshalJSON()
	require.NoError(t, err)

	tests := []struct {
		name      string
		body      string
		header    map[string]string
		wantError string
	}{
		{name: "content type", body: `{}`, header: map[string]string{"Content-Type": "text/plain"}, wantError: "Invalid content type"},
		{name: "bad protobuf", body: "\xff\xff\xff", header: map[string]string{"Content-Type": "application/x-protobuf"}, wantError: "failed to decode"},
		{name: "bad json", body: `{"resourceSpans": [`, header: nil, wantError: "failed to decode"},
		{name: "missing span id", body: string(noSpanIDBody), header: nil, wantError: "no valid spanId"},
		{name: "ingestion version 5", body: `{}`, header: map[string]string{"x-langfuse-ingestion-version": "5"}, wantError: "x-langfuse-ingestion-version"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tr.do(t, http.MethodPost, pathOTLP, []byte(tt.body), tt.header)
			assert.Equal(t, http.StatusBadRequest, resp.status)
			assert.Contains(t, string(resp.raw), tt.wantError)
		})
	}
	assert.Zero(t, tr.traces.SpanCount())

	resp := tr.post(t, pathOTLP, []byte(`{"resourceSpans": []}`))
	assert.Equal(t, http.StatusOK, resp.status)
	assert.JSONEq(t, `{}`, string(resp.raw))
}

func TestOTLPBodyTooLarge(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) { cfg.ServerConfig.MaxRequestBodySize = 512 }})
	body := ptraceotlp.NewExportRequestFromTraces(otlpTraces())
	span := body.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	span.Attributes().PutStr("big", string(make([]byte, 2048)))
	encoded, err := body.MarshalProto()
	require.NoError(t, err)
	resp := tr.do(t, http.MethodPost, pathOTLP, encoded, map[string]string{"Content-Type": "application/x-protobuf"})
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.status)
}

func TestPassthrough(t *testing.T) {
	var got *http.Request
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Clone(r.Context())
		if r.URL.Path == "/api/public/v2/prompts/missing" {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusNotFound)
			_, _ = io.WriteString(w, `{"message":"Prompt not found"}`)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Set-Cookie", "secret=1")
		_, _ = io.WriteString(w, `{"name":"travel-system","version":3,"prompt":"Be concise."}`)
	}))
	t.Cleanup(upstream.Close)

	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		pt := cfg.Passthrough.GetOrInsertDefault()
		pt.ClientConfig.Endpoint = upstream.URL
		pt.PublicKey = "pk-upstream"
		pt.SecretKey = "sk-upstream"
		pt.Paths = []string{"/api/public/v2/prompts/{name}"}
		cfg.Passthrough = configoptional.Some(*pt)
	}})

	resp := tr.do(t, http.MethodGet, "/api/public/v2/prompts/travel-system?label=production", nil,
		map[string]string{"x-langfuse-sdk-name": "langfuse-js"})
	require.Equal(t, http.StatusOK, resp.status, "body: %s", resp.raw)
	assert.Equal(t, "travel-system", resp.body["name"])
	assert.Empty(t, resp.header.Get("Set-Cookie"), "only listed upstream headers are returned")
	require.NotNil(t, got)
	assert.Equal(t, "label=production", got.URL.RawQuery)
	user, pass, ok := got.BasicAuth()
	assert.True(t, ok)
	assert.Equal(t, "pk-upstream", user)
	assert.Equal(t, "sk-upstream", pass)
	assert.Equal(t, "langfuse-js", got.Header.Get("x-langfuse-sdk-name"))

	resp = tr.do(t, http.MethodGet, "/api/public/v2/prompts/missing", nil, nil)
	assert.Equal(t, http.StatusNotFound, resp.status)
	assert.Equal(t, "Prompt not found", resp.body["message"])

	got = nil
	tests := []struct {
		name   string
		method string
		path   string
		header map[string]string
		want   int
	}{
		{name: "path not listed", method: http.MethodGet, path: "/api/public/traces", want: http.StatusNotFound},
		{name: "nested path", method: http.MethodGet, path: "/api/public/v2/prompts/a/versions/1", want: http.StatusNotFound},
		{name: "write method", method: http.MethodPost, path: "/api/public/v2/prompts/travel-system", want: http.StatusNotFound},
		{name: "dot segments", method: http.MethodGet, path: "/api/public/v2/prompts/x/../travel-system", want: http.StatusNotFound},
		{name: "double slash", method: http.MethodGet, path: "/api/public/v2//prompts/travel-system", want: http.StatusNotFound},
		{name: "wrong client key", method: http.MethodGet, path: "/api/public/v2/prompts/travel-system",
			header: map[string]string{"Authorization": basicAuth("pk-x", "sk-x")}, want: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tr.do(t, tt.method, tt.path, nil, tt.header)
			assert.Equal(t, tt.want, resp.status)
		})
	}
	assert.Nil(t, got, "denied requests never reach the upstream")
}
