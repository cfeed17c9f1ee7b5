package genaiprocessor

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"
)

// TestMaskWarningsCarryNoValues runs values that make the masking stage
// warn (invalid UTF-8, a failing rule condition) and checks that no log
// entry holds any part of the values.
func TestMaskWarningsCarryNoValues(t *testing.T) {
	const secret = "sk-proj-abc123DEF456ghi789JKL012"
	core, logs := observer.New(zapcore.DebugLevel)
	set := processortest.NewNopSettings(componentType)
	set.Logger = zap.New(core)

	cfg := maskOnlyConfig()
	cfg.Masking.Rules = []MaskingRule{{
		Name:      "ticket",
		Pattern:   `T-\d+`,
		Condition: `Int(attributes["gen_ai.prompt"]) > 1`,
	}}
	sink := &consumertest.TracesSink{}
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))

	td := ptrace.NewTraces()
	span := newMaskTestSpan(td)
	span.Attributes().PutStr("gen_ai.prompt", "key "+secret+" for jane@example.com T-42 \xff")
	span.Attributes().PutStr("gen_ai.completion", "T-43 "+secret)
	require.NoError(t, p.ConsumeTraces(context.Background(), td))
	require.NoError(t, p.Shutdown(context.Background()))

	require.NotZero(t, logs.Len(), "the invalid value is reported")
	for _, entry := range logs.All() {
		text := entry.Message
		for k, v := range entry.ContextMap() {
			text += " " + k + "=" + strings.TrimSpace(fmtValue(v))
		}
		for _, part := range []string{secret, "jane@example.com", "T-42", "T-43", "abc123"} {
			assert.NotContains(t, text, part, "log entry %q", entry.Message)
		}
	}
	out := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	completion, _ := out.Get("gen_ai.completion")
	assert.Equal(t, "[REDACTED:TICKET] [REDACTED:OPENAI_API_KEY]", completion.Str())
}

func fmtValue(v any) string {
	if s, ok := v.(string); ok {
		return s
	}
	if err, ok := v.(error); ok {
		return err.Error()
	}
	return ""
}
