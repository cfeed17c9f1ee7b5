package langfusereceiver

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.uber.org/zap"
)

// ingestionResponse is the body of the 207 response to a batch.
type ingestionResponse struct {
	Successes []ingestionSuccess `json:"successes"`
	Errors    []*eventError      `json:"errors"`
}

type ingestionSuccess struct {
	ID     string `json:"id"`
	Status int    `json:"status"`
}

// handleIngestion serves POST /api/public/ingestion. A body that is not an
// object with a batch array gets 400. Otherwise each event is checked on its
// own and the response is 207 with one success or error per event.
func (r *langfuseReceiver) handleIngestion(w http.ResponseWriter, req *http.Request,
	granted scope) {
	body, ok := readBody(w, req, r.cfg.MaxIngestionBodySize)
	if !ok {
		return
	}
	batch, err := parseBatch(replaceInvalidUTF8(body))
	if err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]any{"message": "Invalid request data",
			"errors": []string{err.Error()}})
		return
	}

	ctx := req.Context()
	response := ingestionResponse{Successes: []ingestionSuccess{}, Errors: []*eventError{}}
	var spanEvents []event
	var scoreEvents []event
	for _, raw := range batch {
		ev, evErr := parseEvent(raw)
		if evErr == nil {
			evErr = r.checkEventAccepted(ev, granted)
		}
		if evErr != nil {
			response.Errors = append(response.Errors, evErr)
			r.telemetry.recordRejected(ctx, eventTypeName(ev, raw), evErr.reason)
			// Debug level, because a bad client can send many such events.
			r.logger.Debug("Rejected an ingestion event", zap.String("event_id", evErr.ID),
				zap.Int("status", evErr.Status), zap.String("error", evErr.Error))
			continue
		}
		switch ev.eventType.kind {
		case kindTrace, kindObservation:
			spanEvents = append(spanEvents, ev)
		case kindScore:
			scoreEvents = append(scoreEvents, ev)
		case kindSDKLog:
			// Langfuse logs SDK log events and discards them.
			response.Successes = append(response.Successes, ingestionSuccess{ID: ev.id,
				Status: http.StatusCreated})
			r.telemetry.recordAccepted(ctx, ev.typeName, 1)
		}
	}

	// Header values may contain any byte from 0x80 up, and attributes must be UTF-8.
	src := source{
		sdkName:    strings.ToValidUTF8(req.Header.Get("x-langfuse-sdk-name"), "\uFFFD"),
		sdkVersion: strings.ToValidUTF8(req.Header.Get("x-langfuse-sdk-version"), "\uFFFD"),
	}
	r.acceptSpanEvents(ctx, spanEvents, src, &response)
	r.acceptScoreEvents(ctx, scoreEvents, &response)
	writeJSON(w, http.StatusMultiStatus, response)
}

// parseBatch returns the events of a batch body. The metadata field is used
// by the SDKs for their own debugging and is ignored.
func parseBatch(body []byte) ([]json.RawMessage, error) {
	var request map[string]json.RawMessage
	if jsonKind(body) != "an object" || json.Unmarshal(body, &request) != nil {
		if !json.Valid(body) {
			return nil, errors.New("body: invalid JSON")
		}
		return nil, fmt.Errorf("body: expected an object with a batch array, got %s",
			jsonKind(body))
	}
	raw, ok := request["batch"]
	if !ok {
		return nil, errors.New("batch: missing, expected an array of events")
	}
	var batch []json.RawMessage
	if jsonKind(raw) != "an array" || json.Unmarshal(raw, &batch) != nil {
		return nil, fmt.Errorf("batch: expected an array, got %s", jsonKind(raw))
	}
	return batch, nil
}

// checkEventAccepted rejects events that the credentials or the pipelines of
// this receiver cannot take.
func (r *langfuseReceiver) checkEventAccepted(ev event, granted scope) *eventError {
	kind := ev.eventType.kind
	if granted == scopeScores && kind != kindScore && kind != kindSDKLog {
		return &eventError{ID: ev.id, Status: http.StatusUnauthorized,
			Message: "Authentication error",
			Error:   "Access Scope Denied", reason: reasonScope}
	}
	if kind == kindScore && r.nextLogs == nil {
		return &eventError{ID: ev.id, Status: http.StatusBadRequest,
			Message: "Event type not accepted",
			Error:   "scores need the langfuse receiver in a logs pipeline",
			reason:  reasonNoPipeline}
	}
	if (kind == kindTrace || kind == kindObservation) && r.nextTraces == nil {
		return &eventError{ID: ev.id, Status: http.StatusBadRequest,
			Message: "Event type not accepted",
			Error:   "traces and observations need the langfuse receiver in a traces pipeline",
			reason:  reasonNoPipeline}
	}
	return nil
}

// acceptSpanEvents merges trace and observation events and sends the spans
// that are complete. When the pipeline rejects them, every event of the
// request gets a 500 error so that the SDK sends the batch again, and their
// event ids are forgotten so that the resent events are merged again.
// NOTE: a rejected span keeps only its identity, so fields that arrived in an
// earlier, accepted request (such as the input of its create) are lost.
func (r *langfuseReceiver) acceptSpanEvents(ctx context.Context, events []event, src source,
	response *ingestionResponse) {
	if len(events) == 0 {
		return
	}
	traces, counts := r.assembler.add(events, src, time.Now())
	var err error
	if traces.SpanCount() > 0 {
		r.telemetry.recordFlushed(ctx, counts)
		err = r.consumeTraces(ctx, traces, "langfuse")
	}
	if err != nil {
		r.assembler.forget(events)
		r.logger.Warn("Rejected ingestion events, because the traces pipeline failed",
			zap.Int("events", len(events)), zap.Error(err))
	}
	r.addEventResults(ctx, events, err, response)
}

// acceptScoreEvents sends score-create events as log records.
func (r *langfuseReceiver) acceptScoreEvents(ctx context.Context, events []event,
	response *ingestionResponse) {
	if len(events) == 0 {
		return
	}
	logs := plog.NewLogs()
	scopeLogs := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	scopeLogs.Scope().SetName(scopeName)
	for _, ev := range events {
		// Langfuse drops a score without an id. The event id is a stable
		// stand-in, so that a resent batch names the same score.
		appendScore(scopeLogs, ev.score, ev.timestamp, ev.id)
	}
	err := r.consumeLogs(ctx, logs)
	if err != nil {
		r.logger.Warn("Rejected score events, because the logs pipeline failed",
			zap.Int("events", len(events)), zap.Error(err))
	}
	r.addEventResults(ctx, events, err, response)
}

func (r *langfuseReceiver) addEventResults(ctx context.Context, events []event, err error,
	response *ingestionResponse) {
	for _, ev := range events {
		if err != nil {
			response.Errors = append(response.Errors, pipelineEventError(ev.id, err))
			r.telemetry.recordRejected(ctx, ev.typeName, reasonPipelineFailed)
			continue
		}
		response.Successes = append(response.Successes, ingestionSuccess{ID: ev.id,
			Status: http.StatusCreated})
		r.telemetry.recordAccepted(ctx, ev.typeName, 1)
	}
}

// pipelineEventError returns the per-event error for a pipeline failure: 400
// for a permanent error, which the SDK must not resend, and 500 otherwise, so
// that the SDK resends the event.
func pipelineEventError(eventID string, err error) *eventError {
	if consumererror.IsPermanent(err) {
		return &eventError{ID: eventID, Status: http.StatusBadRequest,
			Message: "Invalid request data",
			Error:   "the collector pipeline rejected the event permanently: " + err.Error()}
	}
	return &eventError{ID: eventID, Status: http.StatusInternalServerError,
		Error:   "Internal Server Error",
		Message: "the collector pipeline rejected the event: " + err.Error()}
}

func (r *langfuseReceiver) consumeLogs(ctx context.Context, logs plog.Logs) error {
	if r.nextLogs == nil {
		return errors.New("the receiver is in no logs pipeline")
	}
	ctx = r.obsTraces.StartLogsOp(ctx)
	err := r.nextLogs.ConsumeLogs(ctx, logs)
	r.obsTraces.EndLogsOp(ctx, "langfuse", logs.LogRecordCount(), err)
	return err
}

// handleScore serves POST /api/public/scores: one score, with the response
// 200 {"id"}. A score without an id gets a random UUID, as on Langfuse.
func (r *langfuseReceiver) handleScore(w http.ResponseWriter, req *http.Request) {
	ctx := req.Context()
	body, ok := readBody(w, req, r.cfg.MaxIngestionBodySize)
	if !ok {
		return
	}
	body = replaceInvalidUTF8(body)
	var fields map[string]json.RawMessage
	if jsonKind(body) != "an object" || json.Unmarshal(body, &fields) != nil {
		r.telemetry.recordRejected(ctx, "score-create", reasonInvalid)
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid request data",
			"error": "body: expected a JSON object, got " + jsonKind(body)})
		return
	}
	score, err := parseScoreBody(fields, "")
	if err != nil {
		r.telemetry.recordRejected(ctx, "score-create", reasonInvalid)
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Invalid request data",
			"error": err.Error()})
		return
	}
	if r.nextLogs == nil {
		r.telemetry.recordRejected(ctx, "score-create", reasonNoPipeline)
		writeJSON(w, http.StatusBadRequest, map[string]string{"message": "Event type not accepted",
			"error": "scores need the langfuse receiver in a logs pipeline"})
		return
	}
	if !score.id.set {
		score.id = some(newUUID())
	}

	logs := plog.NewLogs()
	scopeLogs := logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty()
	scopeLogs.Scope().SetName(scopeName)
	appendScore(scopeLogs, score, time.Now(), score.id.value)
	if err := r.consumeLogs(ctx, logs); err != nil {
		r.logger.Warn("Rejected a score, because the logs pipeline failed", zap.Error(err))
		r.telemetry.recordRejected(ctx, "score-create", reasonPipelineFailed)
		if consumererror.IsPermanent(err) {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "Bad Request",
				"message": "the collector pipeline rejected the score permanently: " + err.Error()})
			return
		}
		writeJSON(w, http.StatusInternalServerError,
			map[string]string{"error": "Internal Server Error",
				"message": "the collector pipeline rejected the score: " + err.Error()})
		return
	}
	r.telemetry.recordAccepted(ctx, "score-create", 1)
	writeJSON(w, http.StatusOK, map[string]string{"id": score.id.value})
}

// replaceInvalidUTF8 replaces each run of invalid UTF-8 bytes with U+FFFD,
// because OTLP attribute values must be valid UTF-8. Raw JSON values such as
// input and metadata are kept as received, so the body is fixed before it is
// parsed. Node.js, which Langfuse runs on, also decodes bodies this way, but
// it writes one U+FFFD per invalid sequence where this writes one per run.
func replaceInvalidUTF8(body []byte) []byte {
	if utf8.Valid(body) {
		return body
	}
	return bytes.ToValidUTF8(body, []byte("\uFFFD"))
}

// eventTypeName returns the type of an event for metrics. It returns
// "unknown" when the event was rejected before its type was read or the type
// is not a Langfuse event type, so the metric's attribute values stay bounded.
func eventTypeName(ev event, raw json.RawMessage) string {
	if ev.typeName != "" {
		return ev.typeName
	}
	var envelope struct {
		Type string `json:"type"`
	}
	if json.Unmarshal(raw, &envelope) == nil {
		if _, known := eventTypes[envelope.Type]; known {
			return envelope.Type
		}
	}
	return "unknown"
}
