package genaiprocessor

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"testing"

	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// Test media: file signatures followed by filler bytes.
var (
	testPNG    = append([]byte("\x89PNG\r\n\x1a\n"), make([]byte, 3000)...)
	testWAV    = append([]byte("RIFF\x10\x20\x30\x40WAVEfmt "), make([]byte, 3000)...)
	testPDF    = append([]byte("%PDF-1.4\n"), make([]byte, 3000)...)
	testPNGB64 = base64.StdEncoding.EncodeToString(testPNG)
	testWAVB64 = base64.StdEncoding.EncodeToString(testWAV)
	testPDFB64 = base64.StdEncoding.EncodeToString(testPDF)
)

// Randomness values at the two ends of the range: a trace with the low one
// keeps nothing below keep_fraction 1, one with the high one keeps every
// fraction above 0.
const (
	randomnessLow  = 0
	randomnessHigh = 1<<56 - 1
)

// traceIDWithRandomness returns a trace id whose low 56 bits are rnd.
func traceIDWithRandomness(rnd uint64) pcommon.TraceID {
	var id pcommon.TraceID
	id[0] = 0x5c
	binary.BigEndian.PutUint64(id[8:], rnd)
	return id
}

func newTestSampler(t testing.TB, cfg SamplingConfig) *sampler {
	t.Helper()
	return newTestSamplerWithSettings(t, processortest.NewNopSettings(componentType), cfg)
}

func newTestSamplerWithSettings(t testing.TB, set processor.Settings, cfg SamplingConfig) *sampler {
	t.Helper()
	require.NoError(t, cfg.Validate())
	s, err := newSampler(set, &cfg)
	require.NoError(t, err)
	return s
}

// newSampleTestSpan returns traces with one span of the given trace id and string
// attributes.
func newSampleTestSpan(traceID pcommon.TraceID, attrs map[string]string) (ptrace.Traces, ptrace.Span) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "test")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("test-scope")
	span := ss.Spans().AppendEmpty()
	span.SetName("chat")
	span.SetTraceID(traceID)
	span.SetSpanID(pcommon.SpanID{1, 2, 3, 4, 5, 6, 7, 8})
	span.SetStartTimestamp(1_000_000_000)
	span.SetEndTimestamp(2_000_000_000)
	for k, v := range attrs {
		span.Attributes().PutStr(k, v)
	}
	return td, span
}

// sampleTraces runs the sampling stage on every span of td.
func sampleTraces(s *sampler, td ptrace.Traces) {
	var view genai.View
	sampleTracesWith(s, td, &spanContext{view: &view})
}

// sampleTracesWith runs the sampling stage on every span of td with sc, as
// the processor does: one spanContext and GenAI view per batch.
func sampleTracesWith(s *sampler, td ptrace.Traces, sc *spanContext) {
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sc.resource = rs.Resource()
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			sc.scope = ss.Scope()
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				sc.span = spans.At(k)
				s.processSpan(context.Background(), sc)
			}
		}
	}
}

func attrString(t testing.TB, span ptrace.Span, key string) string {
	t.Helper()
	v, ok := span.Attributes().Get(key)
	require.True(t, ok, "attribute %s is missing", key)
	return v.Str()
}
