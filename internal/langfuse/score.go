// Package langfuse holds the Langfuse wire contract shared by the langfuse
// receiver and the langfuse exporter.
package langfuse

// A score travels through a logs pipeline as one log record whose event name
// is ScoreEventName. The record's trace id and span id, when set, are the
// score's traceId and observationId; the attributes below carry the rest.
const (
	ScoreEventName = "langfuse.score"

	AttrScoreID            = "langfuse.score.id"
	AttrScoreName          = "langfuse.score.name"
	AttrScoreValue         = "langfuse.score.value" // double for NUMERIC and BOOLEAN, string for CATEGORICAL
	AttrScoreDataType      = "langfuse.score.data_type"
	AttrScoreComment       = "langfuse.score.comment"
	AttrScoreConfigID      = "langfuse.score.config_id"
	AttrScoreTraceID       = "langfuse.score.trace_id"       // when the trace id is not 32 hex characters
	AttrScoreObservationID = "langfuse.score.observation_id" // when the observation id is not 16 hex characters
	AttrScoreSessionID     = "langfuse.score.session_id"
	AttrScoreDatasetRunID  = "langfuse.score.dataset_run_id"
	AttrScoreEnvironment   = "langfuse.score.environment"
	AttrScoreMetadata      = "langfuse.score.metadata" // JSON text
	AttrScoreTimestamp     = "langfuse.score.timestamp"
)
