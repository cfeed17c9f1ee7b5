package langfusetest

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Paths of the Langfuse endpoints the server implements.
const (
	OTLPTracesPath = "/api/public/otel/v1/traces"
	IngestionPath  = "/api/public/ingestion"
)

// Keys the server accepts unless WithKeys sets others.
const (
	DefaultPublicKey = "pk-lf-test-public"
	DefaultSecretKey = "sk-lf-test-secret"
)

// DefaultMaxBodyBytes is the largest ingestion request body the server
// accepts before responding with 413: Next.js's bodyParser limit of 4.5 MB that
// Langfuse configures on /api/public/ingestion.
const DefaultMaxBodyBytes = 4_500_000

// Option changes how a Server is built.
type Option func(*settings)

type settings struct {
	publicKey            string
	secretKey            string
	maxBodyBytes         int
	allowProblems        bool
	acceptMissingVersion bool
}

// WithKeys sets the public and secret key the server accepts.
func WithKeys(publicKey, secretKey string) Option {
	return func(s *settings) {
		s.publicKey = publicKey
		s.secretKey = secretKey
	}
}

// WithMaxBodyBytes sets the body size above which both endpoints respond with 413.
// The OTLP endpoint has no limit unless this option is given.
func WithMaxBodyBytes(n int) Option {
	return func(s *settings) { s.maxBodyBytes = n }
}

// AllowProblems keeps New from failing the test when the server recorded
// invalid requests, for tests that send invalid data on purpose.
func AllowProblems() Option {
	return func(s *settings) { s.allowProblems = true }
}

// AcceptMissingIngestionVersion stops the server from recording an OTLP
// request without the x-langfuse-ingestion-version header as a problem.
// Langfuse accepts such requests, but routes them through its slower v3
// write path; the exporter of this project always sends the header.
func AcceptMissingIngestionVersion() Option {
	return func(s *settings) { s.acceptMissingVersion = true }
}

// Fault is one scripted response that replaces normal handling.
type Fault struct {
	// Status is the HTTP status of the response.
	Status int
	// RetryAfter is the Retry-After header value; empty sends none.
	RetryAfter string
	// Body is the response body; empty sends the body Langfuse sends for
	// Status.
	Body string
	// Path limits the fault to one endpoint; empty matches both.
	Path string
}

// Request is one HTTP request the server received, with its body decoded
// from gzip when it was compressed.
type Request struct {
	Method string
	Path   string
	Header http.Header
	Body   []byte
	// Status is the status of the server's response.
	Status int
}

// Span is one received span in a flat form that is easy to assert on.
type Span struct {
	TraceID      string
	SpanID       string
	ParentSpanID string
	Name         string
	Kind         ptrace.SpanKind
	StartTime    time.Time
	EndTime      time.Time
	StatusCode   ptrace.StatusCode
	StatusMsg    string
	// Attributes are the span attributes as plain Go values
	// (pcommon.Map.AsRaw).
	Attributes         map[string]any
	ResourceAttributes map[string]any
	ScopeName          string
	ScopeVersion       string
}

// Event is one ingestion event the server accepted.
type Event struct {
	ID        string
	Type      string
	Timestamp string
	Body      map[string]any
	// Raw is the event as it was sent.
	Raw json.RawMessage
}

type eventFault struct {
	status  int
	message string
	times   int
}

// Server is a Langfuse stand-in. All methods are safe for concurrent use.
type Server struct {
	cfg       settings
	validator *eventValidator

	mu          sync.Mutex
	addr        string
	httpServer  *httptest.Server
	faults      []Fault
	eventFaults map[string]*eventFault
	requests    []Request
	traces      ptrace.Traces
	spans       []Span
	events      []Event
	problems    []string
}

// New starts a server on a free loopback port and closes it when the test
// ends. At cleanup it reports every recorded problem as a test error unless
// AllowProblems was given.
func New(tb testing.TB, opts ...Option) *Server {
	tb.Helper()

	srv, err := Start("127.0.0.1:0", opts...)
	if err != nil {
		tb.Fatalf("start the Langfuse test server: %v", err)
	}
	tb.Cleanup(func() {
		srv.Close()
		if srv.cfg.allowProblems {
			return
		}
		for _, p := range srv.Problems() {
			tb.Errorf("Langfuse test server received an invalid request: %s", p)
		}
	})
	return srv
}

// Start starts a server on addr (host:port; port 0 picks a free one) without
// a test, for local smoke runs. The caller must Close it.
func Start(addr string, opts ...Option) (*Server, error) {
	cfg := settings{
		publicKey:    DefaultPublicKey,
		secretKey:    DefaultSecretKey,
		maxBodyBytes: 0,
	}
	for _, opt := range opts {
		opt(&cfg)
	}

	validator, err := loadEventValidator()
	if err != nil {
		return nil, err
	}

	srv := &Server{
		cfg:         cfg,
		validator:   validator,
		eventFaults: map[string]*eventFault{},
		traces:      ptrace.NewTraces(),
	}

	listener, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("listen on %s: %w", addr, err)
	}
	srv.addr = listener.Addr().String()
	srv.serve(listener)
	return srv, nil
}

func (s *Server) serve(listener net.Listener) {
	hs := httptest.NewUnstartedServer(http.HandlerFunc(s.handle))
	_ = hs.Listener.Close()
	hs.Listener = listener
	hs.Start()
	s.httpServer = hs
}

// URL returns the base URL to configure as the Langfuse endpoint, such as
// http://127.0.0.1:41234. It stays the same across Down and Up.
func (s *Server) URL() string {
	return "http://" + s.addr
}

// PublicKey returns the public key the server accepts.
func (s *Server) PublicKey() string { return s.cfg.publicKey }

// SecretKey returns the secret key the server accepts.
func (s *Server) SecretKey() string { return s.cfg.secretKey }

// Close stops the server. Close after Down is a no-op.
func (s *Server) Close() {
	s.mu.Lock()
	hs := s.httpServer
	s.httpServer = nil
	s.mu.Unlock()

	if hs != nil {
		hs.CloseClientConnections()
		hs.Close()
	}
}

// Down closes the listener and every open connection, so that clients see
// connection errors until Up is called.
func (s *Server) Down() {
	s.Close()
}

// Up reopens the listener on the same address after Down. It returns an
// error when the port was taken in the meantime.
func (s *Server) Up() error {
	s.mu.Lock()
	running := s.httpServer != nil
	s.mu.Unlock()
	if running {
		return nil
	}

	var listener net.Listener
	var err error
	// The port can stay busy for a moment after Close on some systems.
	for range 50 {
		listener, err = net.Listen("tcp", s.addr)
		if err == nil {
			break
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err != nil {
		return fmt.Errorf("reopen the listener on %s: %w", s.addr, err)
	}

	s.mu.Lock()
	defer s.mu.Unlock()
	s.serve(listener)
	return nil
}

// FailNext makes the next n requests fail with status and the body Langfuse
// sends for it. 429 and 503 responses carry Retry-After: 1.
func (s *Server) FailNext(n int, status int) {
	fault := Fault{Status: status}
	if status == http.StatusTooManyRequests || status == http.StatusServiceUnavailable {
		fault.RetryAfter = "1"
	}
	s.InjectFaults(n, fault)
}

// InjectFaults queues n copies of fault. Faults are used in order, one per
// matching request.
func (s *Server) InjectFaults(n int, fault Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for range n {
		s.faults = append(s.faults, fault)
	}
}

// FailEvent makes the ingestion endpoint report eventID as failed with
// status and message inside its 207 response, the next times it receives that
// event id. Other events in the same batch succeed.
func (s *Server) FailEvent(eventID string, status int, message string, times int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.eventFaults[eventID] = &eventFault{status: status, message: message, times: times}
}

// Requests returns every request received so far, faulted ones included.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Request(nil), s.requests...)
}

// RequestCount returns how many requests were received on path, faulted ones
// included.
func (s *Server) RequestCount(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	n := 0
	for _, r := range s.requests {
		if r.Path == path {
			n++
		}
	}
	return n
}

// Traces returns a copy of every accepted OTLP span, merged into one
// ptrace.Traces in arrival order.
func (s *Server) Traces() ptrace.Traces {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := ptrace.NewTraces()
	s.traces.CopyTo(out)
	return out
}

// Spans returns every accepted OTLP span in arrival order.
func (s *Server) Spans() []Span {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Span(nil), s.spans...)
}

// SpanByID returns the last accepted span with the given hex span id.
func (s *Server) SpanByID(spanID string) (Span, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i := len(s.spans) - 1; i >= 0; i-- {
		if s.spans[i].SpanID == spanID {
			return s.spans[i], true
		}
	}
	return Span{}, false
}

// Events returns every ingestion event the server accepted with 201, in
// arrival order, score-create events included.
func (s *Server) Events() []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Event(nil), s.events...)
}

// EventsOfType returns the accepted ingestion events of one type, such as
// "generation-create".
func (s *Server) EventsOfType(eventType string) []Event {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Event
	for _, e := range s.events {
		if e.Type == eventType {
			out = append(out, e)
		}
	}
	return out
}

// Scores returns the accepted score-create events.
func (s *Server) Scores() []Event {
	return s.EventsOfType("score-create")
}

// Problems returns a description of every request that failed validation.
// Authentication failures are not problems.
func (s *Server) Problems() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.problems...)
}

// Reset clears received data, problems and pending faults.
func (s *Server) Reset() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
	s.eventFaults = map[string]*eventFault{}
	s.requests = nil
	s.traces = ptrace.NewTraces()
	s.spans = nil
	s.events = nil
	s.problems = nil
}

func (s *Server) handle(w http.ResponseWriter, r *http.Request) {
	body, readErr := readBody(r)
	record := Request{Method: r.Method, Path: r.URL.Path, Header: r.Header.Clone(), Body: body}

	status := s.route(w, r, body, readErr)

	record.Status = status
	s.mu.Lock()
	s.requests = append(s.requests, record)
	s.mu.Unlock()
}

// route responds to one request and returns the status it wrote.
func (s *Server) route(w http.ResponseWriter, r *http.Request, body []byte, readErr error) int {
	if r.URL.Path != OTLPTracesPath && r.URL.Path != IngestionPath {
		return writeJSON(w, http.StatusNotFound, map[string]any{"message": "Route not found"})
	}
	if r.Method != http.MethodPost {
		return writeJSON(w, http.StatusMethodNotAllowed, map[string]any{"message": "Method not allowed"})
	}

	if fault, ok := s.takeFault(r.URL.Path); ok {
		return writeFault(w, fault)
	}

	if status, ok := s.checkAuth(w, r); !ok {
		return status
	}
	if readErr != nil {
		return s.reject(w, http.StatusBadRequest, "read body: "+readErr.Error())
	}

	limit := s.cfg.maxBodyBytes
	if limit == 0 && r.URL.Path == IngestionPath {
		limit = DefaultMaxBodyBytes
	}
	if limit > 0 && len(body) > limit {
		return writeJSON(w, http.StatusRequestEntityTooLarge, map[string]any{
			"message": fmt.Sprintf("Request body of %d bytes exceeds the limit of %d bytes", len(body), limit),
		})
	}

	if r.URL.Path == OTLPTracesPath {
		return s.handleOTLP(w, r, body)
	}
	return s.handleIngestion(w, r, body)
}

func (s *Server) takeFault(path string) (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for i, f := range s.faults {
		if f.Path == "" || f.Path == path {
			s.faults = append(s.faults[:i], s.faults[i+1:]...)
			return f, true
		}
	}
	return Fault{}, false
}

// checkAuth responds with 401 like Langfuse unless the request carries Basic auth
// with the configured keys. Bearer auth on the OTLP endpoint gets 403.
func (s *Server) checkAuth(w http.ResponseWriter, r *http.Request) (int, bool) {
	header := r.Header.Get("Authorization")
	if strings.HasPrefix(header, "Bearer ") && r.URL.Path == OTLPTracesPath {
		return writeJSON(w, http.StatusForbidden, map[string]any{
			"error":   "Forbidden",
			"message": "Access denied: this endpoint requires a project key with Basic auth",
		}), false
	}

	public, secret, ok := r.BasicAuth()
	if ok && public == s.cfg.publicKey && secret == s.cfg.secretKey {
		return 0, true
	}
	return writeJSON(w, http.StatusUnauthorized, map[string]any{
		"error":   "Unauthorized",
		"message": "Invalid credentials. Confirm that you've configured the correct host.",
	}), false
}

// reject records a problem and responds like Langfuse does for an invalid
// request.
func (s *Server) reject(w http.ResponseWriter, status int, problem string) int {
	s.addProblem(problem)
	return writeJSON(w, status, map[string]any{"message": "Invalid request data", "error": problem})
}

func (s *Server) addProblem(problem string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.problems = append(s.problems, problem)
}

// checkIngestionVersion applies Langfuse's rule for the
// x-langfuse-ingestion-version header: absent, or an integer of at most 4.
func checkIngestionVersion(r *http.Request) error {
	value := r.Header.Get("x-langfuse-ingestion-version")
	if value == "" {
		return nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n > 4 {
		return fmt.Errorf("invalid x-langfuse-ingestion-version %q: expected an integer of at most 4", value)
	}
	return nil
}

func readBody(r *http.Request) ([]byte, error) {
	raw, err := io.ReadAll(r.Body)
	if err != nil {
		return nil, err
	}
	if !strings.EqualFold(r.Header.Get("Content-Encoding"), "gzip") {
		return raw, nil
	}

	zr, err := gzip.NewReader(bytes.NewReader(raw))
	if err != nil {
		return raw, fmt.Errorf("invalid gzip body: %w", err)
	}
	defer zr.Close()
	decoded, err := io.ReadAll(zr)
	if err != nil {
		return raw, fmt.Errorf("invalid gzip body: %w", err)
	}
	return decoded, nil
}

func writeFault(w http.ResponseWriter, fault Fault) int {
	if fault.RetryAfter != "" {
		w.Header().Set("Retry-After", fault.RetryAfter)
	}
	if fault.Body != "" {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(fault.Status)
		_, _ = io.WriteString(w, fault.Body)
		return fault.Status
	}
	return writeJSON(w, fault.Status, defaultFaultBody(fault.Status))
}

// defaultFaultBody returns the body Langfuse sends with status.
func defaultFaultBody(status int) map[string]any {
	switch status {
	case http.StatusUnauthorized:
		return map[string]any{
			"error":   "Unauthorized",
			"message": "Invalid credentials. Confirm that you've configured the correct host.",
		}
	case http.StatusForbidden:
		return map[string]any{
			"error":   "Forbidden",
			"message": "Ingestion suspended: Usage threshold exceeded. Please upgrade your plan.",
		}
	case http.StatusBadRequest:
		return map[string]any{"message": "Invalid request data", "errors": []string{"injected fault"}}
	case http.StatusTooManyRequests:
		return map[string]any{
			"message": "Rate limit exceeded",
			"code":    "rate_limited",
			"details": map[string]any{"retryAfterSeconds": 1, "limit": 1000, "remaining": 0},
		}
	case http.StatusRequestEntityTooLarge:
		return map[string]any{"message": "Request Entity Too Large"}
	}
	return map[string]any{"error": http.StatusText(status)}
}

func writeJSON(w http.ResponseWriter, status int, body any) int {
	encoded, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		encoded = []byte(`{"error":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
	return status
}

// BasicAuth returns the Authorization header value for the given keys.
func BasicAuth(publicKey, secretKey string) string {
	return "Basic " + base64.StdEncoding.EncodeToString([]byte(publicKey+":"+secretKey))
}
