package genaiprocessor

import (
	"context"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/processor"
)

// MaskingConfig configures PII masking.
type MaskingConfig struct {
	Enabled bool `mapstructure:"enabled"`
}

func defaultMaskingConfig() MaskingConfig { return MaskingConfig{Enabled: true} }

// Validate checks the masking configuration.
func (c *MaskingConfig) Validate() error { return nil }

type masker struct{}

func newMasker(_ processor.Settings, _ *MaskingConfig) (*masker, error) { return &masker{}, nil }

// TODO: placeholder until the masking stage lands.
func (m *masker) maskResource(_ context.Context, _ pcommon.Resource)          {}
func (m *masker) maskScope(_ context.Context, _ pcommon.InstrumentationScope) {}
func (m *masker) processSpan(_ context.Context, _ *spanContext)               {}
func (m *masker) processLogs(_ context.Context, _ plog.Logs)                  {}
