package langfusereceiver

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"path"
	"strings"

	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"
)

// forwardedRequestHeaders are the client headers sent upstream. The client's
// Authorization header is never forwarded, because the upstream keys replace it.
var forwardedRequestHeaders = []string{
	"Accept", "Accept-Language", "Content-Type", "If-None-Match", "If-Modified-Since",
	"X-Langfuse-Sdk-Name", "X-Langfuse-Sdk-Version", "X-Langfuse-Sdk-Variant",
}

// forwardedResponseHeaders are the upstream headers returned to the client.
var forwardedResponseHeaders = []string{
	"Content-Type", "Cache-Control", "ETag", "Last-Modified", "Retry-After",
	"X-RateLimit-Limit", "X-RateLimit-Remaining", "X-RateLimit-Reset",
}

// passthrough forwards allowed read requests to an upstream Langfuse with the
// collector's Langfuse credentials.
type passthrough struct {
	base     *url.URL
	client   *http.Client
	matcher  *http.ServeMux
	username string
	password string
}

func newPassthrough(ctx context.Context, cfg *PassthroughConfig, host component.Host,
	settings component.TelemetrySettings,
) (*passthrough, error) {
	base, err := url.Parse(strings.TrimSuffix(cfg.ClientConfig.Endpoint, "/"))
	if err != nil {
		return nil, err
	}
	matcher, err := newPathMatcher(cfg.Paths)
	if err != nil {
		return nil, err
	}
	client, err := cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), settings)
	if err != nil {
		return nil, err
	}
	// A redirect is returned, not followed, because Go's client keeps the
	// Authorization header on a redirect to the same host name on another
	// port, which would send the upstream keys to a different server.
	client.CheckRedirect = func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}
	return &passthrough{
		base:     base,
		client:   client,
		matcher:  matcher,
		username: cfg.PublicKey,
		password: string(cfg.SecretKey),
	}, nil
}

// allows reports whether a request matches one of the configured patterns.
// A path with "." or ".." segments or repeated slashes is never allowed,
// because ServeMux would match it after cleaning while the upstream receives
// it as sent. Backslashes count as separators in that check, because some
// servers treat them as slashes, and control characters are never allowed.
func (p *passthrough) allows(req *http.Request) bool {
	if path.Clean(req.URL.Path) != req.URL.Path || hasUnsafePathPart(req.URL.Path) {
		return false
	}
	_, pattern := p.matcher.Handler(req)
	return pattern != ""
}

// hasUnsafePathPart reports whether a decoded path has a control character,
// or a "." or ".." segment when backslashes are read as slashes.
func hasUnsafePathPart(decoded string) bool {
	for i := 0; i < len(decoded); i++ {
		if decoded[i] < 0x20 || decoded[i] == 0x7f {
			return true
		}
	}
	segments := strings.FieldsFunc(decoded, func(r rune) bool { return r == '/' || r == '\\' })
	for _, segment := range segments {
		if segment == "." || segment == ".." {
			return true
		}
	}
	return false
}

// forward sends the request upstream and copies the response back. The
// request body is not forwarded, because only read requests are allowed
// by default. A pattern that names another method forwards its body.
func (p *passthrough) forward(w http.ResponseWriter, req *http.Request, logger *zap.Logger) {
	target := *p.base
	target.Path = p.base.Path + req.URL.Path
	// RawPath keeps escapes such as %2F inside a prompt name.
	target.RawPath = p.base.EscapedPath() + req.URL.EscapedPath()
	target.RawQuery = req.URL.RawQuery

	var body io.Reader
	if req.Method != http.MethodGet && req.Method != http.MethodHead {
		body = req.Body
	}
	upstreamReq, err := http.NewRequestWithContext(req.Context(), req.Method, target.String(), body)
	if err != nil {
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "Bad Gateway",
			"message": "failed to build the upstream request: " + err.Error()})
		return
	}
	for _, name := range forwardedRequestHeaders {
		if values := req.Header.Values(name); len(values) > 0 {
			upstreamReq.Header[http.CanonicalHeaderKey(name)] = values
		}
	}
	upstreamReq.SetBasicAuth(p.username, p.password)

	resp, err := p.client.Do(upstreamReq)
	if err != nil {
		logger.Warn("Passthrough request to Langfuse failed", zap.String("path", req.URL.Path),
			zap.Error(err))
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "Bad Gateway",
			"message": "the request to the upstream Langfuse failed: " + err.Error()})
		return
	}
	defer resp.Body.Close()
	if isRedirect(resp.StatusCode) {
		logger.Warn("Passthrough request to Langfuse was redirected, and the redirect was not followed",
			zap.String("path", req.URL.Path), zap.Int("status", resp.StatusCode),
			zap.String("location", resp.Header.Get("Location")))
		writeJSON(w, http.StatusBadGateway, map[string]string{"error": "Bad Gateway",
			"message": fmt.Sprintf("the upstream Langfuse answered with redirect status %d, "+
				"which the collector does not follow; set passthrough.endpoint to the final URL",
				resp.StatusCode)})
		return
	}
	for _, name := range forwardedResponseHeaders {
		if values := resp.Header.Values(name); len(values) > 0 {
			w.Header()[http.CanonicalHeaderKey(name)] = values
		}
	}
	w.WriteHeader(resp.StatusCode)
	if _, err := io.Copy(w, resp.Body); err != nil {
		logger.Debug("Copying the passthrough response failed", zap.String("path", req.URL.Path),
			zap.Error(err))
	}
}

// isRedirect reports whether status is a redirect to the URL in Location.
// 304 Not Modified is not one, and passes through.
func isRedirect(status int) bool {
	switch status {
	case http.StatusMovedPermanently, http.StatusFound, http.StatusSeeOther,
		http.StatusTemporaryRedirect, http.StatusPermanentRedirect:
		return true
	}
	return false
}
