package e2e

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/sdk/resource"
	"go.opentelemetry.io/otel/trace"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// Keep fractions and truncation sizes of the default sampling rules.
const (
	reasoningKeepFraction = 0.05
	reasoningTruncate     = 1024
	documentKeepFraction  = 0.01
	documentTruncate      = 512
)

// Sizes of the sampling test's payloads, in bytes.
const (
	reasoningBytes      = 20 * 1024
	retrievalBytes      = 50 * 1024
	documentPartBytes   = 4 * 1024
	oversizeBytes       = 100 * 1024
	samplingAttrLimit   = 64 * 1024
	samplingRandomCount = 200
)

// Text parts and usage of every sampled span, which no rule selects.
const (
	samplingSystemText   = "Answer from the attached router manual."
	samplingUserText     = "What does this error screen mean?"
	samplingAnswerText   = "The screen reports a failed firmware update."
	samplingInputTokens  = 3100
	samplingOutputTokens = 240
)

const retrievalAttribute = "retrieval.documents.0.document.content"

// samplingTrace is one trace of the sampling test: its id, whether its span
// failed, and whether the trace id was chosen to land in a kept fraction
// instead of being random.
type samplingTrace struct {
	id     trace.TraceID
	failed bool
	chosen bool
	spanID string
}

// samplingPayloads are the heavy payloads every sampled span carries.
type samplingPayloads struct {
	png          []byte
	reasoning    string
	retrieval    string
	document     string
	inputJSON    string
	outputJSON   string
	hashMarker   string
	oversizeText string
	oversizeJSON string
}

func TestSamplingEndToEnd(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	c := StartCollector(t, CollectorOptions{
		Langfuse: srv,
		// The default rules stay in effect; only the attribute limit is
		// lowered, so that a 100 KiB attribute goes over it.
		Processor: map[string]any{"sampling": map[string]any{"max_attribute_bytes": samplingAttrLimit}},
	})

	payloads := newSamplingPayloads(t)
	traces := samplingTraces()
	oversizeID := sendSamplingTraces(t, c, traces, payloads)

	spanIDs := []string{oversizeID}
	for _, tr := range traces {
		spanIDs = append(spanIDs, tr.spanID)
	}
	received := WaitForSpans(t, srv, spanIDs, deliveryTimeout)

	keptReasoning, keptDocuments := 0, 0
	for _, tr := range traces {
		span := received[tr.spanID]
		randomness := sampling.TraceIDToRandomness(pcommon.TraceID(tr.id))
		wantReasoning := tr.failed || keptAt(t, reasoningKeepFraction, randomness)
		wantDocuments := tr.failed || keptAt(t, documentKeepFraction, randomness)
		label := fmt.Sprintf("trace %s (failed %v)", tr.id, tr.failed)

		checkSampledInput(t, label, span, payloads, wantDocuments)
		checkSampledOutput(t, label, span, payloads, wantReasoning)
		checkSampledRetrieval(t, label, span, payloads, wantDocuments)
		checkSampledUsage(t, label, span)

		if tr.chosen && !tr.failed {
			// The chosen ids make sure that the kept paths run.
			assert.True(t, wantReasoning, "%s: a chosen trace id must keep reasoning", label)
			assert.Equal(t, tr.id[9] == 0xff, wantDocuments, "%s: documents kept by a chosen trace id", label)
		}
		if tr.chosen || tr.failed {
			continue
		}
		if wantReasoning {
			keptReasoning++
		}
		if wantDocuments {
			keptDocuments++
		}
	}

	// Bounds on the kept counts of the random traces. A correct processor
	// crosses each with a probability below 1e-4: for Binomial(190, 0.05),
	// P(X = 0) is 5.9e-5 and P(X > 25) is 3.5e-6; for Binomial(190, 0.01),
	// P(X > 9) is 2.6e-5.
	random := samplingRandomCount - chosenTraceCount
	t.Logf("kept reasoning on %d and documents on %d of %d random traces", keptReasoning, keptDocuments, random)
	assert.GreaterOrEqual(t, keptReasoning, 1, "traces keeping reasoning, of %d", random)
	assert.LessOrEqual(t, keptReasoning, 25, "traces keeping reasoning, of %d", random)
	assert.LessOrEqual(t, keptDocuments, 9, "traces keeping retrieved documents, of %d", random)

	checkOversizeAttributes(t, received[oversizeID], payloads)
	rawImage := base64.StdEncoding.EncodeToString(payloads.png)[:64]
	assertNoSecretsReceived(t, srv, []string{retrievalFirstEmail, retrievalLastEmail, rawImage})
}

// keptAt returns the consistent-probability decision of OpenTelemetry
// sampling for fraction: randomness at or above the threshold is kept.
func keptAt(t *testing.T, fraction float64, randomness sampling.Randomness) bool {
	t.Helper()
	threshold, err := sampling.ProbabilityToThreshold(fraction)
	require.NoError(t, err, "threshold of fraction %v", fraction)
	return threshold.ShouldSample(randomness)
}

// chosenTraceCount is the number of traces whose ids samplingTraces chooses.
const chosenTraceCount = 10

// samplingTraces returns samplingRandomCount traces. The first ten have
// chosen randomness, which is the low 56 bits of the trace id. Three are
// above 99%, so every rule keeps them. Three are near 97%, so only the 5%
// rule keeps them. Four are near 0%, kept by no rule, and their spans fail.
// The other traces have random ids.
func samplingTraces() []samplingTrace {
	traces := make([]samplingTrace, samplingRandomCount)
	for i := range traces {
		traces[i].id = randomSDKTraceID()
		switch {
		case i < 3:
			traces[i].id[9], traces[i].chosen = 0xff, true
		case i < 6:
			traces[i].id[9], traces[i].chosen = 0xf8, true
		case i < chosenTraceCount:
			traces[i].id[9], traces[i].chosen, traces[i].failed = 0x00, true, true
		}
	}
	return traces
}

// newSamplingPayloads builds the payloads: a real PNG image, reasoning text,
// a retrieved document and a document part, and attributes above the
// configured limit. All text is ASCII, so byte counts equal character
// counts. Only the retrieved document contains personal data.
func newSamplingPayloads(t *testing.T) samplingPayloads {
	t.Helper()
	p := samplingPayloads{
		png:          encodeTestPNG(t),
		reasoning:    repeatText("The user shows an error screen, so I compare it with the manual. ", reasoningBytes),
		retrieval:    retrievedDocument(),
		document:     repeatText("Chapter on firmware updates and recovery mode for routers. ", documentPartBytes),
		oversizeText: repeatText("debug context line of the support session with no secrets. ", oversizeBytes),
	}
	encoded := base64.StdEncoding.EncodeToString(p.png)
	sum := sha256.Sum256(p.png)
	p.hashMarker = fmt.Sprintf("[sampled:sha256:%x %d bytes image/png]", sum[:8], len(p.png))

	p.inputJSON = mustJSON(t, []map[string]any{
		{"role": "system", "parts": []any{map[string]any{"type": "text", "content": samplingSystemText}}},
		{"role": "user", "parts": []any{
			map[string]any{"type": "text", "content": samplingUserText},
			map[string]any{"type": "blob", "modality": "image", "mime_type": "image/png", "content": encoded},
			map[string]any{"type": "uri", "modality": "image", "uri": "data:image/png;base64," + encoded},
			map[string]any{"type": "document", "source": map[string]any{
				"type": "text", "media_type": "text/plain", "data": p.document,
			}},
		}},
	})
	p.outputJSON = mustJSON(t, []map[string]any{{
		"role": "assistant",
		"parts": []any{
			map[string]any{"type": "reasoning", "content": p.reasoning},
			map[string]any{"type": "text", "content": samplingAnswerText},
		},
		"finish_reason": "stop",
	}})
	p.oversizeJSON = mustJSON(t, map[string]any{"session": "s-41", "log": p.oversizeText, "steps": 3})
	return p
}

// encodeTestPNG returns a 24x24 PNG image with a colour gradient.
func encodeTestPNG(t *testing.T) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 24, 24))
	for y := range 24 {
		for x := range 24 {
			img.Set(x, y, color.NRGBA{R: uint8(x * 10), G: uint8(y * 10), B: uint8((x * y) % 256), A: 255})
		}
	}
	var buf bytes.Buffer
	require.NoError(t, png.Encode(&buf, img), "encode the test PNG")
	return buf.Bytes()
}

// Addresses at the start and the end of the retrieved document. Masking
// runs after sampling, so the first must be masked in the kept prefix and the
// second must be masked in a kept document.
const (
	retrievalFirstEmail = "escalations@example.com"
	retrievalLastEmail  = "router.owner@example.org"
)

// retrievedDocument returns a retrievalBytes long document that starts and
// ends with an e-mail address.
func retrievedDocument() string {
	head := "Escalations go to " + retrievalFirstEmail + ". "
	end := " Owner: " + retrievalLastEmail + "."
	body := repeatText("Hold the reset button until the status light blinks amber. ",
		retrievalBytes-len(head)-len(end))
	return head + body + end
}

// repeatText repeats sentence and cuts the result to exactly size bytes.
func repeatText(sentence string, size int) string {
	return strings.Repeat(sentence, size/len(sentence)+1)[:size]
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	encoded, err := json.Marshal(v)
	require.NoError(t, err, "encode JSON")
	return string(encoded)
}

// sendSamplingTraces sends one chat span per trace with the OpenTelemetry Go
// SDK over OTLP/HTTP, and one span with attributes above the limit, and
// returns that span's id.
func sendSamplingTraces(t *testing.T, c *Collector, traces []samplingTrace, p samplingPayloads) string {
	t.Helper()
	ids := &queuedTraceIDs{}
	for _, tr := range traces {
		ids.queue = append(ids.queue, tr.id)
	}
	oversizeTrace := randomSDKTraceID()
	oversizeTrace[9] = 0x00
	ids.queue = append(ids.queue, oversizeTrace)

	res := resource.NewSchemaless(attribute.String("service.name", "e2e-sampling"))
	tp := sdkTracerProvider(t, c, transportHTTP, res, ids)
	tracer := tp.Tracer("otelcol-genai-e2e-sampling")
	ctx := context.Background()

	for i := range traces {
		_, span := tracer.Start(ctx, "chat gpt-4o", trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(
			attribute.String("gen_ai.operation.name", "chat"),
			attribute.String("gen_ai.request.model", "gpt-4o"),
			attribute.Int("gen_ai.usage.input_tokens", samplingInputTokens),
			attribute.Int("gen_ai.usage.output_tokens", samplingOutputTokens),
			attribute.String("gen_ai.input.messages", p.inputJSON),
			attribute.String("gen_ai.output.messages", p.outputJSON),
			attribute.String(retrievalAttribute, p.retrieval),
		))
		if traces[i].failed {
			span.SetStatus(codes.Error, "upstream model timed out")
		}
		span.End()
		require.Equal(t, traces[i].id, span.SpanContext().TraceID(), "trace id of span %d", i)
		traces[i].spanID = span.SpanContext().SpanID().String()
	}

	_, oversize := tracer.Start(ctx, "support session", trace.WithAttributes(
		attribute.String("app.debug.context", p.oversizeText),
		attribute.String("app.debug.state", p.oversizeJSON),
	))
	oversize.End()

	shutdownProvider(t, tp)
	return oversize.SpanContext().SpanID().String()
}

// checkSampledInput checks the input messages: both images replaced by the
// hash marker, the document part kept or truncated, text parts unchanged.
func checkSampledInput(t *testing.T, label string, span langfusetest.Span, p samplingPayloads,
	keepDocuments bool,
) {
	t.Helper()
	input, _ := span.Attributes[attrObservationInput].(string)
	require.True(t, json.Valid([]byte(input)), "%s: input is not valid JSON: %.300s", label, input)
	rawImage := base64.StdEncoding.EncodeToString(p.png)[:64]
	assert.NotContains(t, input, rawImage, "%s: raw image base64 in input", label)

	messages := decodeMessages(t, input)
	require.Len(t, messages, 2, "%s: input messages", label)
	require.Len(t, messages[0].Parts, 1, "%s: system message parts", label)
	require.Len(t, messages[1].Parts, 4, "%s: user message parts", label)

	assert.JSONEq(t, mustJSON(t, map[string]any{"type": "text", "content": samplingSystemText}),
		string(messages[0].Parts[0]), "%s: system text part", label)
	assert.JSONEq(t, mustJSON(t, map[string]any{"type": "text", "content": samplingUserText}),
		string(messages[1].Parts[0]), "%s: user text part", label)

	blob := decodeObject(t, messages[1].Parts[1])
	assert.Equal(t, p.hashMarker, blob["content"], "%s: inline image", label)
	assert.Equal(t, "image/png", blob["mime_type"], "%s: inline image media type", label)
	assert.Equal(t, "blob", blob["type"], "%s: inline image part type", label)

	uri := decodeObject(t, messages[1].Parts[2])
	assert.Equal(t, p.hashMarker, uri["uri"], "%s: data URI image", label)
	assert.Equal(t, "uri", uri["type"], "%s: data URI part type", label)

	document := decodeObject(t, messages[1].Parts[3])
	assert.Equal(t, "document", document["type"], "%s: document part type", label)
	source, _ := document["source"].(map[string]any)
	if keepDocuments {
		assert.Equal(t, p.document, source["data"], "%s: kept document part", label)
		return
	}
	sourceJSON := mustJSON(t, document["source"])
	assert.LessOrEqual(t, len(sourceJSON), documentTruncate,
		"%s: truncated document part %s", label, sourceJSON)
	assert.Contains(t, sourceJSON, "[sampled:truncated", "%s: truncated document part marker", label)
}

// checkSampledOutput checks the output message: the reasoning part kept or
// truncated to 1 KiB with a marker, the text part unchanged.
func checkSampledOutput(t *testing.T, label string, span langfusetest.Span, p samplingPayloads,
	keepReasoning bool,
) {
	t.Helper()
	output, _ := span.Attributes[attrObservationOutput].(string)
	require.True(t, json.Valid([]byte(output)), "%s: output is not valid JSON: %.300s", label, output)

	messages := decodeMessages(t, output)
	require.Len(t, messages, 1, "%s: output messages", label)
	require.Len(t, messages[0].Parts, 2, "%s: assistant message parts", label)
	assert.JSONEq(t, mustJSON(t, map[string]any{"type": "text", "content": samplingAnswerText}),
		string(messages[0].Parts[1]), "%s: answer text part", label)

	reasoning := decodeObject(t, messages[0].Parts[0])
	assert.Equal(t, "reasoning", reasoning["type"], "%s: reasoning part type", label)
	want := p.reasoning
	if !keepReasoning {
		want = p.reasoning[:reasoningTruncate] +
			fmt.Sprintf("[sampled:truncated %d of %d bytes]", reasoningBytes-reasoningTruncate, reasoningBytes)
	}
	assert.Equal(t, want, reasoning["content"], "%s: reasoning (kept %v)", label, keepReasoning)
}

// checkSampledRetrieval checks the retrieved document attribute: kept, or
// its first 512 bytes and a marker.
func checkSampledRetrieval(t *testing.T, label string, span langfusetest.Span, p samplingPayloads,
	keep bool,
) {
	t.Helper()
	// The rule cuts the sent bytes, and masking then replaces the addresses
	// in what is left.
	masked := strings.NewReplacer(retrievalFirstEmail, tokenEmail, retrievalLastEmail, tokenEmail)
	want := masked.Replace(p.retrieval)
	if !keep {
		want = masked.Replace(p.retrieval[:documentTruncate]) +
			fmt.Sprintf("[sampled:truncated %d of %d bytes]", retrievalBytes-documentTruncate, retrievalBytes)
	}
	assert.Equal(t, want, span.Attributes[retrievalAttribute],
		"%s: %s (kept %v)", label, retrievalAttribute, keep)
}

func checkSampledUsage(t *testing.T, label string, span langfusetest.Span) {
	t.Helper()
	assert.Equal(t, int64(samplingInputTokens), span.Attributes["gen_ai.usage.input_tokens"],
		"%s: input tokens", label)
	assert.Equal(t, int64(samplingOutputTokens), span.Attributes["gen_ai.usage.output_tokens"],
		"%s: output tokens", label)
	assert.JSONEq(t, fmt.Sprintf(`{"input":%d,"output":%d,"total":%d}`,
		samplingInputTokens, samplingOutputTokens, samplingInputTokens+samplingOutputTokens),
		fmt.Sprint(span.Attributes[attrUsageDetails]), "%s: usage details", label)
	if span.StatusCode == ptrace.StatusCodeError {
		assert.Equal(t, "ERROR", span.Attributes["langfuse.observation.level"], "%s: level of a failed span", label)
	}
}

// checkOversizeAttributes checks the two 100 KiB attributes against the 64
// KiB limit: text cut at the end with a marker, JSON cut inside its longest
// string so that it stays valid.
func checkOversizeAttributes(t *testing.T, span langfusetest.Span, p samplingPayloads) {
	t.Helper()
	text, _ := span.Attributes["app.debug.context"].(string)
	assert.LessOrEqual(t, len(text), samplingAttrLimit, "app.debug.context length")
	prefix, _, found := strings.Cut(text, "[sampled:truncated ")
	require.True(t, found, "app.debug.context has no truncation marker: ...%s", tail(text, 80))
	assert.True(t, strings.HasPrefix(p.oversizeText, prefix), "app.debug.context keeps the start of the value")
	marker := fmt.Sprintf("[sampled:truncated %d of %d bytes]", oversizeBytes-len(prefix), oversizeBytes)
	assert.Equal(t, prefix+marker, text, "app.debug.context ends with the marker")

	state, _ := span.Attributes["app.debug.state"].(string)
	assert.LessOrEqual(t, len(state), samplingAttrLimit, "app.debug.state length")
	require.True(t, json.Valid([]byte(state)), "app.debug.state is not valid JSON: ...%s", tail(state, 80))
	var decoded map[string]any
	require.NoError(t, json.Unmarshal([]byte(state), &decoded))
	assert.Equal(t, "s-41", decoded["session"], "app.debug.state session")
	assert.Equal(t, 3.0, decoded["steps"], "app.debug.state steps")
	log, _ := decoded["log"].(string)
	assert.Contains(t, log, "[sampled:truncated", "app.debug.state log marker")
}

func decodeObject(t *testing.T, raw json.RawMessage) map[string]any {
	t.Helper()
	var decoded map[string]any
	require.NoError(t, json.Unmarshal(raw, &decoded), "decode JSON object %.300s", raw)
	return decoded
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[len(s)-n:]
}
