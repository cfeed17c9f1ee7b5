package e2e

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// ingestionBody is the part of an observation event body the checks read.
type ingestionBody struct {
	ID           string            `json:"id"`
	TraceID      string            `json:"traceId"`
	Model        string            `json:"model"`
	UsageDetails map[string]int64  `json:"usageDetails"`
	CostDetails  map[string]any    `json:"costDetails"`
	Input        json.RawMessage   `json:"input"`
	Output       json.RawMessage   `json:"output"`
	Metadata     map[string]string `json:"metadata"`
}

// ingestionTrace is the part of a trace-create body the checks read.
type ingestionTrace struct {
	ID        string   `json:"id"`
	UserID    string   `json:"userId"`
	SessionID string   `json:"sessionId"`
	Tags      []string `json:"tags"`
}

func TestIngestionProtocol(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	c := StartCollector(t, CollectorOptions{Langfuse: srv, Protocol: ProtocolIngestion})

	manifest := RunNode(t, "vercel-ai.mjs", NodeEnv(c, "http/protobuf", scriptEnv()))
	events := WaitForEvents(t, srv, manifest.SpanIDs(), deliveryTimeout)
	assert.Zero(t, srv.RequestCount(langfusetest.OTLPTracesPath), "requests to the OTLP endpoint in ingestion mode")

	bodies := map[string]ingestionBody{}
	for id, event := range events {
		var body ingestionBody
		require.NoError(t, json.Unmarshal(rawBody(t, event), &body), "event %s body", event.ID)
		bodies[id] = body
	}

	generations := manifest.ByName("ai.generateText.doGenerate")
	require.Len(t, generations, 2)
	wantUsage := []usageWant{{Input: 20, Cached: 100, Output: 18}, {Input: 60, Cached: 100, Output: 25}}
	for i, ms := range generations {
		label := fmt.Sprintf("event of span %s %q", ms.SpanID, ms.Name)
		assert.Equal(t, "generation-create", events[ms.SpanID].Type, "%s: type", label)
		body := bodies[ms.SpanID]
		assert.Contains(t, body.Model, "gpt-4o-mini", "%s: model", label)
		assert.NotEmpty(t, body.Input, "%s: input", label)
		assert.NotEmpty(t, body.Output, "%s: output", label)
		checkUsage(t, label, body.UsageDetails, wantUsage[i])
	}

	for _, ms := range manifest.ByName("ai.toolCall") {
		event := events[ms.SpanID]
		isTool := event.Type == "tool-create" || bodies[ms.SpanID].Metadata["observation_type"] == "tool"
		assert.True(t, isTool, "event of tool span %s is %s with metadata %v, expected a tool observation",
			ms.SpanID, event.Type, bodies[ms.SpanID].Metadata)
	}
	for _, name := range []string{"ai.generateText", "ai.streamText", "ai.embed"} {
		for _, ms := range manifest.ByName(name) {
			assert.Empty(t, bodies[ms.SpanID].UsageDetails, "aggregate span %s %q: usage belongs to its children", ms.SpanID, name)
		}
	}

	traces := map[string]ingestionTrace{}
	for _, event := range srv.EventsOfType("trace-create") {
		var body ingestionTrace
		require.NoError(t, json.Unmarshal(rawBody(t, event), &body), "trace-create %s body", event.ID)
		merged := traces[body.ID]
		merged.UserID = firstNonEmptyString(merged.UserID, body.UserID)
		merged.SessionID = firstNonEmptyString(merged.SessionID, body.SessionID)
		traces[body.ID] = merged
	}
	masking := stageLanded(t, "mask.go")
	for _, ms := range manifest.Spans {
		trace, ok := traces[ms.TraceID]
		require.True(t, ok, "no trace-create event for trace %s", ms.TraceID)
		assert.NotEmpty(t, trace.UserID, "trace %s: userId", ms.TraceID)
		assert.NotEmpty(t, trace.SessionID, "trace %s: sessionId", ms.TraceID)
		if !masking {
			assert.Equal(t, userID, trace.UserID, "trace %s: userId", ms.TraceID)
			assert.Equal(t, sessionID, trace.SessionID, "trace %s: sessionId", ms.TraceID)
		}
	}

	if masking {
		for _, event := range srv.Events() {
			assert.NotContains(t, string(event.Raw), piiEmail, "%s event %s is not masked", event.Type, event.ID)
		}
	}
}

// rawBody returns the JSON of an event's body.
func rawBody(t *testing.T, event langfusetest.Event) []byte {
	t.Helper()
	var envelope struct {
		Body json.RawMessage `json:"body"`
	}
	require.NoError(t, json.Unmarshal(event.Raw, &envelope), "event %s", event.ID)
	return envelope.Body
}

func firstNonEmptyString(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}
