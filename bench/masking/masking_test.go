package masking

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-genai/otelcol-genai/processor/genaiprocessor"
)

const spansPerRequest = 100

// emailPattern is the e-mail regular expression given to the contrib
// processors.
const emailPattern = `[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}`

// prompt returns a 2048-byte prompt with four e-mail addresses and some
// digits; n varies the text between spans.
func prompt(n int) string {
	var b strings.Builder
	fmt.Fprintf(&b, "Request %d: please forward the invoice of order 4821-%04d to jane.doe@example.com "+
		"and copy bob+billing@example.org. ", n, n)
	const filler = "The customer asked about the delivery window for the 3 parcels shipped on " +
		"2024-06-05, wants a summary of the last 12 messages and a reply under 200 words. "
	for b.Len() < 1500 {
		b.WriteString(filler)
	}
	b.WriteString("Escalations go to li.wei@example.net, and the account owner is ops@corp.example.co.uk. ")
	for b.Len() < 2048 {
		b.WriteString("Thanks for your patience. ")
	}
	return b.String()[:2048]
}

// request returns one OTLP protobuf ExportTraceServiceRequest.
func request(tb testing.TB) []byte {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "chat-api")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("openai")
	for i := 0; i < spansPerRequest; i++ {
		span := ss.Spans().AppendEmpty()
		span.SetName("chat gpt-4o")
		span.SetTraceID(pcommon.TraceID{byte(i), 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15})
		span.SetSpanID(pcommon.SpanID{byte(i), 1, 2, 3, 4, 5, 6, 7})
		span.SetKind(ptrace.SpanKindClient)
		attrs := span.Attributes()
		attrs.PutStr("gen_ai.system", "openai")
		attrs.PutStr("gen_ai.request.model", "gpt-4o-2024-08-06")
		attrs.PutInt("gen_ai.usage.input_tokens", 512)
		attrs.PutInt("gen_ai.usage.output_tokens", 128)
		attrs.PutStr("gen_ai.prompt", prompt(i))
	}
	buf, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(td)
	require.NoError(tb, err)
	return buf
}

// pipeline unmarshals a request and consumes it.
type pipeline func(ctx context.Context, buf []byte) error

func passthrough() pipeline {
	next := consumertest.NewNop()
	return func(ctx context.Context, buf []byte) error {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(buf)
		if err != nil {
			return err
		}
		return next.ConsumeTraces(ctx, td)
	}
}

func withProcessor(tb testing.TB, factory processor.Factory, conf map[string]any, next consumer.Traces) pipeline {
	p := startProcessor(tb, factory, conf, next)
	return func(ctx context.Context, buf []byte) error {
		td, err := (&ptrace.ProtoUnmarshaler{}).UnmarshalTraces(buf)
		if err != nil {
			return err
		}
		return p.ConsumeTraces(ctx, td)
	}
}

// startProcessor creates a traces processor from factory and conf, starts it
// in front of next, and shuts it down when tb ends.
func startProcessor(tb testing.TB, factory processor.Factory, conf map[string]any, next consumer.Traces) processor.Traces {
	cfg := factory.CreateDefaultConfig()
	require.NoError(tb, confmap.NewFromStringMap(conf).Unmarshal(cfg))
	require.NoError(tb, cfg.(interface{ Validate() error }).Validate())
	set := processortest.NewNopSettings(factory.Type())
	p, err := factory.CreateTraces(context.Background(), set, cfg, next)
	require.NoError(tb, err)
	require.NoError(tb, p.Start(context.Background(), componenttest.NewNopHost()))
	tb.Cleanup(func() { require.NoError(tb, p.Shutdown(context.Background())) })
	return p
}

func redaction(tb testing.TB, next consumer.Traces) pipeline {
	return withProcessor(tb, redactionprocessor.NewFactory(), redactionConfig(), next)
}

func transform(tb testing.TB, next consumer.Traces) pipeline {
	return withProcessor(tb, transformprocessor.NewFactory(), transformConfig(), next)
}

func genai(tb testing.TB, next consumer.Traces) pipeline {
	return withProcessor(tb, genaiprocessor.NewFactory(), genaiConfig(), next)
}

func redactionConfig() map[string]any {
	return map[string]any{
		"allow_all_keys": true,
		"blocked_values": []any{emailPattern},
		"summary":        "silent",
	}
}

func transformConfig() map[string]any {
	return map[string]any{
		"error_mode": "ignore",
		"trace_statements": []any{map[string]any{
			"context": "span",
			"statements": []any{
				`replace_all_patterns(attributes, "value", "` + strings.ReplaceAll(emailPattern, `\`, `\\`) + `", "****")`,
			},
		}},
	}
}

// genaiConfig turns off the sampling and pricing stages, so masking is the
// only stage that runs after the recognize step.
func genaiConfig() map[string]any {
	return map[string]any{
		"sampling": map[string]any{"enabled": false},
		"pricing":  map[string]any{"enabled": false},
	}
}
