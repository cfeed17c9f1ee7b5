package genaiprocessor

import (
	"context"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/payload"
)

func TestAttributeLimitTruncates(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 1024
	s := newTestSampler(t, cfg)

	long := strings.Repeat("é", 1500) // 3000 bytes
	protected := strings.Repeat("t ", 1000)
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"gen_ai.input.messages":   long,
		"gen_ai.tool.call.result": protected,
		"short":                   "unchanged",
	})
	sampleTraces(s, td)

	got := attrString(t, span, "gen_ai.input.messages")
	assert.LessOrEqual(t, len(got), 1024)
	assert.True(t, utf8.ValidString(got))
	prefix, marker, found := strings.Cut(got, "[sampled:truncated ")
	require.True(t, found, got)
	assert.True(t, strings.HasPrefix(long, prefix))
	assert.Equal(t, strings.TrimPrefix(string(payload.AppendTruncateMarker(nil, 3000-len(prefix), 3000)), "[sampled:truncated "), marker)

	// The limit applies to protected attributes too.
	gotProtected := attrString(t, span, "gen_ai.tool.call.result")
	assert.LessOrEqual(t, len(gotProtected), 1024)
	assert.Contains(t, gotProtected, "of 2000 bytes]")
	assert.Equal(t, "unchanged", attrString(t, span, "short"))
}

func TestSpanLimitTrimsLargestFirst(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 0
	cfg.MaxSpanBytes = 5000
	s := newTestSampler(t, cfg)

	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"a.large":                 strings.Repeat("a ", 3000),
		"b.medium":                strings.Repeat("b ", 1500),
		"gen_ai.tool.call.result": strings.Repeat("p ", 3500),
		"c.small":                 "small",
	})
	sampleTraces(s, td)

	// 16,005 value bytes plus keys: both unprotected attributes are cut down
	// to the minimum, largest first, and the protected one then takes the
	// rest of the cut.
	large := attrString(t, span, "a.large")
	medium := attrString(t, span, "b.medium")
	protected := attrString(t, span, "gen_ai.tool.call.result")
	assert.Contains(t, large, "[sampled:truncated ")
	assert.LessOrEqual(t, len(large), minTrimBytes)
	assert.Contains(t, medium, "[sampled:truncated ")
	assert.LessOrEqual(t, len(medium), minTrimBytes)
	assert.Equal(t, "small", attrString(t, span, "c.small"))
	assert.Contains(t, protected, "[sampled:truncated ", "protected attributes are trimmed when the rest does not suffice")

	total := 0
	for k, v := range span.Attributes().All() {
		total += len(k) + len(v.Str())
	}
	assert.LessOrEqual(t, total, cfg.MaxSpanBytes)
}

func TestSpanLimitSparesProtectedWhenPossible(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 0
	cfg.MaxSpanBytes = 9000
	s := newTestSampler(t, cfg)

	protected := strings.Repeat("p ", 3500)
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"a.large":                 strings.Repeat("a ", 2000),
		"gen_ai.tool.call.result": protected,
	})
	sampleTraces(s, td)

	assert.Equal(t, protected, attrString(t, span, "gen_ai.tool.call.result"))
	assert.Contains(t, attrString(t, span, "a.large"), "[sampled:truncated ")
}

func TestSamplingMetrics(t *testing.T) {
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(componentType)
	set.TelemetrySettings = tel.NewTelemetrySettings()

	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 4000
	s := newTestSamplerWithSettings(t, set, cfg)

	reasoning := strings.Repeat("r ", 1500)
	td, _ := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"gen_ai.input.messages": messageShapes[0].doc,
		"ai.response.reasoning": reasoning,
		"big":                   strings.Repeat("x ", 4096),
	})
	sampleTraces(s, td)
	td, _ = newSampleTestSpan(traceIDWithRandomness(randomnessHigh), map[string]string{
		"ai.response.reasoning": reasoning,
	})
	sampleTraces(s, td)

	m, err := tel.GetMetric("otelcol_genai_sampling_payloads")
	require.NoError(t, err)
	counts := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		rule, _ := dp.Attributes.Value("rule")
		outcome, _ := dp.Attributes.Value("outcome")
		counts[rule.AsString()+"/"+outcome.AsString()] = dp.Value
	}
	assert.Equal(t, map[string]int64{
		"inline_binary/hashed":          1,
		"reasoning/truncated":           1,
		"reasoning/kept":                1,
		"max_attribute_bytes/truncated": 1,
	}, counts)

	m, err = tel.GetMetric("otelcol_genai_sampling_saved_bytes")
	require.NoError(t, err)
	saved := map[string]int64{}
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		rule, _ := dp.Attributes.Value("rule")
		saved[rule.AsString()] = dp.Value
	}
	marker := len(payload.AppendTruncateMarker(nil, 3000-1024, 3000))
	assert.Equal(t, int64(3000-1024-marker), saved["reasoning"])
	assert.Greater(t, saved["inline_binary"], int64(len(testPNGB64)-100))
	kept := 4000 - payload.MaxTruncateMarkerLen
	guardMarker := len(payload.AppendTruncateMarker(nil, 8192-kept, 8192))
	assert.Equal(t, int64(8192-kept-guardMarker), saved["max_attribute_bytes"])
}

func TestSamplingThroughProcessor(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Masking.Enabled = false
	cfg.Pricing.Enabled = false
	sink := &consumertest.TracesSink{}
	p, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(componentType), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, p.Shutdown(context.Background())) })

	td, _ := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"gen_ai.input.messages": messageShapes[2].doc,
	})
	require.NoError(t, p.ConsumeTraces(context.Background(), td))
	require.Len(t, sink.AllTraces(), 1)
	span := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	got := attrString(t, span, "gen_ai.input.messages")
	assert.Contains(t, got, "[sampled:sha256:")
	assert.NotContains(t, got, testPNGB64[:100])
}

func TestSampleSpanWithoutPayloadsDoesNotAllocate(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	td, _ := chatSpan(traceIDWithRandomness(randomnessLow))
	sc := &spanContext{view: &genai.View{}}
	sampleTracesWith(s, td, sc)

	if raceDetector {
		t.Skip("the race detector's instrumentation allocates")
	}
	allocs := testing.AllocsPerRun(100, func() { sampleTracesWith(s, td, sc) })
	assert.Zero(t, allocs)
}
