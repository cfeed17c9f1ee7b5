package genaiprocessor

import (
	"errors"
	"fmt"
)

// Config is the genai processor configuration. Each stage has its own
// section; a stage with enabled: false is skipped.
type Config struct {
	// Sampling keeps, hashes, truncates or drops heavy payloads. It runs
	// first, so payloads it drops are never scanned for PII.
	Sampling SamplingConfig `mapstructure:"sampling"`
	// Masking replaces personal data and secrets in span, resource, scope
	// and log attributes and log bodies.
	Masking MaskingConfig `mapstructure:"masking"`
	// Pricing writes the cost of each model call onto its span.
	Pricing PricingConfig `mapstructure:"pricing"`
	// UsageAttributes writes the token counts, provider and user id of each
	// model call under one set of keys, for metrics built from spans.
	UsageAttributes UsageAttributesConfig `mapstructure:"usage_attributes"`
}

// Validate checks every stage's section and reports all errors at once.
func (c *Config) Validate() error {
	var errs []error
	if err := c.Sampling.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("sampling: %w", err))
	}
	if err := c.Masking.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("masking: %w", err))
	}
	if err := c.Pricing.Validate(); err != nil {
		errs = append(errs, fmt.Errorf("pricing: %w", err))
	}
	return errors.Join(errs...)
}
