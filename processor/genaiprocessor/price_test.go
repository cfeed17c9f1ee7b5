package genaiprocessor

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/attribute"
	sdkmetric "go.opentelemetry.io/otel/sdk/metric"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/pricing"
)

// testSpan is a span in the OpenTelemetry GenAI convention with its resource
// and scope.
type testSpan struct {
	traces   ptrace.Traces
	resource pcommon.Resource
	scope    pcommon.InstrumentationScope
	span     ptrace.Span
}

func newTestSpan(provider, model string, ints map[string]int64, strs map[string]string) testSpan {
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	ss := rs.ScopeSpans().AppendEmpty()
	span := ss.Spans().AppendEmpty()
	span.SetName("chat " + model)
	span.SetKind(ptrace.SpanKindClient)
	attrs := span.Attributes()
	attrs.PutStr("gen_ai.operation.name", "chat")
	attrs.PutStr("gen_ai.provider.name", provider)
	attrs.PutStr("gen_ai.request.model", model)
	for k, v := range ints {
		attrs.PutInt(k, v)
	}
	for k, v := range strs {
		attrs.PutStr(k, v)
	}
	return testSpan{traces: td, resource: rs.Resource(), scope: ss.Scope(), span: span}
}

// price reads the span into a view and runs the pricing stage on it.
func (s testSpan) price(p *pricer) *genai.View {
	var view genai.View
	genai.ReadUsage(&view, s.resource, s.scope, s.span)
	sc := spanContext{resource: s.resource, scope: s.scope, span: s.span, view: &view}
	p.processSpan(context.Background(), &sc)
	p.record(context.Background(), &sc.priced)
	sc.text.release()
	return &view
}

func (s testSpan) cost(t *testing.T) (float64, bool) {
	t.Helper()
	v, ok := s.span.Attributes().Get(genai.AttrCost)
	if !ok {
		return 0, false
	}
	require.Equal(t, pcommon.ValueTypeDouble, v.Type())
	return v.Double(), true
}

type pricerFixture struct {
	pricer *pricer
	reader *sdkmetric.ManualReader
	logs   *observer.ObservedLogs
}

func newPricerFixture(t *testing.T, mutate func(*PricingConfig)) pricerFixture {
	t.Helper()
	cfg := defaultPricingConfig()
	if mutate != nil {
		mutate(&cfg)
	}
	require.NoError(t, cfg.Validate())

	reader := sdkmetric.NewManualReader()
	core, logs := observer.New(zap.InfoLevel)
	set := processortest.NewNopSettings(componentType)
	set.Logger = zap.New(core)
	set.MeterProvider = sdkmetric.NewMeterProvider(sdkmetric.WithReader(reader))

	p, err := newPricer(set, &cfg)
	require.NoError(t, err)
	return pricerFixture{pricer: p, reader: reader, logs: logs}
}

// counter returns the sum of the counter name per value of attribute key
// ("" for points without it).
func (f pricerFixture) counter(t *testing.T, name, key string) map[string]int64 {
	t.Helper()
	var rm metricdata.ResourceMetrics
	require.NoError(t, f.reader.Collect(context.Background(), &rm))
	out := map[string]int64{}
	for _, sm := range rm.ScopeMetrics {
		for _, m := range sm.Metrics {
			if m.Name != name {
				continue
			}
			sum, ok := m.Data.(metricdata.Sum[int64])
			require.True(t, ok, "%s is not an int64 sum", name)
			for _, dp := range sum.DataPoints {
				v, _ := dp.Attributes.Value(attribute.Key(key))
				out[v.AsString()] += dp.Value
			}
		}
	}
	return out
}

// caseUsage is the usage of a pricing case in the OpenTelemetry convention.
type caseUsage struct {
	Input           int64  `json:"input"`
	CachedInput     int64  `json:"cached_input"`
	CacheCreation   int64  `json:"cache_creation"`
	CacheCreation1h int64  `json:"cache_creation_1h"`
	Output          int64  `json:"output"`
	Reasoning       int64  `json:"reasoning"`
	AudioInput      int64  `json:"audio_input"`
	AudioOutput     int64  `json:"audio_output"`
	Batch           bool   `json:"batch"`
	ServiceTier     string `json:"service_tier"`
}

type pricingCase struct {
	ID       string    `json:"id"`
	Model    string    `json:"model"`
	Provider string    `json:"provider"`
	Expected *float64  `json:"expected_cost_usd"`
	Usage    caseUsage `json:"usage"`
}

func readPricingCases(t *testing.T) []pricingCase {
	t.Helper()
	f, err := os.Open(filepath.Join("..", "..", "internal", "pricing", "testdata", "pricing_cases.jsonl"))
	require.NoError(t, err)
	defer f.Close()
	var cases []pricingCase
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		var c pricingCase
		require.NoError(t, json.Unmarshal(sc.Bytes(), &c))
		cases = append(cases, c)
	}
	require.NoError(t, sc.Err())
	return cases
}

// spanOf builds the span an instrumentation following the OpenTelemetry
// GenAI convention sends for the case: input includes cached input and cache
// writes, output includes reasoning and audio.
func (c pricingCase) spanOf() testSpan {
	provider := c.Provider
	switch {
	case provider != "":
	case strings.Contains(c.Model, "claude"):
		provider = "anthropic"
	case strings.Contains(c.Model, "gemini"):
		provider = "gcp.gemini"
	default:
		provider = "openai"
	}
	ints := map[string]int64{
		"gen_ai.usage.input_tokens":  c.Usage.Input,
		"gen_ai.usage.output_tokens": c.Usage.Output,
	}
	put := func(key string, v int64) {
		if v > 0 {
			ints[key] = v
		}
	}
	put("gen_ai.usage.cache_read.input_tokens", c.Usage.CachedInput)
	put("gen_ai.usage.cache_creation.input_tokens", c.Usage.CacheCreation)
	put("gen_ai.usage.reasoning.output_tokens", c.Usage.Reasoning)
	put("gen_ai.usage.audio.input_tokens", c.Usage.AudioInput)
	put("gen_ai.usage.audio.output_tokens", c.Usage.AudioOutput)
	strs := map[string]string{}
	if c.Usage.ServiceTier != "" {
		strs["gen_ai.request.service_tier"] = c.Usage.ServiceTier
	}
	return newTestSpan(provider, c.Model, ints, strs)
}

func assertRelative(t *testing.T, want, got float64, msg string) {
	t.Helper()
	assert.LessOrEqualf(t, math.Abs(got-want), 1e-9*math.Abs(want), "%s: want %v, got %v", msg, want, got)
}

// Every pricing case whose usage the GenAI conventions can carry, read from a
// span and priced by the stage.
func TestPricerCasesThroughRead(t *testing.T) {
	f := newPricerFixture(t, nil)
	for _, c := range readPricingCases(t) {
		t.Run(c.ID, func(t *testing.T) {
			switch {
			case c.Usage.Batch:
				t.Skip("no span attribute marks a batch request; the pricing package tests batch rates")
			case c.Usage.CacheCreation1h > 0:
				t.Skip("no span attribute carries 1-hour cache writes; the pricing package tests them")
			case c.Usage.Input == 0 && c.Usage.Output == 0:
				t.Skip("audio seconds are not read from spans; the pricing package tests them")
			}
			s := c.spanOf()
			s.price(f.pricer)
			got, ok := s.cost(t)
			if c.Expected == nil {
				assert.False(t, ok, "unpriced model %s got a cost", c.Model)
				return
			}
			require.True(t, ok, "model %s got no cost", c.Model)
			assertRelative(t, *c.Expected, got, c.ID)
		})
	}
}

func TestPricerDoubleCountingTraps(t *testing.T) {
	f := newPricerFixture(t, nil)
	tests := []struct {
		name     string
		provider string
		model    string
		ints     map[string]int64
		want     float64
	}{
		{
			name: "openai cached tokens inside prompt", provider: "openai", model: "gpt-4o",
			ints: map[string]int64{
				"gen_ai.usage.input_tokens": 2006, "gen_ai.usage.cache_read.input_tokens": 1920,
				"gen_ai.usage.output_tokens": 300,
			},
			want: 0.005615,
		},
		{
			// Anthropic's native input_tokens excludes cache reads.
			name: "anthropic cache reads outside input", provider: "anthropic", model: "claude-3-5-haiku-20241022",
			ints: map[string]int64{
				"gen_ai.usage.input_tokens": 4, "gen_ai.usage.cache_read.input_tokens": 2455,
				"gen_ai.usage.output_tokens": 23,
			},
			want: 0.0002916,
		},
		{
			name: "reasoning inside output", provider: "openai", model: "o3",
			ints: map[string]int64{
				"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 5000,
				"gen_ai.usage.reasoning.output_tokens": 4000,
			},
			want: 1000*2e-6 + 5000*8e-6,
		},
		{
			name: "gemini thinking tokens own rate", provider: "gcp.gemini", model: "gemini-2.5-flash-preview-04-17",
			ints: map[string]int64{
				"gen_ai.usage.input_tokens": 1000, "gen_ai.usage.output_tokens": 1000,
				"gen_ai.usage.reasoning.output_tokens": 800,
			},
			want: 0.00307,
		},
		{
			name: "long context tier whole request", provider: "anthropic", model: "claude-sonnet-4-5",
			ints: map[string]int64{
				"gen_ai.usage.input_tokens": 230000, "gen_ai.usage.cache_read.input_tokens": 200000,
				"gen_ai.usage.cache_creation.input_tokens": 10000, "gen_ai.usage.output_tokens": 4000,
			},
			want: 0.405,
		},
		{
			name: "embeddings", provider: "openai", model: "text-embedding-3-small",
			ints: map[string]int64{"gen_ai.usage.input_tokens": 50000},
			want: 50000 * 0.02e-6,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSpan(tt.provider, tt.model, tt.ints, nil)
			s.price(f.pricer)
			got, ok := s.cost(t)
			require.True(t, ok)
			assertRelative(t, tt.want, got, tt.name)
		})
	}
}

func TestPricerWritesAttributes(t *testing.T) {
	f := newPricerFixture(t, nil)
	s := newTestSpan("openai", "gpt-4o", map[string]int64{
		"gen_ai.usage.input_tokens": 2006, "gen_ai.usage.cache_read.input_tokens": 1920,
		"gen_ai.usage.output_tokens": 300,
	}, nil)
	s.price(f.pricer)

	attrs := s.span.Attributes()
	id, ok := attrs.Get(genai.AttrPriceID)
	require.True(t, ok)
	assert.Equal(t, "builtin:gpt-4o", id.Str())

	raw, ok := attrs.Get(genai.AttrCostDetails)
	require.True(t, ok)
	var details map[string]float64
	require.NoError(t, json.Unmarshal([]byte(raw.Str()), &details))
	assertRelative(t, 86*2.5e-6, details["input"], "input")
	assertRelative(t, 1920*1.25e-6, details["input_cache_read"], "input_cache_read")
	assertRelative(t, 300*10e-6, details["output"], "output")
	assertRelative(t, 0.005615, details["total"], "total")
	assert.Equal(t, map[string]int64{"": 1}, f.counter(t, "otelcol_genai_pricing_priced_spans", ""))
}

func TestPricerSkips(t *testing.T) {
	f := newPricerFixture(t, nil)
	usage := genai.Usage{InputUncached: 100, Output: 10, Present: true}
	tests := []struct {
		name string
		view genai.View
	}{
		{"aggregate span", genai.View{RequestModel: "gpt-4o", Usage: usage, Aggregate: true}},
		{"no usage", genai.View{RequestModel: "gpt-4o"}},
		{"no model", genai.View{Usage: usage}},
		// A span with the application's cost keeps it and gets nothing.
		{"app cost kept", genai.View{RequestModel: "gpt-4o", Usage: usage, HasCost: true, Cost: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			span := ptrace.NewSpan()
			sc := spanContext{span: span, view: &tt.view}
			f.pricer.processSpan(context.Background(), &sc)
			f.pricer.record(context.Background(), &sc.priced)
			for _, k := range []string{genai.AttrCost, genai.AttrCostDetails, genai.AttrPriceID} {
				_, ok := span.Attributes().Get(k)
				assert.False(t, ok, "%s written", k)
			}
			assert.Equal(t, 0, span.Attributes().Len())
		})
	}
	assert.Equal(t, map[string]int64{"": 1}, f.counter(t, "otelcol_genai_pricing_app_cost_kept_spans", ""))
}

func TestPricerOverrideAppCost(t *testing.T) {
	f := newPricerFixture(t, func(c *PricingConfig) { c.OverrideAppCost = true })
	view := genai.View{
		RequestModel: "gpt-4o", HasCost: true, Cost: 1,
		Usage: genai.Usage{InputUncached: 1000, Output: 100, Present: true},
	}
	span := ptrace.NewSpan()
	f.pricer.processSpan(context.Background(), &spanContext{span: span, view: &view})
	v, ok := span.Attributes().Get(genai.AttrCost)
	require.True(t, ok)
	assertRelative(t, 1000*2.5e-6+100*10e-6, v.Double(), "repriced")
}

func TestPricerResponseModelWins(t *testing.T) {
	f := newPricerFixture(t, nil)
	s := newTestSpan("openai", "gpt-4o", map[string]int64{
		"gen_ai.usage.input_tokens": 10000, "gen_ai.usage.output_tokens": 1000,
	}, map[string]string{"gen_ai.response.model": "gpt-4o-2024-05-13"})
	s.price(f.pricer)
	got, ok := s.cost(t)
	require.True(t, ok)
	assertRelative(t, 0.065, got, "response model price")
}

func TestPricerAliasForDeployment(t *testing.T) {
	f := newPricerFixture(t, func(c *PricingConfig) {
		c.Aliases = map[string]string{"prod-4o-mini": "azure/gpt-4o-mini"}
	})
	s := newTestSpan("azure.ai.openai", "prod-4o-mini", map[string]int64{
		"gen_ai.usage.input_tokens": 1000000, "gen_ai.usage.output_tokens": 100000,
	}, nil)
	s.price(f.pricer)
	got, ok := s.cost(t)
	require.True(t, ok)
	assertRelative(t, 0.231, got, "azure deployment")
}

func TestPricerUnpriced(t *testing.T) {
	f := newPricerFixture(t, func(c *PricingConfig) { c.MaxUnpricedModels = 2 })
	models := []string{"acme-1", "acme-1", "acme-1", "acme-2", "acme-3", "acme-4"}
	for _, m := range models {
		s := newTestSpan("acme", m, map[string]int64{"gen_ai.usage.input_tokens": 10}, nil)
		s.price(f.pricer)
		_, ok := s.cost(t)
		assert.False(t, ok, "unpriced model %s got a cost", m)
		_, ok = s.span.Attributes().Get(genai.AttrPriceID)
		assert.False(t, ok)
	}

	assert.Equal(t, map[string]int64{"acme-1": 3, "acme-2": 1, "other": 2},
		f.counter(t, "otelcol_genai_pricing_unpriced_spans", "model"))
	// One warning per tracked model, and one for all others together.
	warnings := f.logs.FilterMessageSnippet("No price for model").All()
	require.Len(t, warnings, 3)
	assert.Equal(t, "acme-1", warnings[0].ContextMap()["model"])
	assert.Equal(t, "acme-3", warnings[2].ContextMap()["model"])
}

func TestUnpricedModelsInterval(t *testing.T) {
	u := newUnpricedModels(10, time.Minute)
	now := time.Unix(1_700_000_000, 0)
	_, warn, _ := u.record("m", now)
	assert.True(t, warn)
	_, warn, _ = u.record("m", now.Add(30*time.Second))
	assert.False(t, warn)
	_, warn, _ = u.record("m", now.Add(40*time.Second))
	assert.False(t, warn)
	_, warn, suppressed := u.record("m", now.Add(61*time.Second))
	assert.True(t, warn)
	assert.Equal(t, int64(2), suppressed)
}

func TestPricerReloadsTableFile(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.yaml")
	write := func(input string, mtime time.Time) {
		content := "models:\n  - model: acme-chat\n    prices: {input: " + input + ", output: 1}\n"
		require.NoError(t, os.WriteFile(path, []byte(content), 0o600))
		require.NoError(t, os.Chtimes(path, mtime, mtime))
	}
	start := time.Now().Add(-time.Hour)
	write("1", start)

	f := newPricerFixture(t, func(c *PricingConfig) {
		c.Tables = []PricingTableConfig{{Path: path}}
		c.ReloadInterval = 10 * time.Millisecond
	})
	require.NoError(t, f.pricer.start(context.Background(), nil))
	t.Cleanup(func() { assert.NoError(t, f.pricer.shutdown(context.Background())) })

	costOf := func() float64 {
		s := newTestSpan("acme", "acme-chat", map[string]int64{"gen_ai.usage.input_tokens": 1000000}, nil)
		s.price(f.pricer)
		got, ok := s.cost(t)
		require.True(t, ok)
		return got
	}
	assertRelative(t, 1, costOf(), "initial table")

	write("2", start.Add(time.Minute))
	require.Eventually(t, func() bool { return math.Abs(costOf()-2) < 1e-9 }, 5*time.Second, 10*time.Millisecond)

	// An invalid file keeps the last good table and logs why.
	require.NoError(t, os.WriteFile(path, []byte("models: [\n"), 0o600))
	require.NoError(t, os.Chtimes(path, start.Add(2*time.Minute), start.Add(2*time.Minute)))
	require.Eventually(t, func() bool {
		return f.logs.FilterMessage("Price table reload failed").Len() == 1
	}, 5*time.Second, 10*time.Millisecond)
	assertRelative(t, 2, costOf(), "previous table kept")
	assert.Equal(t, map[string]int64{"": 1}, f.counter(t, "otelcol_genai_pricing_table_reload_failures", ""))
}

func TestNewPricerBadTable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "prices.json")
	require.NoError(t, os.WriteFile(path, []byte(`{"chat":{"gpt-4o":{"promptPrice":0.0025}}}`), 0o600))
	cfg := defaultPricingConfig()
	cfg.Tables = []PricingTableConfig{{Path: path}}
	_, err := newPricer(processortest.NewNopSettings(componentType), &cfg)
	require.Error(t, err)
	assert.Contains(t, err.Error(), "no priced model")
}

func TestPricerDisabled(t *testing.T) {
	f := newPricerFixture(t, func(c *PricingConfig) { c.Enabled = false })
	s := newTestSpan("openai", "gpt-4o", map[string]int64{"gen_ai.usage.input_tokens": 10}, nil)
	s.price(f.pricer)
	_, ok := s.cost(t)
	assert.False(t, ok)
	require.NoError(t, f.pricer.start(context.Background(), nil))
	require.NoError(t, f.pricer.shutdown(context.Background()))
}

func TestPricingConfigValidate(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*PricingConfig)
		wantErr string
	}{
		{"default", func(*PricingConfig) {}, ""},
		{"empty path", func(c *PricingConfig) { c.Tables = []PricingTableConfig{{Path: " "}} }, "path is empty"},
		{"bad format", func(c *PricingConfig) { c.Tables = []PricingTableConfig{{Path: "a", Format: "csv"}} }, `format "csv"`},
		{"bad model", func(c *PricingConfig) {
			c.Models = []pricing.ModelSpec{{Model: "m", Prices: map[string]float64{"inptu": 1}}}
		}, `unknown usage type "inptu"`},
		{"empty alias", func(c *PricingConfig) { c.Aliases = map[string]string{"a": ""} }, "empty side"},
		{"negative reload", func(c *PricingConfig) { c.ReloadInterval = -time.Second }, "reload_interval"},
		{"negative log interval", func(c *PricingConfig) { c.UnpricedLogInterval = -time.Second }, "unpriced_log_interval"},
		{"zero unpriced models", func(c *PricingConfig) { c.MaxUnpricedModels = 0 }, "max_unpriced_models"},
		{"nothing to price", func(c *PricingConfig) { c.DefaultTable = false }, "nothing is priced"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultPricingConfig()
			tt.mutate(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// realisticSpan is an OpenAI chat span as an OpenTelemetry GenAI
// instrumentation sends it: 2,006 input tokens, 1,920 of them read from the
// prompt cache, and 300 output tokens, with messages of the size those
// counts imply.
func realisticSpan() testSpan {
	return pricedChatSpan(2006, 1920, 300)
}

// bytesPerToken is about how many bytes of English text one token of the
// GPT-4o tokenizer covers.
const bytesPerToken = 4

// pricedChatSpan is an OpenAI chat span with input input tokens (cached of them
// from the prompt cache) and output output tokens, whose system
// instructions, user message and answer hold as much text as the counts
// imply.
func pricedChatSpan(input, cached, output int64) testSpan {
	system := min(input/10, 150) * bytesPerToken
	user := input*bytesPerToken - system
	s := newTestSpan("openai", "gpt-4o", map[string]int64{
		"gen_ai.usage.input_tokens":            input,
		"gen_ai.usage.cache_read.input_tokens": cached,
		"gen_ai.usage.output_tokens":           output,
		"gen_ai.request.max_tokens":            1024,
	}, map[string]string{
		"gen_ai.response.model":       "gpt-4o-2024-08-06",
		"gen_ai.response.id":          "chatcmpl-AbCdEf0123456789",
		"gen_ai.system_instructions":  `[{"type":"text","content":"` + prose(int(system)) + `"}]`,
		"gen_ai.input.messages":       `[{"role":"user","parts":[{"type":"text","content":"` + prose(int(user)) + `"}]}]`,
		"gen_ai.output.messages":      `[{"role":"assistant","parts":[{"type":"text","content":"` + prose(int(output*bytesPerToken)) + `"}],"finish_reason":"stop"}]`,
		"gen_ai.conversation.id":      "conv-42",
		"server.address":              "api.openai.com",
		"gen_ai.request.service_tier": "default",
	})
	s.span.SetTraceID(pcommon.TraceID([16]byte{1, 2, 3}))
	s.span.SetSpanID(pcommon.SpanID([8]byte{4, 5, 6}))
	return s
}

// proseSentences is the text that prose repeats: a business report without
// personal data.
var proseSentences = [...]string{
	"Revenue grew in every region during the third quarter. ",
	"The enterprise segment led growth, while consumer sales were flat. ",
	"Operating margin improved by two points as hosting costs fell. ",
	"Churn among small customers rose slightly after the price change. ",
	"The team expects demand to stay strong through the holiday season. ",
	"Summarise the main drivers and list the risks for next year. ",
}

// prose returns n bytes of English text.
func prose(n int) string {
	var b strings.Builder
	b.Grow(n + 80)
	for i := 0; b.Len() < n; i++ {
		b.WriteString(proseSentences[i%len(proseSentences)])
	}
	return b.String()[:n]
}

// BenchmarkReadView is the view read that the pricing and usage-attributes
// stages share; BenchmarkPriceSpan adds the pricing stage to it, so the
// difference is what pricing costs per span on a warm, reused span.
func BenchmarkReadView(b *testing.B) {
	s := realisticSpan()
	var view genai.View
	attrs := s.span.Attributes()
	b.ReportAllocs()
	for b.Loop() {
		genai.ReadUsage(&view, s.resource, s.scope, s.span)
		// The same removals as in BenchmarkPriceSpan, which find nothing
		// here, so that the difference is the pricing stage alone.
		attrs.Remove(genai.AttrCost)
		attrs.Remove(genai.AttrCostDetails)
		attrs.Remove(genai.AttrPriceID)
	}
}

func BenchmarkPriceSpan(b *testing.B) {
	s := realisticSpan()
	cfg := defaultPricingConfig()
	p, err := newPricer(processortest.NewNopSettings(componentType), &cfg)
	require.NoError(b, err)
	var view genai.View
	sc := spanContext{resource: s.resource, scope: s.scope, span: s.span, view: &view}
	attrs := s.span.Attributes()
	b.ReportAllocs()
	for b.Loop() {
		genai.ReadUsage(&view, s.resource, s.scope, s.span)
		p.processSpan(context.Background(), &sc)
		// Remove the cost so that the next read gets the same span.
		attrs.Remove(genai.AttrCost)
		attrs.Remove(genai.AttrCostDetails)
		attrs.Remove(genai.AttrPriceID)
	}
}

// BenchmarkPricerProcessSpan is the pricing stage alone on a view already
// read, including the removal of the attributes it writes.
func BenchmarkPricerProcessSpan(b *testing.B) {
	s := realisticSpan()
	cfg := defaultPricingConfig()
	p, err := newPricer(processortest.NewNopSettings(componentType), &cfg)
	require.NoError(b, err)
	var view genai.View
	genai.ReadUsage(&view, s.resource, s.scope, s.span)
	sc := spanContext{resource: s.resource, scope: s.scope, span: s.span, view: &view}
	attrs := s.span.Attributes()
	b.ReportAllocs()
	for b.Loop() {
		p.processSpan(context.Background(), &sc)
		attrs.Remove(genai.AttrCost)
		attrs.Remove(genai.AttrCostDetails)
		attrs.Remove(genai.AttrPriceID)
	}
}

func TestPricingConfigUnmarshal(t *testing.T) {
	conf := confmap.NewFromStringMap(map[string]any{
		"pricing": map[string]any{
			"tables":            []any{map[string]any{"path": "/etc/prices.json", "format": "litellm"}},
			"aliases":           map[string]any{"prod-4o-mini": "azure/gpt-4o-mini"},
			"override_app_cost": true,
			"reload_interval":   "1m",
			"models": []any{map[string]any{
				"model":  "acme-chat",
				"prices": map[string]any{"input": 0.5, "output": 1.5},
				"tiers": []any{map[string]any{
					"above_input_tokens": 100000,
					"prices":             map[string]any{"input": 1},
				}},
				"service_tiers": map[string]any{"priority": map[string]any{"input": 0.9}},
			}},
		},
	})
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, conf.Unmarshal(cfg))
	require.NoError(t, cfg.Pricing.Validate())

	pc := cfg.Pricing
	assert.True(t, pc.Enabled)
	assert.True(t, pc.DefaultTable)
	assert.True(t, pc.OverrideAppCost)
	assert.Equal(t, time.Minute, pc.ReloadInterval)
	assert.Equal(t, []PricingTableConfig{{Path: "/etc/prices.json", Format: "litellm"}}, pc.Tables)
	assert.Equal(t, "azure/gpt-4o-mini", pc.Aliases["prod-4o-mini"])
	require.Len(t, pc.Models, 1)
	assert.Equal(t, "acme-chat", pc.Models[0].Model)
	assert.InDelta(t, 1.5, pc.Models[0].Prices["output"], 1e-12)
	require.Len(t, pc.Models[0].Tiers, 1)
	assert.Equal(t, int64(100000), pc.Models[0].Tiers[0].AboveInputTokens)
	assert.InDelta(t, 0.9, pc.Models[0].ServiceTiers["priority"]["input"], 1e-12)
}
