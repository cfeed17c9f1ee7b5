package e2e

import (
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// TestTraceAttributesAcrossBatches sends a root span with user, session and
// tags, and its children in a later request after the root was delivered.
// Langfuse stores these fields per observation, so the exporter must copy
// them onto children that arrive in another batch.
func TestTraceAttributesAcrossBatches(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	c := StartCollector(t, CollectorOptions{Langfuse: srv})

	traceID := newTraceID()
	rootTraces, ss := newTraces()
	root := appendChatSpan(ss, traceID, [8]byte{})
	root.Attributes().PutStr("user.id", userID)
	root.Attributes().PutStr("session.id", sessionID)
	tags := root.Attributes().PutEmptySlice("langfuse.trace.tags")
	tags.AppendEmpty().SetStr("e2e")
	SendTraces(t, c, rootTraces)
	rootID := root.SpanID().String()
	rootReceived := WaitForSpans(t, srv, []string{rootID}, deliveryTimeout)[rootID]
	if !assert.NotEmpty(t, userOf(rootReceived), "root user id") {
		return
	}

	childTraces, ss := newTraces()
	var childIDs []string
	for range 3 {
		childIDs = append(childIDs, appendChatSpan(ss, traceID, root.SpanID()).SpanID().String())
	}
	SendTraces(t, c, childTraces)
	received := WaitForSpans(t, srv, childIDs, deliveryTimeout)

	masking := stageLanded(t, "mask.go")
	for _, id := range childIDs {
		child := received[id]
		assert.Equal(t, userOf(rootReceived), userOf(child), "child %s: user id", id)
		assert.Equal(t, sessionOf(rootReceived), sessionOf(child), "child %s: session id", id)
		if !masking {
			assert.Equal(t, userID, userOf(child), "child %s: user id", id)
			assert.Equal(t, sessionID, sessionOf(child), "child %s: session id", id)
		}
		assert.Equal(t, []any{"e2e"}, child.Attributes["langfuse.trace.tags"], "child %s: langfuse.trace.tags", id)
	}
}
