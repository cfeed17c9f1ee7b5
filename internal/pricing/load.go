package pricing

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"

	"go.yaml.in/yaml/v3"
)

func parseNative(name string, data []byte) (*Table, error) {
	var f nativeFile
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	t := newTable(name)
	t.Version = f.Version
	for i := range f.Models {
		e, err := f.Models[i].entry(name)
		if err != nil {
			return nil, fmt.Errorf("models[%d]: %w", i, err)
		}
		t.add(e)
	}
	return t, nil
}

// liteLLMRates maps LiteLLM's per-token price keys to usage types. The
// suffixes _above_<N>k_tokens, _priority, _flex and _batches select tiers.
// A key with fallback set only applies when the model has no key for the same
// usage type without it.
var liteLLMRates = []struct {
	prefix   string
	kind     Kind
	fallback bool
}{
	{"input_cost_per_token", Input, false},
	{"output_cost_per_token", Output, false},
	{"cache_read_input_token_cost", CacheRead, false},
	{"input_cost_per_token_cache_hit", CacheRead, true},
	{"cache_creation_input_token_cost_above_1hr", CacheWrite1h, false},
	{"cache_creation_input_token_cost", CacheWrite, false},
	{"output_cost_per_reasoning_token", Reasoning, false},
	{"input_cost_per_audio_token", InputAudio, false},
	{"output_cost_per_audio_token", OutputAudio, false},
	{"input_cost_per_image_token", InputImage, false},
}

var liteLLMTier = regexp.MustCompile(`^_above_(\d+)k_tokens$`)

func parseLiteLLM(name string, data []byte) (*Table, error) {
	var raw map[string]map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}
	models := make([]string, 0, len(raw))
	for m := range raw {
		models = append(models, m)
	}
	sort.Strings(models)

	t := newTable(name)
	for _, model := range models {
		if model == "sample_spec" {
			continue
		}
		e, err := liteLLMEntry(name, model, raw[model])
		if err != nil {
			return nil, fmt.Errorf("model %q: %w", model, err)
		}
		if e != nil {
			t.add(e)
		}
	}
	return t, nil
}

// liteLLMEntry converts one LiteLLM model. It returns nil for a model with no
// token or per-second price, such as image generation models.
func liteLLMEntry(table, model string, fields map[string]any) (*Entry, error) {
	e := &Entry{ID: table + ":" + model, Model: model}
	if p, ok := fields["litellm_provider"].(string); ok {
		e.Provider = p
	}
	tiers := map[int64]*Rates{}

	for key, value := range fields {
		for _, lr := range liteLLMRates {
			suffix, ok := strings.CutPrefix(key, lr.prefix)
			if !ok {
				continue
			}
			v, err := liteLLMNumber(key, value)
			if err != nil {
				return nil, err
			}
			switch {
			case suffix == "" && lr.fallback:
				if _, set := fields[liteLLMPrimary(lr.kind)]; !set {
					e.Base.Set(lr.kind, v)
				}
			case suffix == "":
				e.Base.Set(lr.kind, v)
			case suffix == "_batches":
				e.Batch.Set(lr.kind, v)
			case suffix == "_priority" || suffix == "_flex":
				if e.ServiceTiers == nil {
					e.ServiceTiers = map[string]Rates{}
				}
				r := e.ServiceTiers[suffix[1:]]
				r.Set(lr.kind, v)
				e.ServiceTiers[suffix[1:]] = r
			default:
				m := liteLLMTier.FindStringSubmatch(suffix)
				if m == nil {
					// A longer key that shares the prefix, such as
					// input_cost_per_token_cache_hit; its own prefix
					// handles it.
					continue
				}
				k, _ := strconv.ParseInt(m[1], 10, 64)
				if tiers[k] == nil {
					tiers[k] = &Rates{}
				}
				tiers[k].Set(lr.kind, v)
			}
		}
	}
	if mode, _ := fields["mode"].(string); mode == "audio_transcription" {
		if value, ok := fields["input_cost_per_second"]; ok {
			v, err := liteLLMNumber("input_cost_per_second", value)
			if err != nil {
				return nil, err
			}
			e.AudioInputPerSecond = v
		}
	}

	for k, r := range tiers {
		e.Tiers = append(e.Tiers, Tier{AboveInputTokens: k * 1000, Rates: *r})
	}
	sortTiers(e.Tiers)

	if e.Base.Empty() && e.AudioInputPerSecond == 0 {
		return nil, nil
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// liteLLMPrimary returns the key without fallback for k.
func liteLLMPrimary(k Kind) string {
	for _, lr := range liteLLMRates {
		if lr.kind == k && !lr.fallback {
			return lr.prefix
		}
	}
	return ""
}

func liteLLMNumber(key string, value any) (float64, error) {
	v, ok := value.(float64)
	if !ok || math.IsNaN(v) || math.IsInf(v, 0) || v < 0 {
		return 0, fmt.Errorf("%s is %v; expected a number of USD per unit, not negative", key, value)
	}
	return v, nil
}

// langfuseModel is one Langfuse model definition. Prices come from
// pricingTiers when present, else from the older prices map or
// inputPrice/outputPrice/totalPrice fields.
type langfuseModel struct {
	ModelName    string                   `json:"modelName"`
	MatchPattern string                   `json:"matchPattern"`
	PricingTiers []langfuseTier           `json:"pricingTiers"`
	Prices       map[string]langfusePrice `json:"prices"`
	InputPrice   *float64                 `json:"inputPrice"`
	OutputPrice  *float64                 `json:"outputPrice"`
	TotalPrice   *float64                 `json:"totalPrice"`
}

type langfusePrice struct {
	Price float64 `json:"price"`
}

type langfuseTier struct {
	IsDefault  bool                `json:"isDefault"`
	Priority   int                 `json:"priority"`
	Conditions []langfuseCondition `json:"conditions"`
	Prices     map[string]float64  `json:"prices"`
}

type langfuseCondition struct {
	UsageDetailPattern string   `json:"usageDetailPattern"`
	Operator           string   `json:"operator"`
	Value              float64  `json:"value"`
	Source             string   `json:"source"`
	Key                string   `json:"key"`
	Values             []string `json:"values"`
}

// langfuseKeys lists, per usage type, the Langfuse usage keys that carry its
// price, in order of preference.
var langfuseKeys = []struct {
	kind Kind
	keys []string
}{
	{Input, []string{"input", "input_tokens", "prompt_tokens", "input_text"}},
	{Output, []string{"output", "output_tokens", "completion_tokens", "output_text"}},
	{CacheRead, []string{"input_cached_tokens", "input_cache_read", "cache_read_input_tokens"}},
	{CacheWrite, []string{"input_cache_creation_5m", "input_cache_creation", "cache_creation_input_tokens"}},
	{CacheWrite1h, []string{"input_cache_creation_1h"}},
	{Reasoning, []string{"output_reasoning_tokens", "output_reasoning", "reasoning_tokens"}},
	{InputAudio, []string{"input_audio_tokens", "input_audio"}},
	{OutputAudio, []string{"output_audio_tokens", "output_audio"}},
	{InputImage, []string{"input_image"}},
}

func langfuseRates(prices map[string]float64) (Rates, error) {
	var r Rates
	for _, lk := range langfuseKeys {
		for _, key := range lk.keys {
			if v, ok := prices[key]; ok {
				r.Set(lk.kind, v)
				break
			}
		}
	}
	// Embedding models price only the total, which is their input.
	if total, ok := prices["total"]; ok {
		if _, set := r.Get(Input); !set {
			r.Set(Input, total)
		}
		if _, set := r.Get(Output); !set {
			r.Set(Output, total)
		}
	}
	return r, r.validate()
}

func parseLangfuse(name string, data []byte) (*Table, error) {
	var models []langfuseModel
	trimmed := bytes.TrimLeft(data, " \t\r\n\ufeff")
	if len(trimmed) > 0 && trimmed[0] == '{' {
		// GET /api/public/models wraps the list in {"data": [...]}.
		var page struct {
			Data []langfuseModel `json:"data"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return nil, fmt.Errorf("decode: %w", err)
		}
		models = page.Data
	} else if err := json.Unmarshal(data, &models); err != nil {
		return nil, fmt.Errorf("decode: %w", err)
	}

	t := newTable(name)
	for i := range models {
		e, err := langfuseEntry(name, &models[i])
		if err != nil {
			return nil, fmt.Errorf("models[%d] %q: %w", i, models[i].ModelName, err)
		}
		if e != nil {
			t.add(e)
		}
	}
	return t, nil
}

func langfuseEntry(table string, m *langfuseModel) (*Entry, error) {
	if strings.TrimSpace(m.ModelName) == "" {
		return nil, errors.New("modelName is empty")
	}
	e := &Entry{ID: table + ":" + m.ModelName, Model: m.ModelName}
	if m.MatchPattern != "" {
		re, err := regexp.Compile(m.MatchPattern)
		if err != nil {
			return nil, fmt.Errorf("matchPattern %q is not a valid regular expression: %w", m.MatchPattern, err)
		}
		e.pattern = re
	}

	var err error
	switch {
	case len(m.PricingTiers) > 0:
		err = langfuseTiers(e, m.PricingTiers)
	case len(m.Prices) > 0:
		flat := make(map[string]float64, len(m.Prices))
		for k, p := range m.Prices {
			flat[k] = p.Price
		}
		e.Base, err = langfuseRates(flat)
	default:
		flat := map[string]float64{}
		if m.InputPrice != nil {
			flat["input"] = *m.InputPrice
		}
		if m.OutputPrice != nil {
			flat["output"] = *m.OutputPrice
		}
		if m.TotalPrice != nil {
			flat["total"] = *m.TotalPrice
		}
		e.Base, err = langfuseRates(flat)
	}
	if err != nil {
		return nil, err
	}
	if e.Base.Empty() {
		return nil, nil
	}
	if err := e.validate(); err != nil {
		return nil, err
	}
	return e, nil
}

// langfuseTiers reads the default tier as base rates, a tier whose only
// condition is a usage threshold as a long-context tier, and a tier whose only
// condition is service_tier in [...] as service-tier rates. Tiers with other
// or combined conditions are skipped.
func langfuseTiers(e *Entry, tiers []langfuseTier) error {
	sort.SliceStable(tiers, func(i, j int) bool { return tiers[i].Priority < tiers[j].Priority })
	for _, tier := range tiers {
		r, err := langfuseRates(tier.Prices)
		if err != nil {
			return err
		}
		if tier.IsDefault {
			e.Base = r
			continue
		}
		if len(tier.Conditions) != 1 {
			continue
		}
		c := tier.Conditions[0]
		switch {
		case c.UsageDetailPattern != "" && (c.Operator == "gt" || c.Operator == "gte"):
			above := int64(c.Value)
			if c.Operator == "gte" {
				above--
			}
			e.Tiers = append(e.Tiers, Tier{AboveInputTokens: above, Rates: r})
		case c.Source == "model_parameters" && c.Key == "service_tier" && c.Operator == "in":
			if e.ServiceTiers == nil {
				e.ServiceTiers = map[string]Rates{}
			}
			for _, v := range c.Values {
				if _, seen := e.ServiceTiers[strings.ToLower(v)]; !seen {
					e.ServiceTiers[strings.ToLower(v)] = r
				}
			}
		}
	}
	sortTiers(e.Tiers)
	return nil
}
