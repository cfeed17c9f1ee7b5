package e2e

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracegrpc"
	"go.opentelemetry.io/otel/exporters/otlp/otlptrace/otlptracehttp"
	"go.opentelemetry.io/otel/sdk/resource"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// Transports of the OpenTelemetry Go SDK exporter that sdkTracerProvider
// builds.
const (
	transportHTTP = "otlp/http"
	transportGRPC = "otlp/grpc"
)

// Personal data and secrets that the masking test sends, each in one place
// of the trace or the score.
const (
	maskUserEmail    = "jane.doe@example.com"
	maskOwnerEmail   = "ops.owner@example.org"
	maskScopeEmail   = "sdk.maintainer@example.net"
	maskLinkEmail    = "oncall.lead@example.com"
	maskEventEmail   = "support.lead@example.com"
	maskEscapedEmail = "jane@example.com"
	maskPhone        = "+44 20 7946 0958"
	maskCard         = "4111 1111 1111 1111"
	maskIBAN         = "DE89 3704 0044 0532 0130 00"
)

// maskAPIKey is an OpenAI project key of the usual length: "sk-proj-" and
// 156 characters of letters, digits, "-" and "_".
var maskAPIKey = "sk-proj-" + strings.Repeat("Xq7vR2mK9pL4tW8z", 9) + "N3bC6fH1jD5gS0aE-uY_iO2eT4rQ"

// maskSecrets returns every personal value of the masking test, including the
// compact spelling of each grouped number.
func maskSecrets() []string {
	return []string{
		maskUserEmail, maskOwnerEmail, maskScopeEmail, maskLinkEmail, maskEventEmail, maskEscapedEmail,
		maskPhone, "+442079460958", "7946 0958",
		maskCard, "4111111111111111",
		maskIBAN, "DE89370400440532013000",
		maskAPIKey, maskAPIKey[:40],
	}
}

// Redaction tokens of the masking stage's default redaction_token.
const (
	tokenEmail  = "[REDACTED:EMAIL]"
	tokenPhone  = "[REDACTED:PHONE]"
	tokenCard   = "[REDACTED:CREDIT_CARD]"
	tokenIBAN   = "[REDACTED:IBAN]"
	tokenAPIKey = "[REDACTED:OPENAI_API_KEY]"
)

// maskInputMessages contains the escaped e-mail address and the IBAN inside
// the OpenTelemetry GenAI message JSON. The timestamp and order id beside them
// are not personal data.
const maskInputMessages = `[{"role":"system","parts":[` +
	`{"type":"text","content":"You are a billing assistant."}]},` +
	`{"role":"user","parts":[` +
	`{"type":"text","content":"I am jane\u0040example.com, refund to DE89 3704 0044 0532 0130 00 please."},` +
	`{"type":"text","content":"Order 7d1f9a, placed 2026-11-30T08:15:00Z, 3 items."}]}]`

// maskOutputMessages contains the escaped e-mail address once more, beside a
// tool call whose ids and amounts are not personal data.
const maskOutputMessages = `[{"role":"assistant","parts":[` +
	`{"type":"text","content":"Refund requested, confirmation to jane\u0040example.com."},` +
	`{"type":"tool_call","id":"call_Q2xhaW1zMTIzNDU2","name":"issue_refund",` +
	`"arguments":{"order":"7d1f9a","amount_cents":4999}}],"finish_reason":"tool_calls"}]`

// Values next to the personal data that masking must not change.
const (
	maskResponseID   = "chatcmpl-AZ9x81Lr2wq0OQ7mXk4711"
	maskToolCallID   = "call_Q2xhaW1zMTIzNDU2"
	maskRequestTime  = "2026-11-30T08:15:00.123Z"
	maskTicketID     = "T-55012"
	maskRequestModel = "gpt-4o"
	maskModel        = "gpt-4o-2024-08-06"
	maskScoreID      = "score-e2e-masking-1"
)

// sentMaskingTrace is what sendMaskingTrace sent, for the checks.
type sentMaskingTrace struct {
	traceID string
	rootID  string
	chatID  string
	toolID  string
	eventID string
	start   time.Time
	end     time.Time
}

func TestMaskingEndToEnd(t *testing.T) {
	RequireE2E(t)

	t.Run("redact", func(t *testing.T) {
		srv := langfusetest.New(t)
		c := StartCollector(t, CollectorOptions{Langfuse: srv, Configure: addLogsPipeline})

		sent := sendMaskingTrace(t, c)
		sendMaskingScore(t, c, sent)

		spanIDs := []string{sent.rootID, sent.chatID, sent.toolID, sent.eventID}
		received := WaitForSpans(t, srv, spanIDs, deliveryTimeout)
		scores := WaitForEvents(t, srv, []string{maskScoreID}, deliveryTimeout)

		assertNoSecretsReceived(t, srv, maskSecrets())
		assertNoSecretsLogged(t, c, maskSecrets())
		checkMaskedRoot(t, srv, received[sent.rootID], sent)
		checkMaskedChat(t, received[sent.chatID], sent)
		checkMaskedTool(t, received[sent.toolID])
		checkMaskedEvents(t, srv, received[sent.eventID])
		checkMaskedScore(t, scores[maskScoreID], sent)
	})

	t.Run("pseudonymize", func(t *testing.T) {
		checkPseudonyms(t)
	})
}

// addLogsPipeline adds a logs pipeline, otlp -> genai -> langfuse, for scores.
func addLogsPipeline(cfg map[string]any) {
	service := cfg["service"].(map[string]any)
	pipelines := service["pipelines"].(map[string]any)
	pipelines["logs"] = map[string]any{
		"receivers":  []string{"otlp"},
		"processors": []string{"genai"},
		"exporters":  []string{"langfuse"},
	}
}

// sdkTracerProvider returns a tracer provider of the OpenTelemetry Go SDK
// that exports to the collector over transport. ids, when not nil, chooses
// the trace ids. The caller ends it with Shutdown, which flushes every span.
func sdkTracerProvider(t *testing.T, c *Collector, transport string, res *resource.Resource,
	ids sdktrace.IDGenerator,
) *sdktrace.TracerProvider {
	t.Helper()
	ctx := context.Background()

	var exporter sdktrace.SpanExporter
	var err error
	switch transport {
	case transportHTTP:
		exporter, err = otlptracehttp.New(ctx, otlptracehttp.WithEndpointURL(c.OTLPHTTP+"/v1/traces"),
			otlptracehttp.WithRetry(otlptracehttp.RetryConfig{Enabled: false}))
	case transportGRPC:
		exporter, err = otlptracegrpc.New(ctx, otlptracegrpc.WithEndpoint(c.OTLPGRPC), otlptracegrpc.WithInsecure(),
			otlptracegrpc.WithRetry(otlptracegrpc.RetryConfig{Enabled: false}))
	default:
		t.Fatalf("unknown OTLP transport %q: use %q or %q", transport, transportHTTP, transportGRPC)
	}
	require.NoError(t, err, "create the OTLP %s exporter", transport)

	options := []sdktrace.TracerProviderOption{
		sdktrace.WithResource(res),
		sdktrace.WithSampler(sdktrace.AlwaysSample()),
		// Small batches keep requests with large payloads far below the
		// receiver's request size limits.
		sdktrace.WithBatcher(exporter,
			sdktrace.WithMaxExportBatchSize(16), sdktrace.WithBatchTimeout(50*time.Millisecond)),
	}
	if ids != nil {
		options = append(options, sdktrace.WithIDGenerator(ids))
	}
	return sdktrace.NewTracerProvider(options...)
}

// shutdownProvider flushes and stops tp and fails the test when an export
// failed.
func shutdownProvider(t *testing.T, tp *sdktrace.TracerProvider) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), deliveryTimeout)
	defer cancel()
	require.NoError(t, tp.Shutdown(ctx), "flush the OpenTelemetry SDK exporter")
}

// sendMaskingTrace sends one trace with personal data in every place the
// masking stage covers: span, resource, scope, span event and span link
// attributes, GenAI message JSON and tool-call arguments.
func sendMaskingTrace(t *testing.T, c *Collector) sentMaskingTrace {
	t.Helper()
	res := resource.NewSchemaless(
		attribute.String("service.name", "e2e-masking"),
		attribute.String("host.owner", maskOwnerEmail),
	)
	tp := sdkTracerProvider(t, c, transportHTTP, res, nil)
	tracer := tp.Tracer("otelcol-genai-e2e-masking", trace.WithInstrumentationAttributes(
		attribute.String("sdk.maintainer", maskScopeEmail),
	))

	sent := sentMaskingTrace{start: time.Now().Add(-time.Minute).Truncate(time.Microsecond)}
	sent.end = sent.start.Add(1500 * time.Millisecond)
	ctx := context.Background()

	linked := trace.NewSpanContext(trace.SpanContextConfig{
		TraceID:    randomSDKTraceID(),
		SpanID:     trace.SpanID{0x0a, 0x0b, 0x0c, 0x0d, 1, 2, 3, 4},
		TraceFlags: trace.FlagsSampled,
	})
	rootCtx, root := tracer.Start(ctx, "invoke_agent billing-bot",
		trace.WithTimestamp(sent.start),
		trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "invoke_agent"),
			attribute.String("gen_ai.agent.name", "billing-bot"),
			attribute.String("user.email", maskUserEmail),
			attribute.String("app.request.time", maskRequestTime),
			attribute.String("url.full",
				"https://billing.example/reset?email="+url.QueryEscape(maskUserEmail)+"&lang=en"),
		),
		trace.WithLinks(trace.Link{SpanContext: linked, Attributes: []attribute.KeyValue{
			attribute.String("link.contact", maskLinkEmail),
			attribute.String("link.reason", "escalated from ticket "+maskTicketID),
		}}),
	)

	_, chat := tracer.Start(rootCtx, "chat "+maskRequestModel,
		trace.WithTimestamp(sent.start.Add(100*time.Millisecond)),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.provider.name", "openai"),
			attribute.String("gen_ai.request.model", maskRequestModel),
			attribute.String("gen_ai.response.model", maskModel),
			attribute.String("gen_ai.response.id", maskResponseID),
			attribute.Int("gen_ai.usage.input_tokens", 1200),
			attribute.Int("gen_ai.usage.output_tokens", 85),
			attribute.String("gen_ai.input.messages", maskInputMessages),
			attribute.String("gen_ai.output.messages", maskOutputMessages),
		),
	)
	chat.End(trace.WithTimestamp(sent.start.Add(900 * time.Millisecond)))

	_, tool := tracer.Start(rootCtx, "execute_tool issue_refund",
		trace.WithTimestamp(sent.start.Add(950*time.Millisecond)),
		trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "execute_tool"),
			attribute.String("gen_ai.tool.name", "issue_refund"),
			attribute.String("gen_ai.tool.call.id", maskToolCallID),
			attribute.String("gen_ai.tool.call.arguments",
				`{"api_key":"`+maskAPIKey+`","order":"7d1f9a","amount_cents":4999}`),
			attribute.String("gen_ai.tool.call.result", `{"status":"ok","refund_id":"rf_8812"}`),
		),
	)
	tool.End(trace.WithTimestamp(sent.start.Add(1100 * time.Millisecond)))

	_, withEvents := tracer.Start(rootCtx, "chat gpt-4o-mini",
		trace.WithTimestamp(sent.start.Add(1150*time.Millisecond)),
		trace.WithSpanKind(trace.SpanKindClient),
		trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.request.model", "gpt-4o-mini"),
			attribute.Int("gen_ai.usage.input_tokens", 42),
			attribute.Int("gen_ai.usage.output_tokens", 7),
		),
	)
	withEvents.AddEvent("gen_ai.user.message", trace.WithAttributes(
		attribute.String("content", "Call me on "+maskPhone+", card "+maskCard+"."),
	))
	withEvents.AddEvent("support.escalation", trace.WithAttributes(
		attribute.String("contact", "Escalate to "+maskEventEmail+" today"),
		attribute.String("ticket.id", maskTicketID),
	))
	withEvents.End(trace.WithTimestamp(sent.start.Add(1400 * time.Millisecond)))

	root.End(trace.WithTimestamp(sent.end))

	sent.traceID = root.SpanContext().TraceID().String()
	sent.rootID = root.SpanContext().SpanID().String()
	sent.chatID = chat.SpanContext().SpanID().String()
	sent.toolID = tool.SpanContext().SpanID().String()
	sent.eventID = withEvents.SpanContext().SpanID().String()
	shutdownProvider(t, tp)
	return sent
}

// sendMaskingScore posts a score on the root span, with an e-mail address in
// its comment, to the collector's OTLP/HTTP logs endpoint.
func sendMaskingScore(t *testing.T, c *Collector, sent sentMaskingTrace) {
	t.Helper()
	logs := plog.NewLogs()
	rl := logs.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("service.name", "e2e-masking")
	record := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	record.SetEventName(langfuse.ScoreEventName)
	record.SetTimestamp(pcommon.NewTimestampFromTime(sent.end))
	record.SetTraceID(mustTraceID(t, sent.traceID))
	record.SetSpanID(mustSpanID(t, sent.rootID))

	attrs := record.Attributes()
	attrs.PutStr(langfuse.AttrScoreID, maskScoreID)
	attrs.PutStr(langfuse.AttrScoreName, "user_feedback")
	attrs.PutDouble(langfuse.AttrScoreValue, 1)
	attrs.PutStr(langfuse.AttrScoreDataType, "NUMERIC")
	attrs.PutStr(langfuse.AttrScoreComment, "Great help, reach me at "+maskUserEmail)

	body, err := plogotlp.NewExportRequestFromLogs(logs).MarshalProto()
	require.NoError(t, err, "encode the OTLP logs request")
	status, response := PostOTLP(t, c.OTLPHTTP+"/v1/logs", contentTypeProtobuf, body)
	require.Equal(t, http.StatusOK, status, "OTLP logs receiver response: %s", response)
}

// assertNoSecretsReceived checks every decoded span, event, link, resource,
// scope and score, and every raw request body the Langfuse test server
// received, for each secret in its plain, JSON-escaped and URL-encoded forms.
func assertNoSecretsReceived(t *testing.T, srv *langfusetest.Server, secrets []string) {
	t.Helper()
	places := receivedTexts(srv)
	require.NotEmpty(t, places, "the Langfuse test server received nothing")

	for _, secret := range secrets {
		for _, form := range encodedForms(secret) {
			for place, text := range places {
				assert.NotContains(t, text, form, "%s contains %q (a form of %q)", place, form, secret)
			}
		}
	}
}

// assertNoSecretsLogged checks that the collector's own log output contains
// none of the secrets.
func assertNoSecretsLogged(t *testing.T, c *Collector, secrets []string) {
	t.Helper()
	output := c.Output()
	for _, secret := range secrets {
		assert.NotContains(t, output, secret, "the collector log contains a personal value")
	}
}

// receivedTexts returns every text the server received, keyed by where it
// was found.
func receivedTexts(srv *langfusetest.Server) map[string]string {
	places := map[string]string{}
	for i, request := range srv.Requests() {
		places[fmt.Sprintf("request %d body (%s %s)", i, request.Method, request.Path)] = string(request.Body)
	}
	for i, event := range srv.Events() {
		places[fmt.Sprintf("ingestion event %d (%s %s)", i, event.Type, event.ID)] = string(event.Raw)
	}

	traces := srv.Traces()
	for i := 0; i < traces.ResourceSpans().Len(); i++ {
		rs := traces.ResourceSpans().At(i)
		addMapTexts(places, fmt.Sprintf("resource %d", i), rs.Resource().Attributes())
		for j := 0; j < rs.ScopeSpans().Len(); j++ {
			ss := rs.ScopeSpans().At(j)
			addMapTexts(places, fmt.Sprintf("scope %d.%d", i, j), ss.Scope().Attributes())
			for k := 0; k < ss.Spans().Len(); k++ {
				addSpanTexts(places, ss.Spans().At(k))
			}
		}
	}
	return places
}

func addSpanTexts(places map[string]string, span ptrace.Span) {
	label := "span " + span.SpanID().String()
	places[label+" name"] = span.Name()
	places[label+" status message"] = span.Status().Message()
	addMapTexts(places, label, span.Attributes())
	for i := 0; i < span.Events().Len(); i++ {
		event := span.Events().At(i)
		places[fmt.Sprintf("%s event %d name", label, i)] = event.Name()
		addMapTexts(places, fmt.Sprintf("%s event %d", label, i), event.Attributes())
	}
	for i := 0; i < span.Links().Len(); i++ {
		addMapTexts(places, fmt.Sprintf("%s link %d", label, i), span.Links().At(i).Attributes())
	}
}

func addMapTexts(places map[string]string, label string, attrs pcommon.Map) {
	for key, value := range attrs.All() {
		places[label+" attribute "+key] = key + "=" + value.AsString()
	}
}

// encodedForms returns s as it is, JSON-escaped (also with "@" as \u0040)
// and URL-encoded.
func encodedForms(s string) []string {
	quoted, _ := json.Marshal(s)
	escaped := string(quoted[1 : len(quoted)-1])
	forms := []string{
		s,
		escaped,
		strings.ReplaceAll(escaped, "@", `\u0040`),
		url.QueryEscape(s),
		url.PathEscape(s),
	}

	var unique []string
	seen := map[string]bool{}
	for _, form := range forms {
		if !seen[form] {
			seen[form] = true
			unique = append(unique, form)
		}
	}
	return unique
}

// checkMaskedRoot checks the root span, its resource, scope and link.
func checkMaskedRoot(t *testing.T, srv *langfusetest.Server, root langfusetest.Span, sent sentMaskingTrace) {
	t.Helper()
	assert.Equal(t, tokenEmail, root.Attributes["user.email"], "root span user.email")
	assert.Equal(t, tokenEmail, root.ResourceAttributes["host.owner"], "resource host.owner")
	assert.Equal(t, "e2e-masking", root.ResourceAttributes["service.name"], "resource service.name")
	assert.Equal(t, "https://billing.example/reset?email="+tokenEmail+"&lang=en", root.Attributes["url.full"],
		"root span url.full with a URL-encoded address")
	assert.Equal(t, maskRequestTime, root.Attributes["app.request.time"], "a timestamp attribute must not change")
	assert.Equal(t, sent.traceID, root.TraceID, "trace id")
	assert.Empty(t, root.ParentSpanID, "root span parent")
	assert.True(t, sent.start.Equal(root.StartTime), "start time %v, sent %v", root.StartTime, sent.start)
	assert.True(t, sent.end.Equal(root.EndTime), "end time %v, sent %v", root.EndTime, sent.end)

	span, ok := findReceivedSpan(srv.Traces(), sent.rootID)
	require.True(t, ok, "root span %s in the received traces", sent.rootID)
	scope := span.scope.Attributes().AsRaw()
	assert.Equal(t, tokenEmail, scope["sdk.maintainer"], "scope attribute sdk.maintainer")

	links := span.span.Links()
	require.Equal(t, 1, links.Len(), "root span links")
	link := links.At(0).Attributes().AsRaw()
	assert.Equal(t, tokenEmail, link["link.contact"], "link attribute link.contact")
	assert.Equal(t, "escalated from ticket "+maskTicketID, link["link.reason"], "link attribute link.reason")
}

// checkMaskedChat checks the chat span: masked message JSON with the same
// structure, and unchanged ids, model, usage and times.
func checkMaskedChat(t *testing.T, chat langfusetest.Span, sent sentMaskingTrace) {
	t.Helper()
	assert.Equal(t, sent.traceID, chat.TraceID, "chat span trace id")
	assert.Equal(t, sent.rootID, chat.ParentSpanID, "chat span parent id")
	assert.True(t, sent.start.Add(100*time.Millisecond).Equal(chat.StartTime),
		"chat start time %v", chat.StartTime)
	assert.True(t, sent.start.Add(900*time.Millisecond).Equal(chat.EndTime),
		"chat end time %v", chat.EndTime)
	assert.Equal(t, maskResponseID, chat.Attributes["gen_ai.response.id"], "gen_ai.response.id")
	assert.Equal(t, maskRequestModel, chat.Attributes["gen_ai.request.model"], "gen_ai.request.model")
	assert.Equal(t, maskModel, chat.Attributes[attrModelName], "observation model")
	assert.Equal(t, int64(1200), chat.Attributes["gen_ai.usage.input_tokens"], "input tokens")
	assert.Equal(t, int64(85), chat.Attributes["gen_ai.usage.output_tokens"], "output tokens")
	assert.JSONEq(t, `{"input":1200,"output":85,"total":1285}`, fmt.Sprint(chat.Attributes[attrUsageDetails]),
		"usage details")

	// Masking copies every byte of the JSON text except the masked strings,
	// so the expected text is the sent text with each value replaced.
	masked := strings.NewReplacer(`jane\u0040example.com`, tokenEmail, maskIBAN, tokenIBAN)

	input, _ := chat.Attributes[attrObservationInput].(string)
	require.True(t, json.Valid([]byte(input)), "observation input is not valid JSON: %s", input)
	assert.Equal(t, masked.Replace(maskInputMessages), input, "observation input")
	assert.Contains(t, input, tokenEmail, "observation input")
	assert.Contains(t, input, tokenIBAN, "observation input")
	messages := decodeMessages(t, input)
	require.Len(t, messages, 2, "input messages")
	assert.Len(t, messages[0].Parts, 1, "system message parts")
	assert.Len(t, messages[1].Parts, 2, "user message parts")

	output, _ := chat.Attributes[attrObservationOutput].(string)
	require.True(t, json.Valid([]byte(output)), "observation output is not valid JSON: %s", output)
	assert.Equal(t, masked.Replace(maskOutputMessages), output, "observation output")
	assert.Contains(t, output, tokenEmail, "observation output")
	messages = decodeMessages(t, output)
	require.Len(t, messages, 1, "output messages")
	assert.Len(t, messages[0].Parts, 2, "assistant message parts")
}

// checkMaskedTool checks the tool span: the API key in the arguments is
// masked, the arguments stay the same JSON object otherwise.
func checkMaskedTool(t *testing.T, tool langfusetest.Span) {
	t.Helper()
	input, _ := tool.Attributes[attrObservationInput].(string)
	require.True(t, json.Valid([]byte(input)), "tool input is not valid JSON: %s", input)
	assert.JSONEq(t, `{"api_key":"`+tokenAPIKey+`","order":"7d1f9a","amount_cents":4999}`, input,
		"tool input")
	assert.Equal(t, maskToolCallID, tool.Attributes["gen_ai.tool.call.id"], "gen_ai.tool.call.id")
	assert.Equal(t, `{"status":"ok","refund_id":"rf_8812"}`, tool.Attributes[attrObservationOutput], "tool output")
}

// checkMaskedEvents checks the span whose input came as a span event and
// whose other event stays a span event.
func checkMaskedEvents(t *testing.T, srv *langfusetest.Server, span langfusetest.Span) {
	t.Helper()
	input, _ := span.Attributes[attrObservationInput].(string)
	require.True(t, json.Valid([]byte(input)), "event input is not valid JSON: %s", input)
	var messages []map[string]any
	require.NoError(t, json.Unmarshal([]byte(input), &messages), "decode the event input %s", input)
	require.Len(t, messages, 1, "messages from the gen_ai.user.message event")
	assert.Equal(t, "Call me on "+tokenPhone+", card "+tokenCard+".", messages[0]["content"],
		"event message content")
	assert.Equal(t, int64(42), span.Attributes["gen_ai.usage.input_tokens"], "input tokens")

	received, ok := findReceivedSpan(srv.Traces(), span.SpanID)
	require.True(t, ok, "span %s in the received traces", span.SpanID)
	var escalation pcommon.Map
	found := false
	for i := 0; i < received.span.Events().Len(); i++ {
		if event := received.span.Events().At(i); event.Name() == "support.escalation" {
			escalation, found = event.Attributes(), true
		}
	}
	require.True(t, found, "span event support.escalation")
	contact, _ := escalation.Get("contact")
	assert.Equal(t, "Escalate to "+tokenEmail+" today", contact.AsString(), "event attribute contact")
	ticket, _ := escalation.Get("ticket.id")
	assert.Equal(t, maskTicketID, ticket.AsString(), "event attribute ticket.id")
}

// checkMaskedScore checks the score-create event: comment masked, the rest
// unchanged.
func checkMaskedScore(t *testing.T, score langfusetest.Event, sent sentMaskingTrace) {
	t.Helper()
	assert.Equal(t, "score-create", score.Type, "event type")
	assert.Equal(t, "Great help, reach me at "+tokenEmail, score.Body["comment"], "score comment")
	assert.Equal(t, "user_feedback", score.Body["name"], "score name")
	assert.Equal(t, 1.0, score.Body["value"], "score value")
	assert.Equal(t, sent.traceID, score.Body["traceId"], "score trace id")
	assert.Equal(t, sent.rootID, score.Body["observationId"], "score observation id")
}

// genAIMessage is one OpenTelemetry GenAI message with its parts left raw.
type genAIMessage struct {
	Role  string            `json:"role"`
	Parts []json.RawMessage `json:"parts"`
}

func decodeMessages(t *testing.T, text string) []genAIMessage {
	t.Helper()
	var messages []genAIMessage
	require.NoError(t, json.Unmarshal([]byte(text), &messages), "decode GenAI messages %s", text)
	return messages
}

// receivedSpan is one span of the received traces with its scope.
type receivedSpan struct {
	span  ptrace.Span
	scope pcommon.InstrumentationScope
}

func findReceivedSpan(traces ptrace.Traces, spanID string) (receivedSpan, bool) {
	for i := 0; i < traces.ResourceSpans().Len(); i++ {
		scopes := traces.ResourceSpans().At(i).ScopeSpans()
		for j := 0; j < scopes.Len(); j++ {
			spans := scopes.At(j).Spans()
			for k := 0; k < spans.Len(); k++ {
				if spans.At(k).SpanID().String() == spanID {
					return receivedSpan{span: spans.At(k), scope: scopes.At(j).Scope()}, true
				}
			}
		}
	}
	return receivedSpan{}, false
}

// pseudonymPattern is the form of an e-mail pseudonym with the default
// pseudonym_length of 12 hex digits.
var pseudonymPattern = regexp.MustCompile(`^\[EMAIL:[0-9a-f]{12}\]$`)

// checkPseudonyms sends the same e-mail address in two traces to one
// collector, and again to a second collector with the same key over gRPC,
// and to a third with another key.
func checkPseudonyms(t *testing.T) {
	const otherEmail = "max.mustermann@example.org"
	key := "e2e-pseudonym-key-7f3c9a1d5b"

	first := sendPseudonymTraces(t, key, transportHTTP, map[string]string{
		"trace-a": maskUserEmail,
		"trace-b": maskUserEmail,
		"upper":   strings.ToUpper(maskUserEmail),
		"other":   otherEmail,
	})
	for name, pseudonym := range first {
		assert.Regexp(t, pseudonymPattern, pseudonym, "pseudonym of %s", name)
	}
	assert.Equal(t, first["trace-a"], first["trace-b"], "the same address in two traces")
	assert.Equal(t, first["trace-a"], first["upper"], "an address differing only in case")
	assert.NotEqual(t, first["trace-a"], first["other"], "two different addresses")

	second := sendPseudonymTraces(t, key, transportGRPC, map[string]string{"again": maskUserEmail})
	assert.Equal(t, first["trace-a"], second["again"], "a second collector run with the same key")

	otherKey := sendPseudonymTraces(t, key+"-rotated", transportHTTP,
		map[string]string{"rotated": maskUserEmail})
	assert.Regexp(t, pseudonymPattern, otherKey["rotated"], "pseudonym under another key")
	assert.NotEqual(t, first["trace-a"], otherKey["rotated"], "another key gives another pseudonym")
}

// sendPseudonymTraces starts a collector that pseudonymizes e-mail addresses
// under key, sends one trace per entry of emails with the address as
// user.email, and returns the user.email that arrived for each entry.
func sendPseudonymTraces(t *testing.T, key, transport string, emails map[string]string) map[string]string {
	t.Helper()
	srv := langfusetest.New(t)
	c := StartCollector(t, CollectorOptions{
		Langfuse: srv,
		Processor: map[string]any{"masking": map[string]any{
			"pseudonymization_key": key,
			"detectors":            map[string]any{"email": map[string]any{"action": "pseudonymize"}},
		}},
	})

	res := resource.NewSchemaless(attribute.String("service.name", "e2e-pseudonyms"))
	tp := sdkTracerProvider(t, c, transport, res, nil)
	tracer := tp.Tracer("otelcol-genai-e2e-masking")
	spanIDs := map[string]string{}
	for name, email := range emails {
		_, span := tracer.Start(context.Background(), "chat gpt-4o-mini", trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.request.model", "gpt-4o-mini"),
			attribute.String("user.email", email),
		))
		span.End()
		spanIDs[name] = span.SpanContext().SpanID().String()
	}
	shutdownProvider(t, tp)

	ids := make([]string, 0, len(spanIDs))
	for _, id := range spanIDs {
		ids = append(ids, id)
	}
	received := WaitForSpans(t, srv, ids, deliveryTimeout)
	secrets := []string{maskUserEmail, strings.ToUpper(maskUserEmail), "max.mustermann@example.org"}
	assertNoSecretsReceived(t, srv, secrets)

	pseudonyms := map[string]string{}
	for name, id := range spanIDs {
		pseudonyms[name], _ = received[id].Attributes["user.email"].(string)
	}
	return pseudonyms
}

// queuedTraceIDs is an SDK IDGenerator that gives new root spans the trace
// ids of a queue, in order, and random ids once the queue is empty. Span ids
// are random.
type queuedTraceIDs struct {
	mu    sync.Mutex
	queue []trace.TraceID
}

func (g *queuedTraceIDs) NewIDs(ctx context.Context) (trace.TraceID, trace.SpanID) {
	traceID := randomSDKTraceID()
	g.mu.Lock()
	if len(g.queue) > 0 {
		traceID, g.queue = g.queue[0], g.queue[1:]
	}
	g.mu.Unlock()
	return traceID, g.NewSpanID(ctx, traceID)
}

func (g *queuedTraceIDs) NewSpanID(context.Context, trace.TraceID) trace.SpanID {
	var id trace.SpanID
	for id == (trace.SpanID{}) {
		_, _ = rand.Read(id[:])
	}
	return id
}

func randomSDKTraceID() trace.TraceID {
	var id trace.TraceID
	_, _ = rand.Read(id[:])
	return id
}

func mustTraceID(t *testing.T, hexID string) pcommon.TraceID {
	t.Helper()
	id, err := trace.TraceIDFromHex(hexID)
	require.NoError(t, err, "trace id %q", hexID)
	return pcommon.TraceID(id)
}

func mustSpanID(t *testing.T, hexID string) pcommon.SpanID {
	t.Helper()
	id, err := trace.SpanIDFromHex(hexID)
	require.NoError(t, err, "span id %q", hexID)
	return pcommon.SpanID(id)
}
