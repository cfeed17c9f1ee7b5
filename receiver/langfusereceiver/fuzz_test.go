package langfusereceiver

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path"
	"strings"
	"testing"
	"time"
)

// FuzzIngestionBatch feeds arbitrary bodies through batch parsing, event
// validation and span assembly; none may panic.
func FuzzIngestionBatch(f *testing.F) {
	var capture v3Capture
	if err := json.Unmarshal(readTestdata(f, "langfuse-v3-ingestion.json"), &capture); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(capture.Body))
	f.Add([]byte(`{"batch":[]}`))
	f.Add([]byte(`{"batch":[{"id":"e","type":"generation-create","timestamp":"2026-01-01T00:00:00Z",` +
		`"body":{"id":"g","usageDetails":{"prompt_tokens":"5","completion_tokens":1,"total_tokens":6,` +
		`"prompt_tokens_details":{"cached_tokens":9}},"promptName":"p","promptVersion":1}}]}`))
	f.Add([]byte(`{"batch":[{"id":"e","type":"score-create","timestamp":"2026-01-01T00:00:00+02:00",` +
		`"body":{"name":"s","value":"x","dataType":"TEXT","traceId":"t"}}]}`))
	f.Add([]byte(`{"batch":[1,null,"x",{"id":null},{"id":"a","type":"trace-create","timestamp":"x","body":[]}]}`))
	f.Add([]byte(`[`))

	f.Fuzz(func(t *testing.T, body []byte) {
		batch, err := parseBatch(body)
		if err != nil {
			return
		}
		var events []event
		for _, raw := range batch {
			if ev, evErr := parseEvent(raw); evErr == nil {
				events = append(events, ev)
			}
		}
		a := newAssembler(time.Hour, 4)
		a.add(events, source{}, time.Now())
		a.expire(time.Now().Add(2 * time.Hour))
		a.flushAll()
	})
}

// FuzzAuthenticate checks that any Authorization header is handled without a
// panic and grants project scope only for the exact configured key pair.
func FuzzAuthenticate(f *testing.F) {
	for _, seed := range []string{"", "Basic", "Basic ", "Bearer ", "Bearer pk-lf-test",
		basicAuth("pk-lf-test", "sk-lf-test"), basicAuth("pk-lf-test", "sk-lf-test:x"),
		basicAuth("pk-lf-test", "sk:colon"), "Basic !!!", "Basic OjpfOjo="} {
		f.Add(seed)
	}
	auth := newAuthenticator([]KeyPair{{PublicKey: "pk-lf-test", SecretKey: "sk-lf-test"},
		{PublicKey: "pk-2", SecretKey: "sk:colon"}})
	f.Fuzz(func(t *testing.T, header string) {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		req.Header["Authorization"] = []string{header}
		granted, message := auth.authenticate(req)
		if granted == scopeNone && message == "" {
			t.Fatalf("header %q was rejected without a message", header)
		}
		if granted != scopeProject {
			return
		}
		user, password, ok := req.BasicAuth()
		valid := ok && ((user == "pk-lf-test" && password == "sk-lf-test") ||
			(user == "pk-2" && password == "sk:colon"))
		if !valid {
			t.Fatalf("header %q was granted project scope", header)
		}
	})
}

// FuzzPassthroughAllows checks that no allowed path has a dot segment, when
// backslashes are read as slashes, or a control character.
func FuzzPassthroughAllows(f *testing.F) {
	for _, seed := range []string{"/api/public/v2/prompts/p", "/api/public/v2/prompts/..",
		"/api/public/v2/prompts/a%2F..", "/api/public/v2/prompts/..%5Cadmin",
		"/api/public/v2/prompts/%2e%2e", "/api/public/v2/prompts/a%00"} {
		f.Add(seed)
	}
	matcher, err := newPathMatcher([]string{"/api/public/v2/prompts/{name}"})
	if err != nil {
		f.Fatal(err)
	}
	pt := &passthrough{matcher: matcher}
	f.Fuzz(func(t *testing.T, target string) {
		u, err := url.ParseRequestURI(target)
		if err != nil {
			return
		}
		req := &http.Request{Method: http.MethodGet, URL: u, Host: "localhost"}
		if !pt.allows(req) {
			return
		}
		slashed := strings.ReplaceAll(u.Path, "\\", "/")
		if path.Clean(slashed) != slashed {
			t.Fatalf("path %q was allowed", u.Path)
		}
		for _, c := range []byte(u.Path) {
			if c < 0x20 || c == 0x7f {
				t.Fatalf("path %q with a control character was allowed", u.Path)
			}
		}
	})
}
