package genaiprocessor

import (
	"context"
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		id      component.ID
		wantErr string
		check   func(t *testing.T, cfg *Config)
	}{
		{
			id: component.NewID(componentType),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, createDefaultConfig(), cfg)
			},
		},
		{
			id: component.NewIDWithName(componentType, "custom"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, 524288, cfg.Sampling.MaxAttributeBytes)
				require.Len(t, cfg.Sampling.Rules, 1)
				assert.Equal(t, 0.01, cfg.Sampling.Rules[0].KeepFraction)
				assert.Equal(t, "pseudonymize", cfg.Masking.Detectors.Email.Action)
				assert.False(t, cfg.Masking.Detectors.IPAddress.Enabled)
				assert.Equal(t, []string{"support@example.com"}, cfg.Masking.Allow.Values)
				assert.True(t, cfg.Pricing.OverrideAppCost)
				assert.Equal(t, "azure/gpt-4o-mini", cfg.Pricing.Aliases["prod-4o-mini"])
				assert.False(t, cfg.UsageAttributes.Enabled)
			},
		},
		{
			id:      component.NewIDWithName(componentType, "bad_rule"),
			wantErr: "keep_fraction",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))

			err = confmap.Validate(cfg)
			if tt.wantErr != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantErr)
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg)
		})
	}
}

// TestSamplingRunsBeforeMasking checks the stage order: a payload that
// sampling drops is never scanned, so the masking counters do not see the
// e-mail address inside it, while the same address in a kept attribute is
// masked.
func TestSamplingRunsBeforeMasking(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.Pricing.Enabled = false
	cfg.Sampling.Rules = []SamplingRule{{
		Name:        "context",
		Attributes:  []string{"retrieval.documents.*"},
		Replacement: replacementDrop,
	}}

	td := ptrace.NewTraces()
	span := td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty()
	span.SetTraceID(pcommon.TraceID{9, 8, 7, 6, 5, 4, 3, 2, 1})
	span.SetSpanID(pcommon.SpanID{1, 2, 3})
	span.Attributes().PutStr("retrieval.documents.0.document.content", "contact: dropped.person@example.com")
	span.Attributes().PutStr("gen_ai.prompt", "write to kept.person@example.com")

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

	out := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Attributes()
	_, ok := out.Get("retrieval.documents.0.document.content")
	assert.False(t, ok, "the drop rule removes the retrieval context")
	prompt, ok := out.Get("gen_ai.prompt")
	require.True(t, ok)
	assert.Equal(t, "write to [REDACTED:EMAIL]", prompt.Str())

	m, err := tel.GetMetric("otelcol_genai_masking_matches")
	require.NoError(t, err)
	var emails int64
	for _, dp := range m.Data.(metricdata.Sum[int64]).DataPoints {
		if detector, _ := dp.Attributes.Value("detector"); detector.AsString() == "email" {
			emails += dp.Value
		}
	}
	assert.Equal(t, int64(1), emails, "only the kept attribute was scanned")
}

// TestLogsRunOnlyMasking checks that a logs pipeline masks log records and
// starts no pricing stage.
func TestLogsRunOnlyMasking(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	p, err := newGenAIProcessor(processortest.NewNopSettings(componentType), cfg, pipeline.SignalLogs)
	require.NoError(t, err)
	assert.NotNil(t, p.masker)
	assert.Nil(t, p.sampler)
	assert.Nil(t, p.pricer)
	require.NoError(t, p.start(context.Background(), componenttest.NewNopHost()))
	require.NoError(t, p.shutdown(context.Background()))
}

func TestDefaultConfigValidates(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	require.NoError(t, confmap.Validate(cfg))
	assert.True(t, cfg.Sampling.Enabled)
	assert.True(t, cfg.Masking.Enabled)
	assert.True(t, cfg.Pricing.Enabled)
	assert.Empty(t, string(cfg.Masking.PseudonymizationKey), "pseudonyms need a key the operator sets")
}
