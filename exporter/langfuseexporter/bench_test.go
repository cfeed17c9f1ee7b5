package langfuseexporter

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// chatTraces returns n typical chat spans in the OpenTelemetry GenAI
// conventions, each with about 2 KB of input and 2 KB of output messages.
func chatTraces(n int) ptrace.Traces {
	content := strings.Repeat("Lisbon is mild in the evening; bring a light jacket. ", 38)
	input := `[{"role":"system","parts":[{"type":"text","content":"You are a concise assistant."}]},` +
		`{"role":"user","parts":[{"type":"text","content":"` + content + `"}]}]`
	output := `[{"role":"assistant","parts":[{"type":"text","content":"` + content +
		`"}],"finish_reason":"stop"}]`

	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "chat-app")
	rs.Resource().Attributes().PutStr("deployment.environment.name", "production")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("opentelemetry.instrumentation.openai_v2")
	start := time.Now().Add(-time.Minute)
	for i := range n {
		span := ss.Spans().AppendEmpty()
		span.SetName("chat gpt-4o-mini")
		span.SetTraceID(pcommon.TraceID{1, byte(i >> 8), byte(i), 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16})
		span.SetSpanID(pcommon.SpanID{2, byte(i >> 8), byte(i), 4, 5, 6, 7, 8})
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(800 * time.Millisecond)))
		attrs := span.Attributes()
		attrs.PutStr("gen_ai.operation.name", "chat")
		attrs.PutStr("gen_ai.provider.name", "openai")
		attrs.PutStr("gen_ai.request.model", "gpt-4o-mini")
		attrs.PutStr("gen_ai.response.model", "gpt-4o-mini-2024-07-18")
		attrs.PutStr("gen_ai.response.id", "chatcmpl-123")
		attrs.PutDouble("gen_ai.request.temperature", 0.3)
		attrs.PutInt("gen_ai.request.max_tokens", 256)
		attrs.PutInt("gen_ai.usage.input_tokens", 512)
		attrs.PutInt("gen_ai.usage.output_tokens", 480)
		attrs.PutStr("gen_ai.input.messages", input)
		attrs.PutStr("gen_ai.output.messages", output)
		attrs.PutStr("user.id", "user-4821")
		attrs.PutStr("session.id", "sess-91f")
	}
	return td
}

// BenchmarkEncodeOTLP measures the OTLP path per batch of 100 spans: View
// read, trace-state propagation, attribute rewrite and protobuf encoding.
func BenchmarkEncodeOTLP(b *testing.B) {
	const batchSize = 100
	tel, err := newTelemetry(componenttest.NewNopTelemetrySettings(), ProtocolOTLP)
	require.NoError(b, err)
	prep := &preparer{
		read: genai.Read, state: newTraceState(defaultMaxTraces, defaultTraceTTL),
		telemetry: tel, logger: zap.NewNop(), now: time.Now,
	}
	encoder := otlpEncoder{maxFieldBytes: defaultMaxFieldBytes, telemetry: tel}
	template := chatTraces(batchSize)
	ctx := context.Background()
	buf := make([]byte, 0, 256)
	var bodyBytes int

	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		b.StopTimer()
		td := ptrace.NewTraces()
		template.CopyTo(td)
		b.StartTimer()

		batch := prep.prepare(ctx, td)
		for i := range batch.spans {
			buf = encoder.encodeSpan(ctx, &batch.spans[i], buf)
		}
		encoder.encodeResources(ctx, td)
		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			b.Fatal(err)
		}
		bodyBytes = len(body)
		batch.release()
	}
	b.ReportMetric(float64(b.N*batchSize)/b.Elapsed().Seconds(), "spans/s")
	b.ReportMetric(float64(bodyBytes)/batchSize, "bytes/span")
}

// TestOTLPEncodingIsIdempotent checks that a span encoded twice, as happens
// when the exporterhelper retries a request, is sent the same way.
func TestOTLPEncodingIsIdempotent(t *testing.T) {
	tel, err := newTelemetry(componenttest.NewNopTelemetrySettings(), ProtocolOTLP)
	require.NoError(t, err)
	prep := &preparer{
		read: genai.Read, state: newTraceState(10, time.Minute),
		telemetry: tel, logger: zap.NewNop(), now: time.Now,
	}
	encoder := otlpEncoder{maxFieldBytes: defaultMaxFieldBytes, telemetry: tel}
	td := chatTraces(1)

	encode := func() map[string]any {
		batch := prep.prepare(context.Background(), td)
		defer batch.release()
		encoder.encodeSpan(context.Background(), &batch.spans[0], nil)
		return batch.spans[0].span.Attributes().AsRaw()
	}
	first := encode()
	second := encode()

	require.Equal(t, first, second)
	require.Equal(t, "generation", first["langfuse.observation.type"])
}

// BenchmarkEncodeSpanManyMetadata measures one span whose
// langfuse.observation.metadata JSON object has 20,000 members, each of
// which becomes its own attribute.
func BenchmarkEncodeSpanManyMetadata(b *testing.B) {
	tel, err := newTelemetry(componenttest.NewNopTelemetrySettings(), ProtocolOTLP)
	require.NoError(b, err)
	prep := &preparer{
		read: genai.Read, state: newTraceState(defaultMaxTraces, defaultTraceTTL),
		telemetry: tel, logger: zap.NewNop(), now: time.Now,
	}
	encoder := otlpEncoder{maxFieldBytes: defaultMaxFieldBytes, telemetry: tel}

	var metadata strings.Builder
	metadata.WriteString("{")
	for i := range 20_000 {
		if i > 0 {
			metadata.WriteString(",")
		}
		fmt.Fprintf(&metadata, `"key%d":"value %d"`, i, i)
	}
	metadata.WriteString("}")
	template := chatTraces(1)
	template.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().
		PutStr("langfuse.observation.metadata", metadata.String())
	ctx := context.Background()

	b.ReportAllocs()
	for b.Loop() {
		b.StopTimer()
		td := ptrace.NewTraces()
		template.CopyTo(td)
		b.StartTimer()

		batch := prep.prepare(ctx, td)
		encoder.encodeSpan(ctx, &batch.spans[0], nil)
		batch.release()
	}
}
