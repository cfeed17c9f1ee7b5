package genaiprocessor

import (
	"context"

	"go.opentelemetry.io/collector/processor"
)

// SamplingConfig configures heavy-payload sampling.
type SamplingConfig struct {
	Enabled bool `mapstructure:"enabled"`
}

func defaultSamplingConfig() SamplingConfig { return SamplingConfig{Enabled: true} }

// Validate checks the sampling rules.
func (c *SamplingConfig) Validate() error { return nil }

type sampler struct{}

func newSampler(_ processor.Settings, _ *SamplingConfig) (*sampler, error) { return &sampler{}, nil }

// TODO: placeholder until the sampling stage lands.
func (s *sampler) processSpan(_ context.Context, _ *spanContext) {}
