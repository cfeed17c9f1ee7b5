package langfuse

import (
	"encoding/json"
	"strings"
	"time"
	"unicode/utf8"
)

// EventType is the type of an event of the batch ingestion API
// (POST /api/public/ingestion).
type EventType string

// Event types of Langfuse's public OpenAPI schema that the exporter sends.
// The server also accepts agent-, tool-, chain-, retriever-, evaluator-,
// embedding- and guardrail-create, but the published schema does not list
// them.
const (
	EventTraceCreate      EventType = "trace-create"
	EventSpanCreate       EventType = "span-create"
	EventGenerationCreate EventType = "generation-create"
	EventEventCreate      EventType = "event-create"
	EventScoreCreate      EventType = "score-create"
)

// TimestampLayout formats times the way the batch API requires: ISO 8601
// in UTC with a Z and microseconds.
const TimestampLayout = "2006-01-02T15:04:05.000000Z"

// FormatTime formats t with TimestampLayout.
func FormatTime(t time.Time) string {
	return t.UTC().Format(TimestampLayout)
}

// IngestionRequest is the body of POST /api/public/ingestion. Events are
// encoded one by one, so a request can be cut to size without encoding
// again.
type IngestionRequest struct {
	Batch []json.RawMessage `json:"batch"`
}

// IngestionEvent is the envelope of one event. ID is the deduplication key:
// sending an event again with the same id overwrites the stored copy.
type IngestionEvent struct {
	ID        string    `json:"id"`
	Type      EventType `json:"type"`
	Timestamp string    `json:"timestamp"`
	Body      any       `json:"body"`
}

// TraceBody is the body of trace-create. Empty fields are left out, because
// an explicit null replaces the stored value.
type TraceBody struct {
	ID          string          `json:"id"`
	Timestamp   string          `json:"timestamp,omitempty"`
	Name        string          `json:"name,omitempty"`
	UserID      string          `json:"userId,omitempty"`
	SessionID   string          `json:"sessionId,omitempty"`
	Release     string          `json:"release,omitempty"`
	Version     string          `json:"version,omitempty"`
	Tags        []string        `json:"tags,omitempty"`
	Public      bool            `json:"public,omitempty"`
	Input       json.RawMessage `json:"input,omitempty"`
	Output      json.RawMessage `json:"output,omitempty"`
	Environment string          `json:"environment,omitempty"`
}

// ObservationBody is the body of span-create, event-create and
// generation-create. The generation fields are left empty for spans and
// events, whose schemas do not have them.
type ObservationBody struct {
	ID                  string            `json:"id"`
	TraceID             string            `json:"traceId"`
	ParentObservationID string            `json:"parentObservationId,omitempty"`
	Name                string            `json:"name,omitempty"`
	StartTime           string            `json:"startTime,omitempty"`
	EndTime             string            `json:"endTime,omitempty"`
	Level               string            `json:"level,omitempty"`
	StatusMessage       string            `json:"statusMessage,omitempty"`
	Version             string            `json:"version,omitempty"`
	Environment         string            `json:"environment,omitempty"`
	Metadata            map[string]string `json:"metadata,omitempty"`
	Input               json.RawMessage   `json:"input,omitempty"`
	Output              json.RawMessage   `json:"output,omitempty"`

	CompletionStartTime string             `json:"completionStartTime,omitempty"`
	Model               string             `json:"model,omitempty"`
	ModelParameters     map[string]any     `json:"modelParameters,omitempty"`
	UsageDetails        map[string]int64   `json:"usageDetails,omitempty"`
	CostDetails         map[string]float64 `json:"costDetails,omitempty"`
	PromptName          string             `json:"promptName,omitempty"`
	PromptVersion       int64              `json:"promptVersion,omitempty"`
}

// ScoreBody is the body of score-create. Value is a float64 for NUMERIC and
// BOOLEAN scores and a string otherwise.
type ScoreBody struct {
	ID            string          `json:"id"`
	Name          string          `json:"name"`
	Value         any             `json:"value"`
	DataType      string          `json:"dataType,omitempty"`
	TraceID       string          `json:"traceId,omitempty"`
	ObservationID string          `json:"observationId,omitempty"`
	SessionID     string          `json:"sessionId,omitempty"`
	DatasetRunID  string          `json:"datasetRunId,omitempty"`
	Comment       string          `json:"comment,omitempty"`
	ConfigID      string          `json:"configId,omitempty"`
	Environment   string          `json:"environment,omitempty"`
	Metadata      json.RawMessage `json:"metadata,omitempty"`
}

// IngestionResponse is the 207 body: one entry per event.
type IngestionResponse struct {
	Successes []IngestionSuccess `json:"successes"`
	Errors    []IngestionError   `json:"errors"`
}

// IngestionSuccess reports an event that was validated and queued.
type IngestionSuccess struct {
	ID     string `json:"id"`
	Status int    `json:"status"`
}

// IngestionError reports an event that failed. Error is a string or an
// object, depending on the cause.
type IngestionError struct {
	ID      string          `json:"id"`
	Status  int             `json:"status"`
	Message string          `json:"message,omitempty"`
	Error   json.RawMessage `json:"error,omitempty"`
}

// JSONValue returns s as a JSON value: s itself when it is valid JSON
// (Langfuse stores structured input and output as sent), otherwise s as a
// JSON string. Invalid UTF-8, which json.Valid accepts inside strings and
// encoding/json copies from a RawMessage unchanged, becomes U+FFFD. It
// returns nil for an empty s.
func JSONValue(s string) json.RawMessage {
	if s == "" {
		return nil
	}
	if json.Valid([]byte(s)) {
		if !utf8.ValidString(s) {
			// Outside strings, valid JSON is ASCII, so only string
			// contents change.
			s = strings.ToValidUTF8(s, "\uFFFD")
		}
		return json.RawMessage(s)
	}
	encoded, err := json.Marshal(s)
	if err != nil {
		return nil
	}
	return encoded
}
