package langfusereceiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"
)

// eventKind is the kind of record an ingestion event type becomes.
type eventKind int

const (
	kindTrace eventKind = iota
	kindObservation
	kindScore
	kindSDKLog
)

// eventType describes one ingestion event type that Langfuse accepts.
type eventType struct {
	kind eventKind
	// observationType is the lower-case Langfuse observation type. It is empty for
	// observation-create and observation-update, whose body names the type.
	observationType string
	update          bool
	// generationFamily types keep model, usage and cost, because Langfuse strips
	// those fields from span and event bodies.
	generationFamily bool
}

var eventTypes = map[string]eventType{
	"trace-create":       {kind: kindTrace},
	"score-create":       {kind: kindScore},
	"sdk-log":            {kind: kindSDKLog},
	"span-create":        observationEvent("span", false, false),
	"span-update":        observationEvent("span", true, false),
	"event-create":       observationEvent("event", false, false),
	"generation-create":  observationEvent("generation", false, true),
	"generation-update":  observationEvent("generation", true, true),
	"agent-create":       observationEvent("agent", false, true),
	"tool-create":        observationEvent("tool", false, true),
	"chain-create":       observationEvent("chain", false, true),
	"retriever-create":   observationEvent("retriever", false, true),
	"evaluator-create":   observationEvent("evaluator", false, true),
	"embedding-create":   observationEvent("embedding", false, true),
	"guardrail-create":   observationEvent("guardrail", false, true),
	"observation-create": observationEvent("", false, true),
	"observation-update": observationEvent("", true, true),
}

func observationEvent(observationType string, update, generationFamily bool) eventType {
	return eventType{
		kind:             kindObservation,
		observationType:  observationType,
		update:           update,
		generationFamily: generationFamily,
	}
}

// event is one validated ingestion event.
type event struct {
	id        string
	typeName  string
	eventType eventType
	timestamp time.Time

	trace       *traceFields
	observation *observationFields
	score       *scoreFields
}

// eventError is the per-event error of a 207 response, plus the reason that
// the rejection metric records.
type eventError struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
	reason  string
}

// Reasons for rejected events, recorded as the reason attribute of the
// rejection metric.
const (
	reasonInvalid        = "invalid"
	reasonUnknownType    = "unknown_type"
	reasonScope          = "scope"
	reasonNoPipeline     = "no_pipeline"
	reasonPipelineFailed = "pipeline_failed"
)

func invalidEvent(id string, err error, reason string) *eventError {
	return &eventError{ID: id, Status: 400, Message: "Invalid request data", Error: err.Error(),
		reason: reason}
}

// parseEvent validates one item of a batch. The returned id is the event id,
// or "unknown" when the item has no string id, as Langfuse reports it.
func parseEvent(raw json.RawMessage) (event, *eventError) {
	var fields map[string]json.RawMessage
	if jsonKind(raw) != "an object" || json.Unmarshal(raw, &fields) != nil {
		return event{}, invalidEvent("unknown", fmt.Errorf("event: expected an object, got %s",
			jsonKind(raw)), reasonInvalid)
	}

	envelope := newFieldReader("", fields)
	id := envelope.id("id")
	eventID := "unknown"
	if id.set {
		eventID = id.value
	}
	if envelope.err != nil {
		return event{}, invalidEvent(eventID, envelope.err, reasonInvalid)
	}
	if !id.set {
		return event{}, invalidEvent(eventID,
			errors.New("id: missing, expected a string of 1 to 800 characters"), reasonInvalid)
	}
	if strings.ContainsRune(id.value, '\r') {
		return event{}, invalidEvent(eventID, errors.New(`id: must not contain "\r"`),
			reasonInvalid)
	}

	typeName := envelope.str("type")
	timestamp := envelope.time("timestamp")
	body := envelope.object("body")
	if envelope.err != nil {
		return event{}, invalidEvent(eventID, envelope.err, reasonInvalid)
	}
	if !typeName.set {
		return event{}, invalidEvent(eventID,
			errors.New("type: missing, expected an event type such as span-create"), reasonInvalid)
	}
	kind, ok := eventTypes[typeName.value]
	if !ok {
		return event{}, invalidEvent(eventID, fmt.Errorf("type: unknown event type %q",
			typeName.value), reasonUnknownType)
	}
	if !timestamp.set {
		return event{}, invalidEvent(eventID,
			errors.New("timestamp: missing, expected an ISO-8601 date-time with Z or an offset"),
			reasonInvalid)
	}
	if !body.set {
		return event{}, invalidEvent(eventID, errors.New("body: missing, expected an object"),
			reasonInvalid)
	}

	ev := event{id: id.value, typeName: typeName.value, eventType: kind, timestamp: timestamp.value}
	var err error
	switch kind.kind {
	case kindTrace:
		ev.trace, err = parseTraceBody(body.value)
	case kindObservation:
		ev.observation, err = parseObservationBody(body.value, kind)
	case kindScore:
		ev.score, err = parseScoreBody(body.value, "body.")
	}
	if err != nil {
		return event{}, invalidEvent(eventID, err, reasonInvalid)
	}
	return ev, nil
}

// traceFields is the body of a trace-create event.
type traceFields struct {
	id          string
	timestamp   opt[time.Time]
	name        opt[string]
	userID      opt[string]
	sessionID   opt[string]
	release     opt[string]
	version     opt[string]
	environment opt[string]
	tags        []string
	public      opt[bool]
	metadata    map[string]json.RawMessage
	input       opt[json.RawMessage]
	output      opt[json.RawMessage]
}

func parseTraceBody(body map[string]json.RawMessage) (*traceFields, error) {
	r := newFieldReader("body.", body)
	t := &traceFields{
		timestamp:   r.time("timestamp"),
		name:        r.str("name"),
		userID:      r.str("userId"),
		sessionID:   r.str("sessionId"),
		release:     r.str("release"),
		version:     r.str("version"),
		environment: r.str("environment"),
		public:      r.boolean("public"),
		input:       r.json("input"),
		output:      r.json("output"),
	}
	id := r.id("id")
	t.tags = r.strings("tags").value
	t.metadata = readMetadata(r)
	if r.err != nil {
		return nil, r.err
	}
	// Langfuse returns 201 for a trace without an id and then drops it. The
	// receiver rejects it instead, so that the client learns of the loss.
	if !id.set {
		return nil, errors.New("body.id: missing, and a trace without an id is not stored")
	}
	if n := utf16Length(t.name.value); n > 1000 {
		return nil, fmt.Errorf("body.name: at most 1000 characters are allowed, got %d", n)
	}
	t.id = id.value
	return t, nil
}

// observationFields is the body of an observation event. Model, usage, cost
// and prompt fields are read only for the generation family.
type observationFields struct {
	id                  string
	observationType     opt[string]
	traceID             opt[string]
	parentID            opt[string]
	name                opt[string]
	startTime           opt[time.Time]
	endTime             opt[time.Time]
	completionStartTime opt[time.Time]
	level               opt[string]
	statusMessage       opt[string]
	version             opt[string]
	environment         opt[string]
	metadata            map[string]json.RawMessage
	input               opt[json.RawMessage]
	output              opt[json.RawMessage]
	model               opt[string]
	modelParameters     map[string]json.RawMessage
	usage               map[string]int64
	cost                map[string]float64
	promptName          opt[string]
	promptVersion       opt[int64]
}

// legacyObservationTypes maps the type field of observation-create and
// observation-update bodies.
var legacyObservationTypes = map[string]string{"SPAN": "span", "GENERATION": "generation",
	"EVENT": "event"}

func parseObservationBody(body map[string]json.RawMessage, kind eventType) (*observationFields,
	error) {
	r := newFieldReader("body.", body)
	o := &observationFields{
		traceID:       r.id("traceId"),
		parentID:      r.id("parentObservationId"),
		name:          r.str("name"),
		startTime:     r.time("startTime"),
		level:         r.oneOf("level", "DEBUG", "DEFAULT", "WARNING", "ERROR"),
		statusMessage: r.str("statusMessage"),
		version:       r.str("version"),
		environment:   r.str("environment"),
		input:         r.json("input"),
		output:        r.json("output"),
	}
	id := r.id("id")
	o.metadata = readMetadata(r)
	if kind.observationType != "event" {
		o.endTime = r.time("endTime")
	}
	if kind.observationType == "" {
		legacy := r.oneOf("type", "SPAN", "GENERATION", "EVENT")
		if legacy.set {
			o.observationType = some(legacyObservationTypes[legacy.value])
		}
	} else {
		o.observationType = some(kind.observationType)
	}
	if kind.generationFamily {
		readGenerationFields(r, o)
	}
	if r.err != nil {
		return nil, r.err
	}
	if !id.set {
		return nil, errors.New("body.id: missing, expected a string of 1 to 800 characters")
	}
	o.id = id.value
	return o, nil
}

// readGenerationFields reads model, usage, cost and prompt fields.
func readGenerationFields(r *fieldReader, o *observationFields) {
	o.completionStartTime = r.time("completionStartTime")
	o.model = r.str("model")
	if params := r.object("modelParameters"); params.set {
		o.modelParameters = params.value
	}
	usageDetails := r.object("usageDetails")
	legacyUsage := r.object("usage")
	costDetails := r.object("costDetails")
	o.promptName = r.str("promptName")
	o.promptVersion = r.integer("promptVersion")
	if r.err != nil {
		return
	}
	if o.promptName.set != o.promptVersion.set {
		r.fail("promptName", "promptName and promptVersion must be set together")
		return
	}

	var legacyCost map[string]float64
	if legacyUsage.set {
		o.usage, legacyCost = readLegacyUsage(legacyUsage.value)
	}
	if usageDetails.set {
		o.usage = readUsageDetails(usageDetails.value)
	}
	o.cost = legacyCost
	if costDetails.set {
		o.cost = readCostDetails(costDetails.value)
	}
}

// readMetadata reads a metadata field. An object is kept by key, and any other
// value is kept under the key "metadata", as Langfuse stores it.
func readMetadata(r *fieldReader) map[string]json.RawMessage {
	value, ok := r.raw("metadata")
	if !ok {
		return nil
	}
	if jsonKind(value) == "an object" {
		var m map[string]json.RawMessage
		if json.Unmarshal(value, &m) == nil {
			return m
		}
	}
	return map[string]json.RawMessage{"metadata": value}
}
