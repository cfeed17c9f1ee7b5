package genaiprocessor

import (
	"context"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/processor/processortest"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// overheadBatchSize is the number of spans in the batches of chat spans
// that BenchmarkPricingOverhead processes. SDK batch span processors export
// a few dozen to 512 spans at a time.
const overheadBatchSize = 32

// overheadBatchesAhead is the number of batches decoded at a time.
const overheadBatchesAhead = 128

// spanBatch returns n copies of src, each in a trace of its own, under one
// resource and scope.
func spanBatch(src testSpan, n int) ptrace.Traces {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	src.resource.CopyTo(rs.Resource())
	ss := rs.ScopeSpans().AppendEmpty()
	src.scope.CopyTo(ss.Scope())
	for i := range n {
		span := ss.Spans().AppendEmpty()
		src.span.CopyTo(span)
		span.SetTraceID(pcommon.TraceID([16]byte{byte(i), byte(i >> 8), 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7, 7}))
	}
	return td
}

// captureBatch returns the traces of every SDK capture under
// testdata/sampling in one batch: model calls, embeddings, tool calls,
// agent and workflow spans of five instrumentations.
func captureBatch(tb testing.TB) ptrace.Traces {
	files, err := filepath.Glob("testdata/sampling/*.json")
	require.NoError(tb, err)
	require.NotEmpty(tb, files)
	td := ptrace.NewTraces()
	for _, file := range files {
		data, err := os.ReadFile(file)
		require.NoError(tb, err)
		capture, err := (&ptrace.JSONUnmarshaler{}).UnmarshalTraces(data)
		require.NoError(tb, err, file)
		capture.ResourceSpans().MoveAndAppendTo(td.ResourceSpans())
	}
	return td
}

// countCosts returns the number of spans in td that have a cost.
func countCosts(td ptrace.Traces) int {
	priced := 0
	forEachSpan(td, func(span ptrace.Span) {
		if _, ok := span.Attributes().Get(genai.AttrCost); ok {
			priced++
		}
	})
	return priced
}

// BenchmarkPricingOverhead runs the whole processor, with its default
// configuration and an SDK meter provider, once without and once with
// pricing. Each run gets a batch freshly decoded from OTLP protobuf, as a
// receiver hands it over, so attribute slices have the capacity that
// decoding left. The two alternate batch by batch so that both see the same
// machine load. The benchmark reports the median time per span of each and
// the median share that pricing adds within a pair of runs, because medians
// ignore the preemptions that a loaded machine adds to single runs.
//
// "stage" turns only pricing off in the first arm. The usage-attributes
// stage still reads the GenAI view there, so the difference is the pricing
// stage. "stage_and_view" also turns the usage-attributes stage off, so no
// view is read in the first arm and the difference includes the view read.
//
// The batches:
//   - "chat": 32 chat spans with 2,006 input and 300 output tokens
//     (realisticSpan), every one a priced model call, with messages of the
//     size the counts imply;
//   - "short_chat": the same with 60 input and 20 output tokens, where the
//     other stages have little text to scan and pricing's share is largest;
//   - "sdk_captures": the real SDK exports under testdata/sampling, where
//     model calls are mixed with tool, agent and workflow spans.
func BenchmarkPricingOverhead(b *testing.B) {
	batches := []struct {
		name  string
		batch func() ptrace.Traces
	}{
		{"chat", func() ptrace.Traces { return spanBatch(realisticSpan(), overheadBatchSize) }},
		{"short_chat", func() ptrace.Traces { return spanBatch(pricedChatSpan(60, 0, 20), overheadBatchSize) }},
		{"sdk_captures", func() ptrace.Traces { return captureBatch(b) }},
	}
	arms := []struct {
		name    string
		turnOff func(*Config)
	}{
		{"stage", func(c *Config) { c.Pricing.Enabled = false }},
		{"stage_and_view", func(c *Config) {
			c.Pricing.Enabled = false
			c.UsageAttributes.Enabled = false
		}},
	}
	for _, batch := range batches {
		for _, arm := range arms {
			b.Run(batch.name+"/"+arm.name, func(b *testing.B) {
				benchmarkPricingOverhead(b, batch.batch(), arm.turnOff)
			})
		}
	}
}

func benchmarkPricingOverhead(b *testing.B, batch ptrace.Traces, turnOff func(*Config)) {
	newProcessor := func(mutate func(*Config)) *genaiProcessor {
		cfg := createDefaultConfig().(*Config)
		if mutate != nil {
			mutate(cfg)
		}
		set := processortest.NewNopSettings(componentType)
		set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(sdkmetric.NewManualReader()))
		p, err := newGenAIProcessor(set, cfg, pipeline.SignalTraces)
		require.NoError(b, err)
		return p
	}
	off, on := newProcessor(turnOff), newProcessor(nil)
	spans := batch.SpanCount()
	encoded, err := (&ptrace.ProtoMarshaler{}).MarshalTraces(batch)
	require.NoError(b, err)
	decoder := &ptrace.ProtoUnmarshaler{}

	// Batches are decoded ahead, a set at a time with the timer stopped,
	// and the heap is collected before each set, so that decoding and its
	// garbage weigh on neither arm.
	var ahead []ptrace.Traces
	next := func() ptrace.Traces {
		if len(ahead) == 0 {
			b.StopTimer()
			ahead = make([]ptrace.Traces, overheadBatchesAhead)
			for i := range ahead {
				if ahead[i], err = decoder.UnmarshalTraces(encoded); err != nil {
					b.Fatal(err)
				}
			}
			runtime.GC()
			b.StartTimer()
		}
		td := ahead[len(ahead)-1]
		ahead = ahead[:len(ahead)-1]
		return td
	}
	run := func(p *genaiProcessor) (time.Duration, int) {
		td := next()
		start := time.Now()
		if _, err := p.processTraces(context.Background(), td); err != nil {
			b.Fatal(err)
		}
		elapsed := time.Since(start)
		return elapsed, countCosts(td)
	}

	var offTimes, onTimes []time.Duration
	for b.Loop() {
		elapsed, priced := run(off)
		if priced != 0 {
			b.Fatalf("%d spans priced with pricing off", priced)
		}
		offTimes = append(offTimes, elapsed)
		elapsed, priced = run(on)
		if priced == 0 {
			b.Fatal("no span priced with pricing on")
		}
		onTimes = append(onTimes, elapsed)
	}
	// The share is the median over pairs of adjacent runs, so that a
	// change of machine load during the benchmark weighs on both runs of
	// a pair alike.
	shares := make([]float64, len(onTimes))
	for i := range onTimes {
		shares[i] = float64(onTimes[i]-offTimes[i]) / float64(offTimes[i])
	}
	slices.Sort(shares)
	perSpan := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Nanoseconds()) / float64(spans)
	}
	b.ReportMetric(perSpan(offTimes), "off-ns/span")
	b.ReportMetric(perSpan(onTimes), "on-ns/span")
	b.ReportMetric(100*shares[len(shares)/2], "pricing-%")
}

// TestPricingCountersPerBatch runs the processor on a batch of three priced
// spans, one span whose application set a cost and one aggregate span, and
// checks the counters that the pricing stage records once per batch.
func TestPricingCountersPerBatch(t *testing.T) {
	reader := sdkmetric.NewManualReader()
	set := processortest.NewNopSettings(componentType)
	set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))
	p, err := newGenAIProcessor(set, createDefaultConfig().(*Config), pipeline.SignalTraces)
	require.NoError(t, err)

	td := spanBatch(realisticSpan(), 3)
	spans := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	appCost := spans.AppendEmpty()
	realisticSpan().span.CopyTo(appCost)
	appCost.Attributes().PutDouble(genai.AttrCost, 0.5)
	aggregate := spans.AppendEmpty()
	realisticSpan().span.CopyTo(aggregate)
	aggregate.Attributes().PutStr("gen_ai.operation.name", "invoke_agent")

	for range 2 {
		batch := ptrace.NewTraces()
		td.CopyTo(batch)
		_, err = p.processTraces(context.Background(), batch)
		require.NoError(t, err)
		require.Equal(t, 4, countCosts(batch), "three priced spans and the application's cost")
	}

	f := pricerFixture{reader: reader}
	assert.Equal(t, map[string]int64{"": 6}, f.counter(t, "otelcol_genai_pricing_priced_spans", ""))
	assert.Equal(t, map[string]int64{"": 2}, f.counter(t, "otelcol_genai_pricing_app_cost_kept_spans", ""))
}
