package langfuseexporter

import (
	"encoding/json"
	"errors"
	"fmt"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"

	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
)

// Score data types of Langfuse's ScoreDataType enum.
const (
	scoreNumeric     = "NUMERIC"
	scoreBoolean     = "BOOLEAN"
	scoreCategorical = "CATEGORICAL"
	scoreText        = "TEXT"
	scoreCorrection  = "CORRECTION"
)

// maxTextScoreLength is Langfuse's limit on TEXT score values, in
// characters.
const maxTextScoreLength = 500

// encodeScore turns one log record that follows the score contract of
// package langfuse into a score-create event. It returns an error saying
// which rule the score breaks when Langfuse would reject it.
func encodeScore(record plog.LogRecord, defaultEnv string, recordIndex int) (encodedEvent, error) {
	attrs := record.Attributes()
	body := langfuse.ScoreBody{
		ID:           stringAttr(attrs, langfuse.AttrScoreID),
		Name:         stringAttr(attrs, langfuse.AttrScoreName),
		DataType:     stringAttr(attrs, langfuse.AttrScoreDataType),
		Comment:      stringAttr(attrs, langfuse.AttrScoreComment),
		ConfigID:     stringAttr(attrs, langfuse.AttrScoreConfigID),
		SessionID:    stringAttr(attrs, langfuse.AttrScoreSessionID),
		DatasetRunID: stringAttr(attrs, langfuse.AttrScoreDatasetRunID),
		Environment:  stringAttr(attrs, langfuse.AttrScoreEnvironment),
	}

	// The record's ids come first: spans reach Langfuse under their W3C ids,
	// so a score must use the same ids to attach to its trace and
	// observation. The attributes hold ids that have no W3C form.
	if !record.TraceID().IsEmpty() {
		body.TraceID = record.TraceID().String()
	} else {
		body.TraceID = stringAttr(attrs, langfuse.AttrScoreTraceID)
	}
	if !record.SpanID().IsEmpty() {
		body.ObservationID = record.SpanID().String()
	} else {
		body.ObservationID = stringAttr(attrs, langfuse.AttrScoreObservationID)
	}

	if raw := stringAttr(attrs, langfuse.AttrScoreMetadata); raw != "" && json.Valid([]byte(raw)) {
		body.Metadata = langfuse.JSONValue(raw)
	}

	if value, ok := attrs.Get(langfuse.AttrScoreValue); ok {
		switch value.Type() {
		case pcommon.ValueTypeDouble:
			body.Value = value.Double()
		case pcommon.ValueTypeInt:
			body.Value = float64(value.Int())
		case pcommon.ValueTypeBool:
			body.Value = 0.0
			if value.Bool() {
				body.Value = 1.0
			}
		case pcommon.ValueTypeStr:
			body.Value = value.Str()
		}
	}

	if body.Environment == "" {
		body.Environment = defaultEnv
	}
	if body.Environment != "" {
		body.Environment, _ = normalizeEnvironment(body.Environment)
	}

	timestamp := scoreTimestamp(record, attrs)
	if body.ID == "" {
		body.ID = eventID(body.TraceID, body.ObservationID, body.SessionID, body.DatasetRunID, body.Name,
			timestamp)
	}

	if err := checkScore(&body); err != nil {
		return encodedEvent{}, fmt.Errorf("score %q (id %s) is invalid: %w",
			limitText(body.Name, maxLoggedMessageBytes), limitText(body.ID, maxLoggedMessageBytes), err)
	}

	id := eventID(body.ID, string(langfuse.EventScoreCreate))
	data, err := json.Marshal(langfuse.IngestionEvent{
		ID: id, Type: langfuse.EventScoreCreate, Timestamp: timestamp, Body: &body,
	})
	if err != nil {
		return encodedEvent{}, fmt.Errorf("encode score %q: %w", limitText(body.Name, maxLoggedMessageBytes), err)
	}
	return encodedEvent{
		id: id, kind: langfuse.EventScoreCreate, spanIndex: -1, recordIndex: recordIndex, data: data,
		summary: dryRunLine{TraceID: body.TraceID, ObservationID: body.ObservationID, Type: "score",
			EventType: string(langfuse.EventScoreCreate),
			Name:      body.Name, Environment: body.Environment, SessionID: body.SessionID},
	}, nil
}

// checkScore applies the rules Langfuse enforces on score-create.
func checkScore(body *langfuse.ScoreBody) error {
	if body.Name == "" {
		return errors.New("the name is missing")
	}

	targets := 0
	for _, id := range []string{body.TraceID, body.SessionID, body.DatasetRunID} {
		if id != "" {
			targets++
		}
	}
	if targets != 1 {
		return errors.New("exactly one of trace id, session id and dataset run id must be set")
	}
	if body.ObservationID != "" && body.TraceID == "" {
		return errors.New("an observation id needs a trace id")
	}

	if body.Value == nil {
		return errors.New("the value is missing")
	}
	number, isNumber := body.Value.(float64)
	text, isText := body.Value.(string)
	switch body.DataType {
	case "":
	case scoreNumeric:
		if !isNumber {
			return fmt.Errorf("a %s score needs a number value", body.DataType)
		}
	case scoreBoolean:
		if !isNumber || (number != 0 && number != 1) {
			return errors.New("a BOOLEAN score needs the value 0 or 1")
		}
	case scoreCategorical, scoreCorrection:
		if !isText {
			return fmt.Errorf("a %s score needs a string value", body.DataType)
		}
		if body.DataType == scoreCorrection && body.ConfigID != "" {
			return errors.New("a CORRECTION score must not have a config id")
		}
	case scoreText:
		if n := utf8.RuneCountInString(text); !isText || n < 1 || n > maxTextScoreLength {
			return fmt.Errorf("a TEXT score needs a string of 1 to %d characters", maxTextScoreLength)
		}
	default:
		return fmt.Errorf("unknown data type %q: use NUMERIC, BOOLEAN, CATEGORICAL, TEXT or CORRECTION", body.DataType)
	}
	return nil
}

// scoreTimestamp returns the score time: the timestamp attribute, else the
// record's time, else its observed time, else now.
func scoreTimestamp(record plog.LogRecord, attrs pcommon.Map) string {
	if raw := stringAttr(attrs, langfuse.AttrScoreTimestamp); raw != "" {
		if t, err := time.Parse(time.RFC3339Nano, raw); err == nil {
			return langfuse.FormatTime(t)
		}
	}
	for _, ts := range []pcommon.Timestamp{record.Timestamp(), record.ObservedTimestamp()} {
		if ts != 0 {
			return langfuse.FormatTime(ts.AsTime())
		}
	}
	return langfuse.FormatTime(time.Now())
}

func stringAttr(attrs pcommon.Map, key string) string {
	value, ok := attrs.Get(key)
	if !ok {
		return ""
	}
	return value.AsString()
}
