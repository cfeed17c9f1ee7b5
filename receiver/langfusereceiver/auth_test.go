package langfusereceiver

import (
	"encoding/base64"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

func TestAuthMalformedHeaders(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	encode := func(s string) string { return base64.StdEncoding.EncodeToString([]byte(s)) }
	tests := []struct {
		name   string
		header string
	}{
		{name: "basic without credentials", header: "Basic"},
		{name: "basic with empty credentials", header: "Basic "},
		{name: "basic without colon", header: "Basic " + encode(testPublicKey+testSecretKey)},
		{name: "basic empty public key", header: "Basic " + encode(":"+testSecretKey)},
		{name: "basic empty secret key", header: "Basic " + encode(testPublicKey+":")},
		{name: "basic not base64", header: "Basic !!!" + testSecretKey},
		{name: "basic url-safe base64", header: "Basic " +
			base64.URLEncoding.EncodeToString([]byte(testPublicKey+":\xfb\xff"))},
		{name: "basic secret with extra colon", header: basicAuth(testPublicKey, testSecretKey+":x")},
		{name: "basic secret prefix", header: basicAuth(testPublicKey, testSecretKey[:5])},
		{name: "basic secret longer", header: basicAuth(testPublicKey, testSecretKey+"x")},
		{name: "basic unicode secret", header: basicAuth(testPublicKey, "sk-lf-tést")},
		{name: "basic swapped keys", header: basicAuth(testSecretKey, testPublicKey)},
		{name: "bearer empty", header: "Bearer "},
		{name: "bearer secret key", header: "Bearer " + testSecretKey},
		{name: "unknown scheme", header: "Digest " + encode(testPublicKey+":"+testSecretKey)},
		{name: "raw credentials", header: testPublicKey + ":" + testSecretKey},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tr.do(t, http.MethodPost, pathIngestion, []byte(`{"batch":[]}`),
				map[string]string{"Authorization": tt.header})
			assert.Equal(t, http.StatusUnauthorized, resp.status, "body: %s", resp.raw)
			assert.Equal(t, "Unauthorized", resp.body["error"])
			assert.NotContains(t, string(resp.raw), testSecretKey)
		})
	}

	resp := tr.do(t, http.MethodPost, pathIngestion, []byte(`{"batch":[]}`),
		map[string]string{"Authorization": ""})
	assert.Equal(t, http.StatusUnauthorized, resp.status, "a missing header is rejected")
}

func TestAuthSecretWithColon(t *testing.T) {
	// RFC 7617 allows ':' in the password, so the secret is everything after
	// the first colon.
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		cfg.Keys = []KeyPair{{PublicKey: "pk-colon", SecretKey: "sk:with:colons"}}
	}})
	resp := tr.do(t, http.MethodPost, pathIngestion, []byte(`{"batch":[]}`),
		map[string]string{"Authorization": basicAuth("pk-colon", "sk:with:colons")})
	assert.Equal(t, http.StatusMultiStatus, resp.status, "body: %s", resp.raw)

	for _, secret := range []string{"sk", "sk:with", "sk:with:colons:", "sk:with:colons:x"} {
		resp = tr.do(t, http.MethodPost, pathIngestion, []byte(`{"batch":[]}`),
			map[string]string{"Authorization": basicAuth("pk-colon", secret)})
		assert.Equal(t, http.StatusUnauthorized, resp.status, "secret %q", secret)
	}
}

func TestAuthUnicodeKeys(t *testing.T) {
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		cfg.Keys = []KeyPair{{PublicKey: "pk-ключ", SecretKey: "sk-秘密-🔑"}}
	}})
	resp := tr.do(t, http.MethodGet, pathProjects, nil,
		map[string]string{"Authorization": basicAuth("pk-ключ", "sk-秘密-🔑")})
	assert.Equal(t, http.StatusOK, resp.status, "body: %s", resp.raw)

	resp = tr.do(t, http.MethodGet, pathProjects, nil,
		map[string]string{"Authorization": basicAuth("pk-ключ", "sk-秘密-🔒")})
	assert.Equal(t, http.StatusUnauthorized, resp.status)
}

func TestAuthBearerEndpoints(t *testing.T) {
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, `{}`)
	}))
	t.Cleanup(upstream.Close)
	tr := startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		cfg.Passthrough = configoptional.Some(PassthroughConfig{
			PublicKey: "pk-upstream", SecretKey: "sk-upstream",
			Paths: []string{"/api/public/v2/prompts/{name}"},
		})
		cfg.Passthrough.Get().ClientConfig.Endpoint = upstream.URL
	}})
	bearer := map[string]string{"Authorization": "Bearer " + testPublicKey}

	tests := []struct {
		method string
		path   string
		want   int
	}{
		{method: http.MethodPost, path: pathOTLP, want: http.StatusForbidden},
		{method: http.MethodGet, path: pathProjects, want: http.StatusForbidden},
		{method: http.MethodGet, path: "/api/public/v2/prompts/p", want: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.path, func(t *testing.T) {
			resp := tr.do(t, tt.method, tt.path, []byte(`{}`), bearer)
			assert.Equal(t, tt.want, resp.status, "body: %s", resp.raw)
		})
	}

	score := `{"name":"q","value":1,"traceId":"t"}`
	resp := tr.do(t, http.MethodPost, pathScores, []byte(score), bearer)
	assert.Equal(t, http.StatusOK, resp.status, "a Bearer public key may send scores")
}

// TestSecretsNeverExposed sends failing requests of every kind and checks that
// no secret key appears in a response, a log entry or a metric attribute.
func TestSecretsNeverExposed(t *testing.T) {
	core, logs := observer.New(zapcore.DebugLevel)
	upstream := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// An upstream that echoes the request, including its Authorization.
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("WWW-Authenticate", r.Header.Get("Authorization"))
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(map[string]any{"message": "bad key"})
	}))
	t.Cleanup(upstream.Close)
	closed := httptest.NewServer(http.NotFoundHandler())
	closed.Close()

	const upstreamSecret = "sk-upstream-very-secret"
	tr := startReceiver(t, receiverOptions{logger: zap.New(core), configure: func(cfg *Config) {
		cfg.Passthrough = configoptional.Some(PassthroughConfig{
			PublicKey: "pk-upstream", SecretKey: upstreamSecret,
			Paths: []string{"/api/public/v2/prompts/{name}", "/api/public/v2/other/{name}"},
		})
		cfg.Passthrough.Get().ClientConfig.Endpoint = upstream.URL
	}})
	// A second receiver whose upstream refuses connections.
	trClosed := startReceiver(t, receiverOptions{logger: zap.New(core), configure: func(cfg *Config) {
		cfg.Passthrough = configoptional.Some(PassthroughConfig{
			PublicKey: "pk-upstream", SecretKey: upstreamSecret,
			Paths: []string{"/api/public/v2/prompts/{name}"},
		})
		cfg.Passthrough.Get().ClientConfig.Endpoint = closed.URL
	}})

	wrongSecret := map[string]string{"Authorization": basicAuth(testPublicKey, testSecretKey+"x")}
	var bodies []string
	for _, r := range []response{
		tr.do(t, http.MethodPost, pathIngestion, []byte(`{"batch":[]}`), wrongSecret),
		tr.do(t, http.MethodPost, pathScores, []byte(`{}`), wrongSecret),
		tr.do(t, http.MethodGet, "/api/public/v2/prompts/p", nil, nil),
		tr.do(t, http.MethodGet, "/api/public/v2/prompts/p", nil, wrongSecret),
		trClosed.do(t, http.MethodGet, "/api/public/v2/prompts/p", nil, nil),
	} {
		bodies = append(bodies, string(r.raw))
		for name, values := range r.header {
			bodies = append(bodies, name+": "+strings.Join(values, ","))
		}
	}
	for _, body := range bodies {
		assert.NotContains(t, body, upstreamSecret)
		assert.NotContains(t, body, base64.StdEncoding.EncodeToString(
			[]byte("pk-upstream:"+upstreamSecret)))
		assert.NotContains(t, body, testSecretKey+"x")
	}

	require.NotZero(t, logs.Len(), "the failed upstream request is logged")
	for _, entry := range logs.All() {
		text := entry.Message
		for key, value := range entry.ContextMap() {
			text += " " + key + "=" + strings.ReplaceAll(strings.TrimSpace(
				strings.Join(strings.Fields(toString(value)), " ")), "\n", " ")
		}
		assert.NotContains(t, text, upstreamSecret)
		assert.NotContains(t, text, testSecretKey)
	}

	m, err := tr.telemetry.GetMetric("otelcol_genai_langfuse_receiver_requests")
	require.NoError(t, err)
	require.Contains(t, toString(m), "passthrough", "the attributes are encoded")
	assert.NotContains(t, toString(m), testSecretKey)
	assert.NotContains(t, toString(m), upstreamSecret)
}

func toString(value any) string {
	encoded, err := json.Marshal(value)
	if err != nil {
		return ""
	}
	return string(encoded)
}
