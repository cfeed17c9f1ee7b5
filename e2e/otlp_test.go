package e2e

import (
	"bytes"
	"crypto/rand"
	"fmt"
	"io"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// Content types of OTLP/HTTP requests.
const (
	contentTypeProtobuf = "application/x-protobuf"
	contentTypeJSON     = "application/json"
)

// NewChatTraces builds traceCount traces of spansPerTrace OpenTelemetry GenAI
// chat spans each, with random ids, and returns them with their hex span ids.
// The first span of each trace is the root and carries user.id and
// session.id; the others are its children.
func NewChatTraces(traceCount, spansPerTrace int) (ptrace.Traces, []string) {
	td, ss := newTraces()
	var ids []string
	for trace := range traceCount {
		traceID := newTraceID()
		var rootID pcommon.SpanID
		for i := range spansPerTrace {
			span := appendChatSpan(ss, traceID, rootID)
			if i == 0 {
				rootID = span.SpanID()
				span.Attributes().PutStr("user.id", fmt.Sprintf("user-%d", trace))
				span.Attributes().PutStr("session.id", fmt.Sprintf("session-%d", trace))
			}
			ids = append(ids, span.SpanID().String())
		}
	}
	return td, ids
}

// newTraces returns traces with one resource and one scope to append spans to.
func newTraces() (ptrace.Traces, ptrace.ScopeSpans) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "e2e-go-client")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("otelcol-genai-e2e")
	return td, ss
}

// appendChatSpan appends a GenAI chat span with a random span id, a model,
// usage and messages. An empty parent makes it a root span.
func appendChatSpan(ss ptrace.ScopeSpans, traceID pcommon.TraceID, parent pcommon.SpanID) ptrace.Span {
	span := ss.Spans().AppendEmpty()
	span.SetTraceID(traceID)
	span.SetSpanID(newSpanID())
	span.SetParentSpanID(parent)
	span.SetName("chat gpt-4o-mini")
	span.SetKind(ptrace.SpanKindClient)
	start := time.Now().Add(-time.Second)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(50 * time.Millisecond)))

	attrs := span.Attributes()
	attrs.PutStr("gen_ai.operation.name", "chat")
	attrs.PutStr("gen_ai.provider.name", "openai")
	attrs.PutStr("gen_ai.request.model", "gpt-4o-mini")
	attrs.PutInt("gen_ai.usage.input_tokens", 100)
	attrs.PutInt("gen_ai.usage.output_tokens", 20)
	attrs.PutStr("gen_ai.input.messages",
		`[{"role":"user","parts":[{"type":"text","content":"Hello"}]}]`)
	attrs.PutStr("gen_ai.output.messages",
		`[{"role":"assistant","parts":[{"type":"text","content":"Hi"}],"finish_reason":"stop"}]`)
	return span
}

func newTraceID() pcommon.TraceID {
	var id [16]byte
	_, _ = rand.Read(id[:])
	return pcommon.TraceID(id)
}

func newSpanID() pcommon.SpanID {
	var id [8]byte
	_, _ = rand.Read(id[:])
	return pcommon.SpanID(id)
}

// SendTraces posts td to the collector's OTLP/HTTP receiver as protobuf and
// fails the test unless the receiver responds with 200.
func SendTraces(t testing.TB, c *Collector, td ptrace.Traces) {
	t.Helper()
	body, err := marshalProto(td)
	if err != nil {
		t.Fatalf("encode OTLP request: %v", err)
	}
	status, response := PostOTLP(t, c.OTLPHTTP+"/v1/traces", contentTypeProtobuf, body)
	if status != http.StatusOK {
		t.Fatalf("OTLP receiver answered %d to a valid request: %s", status, response)
	}
}

func marshalProto(td ptrace.Traces) ([]byte, error) {
	return ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
}

// PostOTLP posts body to url with the given content type and returns the
// status and response body. Transport errors fail the test.
func PostOTLP(t testing.TB, url, contentType string, body []byte) (int, string) {
	t.Helper()
	client := &http.Client{Timeout: 10 * time.Second}
	resp, err := client.Post(url, contentType, bytes.NewReader(body))
	if err != nil {
		t.Fatalf("POST %s: %v", url, err)
	}
	defer resp.Body.Close()
	response, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatalf("read response of POST %s: %v", url, err)
	}
	return resp.StatusCode, string(response)
}
