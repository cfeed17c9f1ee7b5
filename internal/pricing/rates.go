// Package pricing prices the token usage of model calls: the embedded default
// price table, loaders for user tables in three formats, model-name matching
// with a bounded cache, and the cost arithmetic over disjoint usage buckets.
package pricing

import (
	"fmt"
	"math"
	"regexp"
)

// Kind is a usage type that has its own rate.
type Kind uint8

// Usage types with a rate. Every rate is USD per token.
const (
	// Input is uncached text input.
	Input Kind = iota
	// Output is output that is not reasoning.
	Output
	// CacheRead is input read from a prompt cache.
	CacheRead
	// CacheWrite is input written to a 5-minute prompt cache.
	CacheWrite
	// CacheWrite1h is input written to a 1-hour prompt cache.
	CacheWrite1h
	// Reasoning is reasoning (thinking) output.
	Reasoning
	// InputAudio is audio input.
	InputAudio
	// OutputAudio is audio output.
	OutputAudio
	// InputImage is image input.
	InputImage

	numKinds
)

var kindNames = [numKinds]string{
	Input:        "input",
	Output:       "output",
	CacheRead:    "cache_read",
	CacheWrite:   "cache_write",
	CacheWrite1h: "cache_write_1h",
	Reasoning:    "reasoning",
	InputAudio:   "input_audio",
	OutputAudio:  "output_audio",
	InputImage:   "input_image",
}

// String returns the key of the usage type in the native table format.
func (k Kind) String() string {
	if k < numKinds {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", uint8(k))
}

// kindByName maps a native table key to its usage type.
func kindByName(name string) (Kind, bool) {
	for k, n := range kindNames {
		if n == name {
			return Kind(k), true
		}
	}
	return 0, false
}

// Rates holds a USD-per-token rate for each usage type that has one. A rate
// that is not set differs from a rate of zero: an unset rate falls back to
// another usage type's rate when a cost is computed.
type Rates struct {
	perToken [numKinds]float64
	set      uint16
}

// Set stores the rate of k in USD per token.
func (r *Rates) Set(k Kind, usdPerToken float64) {
	r.perToken[k] = usdPerToken
	r.set |= 1 << k
}

// Get returns the rate of k in USD per token and whether it is set.
func (r Rates) Get(k Kind) (float64, bool) {
	return r.perToken[k], r.set&(1<<k) != 0
}

// Empty reports whether no rate is set.
func (r Rates) Empty() bool { return r.set == 0 }

// with returns r with every rate that over sets replaced by over's value.
func (r Rates) with(over Rates) Rates {
	for k := Kind(0); k < numKinds; k++ {
		if v, ok := over.Get(k); ok {
			r.Set(k, v)
		}
	}
	return r
}

// scaled returns r with every set rate multiplied by f.
func (r Rates) scaled(f float64) Rates {
	for k := Kind(0); k < numKinds; k++ {
		if r.set&(1<<k) != 0 {
			r.perToken[k] *= f
		}
	}
	return r
}

// or returns the rate of k, or fallback when it is not set. An unset Input
// or Output rate is 0.
func (r *Rates) or(k Kind, fallback float64) float64 {
	if r.set&(1<<k) != 0 {
		return r.perToken[k]
	}
	return fallback
}

// maxRatePerToken is the highest rate a table may set, 1 USD per token
// (1,000,000 USD per million tokens), far above any model's price. The bound
// keeps every cost finite: the largest token count times six buckets at this
// rate is about 5.5e19 USD.
const maxRatePerToken = 1.0

// maxRatePerSecond is the highest per-second audio rate a table may set. It
// bounds the audio cost the same way maxRatePerToken bounds token costs.
const maxRatePerSecond = 1000.0

func (r Rates) validate() error {
	for k := Kind(0); k < numKinds; k++ {
		v, ok := r.Get(k)
		if ok && (math.IsNaN(v) || math.IsInf(v, 0) || v < 0) {
			return fmt.Errorf("rate %q is %v; rates must be finite and not negative", k, v)
		}
		if ok && v > maxRatePerToken {
			return fmt.Errorf("rate %q is %v USD per token, above the maximum of %v; check the unit of the table",
				k, v, maxRatePerToken)
		}
	}
	return nil
}

// Tier is a long-context price tier. When the whole prompt of a request is
// above AboveInputTokens, the tier's rates replace the base rates for every
// token of the request.
type Tier struct {
	AboveInputTokens int64
	Rates            Rates
}

// Entry is the price of one model.
type Entry struct {
	// ID names the entry as table name and model, for example
	// "builtin:gpt-4o"; it is written to spans as the price id.
	ID       string
	Model    string
	Provider string
	Aliases  []string
	Base     Rates
	// Tiers are sorted by threshold, highest first.
	Tiers []Tier
	// ServiceTiers maps a service_tier value to the rates that replace the
	// base rates for it.
	ServiceTiers map[string]Rates
	// Batch replaces the base rates in a batch job; rates it leaves unset
	// are half the base rate.
	Batch Rates
	// AudioInputPerSecond is USD per second of audio input; 0 if unset.
	AudioInputPerSecond float64
	Source              string
	AsOf                string

	// pattern matches model names for entries loaded from Langfuse model
	// definitions; nil for every other entry.
	pattern *regexp.Regexp
}

func (e *Entry) validate() error {
	if err := e.Base.validate(); err != nil {
		return err
	}
	for _, t := range e.Tiers {
		if t.AboveInputTokens <= 0 {
			return fmt.Errorf("tier threshold %d is not positive", t.AboveInputTokens)
		}
		if err := t.Rates.validate(); err != nil {
			return fmt.Errorf("tier above %d tokens: %w", t.AboveInputTokens, err)
		}
	}
	for name, st := range e.ServiceTiers {
		if err := st.validate(); err != nil {
			return fmt.Errorf("service tier %q: %w", name, err)
		}
	}
	if err := e.Batch.validate(); err != nil {
		return fmt.Errorf("batch: %w", err)
	}
	v := e.AudioInputPerSecond
	if math.IsNaN(v) || math.IsInf(v, 0) || v < 0 || v > maxRatePerSecond {
		return fmt.Errorf("per-second audio rate is %v; rates must be finite, not negative and at most %v USD",
			v, maxRatePerSecond)
	}
	if e.Base.Empty() && v == 0 {
		return fmt.Errorf("no rate is set")
	}
	return nil
}
