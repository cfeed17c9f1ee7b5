package langfusereceiver

import (
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf16"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
)

// Score data types that Langfuse accepts.
const (
	scoreNumeric     = "NUMERIC"
	scoreCategorical = "CATEGORICAL"
	scoreBoolean     = "BOOLEAN"
	scoreText        = "TEXT"
	scoreCorrection  = "CORRECTION"
)

// scoreFields is a validated score from a score-create event or from
// POST /api/public/scores.
type scoreFields struct {
	id            opt[string]
	name          string
	dataType      string
	numericValue  float64
	stringValue   string
	traceID       opt[string]
	observationID opt[string]
	sessionID     opt[string]
	datasetRunID  opt[string]
	comment       opt[string]
	configID      opt[string]
	environment   opt[string]
	metadata      opt[json.RawMessage]
}

// parseScoreBody validates a score the way Langfuse does: a name, exactly
// one of traceId, sessionId and datasetRunId, observationId only with
// traceId, and a value that fits the data type. Without a data type, a
// number is NUMERIC and a string CATEGORICAL.
func parseScoreBody(body map[string]json.RawMessage, prefix string) (*scoreFields, error) {
	r := newFieldReader(prefix, body)
	s := &scoreFields{
		id:            r.id("id"),
		traceID:       r.id("traceId"),
		observationID: r.id("observationId"),
		sessionID:     r.id("sessionId"),
		datasetRunID:  r.id("datasetRunId"),
		comment:       r.str("comment"),
		configID:      r.str("configId"),
		environment:   r.str("environment"),
		metadata:      r.json("metadata"),
	}
	name := r.str("name")
	dataType := r.oneOf("dataType", scoreNumeric, scoreCategorical, scoreBoolean, scoreText,
		scoreCorrection)
	if r.err != nil {
		return nil, r.err
	}
	if name.value == "" {
		return nil, fmt.Errorf("%sname: missing or empty, expected the score name", prefix)
	}
	s.name = name.value

	targets := 0
	for _, target := range []opt[string]{s.traceID, s.sessionID, s.datasetRunID} {
		if target.set {
			targets++
		}
	}
	if targets != 1 {
		return nil,
			fmt.Errorf("%straceId, sessionId, datasetRunId: exactly one must be set, got %d",
				prefix, targets)
	}
	if s.observationID.set && !s.traceID.set {
		return nil, fmt.Errorf("%sobservationId: requires traceId", prefix)
	}

	value, ok := r.raw("value")
	if !ok {
		return nil, fmt.Errorf("%svalue: missing, expected a number or a string", prefix)
	}
	if err := s.readValue(value, dataType); err != nil {
		return nil, fmt.Errorf("%svalue: %w", prefix, err)
	}
	return s, nil
}

// readValue checks value against the data type and stores it.
func (s *scoreFields) readValue(value json.RawMessage, dataType opt[string]) error {
	kind := jsonKind(value)
	s.dataType = dataType.value
	if !dataType.set {
		s.dataType = scoreCategorical
		if kind == "a number" {
			s.dataType = scoreNumeric
		}
	}

	switch s.dataType {
	case scoreNumeric, scoreBoolean:
		if kind != "a number" {
			return fmt.Errorf("expected a number for a %s score, got %s", s.dataType, kind)
		}
		if json.Unmarshal(value, &s.numericValue) != nil {
			return fmt.Errorf("the number %.40s is out of range of a 64-bit float", value)
		}
		if s.dataType == scoreBoolean && s.numericValue != 0 && s.numericValue != 1 {
			return fmt.Errorf("expected 0 or 1 for a BOOLEAN score, got %v", s.numericValue)
		}
		return nil
	}

	if kind != "a string" || json.Unmarshal(value, &s.stringValue) != nil {
		return fmt.Errorf("expected a string for a %s score, got %s", s.dataType, kind)
	}
	if s.dataType == scoreText {
		// Langfuse counts length in UTF-16 code units, as JavaScript does.
		if n := utf16Length(s.stringValue); n < 1 || n > 500 {
			return fmt.Errorf(
				"expected 1 to 500 characters (UTF-16 code units) for a TEXT score, got %d", n)
		}
	}
	if s.dataType == scoreCorrection && s.configID.set {
		return errors.New("a CORRECTION score must not have a configId")
	}
	return nil
}

// appendScore adds the score as one log record to logs, following the score
// contract of package langfuse. fallbackID is used when the score has no id.
func appendScore(logs plog.ScopeLogs, s *scoreFields, timestamp time.Time, fallbackID string) {
	record := logs.LogRecords().AppendEmpty()
	record.SetEventName(langfuse.ScoreEventName)
	record.SetTimestamp(pcommon.NewTimestampFromTime(timestamp))
	record.SetObservedTimestamp(pcommon.NewTimestampFromTime(time.Now()))

	attrs := record.Attributes()
	id := fallbackID
	if s.id.set {
		id = s.id.value
	}
	attrs.PutStr(langfuse.AttrScoreID, id)
	attrs.PutStr(langfuse.AttrScoreName, s.name)
	attrs.PutStr(langfuse.AttrScoreDataType, s.dataType)
	switch s.dataType {
	case scoreNumeric, scoreBoolean:
		attrs.PutDouble(langfuse.AttrScoreValue, s.numericValue)
	default:
		attrs.PutStr(langfuse.AttrScoreValue, s.stringValue)
	}
	attrs.PutStr(langfuse.AttrScoreTimestamp, timestamp.UTC().Format(time.RFC3339Nano))

	if s.traceID.set {
		traceID, exact := mapTraceID(s.traceID.value)
		record.SetTraceID(traceID)
		if !exact {
			attrs.PutStr(langfuse.AttrScoreTraceID, s.traceID.value)
		}
	}
	if s.observationID.set {
		spanID, exact := mapSpanID(s.observationID.value)
		record.SetSpanID(spanID)
		if !exact {
			attrs.PutStr(langfuse.AttrScoreObservationID, s.observationID.value)
		}
	}
	putOptional(attrs, langfuse.AttrScoreSessionID, s.sessionID)
	putOptional(attrs, langfuse.AttrScoreDatasetRunID, s.datasetRunID)
	putOptional(attrs, langfuse.AttrScoreComment, s.comment)
	putOptional(attrs, langfuse.AttrScoreConfigID, s.configID)
	putOptional(attrs, langfuse.AttrScoreEnvironment, s.environment)
	if s.metadata.set {
		attrs.PutStr(langfuse.AttrScoreMetadata, compactJSON(s.metadata.value))
	}
}

// utf16Length returns the length of s in UTF-16 code units, the length that
// JavaScript reports for a string.
func utf16Length(s string) int {
	n := 0
	for _, r := range s {
		n += utf16.RuneLen(r)
	}
	return n
}

func putOptional(attrs pcommon.Map, key string, value opt[string]) {
	if value.set {
		attrs.PutStr(key, value.value)
	}
}

// newUUID returns a random version 4 UUID, the id format Langfuse generates
// for scores created without one.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
