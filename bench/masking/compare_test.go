package masking

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/consumer/consumertest"
)

// TestPipelinesMaskEmails checks that every masking pipeline in the
// benchmark removes all four addresses, so the comparison is of equal work.
func TestPipelinesMaskEmails(t *testing.T) {
	buf := request(t)
	builders := map[string]func(testing.TB, *consumertest.TracesSink) pipeline{
		"redaction": func(tb testing.TB, s *consumertest.TracesSink) pipeline { return redaction(tb, s) },
		"transform": func(tb testing.TB, s *consumertest.TracesSink) pipeline { return transform(tb, s) },
		"genai":     func(tb testing.TB, s *consumertest.TracesSink) pipeline { return genai(tb, s) },
	}
	for name, build := range builders {
		t.Run(name, func(t *testing.T) {
			sink := &consumertest.TracesSink{}
			require.NoError(t, build(t, sink)(context.Background(), buf))
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

func BenchmarkMasking(b *testing.B) {
	buf := request(b)
	nop := consumertest.NewNop()
	pipelines := []struct {
		name  string
		build func(testing.TB) pipeline
	}{
		{"passthrough", func(testing.TB) pipeline { return passthrough() }},
		{"redaction", func(tb testing.TB) pipeline { return redaction(tb, nop) }},
		{"transform", func(tb testing.TB) pipeline { return transform(tb, nop) }},
		{"genai", func(tb testing.TB) pipeline { return genai(tb, nop) }},
	}
	rates := map[string]float64{}
	for _, p := range pipelines {
		b.Run(p.name, func(b *testing.B) {
			run := p.build(b)
			ctx := context.Background()
			b.SetBytes(int64(len(buf)))
			b.ReportAllocs()
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				if err := run(ctx, buf); err != nil {
					b.Fatal(err)
				}
			}
			rate := float64(spansPerRequest*b.N) / b.Elapsed().Seconds()
			b.ReportMetric(rate, "spans/s")
			rates[p.name] = rate
		})
	}
	if rates["genai"] == 0 {
		return
	}
	var lines []string
	for _, name := range []string{"passthrough", "redaction", "transform"} {
		if rates[name] > 0 {
			lines = append(lines, "genai/"+name+" = "+formatRatio(rates["genai"]/rates[name]))
		}
	}
	fmt.Printf("throughput ratios: %s\n", strings.Join(lines, ", "))
}

func formatRatio(r float64) string {
	return strconv.FormatFloat(r, 'f', 2, 64) + "x"
}
