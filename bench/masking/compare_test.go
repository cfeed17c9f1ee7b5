package masking

import (
	"context"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// TestPipelinesMaskEmails checks that every masking pipeline in the
// benchmark removes all four addresses, so the comparison is of equal work.
func TestPipelinesMaskEmails(t *testing.T) {
	buf := request(t)
	for _, p := range pipelines() {
		if p.name == "passthrough" {
			continue
		}
		t.Run(p.name, func(t *testing.T) {
			sink := &consumertest.TracesSink{}
			require.NoError(t, p.build(t, sink)(context.Background(), buf))
			require.Len(t, sink.AllTraces(), 1)
			spans := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
			require.Equal(t, spansPerRequest, spans.Len())
			for i := 0; i < spans.Len(); i++ {
				v, ok := spans.At(i).Attributes().Get("gen_ai.prompt")
				require.True(t, ok)
				assert.NotContains(t, v.Str(), "@example", "span %d", i)
				assert.Contains(t, v.Str(), "order 4821-", "span %d: other text kept", i)
			}
		})
	}
}

// namedPipeline builds one of the compared pipelines in front of next.
type namedPipeline struct {
	name  string
	build func(tb testing.TB, next consumer.Traces) pipeline
}

func pipelines() []namedPipeline {
	return []namedPipeline{
		{"passthrough", func(testing.TB, consumer.Traces) pipeline { return passthrough() }},
		{"redaction", redaction},
		{"transform", transform},
		{"genai", genai},
	}
}

// BenchmarkMasking runs each pipeline on its own and reports spans per
// second of wall time and of process CPU time.
func BenchmarkMasking(b *testing.B) {
	buf := request(b)
	for _, p := range pipelines() {
		b.Run(p.name, func(b *testing.B) {
			run := p.build(b, consumertest.NewNop())
			ctx := context.Background()
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			cpu0 := processCPUTime()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := run(ctx, buf); err != nil {
					b.Fatal(err)
				}
			}
			b.StopTimer()
			b.ReportMetric(float64(spansPerRequest*b.N)/b.Elapsed().Seconds(), "spans/s")
			if cpu := processCPUTime() - cpu0; cpu > 0 {
				b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
			}
		})
	}
}

// BenchmarkMaskingRatios runs the four pipelines one after the other in every
// iteration, starting with a different one each time, so that load from
// other processes and the garbage collection of earlier runs fall on all of
// them alike. It reports the spans per second of each pipeline, by wall time
// and by process CPU time, and the ratios of genai to redaction and to
// passthrough. One iteration is one request through every pipeline.
func BenchmarkMaskingRatios(b *testing.B) {
	buf := request(b)
	ps := pipelines()
	runs := make([]pipeline, len(ps))
	for i, p := range ps {
		runs[i] = p.build(b, consumertest.NewNop())
	}
	wall := make([]time.Duration, len(ps))
	cpu := make([]time.Duration, len(ps))
	ctx := context.Background()

	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for k := range runs {
			j := (i + k) % len(runs)
			w0, c0 := time.Now(), processCPUTime()
			if err := runs[j](ctx, buf); err != nil {
				b.Fatal(err)
			}
			cpu[j] += processCPUTime() - c0
			wall[j] += time.Since(w0)
		}
	}
	b.StopTimer()

	names := make([]string, len(ps))
	for j, p := range ps {
		names[j] = p.name
	}
	reportRatios(b, names, wall, cpu, float64(spansPerRequest*b.N))
}

// reportRatios reports each pipeline's spans per second of wall time and of
// CPU time, from the time wall[j] and cpu[j] that pipeline names[j] took to
// process spans spans, and the ratios of genai to redaction and to
// passthrough. A ratio above 1 means genai is faster.
func reportRatios(b *testing.B, names []string, wall, cpu []time.Duration, spans float64) {
	rate := func(d time.Duration) float64 {
		if d <= 0 {
			return 0
		}
		return spans / d.Seconds()
	}
	index := map[string]int{}
	for j, name := range names {
		index[name] = j
		b.ReportMetric(rate(wall[j]), name+"-spans/s")
		if cpu[j] > 0 {
			b.ReportMetric(rate(cpu[j]), name+"-spans/cpu-s")
		}
	}
	genaiWall, genaiCPU := wall[index["genai"]], cpu[index["genai"]]
	for _, other := range []string{"redaction", "passthrough"} {
		j := index[other]
		b.ReportMetric(float64(wall[j])/float64(genaiWall), "genai/"+other)
		if genaiCPU > 0 {
			b.ReportMetric(float64(cpu[j])/float64(genaiCPU), "genai/"+other+"-cpu")
		}
	}
}
