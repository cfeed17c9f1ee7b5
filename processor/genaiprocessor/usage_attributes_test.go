package genaiprocessor

import (
	"context"
	"math"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/processor/processortest"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// newConventionSpan returns a span named name in scope with the attributes
// attrs, which take int, float64 and string values.
func newConventionSpan(t *testing.T, scope, name string, attrs map[string]any) testSpan {
	t.Helper()
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName(scope)
	span := ss.Spans().AppendEmpty()
	span.SetName(name)
	require.NoError(t, span.Attributes().FromRaw(attrs))
	return testSpan{traces: td, resource: rs.Resource(), scope: ss.Scope(), span: span}
}

// priceAndWriteUsage runs the pricing stage and then the usage-attributes
// stage on one view of the span, as the processor does after masking.
func (s testSpan) priceAndWriteUsage(p *pricer) *genai.View {
	view := s.price(p)
	w := usageWriter{enabled: true}
	w.processSpan(&spanContext{resource: s.resource, scope: s.scope, span: s.span, view: view})
	return view
}

// runProcessor runs the whole trace processor with cfg on the span.
func (s testSpan) runProcessor(t *testing.T, cfg *Config) {
	t.Helper()
	p, err := newGenAIProcessor(processortest.NewNopSettings(componentType), cfg, pipeline.SignalTraces)
	require.NoError(t, err)
	_, err = p.processTraces(context.Background(), s.traces)
	require.NoError(t, err)
}

func TestUsageAttributesWritten(t *testing.T) {
	tests := []struct {
		name       string
		scope      string
		span       string
		attrs      map[string]any
		wantInput  int64
		wantOutput int64
		wantUser   string
		// wantProvider is the gen_ai.provider.name the span ends with.
		wantProvider string
	}{
		{
			name:  "vercel disjoint details",
			scope: "ai",
			span:  "ai.generateText.doGenerate",
			attrs: map[string]any{
				"ai.operationId":                              "ai.generateText.doGenerate",
				"ai.model.id":                                 "gpt-4o-mini",
				"ai.model.provider":                           "openai.chat",
				"ai.usage.inputTokens":                        131,
				"ai.usage.inputTokenDetails.noCacheTokens":    67,
				"ai.usage.inputTokenDetails.cacheReadTokens":  64,
				"ai.usage.outputTokens":                       30,
				"ai.usage.outputTokenDetails.textTokens":      22,
				"ai.usage.outputTokenDetails.reasoningTokens": 8,
				"ai.telemetry.metadata.userId":                "u-vercel",
			},
			wantInput: 131, wantOutput: 30, wantUser: "u-vercel", wantProvider: "openai",
		},
		{
			name: "langfuse usage details",
			span: "generation",
			attrs: map[string]any{
				"langfuse.observation.type":          "generation",
				"langfuse.observation.model.name":    "gpt-4o",
				"langfuse.observation.usage_details": `{"input":67,"output":22,"input_cached_tokens":64}`,
				"langfuse.user.id":                   "u-langfuse",
			},
			wantInput: 131, wantOutput: 22, wantUser: "u-langfuse",
		},
		{
			name: "langfuse user in trace metadata",
			span: "generation",
			attrs: map[string]any{
				"langfuse.observation.type":                "generation",
				"langfuse.observation.model.name":          "gpt-4o",
				"langfuse.observation.usage_details":       `{"input":10,"output":5}`,
				"langfuse.trace.metadata.langfuse_user_id": "u-trace-meta",
			},
			wantInput: 10, wantOutput: 5, wantUser: "u-trace-meta",
		},
		{
			name: "openinference token counts",
			span: "ChatCompletion",
			attrs: map[string]any{
				"openinference.span.kind":    "LLM",
				"llm.model_name":             "gpt-4o",
				"llm.provider":               "openai",
				"llm.token_count.prompt":     84,
				"llm.token_count.completion": 17,
				"user.id":                    "u-oi",
			},
			wantInput: 84, wantOutput: 17, wantUser: "u-oi", wantProvider: "openai",
		},
		{
			name: "genai request user",
			span: "chat gpt-4o",
			attrs: map[string]any{
				"gen_ai.operation.name":                "chat",
				"gen_ai.provider.name":                 "openai",
				"gen_ai.request.model":                 "gpt-4o",
				"gen_ai.usage.input_tokens":            2006,
				"gen_ai.usage.output_tokens":           300,
				"gen_ai.usage.cache_read.input_tokens": 1920,
				"gen_ai.request.user":                  "u-genai",
			},
			wantInput: 2006, wantOutput: 300, wantUser: "u-genai", wantProvider: "openai",
		},
		{
			name: "no user",
			span: "chat gpt-4o",
			attrs: map[string]any{
				"gen_ai.operation.name":     "chat",
				"gen_ai.provider.name":      "openai",
				"gen_ai.request.model":      "gpt-4o",
				"gen_ai.usage.input_tokens": 10,
			},
			wantInput: 10, wantOutput: 0, wantProvider: "openai",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newPricerFixture(t, nil)
			s := newConventionSpan(t, tt.scope, tt.span, tt.attrs)
			before := s.priceAndWriteUsage(f.pricer)
			_, priced := s.cost(t)
			require.True(t, priced, "span was not priced")

			attrs := s.span.Attributes()
			input, ok := attrs.Get("gen_ai.usage.input_tokens")
			require.True(t, ok, "input tokens missing")
			assert.Equal(t, tt.wantInput, input.Int())
			output, ok := attrs.Get("gen_ai.usage.output_tokens")
			require.True(t, ok, "output tokens missing")
			assert.Equal(t, tt.wantOutput, output.Int())

			user, ok := attrs.Get("user.id")
			if tt.wantUser == "" {
				assert.False(t, ok, "user.id written without a user")
			} else {
				require.True(t, ok, "user.id missing")
				assert.Equal(t, tt.wantUser, user.Str())
			}

			provider, ok := attrs.Get("gen_ai.provider.name")
			if tt.wantProvider == "" {
				assert.False(t, ok, "gen_ai.provider.name written without a provider")
			} else {
				require.True(t, ok, "gen_ai.provider.name missing")
				assert.Equal(t, tt.wantProvider, provider.Str())
			}

			// Reading the span again gives the same usage, so the written
			// counts do not change what the exporter sends.
			var after genai.View
			genai.Read(&after, s.resource, s.scope, s.span)
			assert.Equal(t, before.Usage, after.Usage)
		})
	}
}

func TestUsageAttributesKept(t *testing.T) {
	f := newPricerFixture(t, nil)
	s := newConventionSpan(t, "", "generation", map[string]any{
		"langfuse.observation.type":          "generation",
		"langfuse.observation.model.name":    "gpt-4o",
		"langfuse.observation.usage_details": `{"input":67,"output":22}`,
		"langfuse.user.id":                   "u-langfuse",
		"user.id":                            "u-app",
		"gen_ai.usage.input_tokens":          "67",
	})
	s.priceAndWriteUsage(f.pricer)

	attrs := s.span.Attributes()
	user, _ := attrs.Get("user.id")
	assert.Equal(t, "u-app", user.Str())
	input, _ := attrs.Get("gen_ai.usage.input_tokens")
	assert.Equal(t, pcommon.ValueTypeStr, input.Type(), "existing input count replaced")
}

// vercelUsageSpan is a Vercel AI SDK model call whose usage and user id are
// only in Vercel's own keys.
func vercelUsageSpan(t *testing.T, model string) testSpan {
	t.Helper()
	return newConventionSpan(t, "ai", "ai.generateText.doGenerate", map[string]any{
		"ai.operationId":               "ai.generateText.doGenerate",
		"ai.model.id":                  model,
		"ai.model.provider":            "openai.chat",
		"ai.usage.inputTokens":         100,
		"ai.usage.outputTokens":        10,
		"ai.telemetry.metadata.userId": "u-1",
	})
}

func TestUsageAttributesOff(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.UsageAttributes.Enabled = false
	s := vercelUsageSpan(t, "gpt-4o-mini")
	s.runProcessor(t, cfg)
	_, priced := s.cost(t)
	require.True(t, priced, "pricing still runs with usage attributes off")

	for _, k := range []string{"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", "user.id"} {
		_, ok := s.span.Attributes().Get(k)
		assert.False(t, ok, "%s written with usage_attributes off", k)
	}
}

// TestUsageAttributesWithoutCost checks that token counts and the user id
// are written on model calls that get no cost: with pricing off, and for a
// model that no table prices, so token metrics do not depend on prices.
func TestUsageAttributesWithoutCost(t *testing.T) {
	tests := []struct {
		name    string
		model   string
		pricing bool
	}{
		{name: "pricing off", model: "gpt-4o-mini", pricing: false},
		{name: "unpriced model", model: "acme-unreleased-model", pricing: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.Pricing.Enabled = tt.pricing
			s := vercelUsageSpan(t, tt.model)
			s.runProcessor(t, cfg)
			_, priced := s.cost(t)
			require.False(t, priced, "span has a cost")

			attrs := s.span.Attributes()
			input, ok := attrs.Get("gen_ai.usage.input_tokens")
			require.True(t, ok, "input tokens missing")
			assert.Equal(t, int64(100), input.Int())
			output, ok := attrs.Get("gen_ai.usage.output_tokens")
			require.True(t, ok, "output tokens missing")
			assert.Equal(t, int64(10), output.Int())
			user, ok := attrs.Get("user.id")
			require.True(t, ok, "user.id missing")
			assert.Equal(t, "u-1", user.Str())
		})
	}
}

// TestUsageAttributesSkipAggregates checks that the outer Vercel span,
// whose usage sums its model calls, gets no token counts, so that metrics
// count each call once.
func TestUsageAttributesSkipAggregates(t *testing.T) {
	s := newConventionSpan(t, "ai", "ai.generateText", map[string]any{
		"ai.operationId":        "ai.generateText",
		"ai.model.id":           "gpt-4o-mini",
		"ai.model.provider":     "openai.chat",
		"ai.usage.inputTokens":  100,
		"ai.usage.outputTokens": 10,
	})
	s.runProcessor(t, createDefaultConfig().(*Config))
	for _, k := range []string{"gen_ai.usage.input_tokens", "gen_ai.usage.output_tokens", genai.AttrCost} {
		_, ok := s.span.Attributes().Get(k)
		assert.False(t, ok, "%s written on an aggregate span", k)
	}
}

// TestPricerUserIDStaysMasked runs the whole processor: the masking stage
// replaces the e-mail address in the Vercel user id, and the user.id that
// pricing writes is the masked value, never the address the view read.
func TestPricerUserIDStaysMasked(t *testing.T) {
	const email = "alice.smith@example.com"
	cfg := createDefaultConfig().(*Config)
	p, err := newGenAIProcessor(processortest.NewNopSettings(componentType), cfg, pipeline.SignalTraces)
	require.NoError(t, err)

	s := newConventionSpan(t, "ai", "ai.generateText.doGenerate", map[string]any{
		"ai.operationId":               "ai.generateText.doGenerate",
		"ai.model.id":                  "gpt-4o-mini",
		"ai.model.provider":            "openai.chat",
		"ai.usage.inputTokens":         100,
		"ai.usage.outputTokens":        10,
		"ai.telemetry.metadata.userId": email,
	})
	_, err = p.processTraces(context.Background(), s.traces)
	require.NoError(t, err)

	attrs := s.span.Attributes()
	source, ok := attrs.Get("ai.telemetry.metadata.userId")
	require.True(t, ok)
	require.NotContains(t, source.Str(), "alice", "masking left the address in the source attribute")
	user, ok := attrs.Get("user.id")
	require.True(t, ok, "user.id missing")
	assert.Equal(t, source.Str(), user.Str())
	assert.NotContains(t, user.Str(), "alice")
	assert.NotContains(t, user.Str(), "example.com")
}

func TestAddCountsSaturates(t *testing.T) {
	assert.Equal(t, int64(3), addCounts(1, 2))
	assert.Equal(t, int64(math.MaxInt64), addCounts(math.MaxInt64, 1))
	assert.Equal(t, int64(math.MaxInt64), addCounts(math.MaxInt64/2+1, math.MaxInt64/2+1))
	assert.Equal(t, int64(5), addCounts(5, 0))
}

func TestWriteUsageAttributesEmptyUser(t *testing.T) {
	span := ptrace.NewSpan()
	attrs := span.Attributes()
	attrs.PutStr("user.id", "")
	attrs.PutStr("langfuse.user.id", "")
	attrs.PutInt("gen_ai.request.user", 42)
	view := genai.View{UserID: "42", Usage: genai.Usage{InputUncached: 1, Present: true}}
	writeUsageAttributes(attrs, &view)

	user, ok := attrs.Get("user.id")
	require.True(t, ok)
	assert.Equal(t, pcommon.ValueTypeInt, user.Type())
	assert.Equal(t, int64(42), user.Int())
}

func TestPricerServiceTierDefault(t *testing.T) {
	tests := []struct {
		tier string
		want float64
	}{
		{"default", 1000*2.5e-6 + 100*10e-6},
		{"DEFAULT", 1000*2.5e-6 + 100*10e-6},
		{"priority", 1000*4.25e-6 + 100*17e-6},
	}
	for _, tt := range tests {
		t.Run(tt.tier, func(t *testing.T) {
			f := newPricerFixture(t, nil)
			s := newTestSpan("openai", "gpt-4o", map[string]int64{
				"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 100,
			}, map[string]string{"gen_ai.request.service_tier": tt.tier})
			s.price(f.pricer)
			got, ok := s.cost(t)
			require.True(t, ok)
			assertRelative(t, tt.want, got, tt.tier)
		})
	}
}

// traceBatchSpan appends a span of trace id to ss with attrs.
func traceBatchSpan(t *testing.T, ss ptrace.ScopeSpans, id byte, name string, attrs map[string]any) ptrace.Span {
	t.Helper()
	span := ss.Spans().AppendEmpty()
	span.SetTraceID(pcommon.TraceID{id, 1})
	span.SetSpanID(pcommon.SpanID{id, byte(ss.Spans().Len())})
	span.SetName(name)
	require.NoError(t, span.Attributes().FromRaw(attrs))
	return span
}

func chatAttributes() map[string]any {
	return map[string]any{
		"gen_ai.operation.name":      "chat",
		"gen_ai.provider.name":       "openai",
		"gen_ai.request.model":       "gpt-4o",
		"gen_ai.usage.input_tokens":  100,
		"gen_ai.usage.output_tokens": 10,
	}
}

// TestUsageAttributesUserFromTrace checks that model calls without a user
// id get the user id of another span of their trace in the batch, whatever
// the order of the spans and after masking, and that other traces do not.
func TestUsageAttributesUserFromTrace(t *testing.T) {
	const email = "alice.smith@example.com"
	td := ptrace.NewTraces()
	ss := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()
	before := traceBatchSpan(t, ss, 1, "chat gpt-4o", chatAttributes())
	traceBatchSpan(t, ss, 1, "invoke_agent support", map[string]any{
		"gen_ai.operation.name":      "invoke_agent",
		"user.id":                    email,
		"gen_ai.usage.input_tokens":  200,
		"gen_ai.usage.output_tokens": 20,
	})
	after := traceBatchSpan(t, ss, 1, "chat gpt-4o", chatAttributes())
	langfuseUser := traceBatchSpan(t, ss, 2, "chat gpt-4o", chatAttributes())
	traceBatchSpan(t, ss, 2, "root", map[string]any{"langfuse.user.id": "u-42"})
	otherTrace := traceBatchSpan(t, ss, 3, "chat gpt-4o", chatAttributes())

	testSpan{traces: td}.runProcessor(t, createDefaultConfig().(*Config))

	root := ss.Spans().At(1)
	masked, ok := root.Attributes().Get("user.id")
	require.True(t, ok)
	require.NotContains(t, masked.Str(), "alice", "masking left the address on the root span")
	for name, span := range map[string]ptrace.Span{"before the root": before, "after the root": after} {
		user, ok := span.Attributes().Get("user.id")
		require.True(t, ok, "call %s has no user.id", name)
		assert.Equal(t, masked.Str(), user.Str(), "call %s", name)
	}
	user, ok := langfuseUser.Attributes().Get("user.id")
	require.True(t, ok, "user.id from langfuse.user.id missing")
	assert.Equal(t, "u-42", user.Str())
	_, ok = otherTrace.Attributes().Get("user.id")
	assert.False(t, ok, "a trace without a user got one")
}

// TestUserIDKeysMatchView checks that userIDKeys lists the attributes the
// GenAI view reads the user id from, in the view's order of priority.
func TestUserIDKeysMatchView(t *testing.T) {
	for i, key := range userIDKeys {
		span := ptrace.NewSpan()
		span.Attributes().PutStr(key, "u-"+key)
		// Every later key carries another user id, which the view must not
		// prefer.
		for _, later := range userIDKeys[i+1:] {
			span.Attributes().PutStr(later, "later")
		}
		var view genai.View
		genai.ReadUsage(&view, pcommon.NewResource(), pcommon.NewInstrumentationScope(), span)
		assert.Equal(t, "u-"+key, view.UserID, "key %s", key)
	}
}
