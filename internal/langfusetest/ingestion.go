package langfusetest

import (
	"bytes"
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
)

// openAPISpec is Langfuse's published API schema (MIT licence), copied from
// web/public/generated/api/openapi.yml of github.com/langfuse/langfuse at
// commit 62751446149b702b419a9292ddfc2280cdf74b8c.
//
//go:embed testdata/openapi.yml
var openAPISpec []byte

// maxEventIDLength is Langfuse's limit on event and body ids.
const maxEventIDLength = 800

// environmentPattern is the form Langfuse stores environment names in.
// Langfuse rewrites any other value without telling the client.
var environmentPattern = regexp.MustCompile(`^[a-z0-9_-]{1,40}$`)

type eventValidator struct {
	route       *routers.Route
	eventSchema *openapi3.Schema
}

var (
	loadOnce        sync.Once
	loadedValidator *eventValidator
	errLoad         error
)

// loadEventValidator parses the OpenAPI schema once per process.
func loadEventValidator() (*eventValidator, error) {
	loadOnce.Do(func() {
		loadedValidator, errLoad = parseEventValidator(openAPISpec)
	})
	return loadedValidator, errLoad
}

func parseEventValidator(spec []byte) (*eventValidator, error) {
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("load the Langfuse OpenAPI schema: %w", err)
	}

	pathItem := doc.Paths.Value(IngestionPath)
	if pathItem == nil || pathItem.Post == nil {
		return nil, fmt.Errorf("the Langfuse OpenAPI schema has no POST %s", IngestionPath)
	}
	eventSchema := doc.Components.Schemas["IngestionEvent"]
	if eventSchema == nil || eventSchema.Value == nil {
		return nil, errors.New("the Langfuse OpenAPI schema has no IngestionEvent component")
	}

	return &eventValidator{
		route: &routers.Route{
			Spec:      doc,
			Path:      IngestionPath,
			PathItem:  pathItem,
			Method:    http.MethodPost,
			Operation: pathItem.Post,
		},
		eventSchema: eventSchema.Value,
	}, nil
}

// validateRequest checks the whole request against the POST
// /api/public/ingestion operation: content type and body schema.
func (v *eventValidator) validateRequest(r *http.Request, body []byte) error {
	clone := r.Clone(context.Background())
	clone.Body = http.NoBody
	if len(body) > 0 {
		clone.Body = nopCloser{bytes.NewReader(body)}
	}
	clone.ContentLength = int64(len(body))
	clone.Header.Del("Content-Encoding")

	return openapi3filter.ValidateRequest(context.Background(), &openapi3filter.RequestValidationInput{
		Request: clone,
		Route:   v.route,
		Options: &openapi3filter.Options{
			AuthenticationFunc:      openapi3filter.NoopAuthenticationFunc,
			SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.EnableFormatValidation()},
		},
	})
}

// validateEvent checks one event against the IngestionEvent schema.
func (v *eventValidator) validateEvent(event any) error {
	return v.eventSchema.VisitJSON(event, openapi3.EnableFormatValidation())
}

type nopCloser struct{ *bytes.Reader }

func (nopCloser) Close() error { return nil }

type ingestionSuccess struct {
	ID     string `json:"id"`
	Status int    `json:"status"`
}

type ingestionError struct {
	ID      string `json:"id"`
	Status  int    `json:"status"`
	Message string `json:"message,omitempty"`
	Error   string `json:"error,omitempty"`
}

type ingestionResponse struct {
	Successes []ingestionSuccess `json:"successes"`
	Errors    []ingestionError   `json:"errors"`
}

// handleIngestion checks a batch request. Like Langfuse, it responds with 400
// only when the body is not an object with a batch array, and otherwise with
// 207 and one success or error per event.
func (s *Server) handleIngestion(w http.ResponseWriter, r *http.Request, body []byte) int {
	if err := checkIngestionVersion(r); err != nil {
		return s.reject(w, http.StatusBadRequest, err.Error())
	}
	if !strings.Contains(r.Header.Get("Content-Type"), "application/json") {
		return s.reject(w, http.StatusBadRequest, fmt.Sprintf("Invalid content type %q", r.Header.Get("Content-Type")))
	}

	var envelope struct {
		Batch []json.RawMessage `json:"batch"`
	}
	if err := json.Unmarshal(body, &envelope); err != nil || envelope.Batch == nil {
		return s.reject(w, http.StatusBadRequest, "body is not an object with a batch array")
	}

	// The whole request is checked against the operation first; only when it
	// fails is each event checked alone, to find which events are invalid.
	requestErr := s.validator.validateRequest(r, body)

	response := ingestionResponse{Successes: []ingestionSuccess{}, Errors: []ingestionError{}}
	for _, raw := range envelope.Batch {
		s.handleEvent(raw, requestErr != nil, &response)
	}
	if requestErr != nil && len(response.Errors) == 0 {
		return s.reject(w, http.StatusBadRequest, "request does not match the OpenAPI schema: "+requestErr.Error())
	}
	return writeJSON(w, http.StatusMultiStatus, response)
}

func (s *Server) handleEvent(raw json.RawMessage, checkSchema bool, response *ingestionResponse) {
	var decoded map[string]any
	if err := json.Unmarshal(raw, &decoded); err != nil {
		s.addProblem("event is not a JSON object: " + err.Error())
		response.Errors = append(response.Errors, invalidEvent("unknown", "event is not a JSON object"))
		return
	}

	id, _ := decoded["id"].(string)
	if id == "" {
		id = "unknown"
	}

	err := checkEventRules(decoded)
	if err == nil && checkSchema {
		err = s.validator.validateEvent(decoded)
	}
	if err != nil {
		s.addProblem(fmt.Sprintf("event %s: %v", id, err))
		response.Errors = append(response.Errors, invalidEvent(id, err.Error()))
		return
	}

	if fault, ok := s.takeEventFault(id); ok {
		response.Errors = append(response.Errors, ingestionError{
			ID: id, Status: fault.status, Message: fault.message, Error: http.StatusText(fault.status),
		})
		return
	}

	for _, problem := range checkSilentDrops(decoded) {
		s.addProblem(fmt.Sprintf("event %s: %s", id, problem))
	}

	eventType, _ := decoded["type"].(string)
	timestamp, _ := decoded["timestamp"].(string)
	eventBody, _ := decoded["body"].(map[string]any)

	s.mu.Lock()
	s.events = append(s.events, Event{
		ID: id, Type: eventType, Timestamp: timestamp, Body: eventBody,
		Raw: append(json.RawMessage(nil), raw...),
	})
	s.mu.Unlock()
	response.Successes = append(response.Successes, ingestionSuccess{ID: id, Status: http.StatusCreated})
}

func invalidEvent(id, detail string) ingestionError {
	return ingestionError{ID: id, Status: http.StatusBadRequest, Message: "Invalid request data", Error: detail}
}

func (s *Server) takeEventFault(id string) (eventFault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	fault, ok := s.eventFaults[id]
	if !ok || fault.times <= 0 {
		return eventFault{}, false
	}
	fault.times--
	return *fault, true
}

// checkEventRules applies the rules Langfuse's server enforces per event
// beyond the OpenAPI schema; a violation gets a per-event 400.
func checkEventRules(event map[string]any) error {
	id, _ := event["id"].(string)
	if id == "" || len(id) > maxEventIDLength || strings.Contains(id, "\r") {
		return fmt.Errorf("event id %q must be 1 to %d characters without carriage returns", id, maxEventIDLength)
	}

	timestamp, _ := event["timestamp"].(string)
	if _, err := time.Parse(time.RFC3339Nano, timestamp); err != nil {
		return fmt.Errorf("event timestamp %q is not an ISO 8601 time with Z or an offset", timestamp)
	}

	body, ok := event["body"].(map[string]any)
	if !ok {
		return errors.New("event body is missing or not an object")
	}

	_, hasPromptName := body["promptName"]
	_, hasPromptVersion := body["promptVersion"]
	if hasPromptName != hasPromptVersion {
		return errors.New("promptName and promptVersion must be set together")
	}

	if event["type"] == "score-create" {
		return checkScoreRules(body)
	}
	return nil
}

func checkScoreRules(body map[string]any) error {
	targets := 0
	for _, key := range []string{"traceId", "sessionId", "datasetRunId"} {
		if value, _ := body[key].(string); value != "" {
			targets++
		}
	}
	if targets != 1 {
		return errors.New("a score needs exactly one of traceId, sessionId and datasetRunId")
	}
	if observation, _ := body["observationId"].(string); observation != "" {
		if trace, _ := body["traceId"].(string); trace == "" {
			return errors.New("a score with observationId needs traceId")
		}
	}

	switch body["dataType"] {
	case "NUMERIC":
		if _, ok := body["value"].(float64); !ok {
			return errors.New("a NUMERIC score needs a number value")
		}
	case "BOOLEAN":
		if value, ok := body["value"].(float64); !ok || (value != 0 && value != 1) {
			return errors.New("a BOOLEAN score needs the value 0 or 1")
		}
	case "CATEGORICAL":
		if _, ok := body["value"].(string); !ok {
			return errors.New("a CATEGORICAL score needs a string value")
		}
	case "TEXT":
		value, ok := body["value"].(string)
		if !ok || len([]rune(value)) < 1 || len([]rune(value)) > 500 {
			return errors.New("a TEXT score needs a string value of 1 to 500 characters")
		}
	}
	return nil
}

// checkSilentDrops lists what Langfuse accepts with a 201 and then drops or
// rewrites: these are problems of the sender.
func checkSilentDrops(event map[string]any) []string {
	var problems []string
	body, _ := event["body"].(map[string]any)

	if id, _ := body["id"].(string); id == "" {
		problems = append(problems, "body.id is missing, so Langfuse drops the event after responding with 201")
	}

	eventType, _ := event["type"].(string)
	if eventType != "trace-create" && eventType != "score-create" && eventType != "sdk-log" {
		if trace, _ := body["traceId"].(string); trace == "" {
			problems = append(problems, "observation without traceId gets a random trace")
		}
	}

	if env, ok := body["environment"].(string); ok {
		if !environmentPattern.MatchString(env) || strings.HasPrefix(env, "langfuse") {
			problems = append(problems, fmt.Sprintf("environment %q is rewritten by Langfuse", env))
		}
	}
	return problems
}
