package pricing

import (
	"errors"
	"fmt"
	"slices"
	"strings"
)

// perMillion converts the native format's USD per 1,000,000 tokens to USD per
// token.
const perMillion = 1e-6

// ModelSpec is one model in the native table format, which the embedded
// default table, native table files and inline overrides in the collector
// configuration share. Rates are USD per 1,000,000 tokens, keyed by usage
// type: input, output, cache_read, cache_write, cache_write_1h, reasoning,
// input_audio, output_audio, input_image.
type ModelSpec struct {
	Model        string                        `yaml:"model" mapstructure:"model"`
	Provider     string                        `yaml:"provider" mapstructure:"provider"`
	Aliases      []string                      `yaml:"aliases" mapstructure:"aliases"`
	Prices       map[string]float64            `yaml:"prices" mapstructure:"prices"`
	PerSecond    map[string]float64            `yaml:"per_second" mapstructure:"per_second"`
	Tiers        []TierSpec                    `yaml:"tiers" mapstructure:"tiers"`
	ServiceTiers map[string]map[string]float64 `yaml:"service_tiers" mapstructure:"service_tiers"`
	Batch        map[string]float64            `yaml:"batch" mapstructure:"batch"`
	Source       string                        `yaml:"source" mapstructure:"source"`
	AsOf         string                        `yaml:"as_of" mapstructure:"as_of"`
	Checked      []string                      `yaml:"checked" mapstructure:"checked"`
	Note         string                        `yaml:"note" mapstructure:"note"`
}

// TierSpec is a long-context tier in the native table format.
type TierSpec struct {
	AboveInputTokens int64              `yaml:"above_input_tokens" mapstructure:"above_input_tokens"`
	Prices           map[string]float64 `yaml:"prices" mapstructure:"prices"`
}

// nativeFile is the top level of a native table file.
type nativeFile struct {
	Version string      `yaml:"version"`
	Models  []ModelSpec `yaml:"models"`
}

// Validate checks the spec without building an entry.
func (s *ModelSpec) Validate() error {
	_, err := s.entry("")
	return err
}

// entry converts the spec to an entry of the table named table.
func (s *ModelSpec) entry(table string) (*Entry, error) {
	model := strings.TrimSpace(s.Model)
	if model == "" {
		return nil, errors.New("model is empty; set the model name the provider returns")
	}
	e := &Entry{
		ID:       table + ":" + model,
		Model:    model,
		Provider: s.Provider,
		Source:   s.Source,
		AsOf:     s.AsOf,
	}
	for _, a := range s.Aliases {
		if strings.TrimSpace(a) == "" {
			return nil, fmt.Errorf("model %q: an alias is empty", model)
		}
		e.Aliases = append(e.Aliases, strings.TrimSpace(a))
	}

	var err error
	if e.Base, err = ratesFromMillion(s.Prices); err != nil {
		return nil, fmt.Errorf("model %q: prices: %w", model, err)
	}
	if e.Batch, err = ratesFromMillion(s.Batch); err != nil {
		return nil, fmt.Errorf("model %q: batch: %w", model, err)
	}
	for key, v := range s.PerSecond {
		if key != "input_audio" {
			return nil, fmt.Errorf("model %q: per_second: unknown key %q; the only key is input_audio",
				model, key)
		}
		e.AudioInputPerSecond = v
	}
	for _, t := range s.Tiers {
		r, err := ratesFromMillion(t.Prices)
		if err != nil {
			return nil, fmt.Errorf("model %q: tier above %d tokens: %w", model, t.AboveInputTokens, err)
		}
		e.Tiers = append(e.Tiers, Tier{AboveInputTokens: t.AboveInputTokens, Rates: r})
	}
	sortTiers(e.Tiers)
	if len(s.ServiceTiers) > 0 {
		e.ServiceTiers = make(map[string]Rates, len(s.ServiceTiers))
		for name, prices := range s.ServiceTiers {
			r, err := ratesFromMillion(prices)
			if err != nil {
				return nil, fmt.Errorf("model %q: service tier %q: %w", model, name, err)
			}
			e.ServiceTiers[strings.ToLower(name)] = r
		}
	}

	if err := e.validate(); err != nil {
		return nil, fmt.Errorf("model %q: %w", model, err)
	}
	return e, nil
}

func ratesFromMillion(prices map[string]float64) (Rates, error) {
	var r Rates
	for key, v := range prices {
		k, ok := kindByName(key)
		if !ok {
			return r, fmt.Errorf("unknown usage type %q; use one of %s",
				key, strings.Join(kindNames[:], ", "))
		}
		r.Set(k, v*perMillion)
	}
	return r, r.validate()
}

// sortTiers orders tiers by threshold, highest first, so that the first tier
// a prompt is above is the one that applies.
func sortTiers(tiers []Tier) {
	slices.SortFunc(tiers, func(a, b Tier) int {
		switch {
		case a.AboveInputTokens > b.AboveInputTokens:
			return -1
		case a.AboveInputTokens < b.AboveInputTokens:
			return 1
		}
		return 0
	})
}

// NewTableFromSpecs builds a table named name from specs, as inline overrides
// in the collector configuration are given.
func NewTableFromSpecs(name string, specs []ModelSpec) (*Table, error) {
	t := newTable(name)
	for i := range specs {
		e, err := specs[i].entry(name)
		if err != nil {
			return nil, fmt.Errorf("models[%d]: %w", i, err)
		}
		t.add(e)
	}
	return t, nil
}
