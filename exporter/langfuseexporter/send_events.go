package langfuseexporter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
)

// batchOverheadBytes is the size of {"batch":[]} around the events.
const batchOverheadBytes = len(`{"batch":[]}`)

// sendEvents sends events to the batch endpoint in requests of at most
// MaxBatchBytes. It returns the events worth sending again, with their
// ids unchanged, and the error that made them fail. Events Langfuse rejects
// for good are counted and logged, and cause no error unless a whole
// request was rejected.
func (e *langfuseExporter) sendEvents(ctx context.Context, events []encodedEvent) ([]encodedEvent, error) {
	var retry []encodedEvent
	var errs []error

	start := 0
	size := batchOverheadBytes
	flush := func(end int) {
		if end > start {
			failed, err := e.sendChunk(ctx, events[start:end])
			retry = append(retry, failed...)
			if err != nil {
				errs = append(errs, err)
			}
		}
		start = end
		size = batchOverheadBytes
	}

	for i := range events {
		eventSize := len(events[i].data) + 1
		if batchOverheadBytes+eventSize > e.cfg.MaxBatchBytes {
			flush(i)
			e.dropOversizedEvent(ctx, &events[i])
			start = i + 1
			continue
		}
		if size+eventSize > e.cfg.MaxBatchBytes {
			flush(i)
		}
		size += eventSize
	}
	flush(len(events))

	err := errors.Join(errs...)
	if err != nil && len(retry) == 0 && !consumererror.IsPermanent(err) {
		// Every failure was permanent in part; keep the exporterhelper
		// from retrying data that already reached Langfuse.
		err = consumererror.NewPermanent(err)
	}
	return retry, err
}

// sendChunk posts one batch request. On 413 it sends each half on its own.
func (e *langfuseExporter) sendChunk(ctx context.Context, chunk []encodedEvent) ([]encodedEvent, error) {
	body := make([]byte, 0, batchOverheadBytes+chunkBytes(chunk))
	body = append(body, `{"batch":[`...)
	for i := range chunk {
		if i > 0 {
			body = append(body, ',')
		}
		body = append(body, chunk[i].data...)
	}
	body = append(body, "]}"...)

	resp, err := e.sender.post(ctx, e.sender.ingestionClient, e.sender.ingestionURL, "application/json", body)
	if err != nil {
		e.countFailed(ctx, 0, chunk)
		return chunk, err
	}
	if resp.status >= 200 && resp.status < 300 {
		return e.readMultiStatus(ctx, chunk, resp)
	}

	err = e.sender.classify(e.sender.ingestionURL, resp)
	if errors.Is(err, errTooLarge) {
		if len(chunk) == 1 {
			e.dropOversizedEvent(ctx, &chunk[0])
			return nil, nil
		}
		half := len(chunk) / 2
		firstRetry, firstErr := e.sendChunk(ctx, chunk[:half])
		secondRetry, secondErr := e.sendChunk(ctx, chunk[half:])
		return append(firstRetry, secondRetry...), errors.Join(firstErr, secondErr)
	}

	e.countFailed(ctx, resp.status, chunk)
	if consumererror.IsPermanent(err) {
		e.countDropped(ctx, reasonRejected, chunk)
		return nil, err
	}
	return chunk, err
}

// readMultiStatus reads Langfuse's per-event results. Events with a 429 or
// 5xx status are returned for another attempt. Other failures are dropped
// with a log line naming the event id and Langfuse's message.
func (e *langfuseExporter) readMultiStatus(ctx context.Context, chunk []encodedEvent, resp response) ([]encodedEvent, error) {
	var result langfuse.IngestionResponse
	if err := json.Unmarshal(resp.body, &result); err != nil {
		// A 2xx that is not a Langfuse 207 body gives no per-event result.
		// The events are taken as delivered, because retrying on a response
		// that will not change would never end.
		e.sampledLogger.Warn("Langfuse responded to the batch request with a body that is not a 207 result; "+
			"the events are taken as delivered",
			zap.Int("status", resp.status), zap.Error(err))
		e.countExported(ctx, chunk)
		return nil, nil
	}

	byID := make(map[string]int, len(chunk))
	for i := range chunk {
		byID[chunk[i].id] = i
	}

	failed := make(map[string]bool, len(result.Errors))
	var retry []encodedEvent
	var firstRetryable *langfuse.IngestionError
	for i := range result.Errors {
		item := &result.Errors[i]
		index, known := byID[item.ID]
		if !known {
			e.sampledLogger.Warn("Langfuse reported an error for an event id that was not sent",
				zap.String("event_id", item.ID), zap.Int("status", item.Status),
				zap.String("message", e.sender.redact(limitText(item.Message, maxLoggedMessageBytes))))
			continue
		}
		failed[item.ID] = true
		event := chunk[index]
		e.countFailed(ctx, item.Status, chunk[index:index+1])

		if isRetryableEventStatus(item.Status) {
			retry = append(retry, event)
			if firstRetryable == nil {
				firstRetryable = item
			}
			continue
		}
		e.countDropped(ctx, reasonRejected, chunk[index:index+1])
		e.sampledLogger.Warn("Langfuse rejected an event",
			zap.String("event_id", item.ID),
			zap.String("event_type", string(event.kind)),
			zap.String("trace_id", event.summary.TraceID),
			zap.String("observation_id", event.summary.ObservationID),
			zap.Int("status", item.Status),
			zap.String("message", e.sender.redact(limitText(item.Message, maxLoggedMessageBytes))),
			zap.String("error", e.sender.redact(limitText(rawText(item.Error), maxLoggedMessageBytes))))
	}

	delivered := make([]encodedEvent, 0, len(chunk)-len(failed))
	for i := range chunk {
		if !failed[chunk[i].id] {
			delivered = append(delivered, chunk[i])
		}
	}
	e.countExported(ctx, delivered)

	if len(retry) == 0 {
		return nil, nil
	}
	return retry, fmt.Errorf("the Langfuse server failed %d of %d events with a retryable status, such as event %s "+
		"with HTTP %d (%s); they will be sent again with the same ids",
		len(retry), len(chunk), firstRetryable.ID, firstRetryable.Status,
		e.sender.redact(limitText(firstRetryable.Message, maxLoggedMessageBytes)))
}

func (e *langfuseExporter) dropOversizedEvent(ctx context.Context, event *encodedEvent) {
	e.countDropped(ctx, reasonTooLarge, []encodedEvent{*event})
	e.sampledLogger.Warn("Dropped an event larger than Langfuse accepts in one request",
		zap.String("event_id", event.id),
		zap.String("event_type", string(event.kind)),
		zap.String("trace_id", event.summary.TraceID),
		zap.Int("event_bytes", len(event.data)),
		zap.Int("max_batch_bytes", e.cfg.MaxBatchBytes))
}

// countExported counts delivered observations and scores; trace-create
// events are not counted, because they repeat what observations carry.
func (e *langfuseExporter) countExported(ctx context.Context, events []encodedEvent) {
	observations, scores := countKinds(events)
	e.telemetry.addExported(ctx, "observation", observations)
	e.telemetry.addExported(ctx, "score", scores)
}

func (e *langfuseExporter) countFailed(ctx context.Context, status int, events []encodedEvent) {
	observations, scores := countKinds(events)
	e.telemetry.addFailed(ctx, status, observations+scores)
}

func (e *langfuseExporter) countDropped(ctx context.Context, reason dropReason, events []encodedEvent) {
	observations, scores := countKinds(events)
	e.telemetry.addDropped(ctx, reason, observations+scores)
}

func countKinds(events []encodedEvent) (observations, scores int) {
	for i := range events {
		switch events[i].kind {
		case langfuse.EventTraceCreate:
		case langfuse.EventScoreCreate:
			scores++
		default:
			observations++
		}
	}
	return observations, scores
}

func chunkBytes(chunk []encodedEvent) int {
	n := 0
	for i := range chunk {
		n += len(chunk[i].data) + 1
	}
	return n
}
