package genaiprocessor

import (
	"encoding/json"
	"fmt"
	"math"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/testdata"
)

// reasoningOnlyConfig returns a configuration with one rule that truncates
// the attribute "reasoning" on all but keepFraction of traces.
func reasoningOnlyConfig(keepFraction float64) SamplingConfig {
	cfg := defaultSamplingConfig()
	cfg.Rules = []SamplingRule{{
		Name:          "reasoning",
		Attributes:    []string{"reasoning"},
		KeepFraction:  keepFraction,
		Replacement:   replacementTruncate,
		TruncateBytes: 4,
	}}
	return cfg
}

// binomialBounds returns the 5-sigma bounds of the number of successes in n
// trials of probability p.
func binomialBounds(n int, p float64) (low, high float64) {
	mean := float64(n) * p
	sigma := math.Sqrt(float64(n) * p * (1 - p))
	return mean - 5*sigma, mean + 5*sigma
}

func randomTraceID(r *rand.Rand) pcommon.TraceID {
	var id pcommon.TraceID
	for i := range id {
		id[i] = byte(r.Uint32())
	}
	return id
}

func TestKeepFractionWithinBinomialBounds(t *testing.T) {
	const spans = 100_000
	for _, fraction := range []float64{0.01, 0.05, 0.5} {
		t.Run(fmt.Sprint(fraction), func(t *testing.T) {
			s := newTestSampler(t, reasoningOnlyConfig(fraction))
			r := rand.New(rand.NewPCG(1, uint64(fraction*1000)))
			kept := 0
			for range spans {
				td, span := newSampleTestSpan(randomTraceID(r), map[string]string{"reasoning": "long reasoning"})
				sampleTraces(s, td)
				if attrString(t, span, "reasoning") == "long reasoning" {
					kept++
				}
			}
			low, high := binomialBounds(spans, fraction)
			assert.GreaterOrEqual(t, float64(kept), low)
			assert.LessOrEqual(t, float64(kept), high)
		})
	}
}

func TestRulesShareRandomness(t *testing.T) {
	cfg := defaultSamplingConfig()
	s := newTestSampler(t, cfg)
	// Rule 1 keeps 5% and rule 2 keeps 1% of traces.
	reasoning, documents := &s.rules[1], &s.rules[2]
	require.Equal(t, 0.05, reasoning.keepFraction)
	require.Equal(t, 0.01, documents.keepFraction)

	r := rand.New(rand.NewPCG(7, 7))
	keptDocuments := 0
	for range 100_000 {
		_, span := newSampleTestSpan(randomTraceID(r), nil)
		st := newSpanState(len(s.rules))
		st.reset(&spanContext{span: span})
		if s.traceKept(st, documents) {
			keptDocuments++
			assert.True(t, s.traceKept(st, reasoning), "a trace that keeps 1%% must keep 5%% too")
		}
	}
	assert.Positive(t, keptDocuments)
}

func TestTraceStateRandomness(t *testing.T) {
	s := newTestSampler(t, reasoningOnlyConfig(0.5))
	tests := []struct {
		name       string
		randomness uint64
		traceState string
		kept       bool
	}{
		{"trace id low", randomnessLow, "", false},
		{"trace id high", randomnessHigh, "", true},
		{"rv overrides trace id upward", randomnessLow, "ot=rv:ffffffffffffff", true},
		{"rv overrides trace id downward", randomnessHigh, "vendor=x,ot=rv:00000000000000", false},
		{"invalid tracestate ignored", randomnessHigh, "ot=rv:zz,,", true},
		{"other vendors ignored", randomnessLow, "vendor=rv:ffffffffffffff", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			td, span := newSampleTestSpan(traceIDWithRandomness(tt.randomness), map[string]string{"reasoning": "long reasoning"})
			span.TraceState().FromRaw(tt.traceState)
			sampleTraces(s, td)
			assert.Equal(t, tt.kept, attrString(t, span, "reasoning") == "long reasoning")
		})
	}
}

func TestThresholdFor(t *testing.T) {
	assert.Equal(t, sampling.AlwaysSampleThreshold, thresholdFor(1))
	assert.Equal(t, sampling.NeverSampleThreshold, thresholdFor(0))
	assert.Equal(t, uint64(1)<<55, thresholdFor(0.5).Unsigned())
	assert.Equal(t, uint64(3)<<54, thresholdFor(0.25).Unsigned())
}

// mixedTraces returns traces whose spans carry every kind of payload, with
// random trace ids, some of them failed.
func mixedTraces(seed uint64, spans int) ptrace.Traces {
	r := rand.New(rand.NewPCG(seed, seed))
	td := testdata.GenerateTraces(spans)
	for i := 0; i < spans; i++ {
		span := td.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(i)
		span.SetTraceID(randomTraceID(r))
		if r.IntN(10) == 0 {
			span.Status().SetCode(ptrace.StatusCodeError)
		}
		attrs := span.Attributes()
		attrs.PutStr("gen_ai.input.messages", messageShapes[i%len(messageShapes)].doc)
		attrs.PutStr("gen_ai.output.messages", `[{"role":"assistant","parts":[{"type":"reasoning","content":"`+
			strings.Repeat("why ", 400)+`"},{"type":"text","content":"ok"}],"finish_reason":"stop"}]`)
		attrs.PutStr("retrieval.documents.0.document.content", strings.Repeat("passage ", 200))
		attrs.PutStr("gen_ai.usage.input_tokens", "12")
	}
	return td
}

func TestTwoSamplersAgree(t *testing.T) {
	a := newTestSampler(t, defaultSamplingConfig())
	b := newTestSampler(t, defaultSamplingConfig())

	tdA := mixedTraces(11, 500)
	tdB := ptrace.NewTraces()
	tdA.CopyTo(tdB)
	before := ptrace.NewTraces()
	tdA.CopyTo(before)

	sampleTraces(a, tdA)
	sampleTraces(b, tdB)

	marshaler := ptrace.JSONMarshaler{}
	outA, err := marshaler.MarshalTraces(tdA)
	require.NoError(t, err)
	outB, err := marshaler.MarshalTraces(tdB)
	require.NoError(t, err)
	original, err := marshaler.MarshalTraces(before)
	require.NoError(t, err)
	assert.Equal(t, string(outA), string(outB))
	assert.NotEqual(t, string(original), string(outA), "sampling must change something")
}

func TestAlwaysKeepWhenDuration(t *testing.T) {
	cfg := reasoningOnlyConfig(0)
	cfg.Rules[0].AlwaysKeepWhen = []string{"end_time_unix_nano - start_time_unix_nano > 5000000000"}
	s := newTestSampler(t, cfg)

	for _, tt := range []struct {
		name     string
		duration int64
		kept     bool
	}{
		{"six seconds", 6_000_000_000, true},
		{"one second", 1_000_000_000, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessHigh), map[string]string{"reasoning": "long reasoning"})
			span.SetEndTimestamp(span.StartTimestamp() + pcommon.Timestamp(tt.duration))
			sampleTraces(s, td)
			assert.Equal(t, tt.kept, attrString(t, span, "reasoning") == "long reasoning")
		})
	}
}

func TestAlwaysKeepWhenResourceAttribute(t *testing.T) {
	cfg := reasoningOnlyConfig(0)
	cfg.Rules[0].AlwaysKeepWhen = []string{`resource.attributes["deployment.environment"] == "staging"`}
	s := newTestSampler(t, cfg)

	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessHigh), map[string]string{"reasoning": "long reasoning"})
	td.ResourceSpans().At(0).Resource().Attributes().PutStr("deployment.environment", "staging")
	sampleTraces(s, td)
	assert.Equal(t, "long reasoning", attrString(t, span, "reasoning"))

	td, span = newSampleTestSpan(traceIDWithRandomness(randomnessHigh), map[string]string{"reasoning": "long reasoning"})
	sampleTraces(s, td)
	assert.Equal(t, "long[sampled:truncated 10 of 14 bytes]", attrString(t, span, "reasoning"))
}

func TestWhenSelectsSpans(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.Rules = []SamplingRule{
		{
			Name:        "retriever_output",
			Attributes:  []string{"langfuse.observation.output"},
			When:        []string{`attributes["langfuse.observation.type"] == "retriever"`},
			Replacement: replacementDrop,
		},
		{
			Name:          "other_output",
			Attributes:    []string{"langfuse.observation.output"},
			Replacement:   replacementTruncate,
			TruncateBytes: 3,
		},
	}
	s := newTestSampler(t, cfg)

	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessHigh), map[string]string{
		"langfuse.observation.type":   "retriever",
		"langfuse.observation.output": "documents",
	})
	sampleTraces(s, td)
	_, ok := span.Attributes().Get("langfuse.observation.output")
	assert.False(t, ok, "the retriever rule drops the output")

	td, span = newSampleTestSpan(traceIDWithRandomness(randomnessHigh), map[string]string{
		"langfuse.observation.type":   "generation",
		"langfuse.observation.output": "answer text",
	})
	sampleTraces(s, td)
	assert.Equal(t, "ans[sampled:truncated 8 of 11 bytes]", attrString(t, span, "langfuse.observation.output"))
}

func TestReplacementsInJSON(t *testing.T) {
	// The sizes in the markers are bytes of JSON text: 14 for the content
	// with its escape, 45 for the summary array.
	doc := `[{"type":"reasoning","content":"abc\u00e9defgh"},` +
		`{"type":"reasoning","summary":[{"type":"summary_text","text":"plan \"x\""}]},` +
		`{"type":"text","content":"keep"}]`
	tests := []struct {
		replacement string
		want        []string
	}{
		{replacementTruncate, []string{
			"abc[sampled:truncated 11 of 14 bytes]",
			`[{"ty[sampled:truncated 40 of 45 bytes]`,
		}},
		{replacementDrop, []string{"[sampled:dropped 14 bytes]", "[sampled:dropped 45 bytes]"}},
	}
	for _, tt := range tests {
		t.Run(tt.replacement, func(t *testing.T) {
			cfg := defaultSamplingConfig()
			cfg.Rules = []SamplingRule{{Name: "r", Parts: []string{"reasoning"}, Replacement: tt.replacement, TruncateBytes: 5}}
			s := newTestSampler(t, cfg)
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"messages": doc})
			sampleTraces(s, td)

			got := attrString(t, span, "messages")
			require.True(t, json.Valid([]byte(got)), got)
			var parts []map[string]any
			require.NoError(t, json.Unmarshal([]byte(got), &parts))
			assert.Equal(t, tt.want[0], parts[0]["content"])
			assert.Equal(t, tt.want[1], parts[1]["summary"])
			assert.Equal(t, "keep", parts[2]["content"])
		})
	}

	t.Run(replacementHash, func(t *testing.T) {
		cfg := defaultSamplingConfig()
		cfg.Rules = []SamplingRule{{Name: "r", Parts: []string{"reasoning"}, Replacement: replacementHash}}
		s := newTestSampler(t, cfg)
		td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"messages": doc})
		sampleTraces(s, td)

		got := attrString(t, span, "messages")
		require.True(t, json.Valid([]byte(got)), got)
		var parts []map[string]any
		require.NoError(t, json.Unmarshal([]byte(got), &parts))
		assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 14 bytes\]$`, parts[0]["content"])
		assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 45 bytes\]$`, parts[1]["summary"])
	})
}

func TestTruncateShorterPayloadKept(t *testing.T) {
	s := newTestSampler(t, reasoningOnlyConfig(0))
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"reasoning": "abc"})
	sampleTraces(s, td)
	assert.Equal(t, "abc", attrString(t, span, "reasoning"))
}

func TestDropRemovesAttribute(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.Rules = []SamplingRule{{Name: "r", AttributesRegex: []string{`^debug\.`}, Replacement: replacementDrop}}
	s := newTestSampler(t, cfg)
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"debug.prompt": "x",
		"debug.raw":    "y",
		"keep.me":      "z",
	})
	sampleTraces(s, td)
	assert.Equal(t, 1, span.Attributes().Len())
	assert.Equal(t, "z", attrString(t, span, "keep.me"))
}

func TestGlobMatcher(t *testing.T) {
	tests := []struct {
		pattern string
		key     string
		want    bool
	}{
		{"gen_ai.usage.*", "gen_ai.usage.input_tokens", true},
		{"gen_ai.usage.*", "gen_ai.usage.", true},
		{"gen_ai.usage.*", "gen_ai.usage", false},
		{"retrieval.documents.*.document.content", "retrieval.documents.12.document.content", true},
		{"retrieval.documents.*.document.content", "retrieval.documents.1.document.id", false},
		{"*.content", "a.b.content", true},
		{"*.content", "content", false},
		{"*", "anything", true},
		{"a*b*c", "abc", true},
		{"a*b*c", "aXbYc", true},
		{"a*b*c", "acb", false},
		{"ab*ba", "aba", false},
		{"exact", "exact", true},
		{"exact", "exactly", false},
	}
	for _, tt := range tests {
		t.Run(tt.pattern+" "+tt.key, func(t *testing.T) {
			m := newGlobMatcher(tt.pattern)
			assert.Equal(t, tt.want, m.match(tt.key))
		})
	}
}

func TestKeySet(t *testing.T) {
	var ks keySet
	ks.add(newGlobMatcher("gen_ai.usage.*"))
	ks.add(newGlobMatcher("*.content"))
	ks.add(newGlobMatcher("exact"))
	ks.add(keyMatcher{regex: regexp.MustCompile(`^debug\.`)})

	for key, want := range map[string]bool{
		"gen_ai.usage.input_tokens": true,
		"gen_ai.request.model":      false,
		"a.content":                 true,
		"exact":                     true,
		"exactly":                   false,
		"debug.raw":                 true,
		"":                          false,
	} {
		assert.Equal(t, want, ks.match(key), key)
	}
	assert.Equal(t, 4, ks.len)
}
