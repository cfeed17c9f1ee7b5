package genaiprocessor

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// keptWith runs a sampler on one span of the trace id and tracestate and
// reports whether the rule kept the span's reasoning.
func keptWith(t *testing.T, s *sampler, traceID pcommon.TraceID, traceState string) bool {
	t.Helper()
	td, span := newSampleTestSpan(traceID, map[string]string{"reasoning": "long reasoning"})
	span.TraceState().FromRaw(traceState)
	sampleTraces(s, td)
	return attrString(t, span, "reasoning") == "long reasoning"
}

func TestKeepDecisionIgnoresOtherTraceState(t *testing.T) {
	// The spans of one trace can carry different tracestates: services add
	// vendor entries, and an upstream sampler writes its threshold th on
	// some spans only. Without an rv, every span of the trace must get the
	// decision of its trace id.
	variants := []string{
		"",
		"ot=th:c",
		"ot=th:0",
		"ot=th:fff",
		"vendor=x,ot=th:8",
		"vendor=x",
		"ot=th:zz",
		"ot=rv:zz,,",
		"ot=rv:fffffffffffff",
		"ot=th:c;rv:1",
		"=,=",
		"ot=",
	}
	s := newTestSampler(t, reasoningOnlyConfig(0.3))
	r := rand.New(rand.NewPCG(5, 9))
	for range 200 {
		traceID := randomTraceID(r)
		want := keptWith(t, s, traceID, "")
		for _, traceState := range variants {
			assert.Equal(t, want, keptWith(t, s, traceID, traceState), "trace %s, tracestate %q", traceID, traceState)
		}
	}
}

func TestKeepDecisionFollowsRandomnessValue(t *testing.T) {
	// With a valid rv, the trace id and any threshold th do not matter.
	s := newTestSampler(t, reasoningOnlyConfig(0.3))
	r := rand.New(rand.NewPCG(6, 1))
	for _, rv := range []string{"00000000000000", "b3333333333332", "b3333333333334", "ffffffffffffff"} {
		want := rv >= "b3333333333334"
		for range 20 {
			traceID := randomTraceID(r)
			assert.Equal(t, want, keptWith(t, s, traceID, "ot=rv:"+rv), "rv %s", rv)
			assert.Equal(t, want, keptWith(t, s, traceID, "ot=th:c;rv:"+rv), "rv %s with th", rv)
			assert.Equal(t, want, keptWith(t, s, traceID, "a=1,ot=rv:"+rv+";th:0,b=2"), "rv %s among entries", rv)
		}
	}
}

func TestKeepDecisionEmptyTraceID(t *testing.T) {
	// The all-zero trace id is invalid. Its randomness is 0, so it keeps
	// payloads only at keep_fraction 1, the same way in every sampler.
	for _, fraction := range []float64{0.01, 0.5, 0.999} {
		a := newTestSampler(t, reasoningOnlyConfig(fraction))
		b := newTestSampler(t, reasoningOnlyConfig(fraction))
		assert.False(t, keptWith(t, a, pcommon.TraceID{}, ""))
		assert.False(t, keptWith(t, b, pcommon.TraceID{}, "ot=th:c"))
	}
	s := newTestSampler(t, reasoningOnlyConfig(1))
	assert.True(t, keptWith(t, s, pcommon.TraceID{}, ""))
	// An rv still decides for the empty trace id.
	s = newTestSampler(t, reasoningOnlyConfig(0.5))
	assert.True(t, keptWith(t, s, pcommon.TraceID{}, "ot=rv:ffffffffffffff"))
}

func TestTwoSamplersAgreeAcrossTraceStates(t *testing.T) {
	a := newTestSampler(t, defaultSamplingConfig())
	b := newTestSampler(t, defaultSamplingConfig())
	traceStates := []string{"", "ot=th:c", "ot=rv:ab12cd34ef5678", "ot=rv:zz", "x=1"}

	tdA := mixedTraces(21, 300)
	spans := tdA.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i := 0; i < spans.Len(); i++ {
		spans.At(i).TraceState().FromRaw(traceStates[i%len(traceStates)])
	}
	tdB := ptrace.NewTraces()
	tdA.CopyTo(tdB)
	// The second collector receives the spans in the opposite order.
	reversed := tdB.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
	for i, j := 0, reversed.Len()-1; i < j; i, j = i+1, j-1 {
		tmp := ptrace.NewSpan()
		reversed.At(i).CopyTo(tmp)
		reversed.At(j).CopyTo(reversed.At(i))
		tmp.CopyTo(reversed.At(j))
	}

	sampleTraces(a, tdA)
	sampleTraces(b, tdB)

	n := spans.Len()
	require.Equal(t, n, reversed.Len())
	for i := 0; i < n; i++ {
		want := spans.At(i).Attributes().AsRaw()
		got := reversed.At(n - 1 - i).Attributes().AsRaw()
		assert.Equal(t, want, got, "span %d", i)
	}
}
