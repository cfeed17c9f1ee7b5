package langfusereceiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componentstatus"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receiverhelper"
	"go.uber.org/zap"
)

// Paths of the Langfuse public API that the receiver serves.
const (
	pathIngestion = "/api/public/ingestion"
	pathOTLP      = "/api/public/otel/v1/traces"
	pathScores    = "/api/public/scores"
	pathHealth    = "/api/public/health"
	pathProjects  = "/api/public/projects"
)

// langfuseReceiver serves the Langfuse public API and turns what it receives
// into spans and score log records.
type langfuseReceiver struct {
	cfg      *Config
	settings receiver.Settings
	logger   *zap.Logger

	nextTraces consumer.Traces
	nextLogs   consumer.Logs

	auth        authenticator
	assembler   *assembler
	telemetry   *telemetry
	obsTraces   *receiverhelper.ObsReport
	passthrough *passthrough

	server     *http.Server
	address    string
	stopFlush  chan struct{}
	shutdownWG sync.WaitGroup
	// stopOnce makes Shutdown safe to call more than once.
	stopOnce sync.Once
	stopErr  error
}

func newLangfuseReceiver(cfg *Config, set receiver.Settings) (*langfuseReceiver, error) {
	r := &langfuseReceiver{
		cfg:       cfg,
		settings:  set,
		logger:    set.Logger,
		auth:      newAuthenticator(cfg.Keys),
		assembler: newAssembler(cfg.MergeTimeout, cfg.MaxPending),
		stopFlush: make(chan struct{}),
	}
	r.assembler.maxBytes = cfg.MaxPendingBytes
	var err error
	if r.telemetry, err = newTelemetry(set.TelemetrySettings,
		r.assembler.pendingCount); err != nil {
		return nil, fmt.Errorf("create receiver metrics: %w", err)
	}
	r.obsTraces, err = receiverhelper.NewObsReport(receiverhelper.ObsReportSettings{
		ReceiverID:             set.ID,
		Transport:              "http",
		ReceiverCreateSettings: set,
	})
	if err != nil {
		return nil, fmt.Errorf("create receiver obsreport: %w", err)
	}
	return r, nil
}

// Start starts the HTTP server and the loop that sends observations whose
// merge timeout has passed.
func (r *langfuseReceiver) Start(ctx context.Context, host component.Host) error {
	if r.cfg.Passthrough.HasValue() {
		pt, err := newPassthrough(ctx, r.cfg.Passthrough.Get(), host, r.settings.TelemetrySettings)
		if err != nil {
			return fmt.Errorf("start passthrough: %w", err)
		}
		r.passthrough = pt
	}

	var err error
	r.server, err = r.cfg.ServerConfig.ToServer(ctx, host.GetExtensions(),
		r.settings.TelemetrySettings,
		http.HandlerFunc(r.route), confighttp.WithErrorHandler(r.writeServerError))
	if err != nil {
		return fmt.Errorf("create HTTP server: %w", err)
	}
	var listener net.Listener
	if listener, err = r.cfg.ServerConfig.ToListener(ctx); err != nil {
		return fmt.Errorf("listen on %q: %w", r.cfg.ServerConfig.NetAddr.Endpoint, err)
	}
	r.address = listener.Addr().String()
	r.logger.Info("Starting Langfuse API server", zap.String("endpoint", r.address))

	r.shutdownWG.Go(func() {
		if errHTTP := r.server.Serve(listener); errHTTP != nil && !errors.Is(errHTTP,
			http.ErrServerClosed) {
			componentstatus.ReportStatus(host, componentstatus.NewFatalErrorEvent(errHTTP))
		}
	})
	r.shutdownWG.Go(r.flushLoop)
	return nil
}

// Shutdown stops the HTTP server and sends every held observation and trace.
// Later calls return the result of the first.
func (r *langfuseReceiver) Shutdown(ctx context.Context) error {
	r.stopOnce.Do(func() {
		var err error
		if r.server != nil {
			err = r.server.Shutdown(ctx)
			close(r.stopFlush)
		}
		r.shutdownWG.Wait()

		traces, counts := r.assembler.flushAll()
		r.consumeAssembled(ctx, traces, counts)
		r.stopErr = errors.Join(err, r.telemetry.shutdown())
	})
	return r.stopErr
}

// flushLoop checks for expired observations and traces at a quarter of the
// merge timeout, so that one waits at most 1.25 times the timeout.
func (r *langfuseReceiver) flushLoop() {
	ticker := time.NewTicker(max(r.cfg.MergeTimeout/4, 10*time.Millisecond))
	defer ticker.Stop()
	for {
		select {
		case <-r.stopFlush:
			return
		case now := <-ticker.C:
			traces, counts := r.assembler.expire(now)
			r.consumeAssembled(context.Background(), traces, counts)
		}
	}
}

// consumeAssembled sends spans built outside a request. The client was
// already received its response, so a pipeline error can only be logged and
// counted.
func (r *langfuseReceiver) consumeAssembled(ctx context.Context, traces ptrace.Traces,
	counts flushCounts) {
	spanCount := traces.SpanCount()
	if spanCount == 0 {
		return
	}
	r.telemetry.recordFlushed(ctx, counts)
	if err := r.consumeTraces(ctx, traces, "langfuse"); err != nil {
		r.logger.Warn("Dropped spans assembled from ingestion events, because the pipeline rejected them",
			zap.Int("spans", spanCount), zap.Error(err))
	}
}

func (r *langfuseReceiver) consumeTraces(ctx context.Context, traces ptrace.Traces,
	format string) error {
	if r.nextTraces == nil {
		return errors.New("the receiver is in no traces pipeline")
	}
	ctx = r.obsTraces.StartTracesOp(ctx)
	err := r.nextTraces.ConsumeTraces(ctx, traces)
	r.obsTraces.EndTracesOp(ctx, format, traces.SpanCount(), err)
	return err
}

// route dispatches a request to its endpoint and records the request metric.
func (r *langfuseReceiver) route(w http.ResponseWriter, req *http.Request) {
	recorder := &statusRecorder{ResponseWriter: w, status: http.StatusOK}
	endpoint := r.serve(recorder, req)
	r.telemetry.recordRequest(req.Context(), endpoint, recorder.status)
}

func (r *langfuseReceiver) serve(w http.ResponseWriter, req *http.Request) string {
	switch req.URL.Path {
	case pathHealth:
		if !allowMethod(w, req, http.MethodGet, http.MethodHead) {
			return endpointHealth
		}
		writeJSON(w, http.StatusOK, map[string]string{"status": "OK",
			"version": r.settings.BuildInfo.Version})
		return endpointHealth
	case pathIngestion:
		if granted, ok := r.authorizedFor(w, req, http.MethodPost, scopeScores); ok {
			r.handleIngestion(w, req, granted)
		}
		return endpointIngestion
	case pathOTLP:
		if _, ok := r.authorizedFor(w, req, http.MethodPost, scopeProject); ok {
			r.handleOTLP(w, req)
		}
		return endpointOTLP
	case pathScores:
		if _, ok := r.authorizedFor(w, req, http.MethodPost, scopeScores); ok {
			r.handleScore(w, req)
		}
		return endpointScores
	case pathProjects:
		if _, ok := r.authorizedFor(w, req, http.MethodGet, scopeProject); ok {
			r.handleProjects(w)
		}
		return endpointProjects
	}

	if r.passthrough != nil && r.passthrough.allows(req) {
		if s, _ := r.auth.authenticate(req); s == scopeProject {
			r.passthrough.forward(w, req, r.logger)
			return endpointPassthrough
		}
		writeUnauthorized(w,
			"Invalid credentials. Confirm that you've configured the correct host.")
		return endpointPassthrough
	}
	writeJSON(w, http.StatusNotFound, map[string]string{"message": "Route not found",
		"error": "Not Found"})
	return endpointUnknown
}

// authorizedFor checks the method and the credentials of a request and
// returns the scope they grant. It writes the error response when either
// check fails. minimum is the least scope the endpoint accepts, and a Bearer
// public key on a project-only endpoint gets 403, as on Langfuse.
func (r *langfuseReceiver) authorizedFor(w http.ResponseWriter, req *http.Request, method string,
	minimum scope) (scope, bool) {
	if !allowMethod(w, req, method) {
		return scopeNone, false
	}
	granted, message := r.auth.authenticate(req)
	switch {
	case granted == scopeNone:
		writeUnauthorized(w, message)
		return granted, false
	case granted < minimum:
		writeJSON(w, http.StatusForbidden, map[string]string{
			"error":   "Forbidden",
			"message": "Access denied: this endpoint requires Basic auth with a public and a secret key",
		})
		return granted, false
	}
	return granted, true
}

func (r *langfuseReceiver) handleProjects(w http.ResponseWriter) {
	writeJSON(w, http.StatusOK, map[string]any{
		"data": []map[string]any{{
			"id":           r.cfg.Project.ID,
			"name":         r.cfg.Project.Name,
			"organization": map[string]string{"id": r.cfg.Project.ID, "name": r.cfg.Project.Name},
			"metadata":     map[string]any{},
		}},
	})
}

// readBody reads the request body up to limit bytes. A larger body is
// rejected with 413 and false.
func readBody(w http.ResponseWriter, req *http.Request, limit int64) ([]byte, bool) {
	if req.ContentLength > limit {
		writeTooLarge(w, limit)
		return nil, false
	}
	body, err := io.ReadAll(io.LimitReader(req.Body, limit+1))
	var tooLarge *http.MaxBytesError
	switch {
	case errors.As(err, &tooLarge):
		writeTooLarge(w, tooLarge.Limit)
		return nil, false
	case err != nil:
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"message": "Invalid request data",
			"error":   "failed to read the request body: " + err.Error(),
		})
		return nil, false
	case int64(len(body)) > limit:
		writeTooLarge(w, limit)
		return nil, false
	}
	return body, true
}

func writeTooLarge(w http.ResponseWriter, limit int64) {
	writeJSON(w, http.StatusRequestEntityTooLarge, map[string]string{
		"message": fmt.Sprintf("Request body exceeds the limit of %d bytes: send smaller batches",
			limit),
		"error": "Payload Too Large",
	})
}

func writeUnauthorized(w http.ResponseWriter, message string) {
	writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "Unauthorized",
		"message": message})
}

// writeServerError writes the response to errors raised by the HTTP server before the
// handler runs, such as a body that fails to decompress.
func (r *langfuseReceiver) writeServerError(w http.ResponseWriter, _ *http.Request,
	message string, status int) {
	writeJSON(w, status, map[string]string{"message": "Invalid request data", "error": message})
}

func allowMethod(w http.ResponseWriter, req *http.Request, methods ...string) bool {
	for _, m := range methods {
		if req.Method == m {
			return true
		}
	}
	w.Header().Set("Allow", methods[0])
	writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"message": "Method Not Allowed",
		"error": "Method Not Allowed"})
	return false
}

func writeJSON(w http.ResponseWriter, status int, body any) {
	encoded, err := json.Marshal(body)
	if err != nil {
		status = http.StatusInternalServerError
		encoded = []byte(`{"error":"Internal Server Error"}`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(encoded)
}

// statusRecorder keeps the status code written through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (s *statusRecorder) WriteHeader(status int) {
	s.status = status
	s.ResponseWriter.WriteHeader(status)
}

func (s *statusRecorder) Flush() {
	if f, ok := s.ResponseWriter.(http.Flusher); ok {
		f.Flush()
	}
}
