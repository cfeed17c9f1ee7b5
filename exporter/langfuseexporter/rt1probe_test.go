package langfuseexporter

import (
	"context"
	"fmt"
	"math"
	"net/http"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
)

func TestProbeUTF8Proto(t *testing.T) {
	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetName("bad\xff\xfename")
	span.Attributes().PutStr("k", "v\xff")
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	t.Logf("marshal err=%v len=%d", err, len(body))
	req := ptraceotlp.NewExportRequest()
	err = req.UnmarshalProto(body)
	t.Logf("unmarshal err=%v", err)
	js, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalJSON()
	t.Logf("json err=%v %q", err, js)
	t.Logf("jsonvalue %q", langfuse.JSONValue("\"a\xffb\""))
}

func TestProbeNaNMap(t *testing.T) {
	h := newHarness(t)
	enc := otlpEncoder{maxFieldBytes: 1 << 20, telemetry: mustTel(t, h)}
	m := pcommon.NewMap()
	inner := m.PutEmptyMap("m")
	inner.PutDouble("x", math.NaN())
	inner.PutStr("y", "keep me")
	enc.flattenAndTruncate(context.Background(), m)
	t.Logf("%v", m.AsRaw())
}

func mustTel(t *testing.T, h *testHarness) *telemetry {
	tel, err := newTelemetry(h.set.TelemetrySettings, ProtocolOTLP)
	if err != nil {
		t.Fatal(err)
	}
	return tel
}

func TestProbeRetryAfter(t *testing.T) {
	for _, v := range []string{"99999999999999", "-5", "Fri, 01 Jan 3000 00:00:00 GMT", " 7 "} {
		header := http.Header{}
		header.Set("Retry-After", v)
		d, ok := retryAfter(response{status: 429, header: header})
		t.Logf("%q -> %v %v", v, d, ok)
	}
	d, ok := retryAfter(response{status: 429, header: http.Header{}, body: []byte(`{"details":{"retryAfterSeconds":1e300}}`)})
	t.Logf("body 1e300 -> %v %v", d, ok)
}

func TestProbeDryRunNaN(t *testing.T) {
	h := newHarness(t)
	cfg := dryRunConfig(t, ProtocolOTLP)
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{}))
	err := exp.ConsumeTraces(context.Background(), makeTraces(t,
		spanSpec{name: "chat", traceID: traceA, spanID: spanC, attrs: map[string]any{"gen_ai.request.temperature": math.NaN()}}))
	t.Logf("err=%v", err)
}

func TestProbeManyAttrs(t *testing.T) {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	span := rs.ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetTraceID(traceA)
	span.SetSpanID(spanR)
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(time.Now()))
	for i := 0; i < 100000; i++ {
		span.Attributes().PutStr(fmt.Sprintf("langfuse.observation.metadata.k%d", i), "v")
	}
	h := newHarness(t)
	cfg := dryRunConfig(t, ProtocolOTLP)
	exp := h.startTraces(t, cfg, defaultRead)
	start := time.Now()
	err := exp.ConsumeTraces(context.Background(), td)
	t.Logf("err=%v took %v", err, time.Since(start))
}
