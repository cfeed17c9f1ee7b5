package langfusereceiver

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
)

// upstreamRecorder is a fake Langfuse that records the requests it receives.
type upstreamRecorder struct {
	mu       sync.Mutex
	requests []*http.Request
	handler  http.HandlerFunc
	server   *httptest.Server
}

func newUpstreamRecorder(t *testing.T, handler http.HandlerFunc) *upstreamRecorder {
	t.Helper()
	u := &upstreamRecorder{handler: handler}
	u.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u.mu.Lock()
		u.requests = append(u.requests, r.Clone(r.Context()))
		u.mu.Unlock()
		if u.handler != nil {
			u.handler(w, r)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = io.WriteString(w, `{"name":"p"}`)
	}))
	t.Cleanup(u.server.Close)
	return u
}

func (u *upstreamRecorder) received() []*http.Request {
	u.mu.Lock()
	defer u.mu.Unlock()
	return append([]*http.Request(nil), u.requests...)
}

func startPassthroughReceiver(t *testing.T, upstreamURL string, paths ...string) *testReceiver {
	t.Helper()
	if len(paths) == 0 {
		paths = []string{"/api/public/v2/prompts/{name}"}
	}
	return startReceiver(t, receiverOptions{configure: func(cfg *Config) {
		cfg.Passthrough = configoptional.Some(PassthroughConfig{
			PublicKey: "pk-upstream", SecretKey: "sk-upstream", Paths: paths,
		})
		cfg.Passthrough.Get().ClientConfig.Endpoint = upstreamURL
	}})
}

// rawRequest sends a request line as written, so that the path reaches the
// receiver without client-side cleaning or escaping.
func rawRequest(t *testing.T, address, method, target string, header map[string]string) int {
	t.Helper()
	conn, err := net.Dial("tcp", address)
	require.NoError(t, err)
	defer conn.Close()
	var request strings.Builder
	fmt.Fprintf(&request, "%s %s HTTP/1.1\r\nHost: %s\r\n", method, target, address)
	fmt.Fprintf(&request, "Authorization: %s\r\nConnection: close\r\n",
		basicAuth(testPublicKey, testSecretKey))
	for key, value := range header {
		fmt.Fprintf(&request, "%s: %s\r\n", key, value)
	}
	request.WriteString("\r\n")
	_, err = io.WriteString(conn, request.String())
	require.NoError(t, err)
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	require.NoError(t, err)
	defer resp.Body.Close()
	return resp.StatusCode
}

func TestPassthroughPathTraversal(t *testing.T) {
	upstream := newUpstreamRecorder(t, nil)
	tr := startPassthroughReceiver(t, upstream.server.URL)

	denied := []string{
		"/api/public/v2/prompts/../../admin",
		"/api/public/v2/prompts/..",
		"/api/public/v2/prompts/.",
		"/api/public/v2/prompts/%2e%2e",
		"/api/public/v2/prompts/%2E%2E%2F%2E%2E%2Fadmin",
		"/api/public/v2/prompts/..%2F..%2Fadmin",
		"/api/public/v2/prompts/..%5C..%5Cadmin",
		"/api/public/v2/prompts/..\\..\\admin",
		"/api/public/v2/prompts/%5C..%5Cadmin",
		"/api/public/v2/prompts/x%2F..%2F..%2F..%2Fadmin",
		"/api/public/v2/prompts//etc",
		"/api/public/v2/prompts/a/",
		"/api/public/v2/prompts/",
		"/api/public/v2/prompts/a;/../../admin",
		"/api/public/v2/prompts/%00",
	}
	for _, target := range denied {
		t.Run(target, func(t *testing.T) {
			status := rawRequest(t, tr.receiver.address, http.MethodGet, target, nil)
			assert.Contains(t, []int{http.StatusNotFound, http.StatusBadRequest}, status)
		})
	}
	for _, r := range upstream.received() {
		t.Errorf("upstream received %s", r.URL.RequestURI())
	}
}

func TestPassthroughEncodedSlashKept(t *testing.T) {
	upstream := newUpstreamRecorder(t, nil)
	tr := startPassthroughReceiver(t, upstream.server.URL)

	status := rawRequest(t, tr.receiver.address, http.MethodGet,
		"/api/public/v2/prompts/folder%2Fname?label=production", nil)
	assert.Equal(t, http.StatusOK, status)
	received := upstream.received()
	require.Len(t, received, 1)
	assert.Equal(t, "/api/public/v2/prompts/folder%2Fname", received[0].URL.EscapedPath(),
		"a prompt name with an encoded slash stays one segment")
	assert.Equal(t, "label=production", received[0].URL.RawQuery)
}

func TestPassthroughMethods(t *testing.T) {
	upstream := newUpstreamRecorder(t, nil)
	tr := startPassthroughReceiver(t, upstream.server.URL)

	for _, method := range []string{http.MethodPost, http.MethodPut, http.MethodPatch,
		http.MethodDelete, http.MethodOptions, http.MethodTrace, "PROPFIND"} {
		t.Run(method, func(t *testing.T) {
			status := rawRequest(t, tr.receiver.address, method, "/api/public/v2/prompts/p", nil)
			assert.Equal(t, http.StatusNotFound, status)
		})
	}
	assert.Empty(t, upstream.received(), "no write method reaches the upstream")

	status := rawRequest(t, tr.receiver.address, http.MethodHead, "/api/public/v2/prompts/p", nil)
	assert.Equal(t, http.StatusOK, status)
	require.Len(t, upstream.received(), 1)
	assert.Equal(t, http.MethodHead, upstream.received()[0].Method)
}

func TestPassthroughHeaders(t *testing.T) {
	upstream := newUpstreamRecorder(t, func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Connection", "X-Upstream-Internal")
		w.Header().Set("X-Upstream-Internal", "1")
		w.Header().Set("Set-Cookie", "session=upstream")
		w.Header().Set("WWW-Authenticate", "Basic realm=langfuse")
		w.Header().Set("Proxy-Authenticate", "Basic")
		w.Header().Set("Location", "http://127.0.0.1:1/elsewhere")
		w.Header().Set("ETag", `"v3"`)
		_, _ = io.WriteString(w, `{"name":"p"}`)
	})
	tr := startPassthroughReceiver(t, upstream.server.URL)

	resp := tr.do(t, http.MethodGet, "/api/public/v2/prompts/p", nil, map[string]string{
		"Connection":          "X-Client-Internal",
		"X-Client-Internal":   "1",
		"Proxy-Authorization": "Basic " + testSecretKey,
		"Cookie":              "session=client",
		"X-Forwarded-For":     "10.0.0.1",
		"Te":                  "trailers",
		"Upgrade":             "websocket",
		"X-Langfuse-Sdk-Name": "langfuse-js",
		"If-None-Match":       `"v2"`,
	})
	require.Equal(t, http.StatusOK, resp.status, "body: %s", resp.raw)
	assert.Equal(t, `"v3"`, resp.header.Get("ETag"))
	for _, name := range []string{"X-Upstream-Internal", "Set-Cookie", "WWW-Authenticate",
		"Proxy-Authenticate", "Location"} {
		assert.Empty(t, resp.header.Get(name), "response header %s", name)
	}

	received := upstream.received()
	require.Len(t, received, 1)
	got := received[0]
	for _, name := range []string{"X-Client-Internal", "Proxy-Authorization", "Cookie",
		"X-Forwarded-For", "Upgrade"} {
		assert.Empty(t, got.Header.Get(name), "request header %s", name)
	}
	assert.Equal(t, "langfuse-js", got.Header.Get("X-Langfuse-Sdk-Name"))
	assert.Equal(t, `"v2"`, got.Header.Get("If-None-Match"))
	user, pass, ok := got.BasicAuth()
	require.True(t, ok)
	assert.Equal(t, "pk-upstream", user, "the client's Authorization is replaced")
	assert.Equal(t, "sk-upstream", pass)
}

// TestPassthroughRedirectNotFollowed checks that the upstream keys go only to
// the configured endpoint. Go's client keeps Authorization on a redirect to
// the same host name with another port, so following a redirect would send
// the keys to whatever listens there.
func TestPassthroughRedirectNotFollowed(t *testing.T) {
	elsewhere := newUpstreamRecorder(t, nil)
	upstream := newUpstreamRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, elsewhere.server.URL+"/collect", http.StatusFound)
	})
	tr := startPassthroughReceiver(t, upstream.server.URL)

	resp := tr.do(t, http.MethodGet, "/api/public/v2/prompts/p", nil, nil)
	assert.Equal(t, http.StatusBadGateway, resp.status, "body: %s", resp.raw)
	assert.Empty(t, resp.header.Get("Location"))
	assert.Len(t, upstream.received(), 1)
	assert.Empty(t, elsewhere.received(), "the redirect target never receives the upstream keys")
}

func TestPassthroughNotModified(t *testing.T) {
	upstream := newUpstreamRecorder(t, func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("If-None-Match") == `"v3"` {
			w.Header().Set("ETag", `"v3"`)
			w.WriteHeader(http.StatusNotModified)
			return
		}
		_, _ = io.WriteString(w, `{"name":"p"}`)
	})
	tr := startPassthroughReceiver(t, upstream.server.URL)

	resp := tr.do(t, http.MethodGet, "/api/public/v2/prompts/p", nil,
		map[string]string{"If-None-Match": `"v3"`})
	assert.Equal(t, http.StatusNotModified, resp.status, "304 is no redirect and passes through")
	assert.Equal(t, `"v3"`, resp.header.Get("ETag"))
}
