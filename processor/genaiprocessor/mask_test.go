package genaiprocessor

import (
	"context"
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

// maskOnlyConfig returns the default configuration with every stage but
// masking switched off.
func maskOnlyConfig() *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Sampling.Enabled = false
	cfg.Pricing.Enabled = false
	return cfg
}

func runMaskTraces(t *testing.T, cfg *Config, td ptrace.Traces) (ptrace.Traces, *componenttest.Telemetry) {
	t.Helper()
	tel := componenttest.NewTelemetry()
	t.Cleanup(func() { require.NoError(t, tel.Shutdown(context.Background())) })
	set := processortest.NewNopSettings(componentType)
	set.TelemetrySettings = tel.NewTelemetrySettings()

	sink := &consumertest.TracesSink{}
	p, err := NewFactory().CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeTraces(context.Background(), td))
	require.NoError(t, p.Shutdown(context.Background()))
	require.Len(t, sink.AllTraces(), 1)
	return sink.AllTraces()[0], tel
}

func newMaskTestSpan(td ptrace.Traces) ptrace.Span {
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "chat")
	rs.Resource().Attributes().PutStr("deployment.owner", "ops.lead@example.com")
	ss := rs.ScopeSpans().AppendEmpty()
	ss.Scope().SetName("openai")
	ss.Scope().Attributes().PutStr("contact", "call +44 (20) 7123 4567")
	span := ss.Spans().AppendEmpty()
	span.SetName("chat gpt-4o")
	span.SetTraceID(pcommon.TraceID{1, 2, 3})
	span.SetSpanID(pcommon.SpanID{4, 5, 6})
	return span
}

func TestMaskSpanAttributesEventsResourceScope(t *testing.T) {
	td := ptrace.NewTraces()
	span := newMaskTestSpan(td)
	span.Attributes().PutStr("gen_ai.system", "openai")
	span.Attributes().PutStr("gen_ai.prompt", "Mail jane.doe@example.com or call 415-555-0132.")
	span.Attributes().PutStr("gen_ai.input.messages",
		`[{"role":"user","content":"my card is 4111 1111 1111 1111, email jane\u0040example.com"}]`)
	span.Attributes().PutStr("langfuse.observation.parent_id", "5309136012499991")
	span.Attributes().PutInt("gen_ai.usage.input_tokens", 4111111111111111)
	tags := span.Attributes().PutEmptySlice("tags")
	tags.AppendEmpty().SetStr("vip")
	tags.AppendEmpty().SetStr("owner=ann@example.org")
	ev := span.Events().AppendEmpty()
	ev.SetName("gen_ai.user.message")
	ev.Attributes().PutStr("content", "IBAN DE89 3704 0044 0532 0130 00")

	out, _ := runMaskTraces(t, maskOnlyConfig(), td)
	rs := out.ResourceSpans().At(0)
	got := rs.ScopeSpans().At(0).Spans().At(0)
	attrs := got.Attributes()

	prompt, _ := attrs.Get("gen_ai.prompt")
	assert.Equal(t, "Mail [REDACTED:EMAIL] or call [REDACTED:PHONE].", prompt.Str())

	messages, _ := attrs.Get("gen_ai.input.messages")
	assert.True(t, json.Valid([]byte(messages.Str())), messages.Str())
	assert.NotContains(t, messages.Str(), "4111")
	assert.NotContains(t, messages.Str(), `jane\u0040example.com`)
	assert.Contains(t, messages.Str(), `"role":"user"`)

	parent, _ := attrs.Get("langfuse.observation.parent_id")
	assert.Equal(t, "5309136012499991", parent.Str(), "identifier keys must veto card matches")
	tokens, _ := attrs.Get("gen_ai.usage.input_tokens")
	assert.Equal(t, int64(4111111111111111), tokens.Int(), "integers are not scanned")
	system, _ := attrs.Get("gen_ai.system")
	assert.Equal(t, "openai", system.Str())

	tagsOut, _ := attrs.Get("tags")
	assert.Equal(t, "vip", tagsOut.Slice().At(0).Str())
	assert.Equal(t, "owner=[REDACTED:EMAIL]", tagsOut.Slice().At(1).Str())

	content, _ := got.Events().At(0).Attributes().Get("content")
	assert.Equal(t, "IBAN [REDACTED:IBAN]", content.Str())

	owner, _ := rs.Resource().Attributes().Get("deployment.owner")
	assert.Equal(t, "[REDACTED:EMAIL]", owner.Str())
	contact, _ := rs.ScopeSpans().At(0).Scope().Attributes().Get("contact")
	assert.Equal(t, "call [REDACTED:PHONE]", contact.Str())

	_, hasSummary := attrs.Get(maskSummaryAttribute)
	assert.False(t, hasSummary, "summary attribute is opt-in")
}

func TestMaskMetricsPerDetectorAndAction(t *testing.T) {
	td := ptrace.NewTraces()
	span := newMaskTestSpan(td)
	span.Attributes().PutStr("gen_ai.prompt", "a@example.com b@example.com 4111111111111111")

	cfg := maskOnlyConfig()
	cfg.Masking.Detectors.CreditCard.Action = "drop"
	out, tel := runMaskTraces(t, cfg, td)

	_, ok := out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("gen_ai.prompt")
	assert.False(t, ok, "drop removes the whole attribute")

	m, err := tel.GetMetric("otelcol_genai_masking_matches")
	require.NoError(t, err)
	sum := m.Data.(metricdata.Sum[int64])
	counts := map[string]int64{}
	for _, dp := range sum.DataPoints {
		detector, _ := dp.Attributes.Value("detector")
		action, _ := dp.Attributes.Value("action")
		counts[detector.AsString()+"/"+action.AsString()] = dp.Value
	}
	// Two e-mails in the prompt, one in the resource; one phone in the scope.
	assert.Equal(t, int64(3), counts["email/redact"])
	assert.Equal(t, int64(1), counts["credit_card/drop"])
	assert.Equal(t, int64(1), counts["phone/redact"])
}

func TestMaskSummaryAndPseudonyms(t *testing.T) {
	build := func() ptrace.Traces {
		td := ptrace.NewTraces()
		span := newMaskTestSpan(td)
		span.Attributes().PutStr("gen_ai.prompt", "write to Jane.Doe@example.com")
		span.Attributes().PutStr("user.email", "jane.doe@example.com")
		return td
	}
	cfg := maskOnlyConfig()
	cfg.Masking.SummaryAttribute = true
	cfg.Masking.Detectors.Email.Action = "pseudonymize"
	cfg.Masking.PseudonymizationKey = "0123456789abcdef0123456789abcdef"

	first, _ := runMaskTraces(t, cfg, build())
	second, _ := runMaskTraces(t, cfg, build())
	a := first.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	b := second.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()

	email, _ := a.Get("user.email")
	assert.Regexp(t, `^\[EMAIL:[0-9a-f]{12}\]$`, email.Str())
	prompt, _ := a.Get("gen_ai.prompt")
	assert.Equal(t, "write to "+email.Str(), prompt.Str(), "case differences give the same pseudonym")
	emailAgain, _ := b.Get("user.email")
	assert.Equal(t, email.Str(), emailAgain.Str(), "pseudonyms are stable across batches")

	count, ok := a.Get(maskSummaryAttribute)
	require.True(t, ok)
	assert.Equal(t, int64(2), count.Int())
}

func TestMaskRuleWithCondition(t *testing.T) {
	build := func(system string) ptrace.Traces {
		td := ptrace.NewTraces()
		span := newMaskTestSpan(td)
		span.Attributes().PutStr("gen_ai.system", system)
		span.Attributes().PutStr("gen_ai.prompt", "employee EMP-123456 asked")
		return td
	}
	cfg := maskOnlyConfig()
	cfg.Masking.Rules = []MaskingRule{{
		Name:      "employee_id",
		Pattern:   `EMP-\d{6}`,
		Condition: `attributes["gen_ai.system"] == "openai"`,
	}}

	out, _ := runMaskTraces(t, cfg, build("openai"))
	prompt, _ := out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("gen_ai.prompt")
	assert.Equal(t, "employee [REDACTED:EMPLOYEE_ID] asked", prompt.Str())

	out, _ = runMaskTraces(t, cfg, build("anthropic"))
	prompt, _ = out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("gen_ai.prompt")
	assert.Equal(t, "employee EMP-123456 asked", prompt.Str())
}

func TestMaskIncludeExcludeAllow(t *testing.T) {
	td := ptrace.NewTraces()
	span := newMaskTestSpan(td)
	span.Attributes().PutStr("gen_ai.prompt", "ask support@example.com or bob@example.com")
	span.Attributes().PutStr("debug.raw", "bob@example.com")
	span.Attributes().PutStr("other", "bob@example.com")

	cfg := maskOnlyConfig()
	cfg.Masking.IncludeKeys = []string{"gen_ai.*", "debug.*"}
	cfg.Masking.ExcludeKeys = []string{"debug.*"}
	cfg.Masking.Allow.Values = []string{"support@example.com"}
	out, _ := runMaskTraces(t, cfg, td)
	attrs := out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()

	prompt, _ := attrs.Get("gen_ai.prompt")
	assert.Equal(t, "ask support@example.com or [REDACTED:EMAIL]", prompt.Str())
	raw, _ := attrs.Get("debug.raw")
	assert.Equal(t, "bob@example.com", raw.Str(), "excluded key")
	other, _ := attrs.Get("other")
	assert.Equal(t, "bob@example.com", other.Str(), "key not included")
}

func TestMaskInvalidUTF8FailsClosed(t *testing.T) {
	td := ptrace.NewTraces()
	span := newMaskTestSpan(td)
	span.Attributes().PutStr("gen_ai.prompt", "jane@example.com \xff\xfe")
	out, tel := runMaskTraces(t, maskOnlyConfig(), td)

	prompt, _ := out.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes().Get("gen_ai.prompt")
	assert.Equal(t, "[REDACTED:UNSCANNABLE]", prompt.Str())
	m, err := tel.GetMetric("otelcol_genai_masking_failed_closed")
	require.NoError(t, err)
	assert.Equal(t, int64(1), m.Data.(metricdata.Sum[int64]).DataPoints[0].Value)
}

func TestMaskLogs(t *testing.T) {
	ld := plog.NewLogs()
	rl := ld.ResourceLogs().AppendEmpty()
	rl.Resource().Attributes().PutStr("user", "ann@example.org")
	lr := rl.ScopeLogs().AppendEmpty().LogRecords().AppendEmpty()
	lr.Body().SetStr("score comment: call me at +33 1 42 68 53 00")
	lr.Attributes().PutStr("langfuse.score.name", "helpfulness")
	mapBody := rl.ScopeLogs().At(0).LogRecords().AppendEmpty()
	mapBody.Body().SetEmptyMap().PutStr("comment", "key sk-proj-abc123DEF456ghi789JKL012mno")

	cfg := maskOnlyConfig()
	cfg.Masking.SummaryAttribute = true
	sink := &consumertest.LogsSink{}
	p, err := NewFactory().CreateLogs(context.Background(), processortest.NewNopSettings(componentType), cfg, sink)
	require.NoError(t, err)
	require.NoError(t, p.Start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.ConsumeLogs(context.Background(), ld))
	require.NoError(t, p.Shutdown(context.Background()))

	got := sink.AllLogs()[0].ResourceLogs().At(0)
	user, _ := got.Resource().Attributes().Get("user")
	assert.Equal(t, "[REDACTED:EMAIL]", user.Str())
	records := got.ScopeLogs().At(0).LogRecords()
	assert.Equal(t, "score comment: call me at [REDACTED:PHONE]", records.At(0).Body().Str())
	name, _ := records.At(0).Attributes().Get("langfuse.score.name")
	assert.Equal(t, "helpfulness", name.Str())
	count, _ := records.At(0).Attributes().Get(maskSummaryAttribute)
	assert.Equal(t, int64(1), count.Int())
	comment, _ := records.At(1).Body().Map().Get("comment")
	assert.Equal(t, "key [REDACTED:OPENAI_API_KEY]", comment.Str())
}

func TestMaskingConfigUnmarshalAndValidate(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	conf := confmap.NewFromStringMap(map[string]any{
		"masking": map[string]any{
			"detectors": map[string]any{
				"phone": map[string]any{"enabled": false},
				"email": map[string]any{"action": "pseudonymize"},
			},
			"pseudonymization_key": strings.Repeat("k", 32),
		},
	})
	require.NoError(t, conf.Unmarshal(cfg))
	assert.False(t, cfg.Masking.Detectors.Phone.Enabled)
	assert.True(t, cfg.Masking.Detectors.Email.Enabled, "unset fields keep their defaults")
	assert.Equal(t, "pseudonymize", cfg.Masking.Detectors.Email.Action)
	assert.True(t, cfg.Masking.Detectors.CreditCard.Enabled)
	require.NoError(t, cfg.Masking.Validate())

	tests := []struct {
		name    string
		mutate  func(*MaskingConfig)
		wantErr string
	}{
		{"unknown action", func(c *MaskingConfig) { c.Detectors.IBAN.Action = "hide" }, `unknown action "hide"`},
		{"pseudonymize without key", func(c *MaskingConfig) {
			c.Detectors.Email.Action = "pseudonymize"
		}, "pseudonymization key has 0 bytes"},
		{"bad rule pattern", func(c *MaskingConfig) {
			c.Rules = []MaskingRule{{Name: "x", Pattern: "("}}
		}, "not a valid regular expression"},
		{"unknown validator", func(c *MaskingConfig) {
			c.Rules = []MaskingRule{{Name: "x", Pattern: `\d+`, Validator: "crc"}}
		}, `unknown validator "crc"`},
		{"rule without name", func(c *MaskingConfig) {
			c.Rules = []MaskingRule{{Pattern: `\d+`}}
		}, "name is missing"},
		{"bad allow pattern", func(c *MaskingConfig) { c.Allow.Patterns = []string{"["} }, "allow pattern"},
		{"empty key glob", func(c *MaskingConfig) { c.ExcludeKeys = []string{""} }, "empty key pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := defaultMaskingConfig()
			tt.mutate(&c)
			err := c.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

func TestMaskingDetectorNamesMatchPackage(t *testing.T) {
	var d MaskingDetectors
	names := d.byName()
	cfg := defaultMaskingConfig()
	piiCfg, err := cfg.piiConfig()
	require.NoError(t, err)
	assert.Len(t, piiCfg.Detectors, len(names))
	for _, n := range uniqueBuiltinNames() {
		assert.Contains(t, names, n, "detector %q has no configuration field", n)
	}
}

func TestMaskInvalidConditionFailsAtStart(t *testing.T) {
	cfg := maskOnlyConfig()
	cfg.Masking.Rules = []MaskingRule{{Name: "x", Pattern: "x", Condition: `attributes["a"] ==`}}
	_, err := NewFactory().CreateTraces(context.Background(), processortest.NewNopSettings(componentType),
		cfg, &consumertest.TracesSink{})
	require.Error(t, err)
	assert.Contains(t, err.Error(), "invalid OTTL condition")
}
