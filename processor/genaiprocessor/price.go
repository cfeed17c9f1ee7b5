package genaiprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/processor"
)

// PricingConfig configures token pricing.
type PricingConfig struct {
	Enabled bool `mapstructure:"enabled"`
}

func defaultPricingConfig() PricingConfig { return PricingConfig{Enabled: true} }

// Validate checks the pricing configuration.
func (c *PricingConfig) Validate() error { return nil }

type pricer struct{}

func newPricer(_ processor.Settings, _ *PricingConfig) (*pricer, error) { return &pricer{}, nil }

func (p *pricer) start(_ context.Context, _ component.Host) error { return nil }
func (p *pricer) shutdown(_ context.Context) error                 { return nil }

// TODO: placeholder until the pricing stage lands.
func (p *pricer) processSpan(_ context.Context, _ *spanContext) {}
