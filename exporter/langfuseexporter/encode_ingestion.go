package langfuseexporter

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"math"
	"strconv"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
)

// metadataObservationType is the metadata key that keeps the observation
// type of spans sent as span-create or generation-create because the public
// schema has no event type for them (agent, tool, chain and so on).
const metadataObservationType = "observation_type"

// encodedEvent is one ingestion event, encoded, with the span it came from
// so that a failed event can be retried through its span.
type encodedEvent struct {
	id      string
	kind    langfuse.EventType
	traceID pcommon.TraceID
	// spanIndex is the index in preparedBatch.spans, or -1 for trace-create
	// and score-create events.
	spanIndex int
	// recordIndex is the index of the log record of a score, or -1.
	recordIndex int
	summary     dryRunLine
	data        []byte
}

// ingestionEncoder turns spans into trace-create and observation events.
type ingestionEncoder struct {
	maxFieldBytes int
	telemetry     *telemetry
	// logger is rate-limited, because encoding failures repeat per span.
	logger *zap.Logger
}

// eventID derives a deterministic event id, so that a retried event
// overwrites its first copy instead of adding one. parts are joined with a
// separator that cannot occur in hex ids or event types.
func eventID(parts ...string) string {
	h := sha256.New()
	for _, part := range parts {
		h.Write([]byte(part))
		h.Write([]byte{0})
	}
	sum := h.Sum(nil)
	return hex.EncodeToString(sum[:16])
}

// observationEventType returns the event type for a View. Model calls and
// spans with usage or cost become generations, because span-create and
// event-create bodies drop model, usage and cost.
func observationEventType(view *genai.View) langfuse.EventType {
	switch {
	case view.Type == genai.TypeEvent:
		return langfuse.EventEventCreate
	case view.Type == genai.TypeGeneration || view.Type == genai.TypeEmbedding:
		return langfuse.EventGenerationCreate
	case !view.Aggregate && (view.Model() != "" || view.Usage.Present || view.HasCost):
		return langfuse.EventGenerationCreate
	}
	return langfuse.EventSpanCreate
}

// encodeBatch returns one trace-create per trace and one observation event
// per span.
func (e *ingestionEncoder) encodeBatch(ctx context.Context, batch *preparedBatch) []encodedEvent {
	events := make([]encodedEvent, 0, len(batch.spans)+len(batch.spans)/4+1)

	traces := make(map[pcommon.TraceID]*langfuse.TraceBody)
	var order []pcommon.TraceID
	for i := range batch.spans {
		ref := &batch.spans[i]
		traceID := ref.span.TraceID()
		body, seen := traces[traceID]
		if !seen {
			body = &langfuse.TraceBody{ID: traceID.String()}
			traces[traceID] = body
			order = append(order, traceID)
		}
		e.fillTraceBody(ctx, body, ref)

		event, err := e.encodeObservation(ctx, ref, i)
		if err != nil {
			e.telemetry.addDropped(ctx, reasonEncodingFailed, 1)
			e.logger.Warn("Dropped a span that could not be encoded as an ingestion event",
				zap.String("trace_id", traceID.String()),
				zap.String("span_id", ref.span.SpanID().String()),
				zap.Error(err))
			continue
		}
		events = append(events, event)
	}

	for _, traceID := range order {
		event, err := encodeTraceEvent(traceID, traces[traceID])
		if err != nil {
			e.logger.Warn("Dropped a trace-create event that could not be encoded",
				zap.String("trace_id", traceID.String()), zap.Error(err))
			continue
		}
		events = append(events, event)
	}
	return events
}

// fillTraceBody adds the values of one span to the trace body. The earliest
// start becomes the trace timestamp; the root span's input and output are
// the trace's unless a span set trace input and output explicitly.
func (e *ingestionEncoder) fillTraceBody(ctx context.Context, body *langfuse.TraceBody, ref *spanRef) {
	start := langfuse.FormatTime(ref.span.StartTimestamp().AsTime())
	if body.Timestamp == "" || start < body.Timestamp {
		body.Timestamp = start
	}
	body.Name = firstNonEmpty(body.Name, ref.trace.TraceName)
	body.UserID = firstNonEmpty(body.UserID, ref.trace.UserID)
	body.SessionID = firstNonEmpty(body.SessionID, ref.trace.SessionID)
	body.Release = firstNonEmpty(body.Release, ref.trace.Release)
	body.Environment = firstNonEmpty(body.Environment, ref.environment)
	if len(body.Tags) == 0 && len(ref.trace.Tags) > 0 {
		body.Tags = ref.trace.Tags
	}
	body.Public = body.Public || ref.view.Public

	isRoot := ref.span.ParentSpanID().IsEmpty()
	if isRoot {
		body.Version = firstNonEmpty(body.Version, ref.view.Version)
	}
	if ref.view.TraceInput != "" {
		body.Input = langfuse.JSONValue(e.cut(ctx, ref.view.TraceInput, "input"))
	} else if isRoot && body.Input == nil {
		body.Input = langfuse.JSONValue(e.cut(ctx, ref.view.Input, "input"))
	}
	if ref.view.TraceOutput != "" {
		body.Output = langfuse.JSONValue(e.cut(ctx, ref.view.TraceOutput, "output"))
	} else if isRoot && body.Output == nil {
		body.Output = langfuse.JSONValue(e.cut(ctx, ref.view.Output, "output"))
	}
}

func encodeTraceEvent(traceID pcommon.TraceID, body *langfuse.TraceBody) (encodedEvent, error) {
	encodedBody, err := json.Marshal(body)
	if err != nil {
		return encodedEvent{}, err
	}
	// The id covers the body, so a trace-create with new values is stored
	// next to the earlier ones (Langfuse merges them) instead of replacing
	// them, while a retry of the same body replaces its own copy.
	id := eventID(body.ID, string(langfuse.EventTraceCreate), string(encodedBody))
	data, err := json.Marshal(langfuse.IngestionEvent{
		ID: id, Type: langfuse.EventTraceCreate, Timestamp: body.Timestamp, Body: json.RawMessage(encodedBody),
	})
	if err != nil {
		return encodedEvent{}, err
	}
	return encodedEvent{
		id: id, kind: langfuse.EventTraceCreate, traceID: traceID, spanIndex: -1, recordIndex: -1,
		summary: dryRunLine{TraceID: body.ID, Type: "trace", EventType: string(langfuse.EventTraceCreate), Name: body.Name, Environment: body.Environment,
			UserID: body.UserID, SessionID: body.SessionID},
		data: data,
	}, nil
}

func (e *ingestionEncoder) encodeObservation(ctx context.Context, ref *spanRef, index int) (encodedEvent, error) {
	view := ref.view
	span := ref.span
	kind := observationEventType(view)

	body := langfuse.ObservationBody{
		ID:            span.SpanID().String(),
		TraceID:       span.TraceID().String(),
		Name:          e.cut(ctx, view.Name, "attribute"),
		StartTime:     langfuse.FormatTime(span.StartTimestamp().AsTime()),
		Level:         string(view.Level),
		StatusMessage: e.cut(ctx, view.StatusMessage, "attribute"),
		Version:       view.Version,
		Environment:   ref.environment,
		Input:         langfuse.JSONValue(e.cut(ctx, view.InputWithSystemInstructions(), "input")),
		Output:        langfuse.JSONValue(e.cut(ctx, view.Output, "output")),
	}
	if body.Name == "" {
		body.Name = span.Name()
	}
	if !span.ParentSpanID().IsEmpty() {
		body.ParentObservationID = span.ParentSpanID().String()
	}
	if kind != langfuse.EventEventCreate {
		body.EndTime = langfuse.FormatTime(span.EndTimestamp().AsTime())
	}

	body.Metadata = e.observationMetadata(ctx, ref, kind)

	if kind == langfuse.EventGenerationCreate {
		e.fillGeneration(&body, view)
	}

	id := eventID(body.TraceID, body.ID, string(kind))
	data, err := json.Marshal(langfuse.IngestionEvent{
		ID: id, Type: kind, Timestamp: body.StartTime, Body: &body,
	})
	if err != nil {
		return encodedEvent{}, err
	}
	return encodedEvent{
		id: id, kind: kind, traceID: span.TraceID(), spanIndex: index, recordIndex: -1,
		summary: ingestionSummary(ref, kind, body.UsageDetails, body.CostDetails), data: data,
	}, nil
}

// ingestionSummary describes an observation event for the dry-run file.
func ingestionSummary(ref *spanRef, kind langfuse.EventType, usage map[string]int64, cost map[string]float64) dryRunLine {
	observationType := string(ref.view.Type)
	if observationType == "" {
		observationType = string(genai.TypeSpan)
	}
	line := observationSummary(ref, observationType, usage, cost)
	line.EventType = string(kind)
	return line
}

// observationMetadata returns the metadata of an observation: the View's,
// the trace-level values that observation bodies have no field for, and
// the observation type when the event type cannot carry it.
func (e *ingestionEncoder) observationMetadata(ctx context.Context, ref *spanRef, kind langfuse.EventType) map[string]string {
	view := ref.view
	typeLost := kind != langfuse.EventEventCreate &&
		!(kind == langfuse.EventGenerationCreate && view.Type == genai.TypeGeneration) &&
		!(kind == langfuse.EventSpanCreate && (view.Type == genai.TypeSpan || view.Type == ""))
	if len(view.Metadata) == 0 && !typeLost {
		return nil
	}

	metadata := make(map[string]string, len(view.Metadata)+1)
	for key, value := range view.Metadata {
		metadata[key] = e.cut(ctx, value, "metadata")
	}
	if typeLost {
		metadata[metadataObservationType] = string(view.Type)
	}
	return metadata
}

func (e *ingestionEncoder) fillGeneration(body *langfuse.ObservationBody, view *genai.View) {
	if !view.CompletionStartTime.IsZero() {
		body.CompletionStartTime = langfuse.FormatTime(view.CompletionStartTime)
	}
	body.ModelParameters = schemaModelParameters(view.ModelParameters)

	// Langfuse prices, and may tokenise, a generation with a model and no
	// usage, so an aggregate span keeps its model as metadata only.
	if view.Aggregate {
		if model := view.Model(); model != "" {
			if body.Metadata == nil {
				body.Metadata = map[string]string{}
			}
			body.Metadata["model"] = model
		}
		return
	}
	body.Model = view.Model()
	if view.Usage.Present {
		body.UsageDetails = usageDetailsMap(view.Usage)
	}
	if view.HasCost {
		// Langfuse drops cost values that are not numbers of at least 0, and
		// encoding/json cannot encode NaN or infinities.
		body.CostDetails = make(map[string]float64, len(view.CostDetails)+1)
		for key, value := range view.CostDetails {
			if isValidCost(value) {
				body.CostDetails[key] = value
			}
		}
		if _, ok := body.CostDetails["total"]; !ok && isValidCost(view.Cost) {
			body.CostDetails["total"] = view.Cost
		}
	}
	if view.Type == genai.TypeGeneration && view.PromptName != "" && view.PromptVersion > 0 {
		body.PromptName = view.PromptName
		body.PromptVersion = view.PromptVersion
	}
}

// schemaModelParameters converts numbers to strings. The published schema
// types each value as oneOf string, integer, number, boolean and string
// array, so a whole number matches both integer and number and fails
// oneOf. Langfuse compares model parameters as strings when it picks a
// price tier, so the text form loses nothing.
func schemaModelParameters(params map[string]any) map[string]any {
	if len(params) == 0 {
		return nil
	}
	out := make(map[string]any, len(params))
	for key, value := range params {
		switch v := value.(type) {
		case float64:
			out[key] = strconv.FormatFloat(v, 'g', -1, 64)
		case float32:
			out[key] = strconv.FormatFloat(float64(v), 'g', -1, 32)
		case int:
			out[key] = strconv.Itoa(v)
		case int64:
			out[key] = strconv.FormatInt(v, 10)
		case string, bool, []string:
			out[key] = v
		default:
			encoded, err := json.Marshal(v)
			if err == nil {
				out[key] = string(encoded)
			}
		}
	}
	return out
}

func isValidCost(value float64) bool {
	return value >= 0 && !math.IsInf(value, 0)
}

func usageDetailsMap(u genai.Usage) map[string]int64 {
	out := make(map[string]int64, 9)
	for _, entry := range usageEntries(u) {
		if entry.value != 0 || entry.key == "input" || entry.key == "output" || entry.key == "total" {
			out[entry.key] = entry.value
		}
	}
	return out
}

// cut truncates one field to maxFieldBytes and counts it.
func (e *ingestionEncoder) cut(ctx context.Context, s, field string) string {
	out, cut := truncate(s, e.maxFieldBytes)
	if cut {
		e.telemetry.addTruncated(ctx, field)
	}
	return out
}
