package langfusereceiver

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.uber.org/zap"
)

// handleOTLP serves POST /api/public/otel/v1/traces as Langfuse does: OTLP
// protobuf or JSON (gzip is undone by the HTTP server), 400 with a message for
// an invalid envelope, and 200 with an empty JSON object once the spans are
// in the pipeline. The spans pass through unchanged.
func (r *langfuseReceiver) handleOTLP(w http.ResponseWriter, req *http.Request) {
	if err := checkIngestionVersion(req.Header.Get("x-langfuse-ingestion-version")); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid request data",
			"error": err.Error()})
		return
	}
	contentType := req.Header.Get("Content-Type")
	isProto := strings.Contains(contentType, "application/x-protobuf")
	isJSON := strings.Contains(contentType, "application/json")
	if !isProto && !isJSON {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid content type",
			"error": fmt.Sprintf("Content-Type %q is not application/x-protobuf or application/json", contentType)})
		return
	}
	if r.nextTraces == nil {
		writeJSON(w, http.StatusNotFound, map[string]string{"message": "Route not found",
			"error": "the langfuse receiver is in no traces pipeline"})
		return
	}

	body, ok := readBody(w, req, r.cfg.ServerConfig.MaxRequestBodySize)
	if !ok {
		return
	}
	request := ptraceotlp.NewExportRequest()
	var err error
	if isProto {
		err = request.UnmarshalProto(body)
	} else {
		err = request.UnmarshalJSON(body)
	}
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid request data",
			"error": "failed to decode the OTLP request: " + err.Error()})
		return
	}
	traces := request.Traces()
	if err := checkSpanIDs(traces); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid request data",
			"error": err.Error()})
		return
	}
	if traces.SpanCount() == 0 {
		writeJSON(w, http.StatusOK, map[string]any{})
		return
	}

	format := "otlp_json"
	if isProto {
		format = "otlp_proto"
	}
	if err := r.consumeTraces(req.Context(), traces, format); err != nil {
		r.logger.Warn("Rejected OTLP spans, because the traces pipeline failed",
			zap.Int("spans", traces.SpanCount()), zap.Error(err))
		// A permanent error fails again on every retry. OTLP clients do not
		// retry a 400.
		if consumererror.IsPermanent(err) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Bad Request",
				"message": "the collector pipeline rejected the spans permanently: " + err.Error()})
			return
		}
		writeJSON(w, http.StatusServiceUnavailable,
			map[string]string{"error": "Service Unavailable",
				"message": "the collector pipeline rejected the spans: " + err.Error()})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{})
}

// checkSpanIDs rejects the export when a span lacks its trace id or span id,
// as Langfuse rejects the whole request in that case.
func checkSpanIDs(traces ptrace.Traces) error {
	for i := 0; i < traces.ResourceSpans().Len(); i++ {
		scopes := traces.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < scopes.Len(); j++ {
			spans := scopes.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				span := spans.At(k)
				if span.TraceID().IsEmpty() {
					return fmt.Errorf("span %q has no valid traceId", span.Name())
				}
				if span.SpanID().IsEmpty() {
					return fmt.Errorf("span %q has no valid spanId", span.Name())
				}
			}
		}
	}
	return nil
}

// checkIngestionVersion applies Langfuse's rule for the
// x-langfuse-ingestion-version header: absent, or an integer of at most 4.
func checkIngestionVersion(value string) error {
	if value == "" {
		return nil
	}
	n, err := strconv.Atoi(value)
	if err != nil || n > 4 {
		return fmt.Errorf("x-langfuse-ingestion-version %q is invalid: expected an integer of at most 4", value)
	}
	return nil
}
