package genaiprocessor

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"sync"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/metric/noop"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelcol-genai/otelcol-genai/internal/payload"
)

// SamplingConfig configures heavy-payload sampling: which payloads each
// rule selects, which fraction of traces keeps them, and what replaces a
// payload that is not kept.
type SamplingConfig struct {
	Enabled bool `mapstructure:"enabled"`

	// Rules is the ordered list of rules. Each payload goes to the first rule
	// that selects it. A configured list replaces the default rules.
	Rules []SamplingRule `mapstructure:"rules"`

	// ProtectedAttributes are attribute key patterns that no rule changes.
	// Only the two size limits below apply to them.
	ProtectedAttributes []string `mapstructure:"protected_attributes"`

	// MaxAttributeBytes is the size above which any string value, at the
	// top level or inside a map or slice value, is truncated with a marker,
	// and any bytes value is replaced by its hash; 0 turns the limit off.
	MaxAttributeBytes int `mapstructure:"max_attribute_bytes"`

	// MaxSpanBytes is the size above which a span is trimmed, largest
	// string and bytes values first and protected attributes last; 0 turns
	// the limit off. The size counts the keys and the string and bytes
	// values of the span's and its events' attributes, including those
	// inside map and slice values.
	MaxSpanBytes int `mapstructure:"max_span_bytes"`
}

// SamplingRule selects payloads and decides, per trace, whether they are
// kept or replaced.
type SamplingRule struct {
	// Name identifies the rule in metrics and logs.
	Name string `mapstructure:"name"`

	// Attributes are attribute key patterns whose whole value the rule
	// selects; "*" matches any run of characters, dots included.
	Attributes []string `mapstructure:"attributes"`

	// AttributesRegex are regular expressions (RE2) over attribute keys,
	// matched like Attributes.
	AttributesRegex []string `mapstructure:"attributes_regex"`

	// Parts are the kinds of message part the rule selects inside JSON
	// attribute values and as whole attribute values: image, audio, video,
	// file, binary (the four before), reasoning, document.
	Parts []string `mapstructure:"parts"`

	// When are OTTL span conditions: the rule selects payloads only on spans
	// where any of them is true. Empty means every span.
	When []string `mapstructure:"when"`

	// KeepFraction is the fraction of traces, 0 to 1, whose selected
	// payloads are kept as they are.
	KeepFraction float64 `mapstructure:"keep_fraction"`

	// AlwaysKeepWhen are OTTL span conditions: on a span where any is true,
	// the payloads are kept whatever the trace decision.
	AlwaysKeepWhen []string `mapstructure:"always_keep_when"`

	// Replacement is the replacement of a payload that is not kept: hash,
	// truncate or drop.
	Replacement string `mapstructure:"replacement"`

	// TruncateBytes is the number of bytes that truncate keeps of a string,
	// before the marker. A JSON array or object, as a part or as a whole
	// attribute value, is cut to this size in total, markers included, by
	// cutting its string values. When that is not possible, a part becomes a
	// JSON string of its first bytes and an attribute value is cut as text.
	TruncateBytes int `mapstructure:"truncate_bytes"`
}

// Replacement names.
const (
	replacementHash     = "hash"
	replacementTruncate = "truncate"
	replacementDrop     = "drop"
)

const (
	// defaultMaxAttributeBytes is 1 MiB. Langfuse cuts input, output and
	// metadata values longer than 1,048,576 characters to their first
	// 512,000 when ClickHouse rejects the write, so longer values are cut here
	// first, with a marker.
	defaultMaxAttributeBytes = 1 << 20
	// defaultMaxSpanBytes leaves room for input, output and metadata at
	// their attribute limit plus the rest of the span.
	defaultMaxSpanBytes = 4 << 20
	// minLimitBytes is the minimum non-zero size limit. Below it the marker
	// would not fit beside a useful prefix.
	minLimitBytes = 1024
)

// errorConditions are true on failed spans: spans with the OTLP error status
// or the Langfuse observation level ERROR.
var errorConditions = []string{
	`status.code == STATUS_CODE_ERROR`,
	`attributes["langfuse.observation.level"] == "ERROR"`,
}

// defaultProtectedAttributes are never changed by a rule: prompt name and
// version, token counts and cost, and tool calls with their arguments and
// results.
var defaultProtectedAttributes = []string{
	"langfuse.observation.prompt.name",
	"langfuse.observation.prompt.version",
	"gen_ai.prompt.name",
	"llm.prompt_template.*",
	"gen_ai.usage.*",
	"llm.token_count.*",
	"ai.usage.*",
	"langfuse.observation.usage_details",
	"langfuse.observation.cost_details",
	"gen_ai.tool.call.*",
	"ai.toolCall.*",
	"ai.response.toolCalls",
	"tool.parameters",
	"tool_call.*",
	"llm.input_messages.*.tool_calls.*",
	"llm.output_messages.*.tool_calls.*",
	"gen_ai.prompt.*.tool_calls.*",
	"gen_ai.completion.*.tool_calls.*",
}

// defaultSamplingRules are the rules in effect when the configuration sets
// none:
//   - inline binary content is always replaced by its hash, size and media
//     type, even on failed spans, because base64 text helps no reader;
//   - reasoning is kept on 5% of traces and on failed spans, else cut to
//     its first 1 KiB;
//   - retrieved documents are kept on 1% of traces and on failed spans,
//     else cut to their first 512 bytes each. The OTel GenAI attribute
//     gen_ai.retrieval.documents is not selected: it carries ids and scores,
//     and cutting its JSON text would leave invalid JSON.
func defaultSamplingRules() []SamplingRule {
	return []SamplingRule{
		{
			Name:        "inline_binary",
			Parts:       []string{"binary"},
			Replacement: replacementHash,
		},
		{
			Name:           "reasoning",
			Attributes:     []string{"ai.response.reasoning"},
			Parts:          []string{"reasoning"},
			KeepFraction:   0.05,
			AlwaysKeepWhen: errorConditions,
			Replacement:    replacementTruncate,
			TruncateBytes:  1024,
		},
		{
			Name:           "retrieved_documents",
			Attributes:     []string{"retrieval.documents.*.document.content"},
			Parts:          []string{"document"},
			KeepFraction:   0.01,
			AlwaysKeepWhen: errorConditions,
			Replacement:    replacementTruncate,
			TruncateBytes:  512,
		},
	}
}

func defaultSamplingConfig() SamplingConfig {
	return SamplingConfig{
		Enabled:             true,
		Rules:               defaultSamplingRules(),
		ProtectedAttributes: defaultProtectedAttributes,
		MaxAttributeBytes:   defaultMaxAttributeBytes,
		MaxSpanBytes:        defaultMaxSpanBytes,
	}
}

// Validate checks the sampling rules and limits, and parses every OTTL
// condition, so that no configuration error shows up per span.
func (c *SamplingConfig) Validate() error {
	var errs []error
	if c.MaxAttributeBytes != 0 && c.MaxAttributeBytes < minLimitBytes {
		errs = append(errs, fmt.Errorf("max_attribute_bytes %d is invalid: set 0 to turn the limit off or at least %d",
			c.MaxAttributeBytes, minLimitBytes))
	}
	if c.MaxSpanBytes != 0 && c.MaxSpanBytes < minLimitBytes {
		errs = append(errs, fmt.Errorf("max_span_bytes %d is invalid: set 0 to turn the limit off or at least %d",
			c.MaxSpanBytes, minLimitBytes))
	}
	for _, pattern := range c.ProtectedAttributes {
		if pattern == "" {
			errs = append(errs, errors.New("protected_attributes contains an empty pattern: remove it"))
		}
	}

	set := component.TelemetrySettings{
		Logger:        zap.NewNop(),
		MeterProvider: noop.NewMeterProvider(),
	}
	parser, err := newConditionParser(set)
	if err != nil {
		return errors.Join(append(errs, err)...)
	}
	names := make(map[string]bool, len(c.Rules))
	for i := range c.Rules {
		r := &c.Rules[i]
		if names[r.Name] {
			errs = append(errs, fmt.Errorf("rules[%d]: name %q is used twice: give each rule its own name", i, r.Name))
		}
		names[r.Name] = true
		if _, err := compileRule(r, parser); err != nil {
			errs = append(errs, fmt.Errorf("rules[%d] (%q): %w", i, r.Name, err))
		}
	}
	return errors.Join(errs...)
}

// sampler is the sampling stage. Its compiled rules are read-only after
// newSampler, so one sampler serves concurrent calls; per-span scratch
// state comes from a pool.
type sampler struct {
	enabled           bool
	rules             []sampleRule
	protected         keySet
	maxAttributeBytes int
	maxSpanBytes      int
	// partKinds[k] is true when some rule selects parts of kind k.
	partKinds [payload.KindDocument + 1]bool
	hasParts  bool

	logger    *zap.Logger
	telemetry *samplingTelemetry
	states    sync.Pool
}

func newSampler(set processor.Settings, cfg *SamplingConfig) (*sampler, error) {
	s := &sampler{
		enabled:           cfg.Enabled,
		maxAttributeBytes: cfg.MaxAttributeBytes,
		maxSpanBytes:      cfg.MaxSpanBytes,
		// Per-span messages repeat, so zap's sampler logs the first entry of
		// each message in every minute and drops the rest.
		logger: set.Logger.WithOptions(zap.WrapCore(func(core zapcore.Core) zapcore.Core {
			return zapcore.NewSamplerWithOptions(core, time.Minute, 1, 0)
		})),
	}
	if !s.enabled {
		return s, nil
	}

	parser, err := newConditionParser(set.TelemetrySettings)
	if err != nil {
		return nil, err
	}
	for i := range cfg.Rules {
		r, err := compileRule(&cfg.Rules[i], parser)
		if err != nil {
			return nil, fmt.Errorf("sampling rules[%d] (%q): %w", i, cfg.Rules[i].Name, err)
		}
		s.rules = append(s.rules, r)
		for k, selected := range r.parts {
			if selected {
				s.partKinds[k] = true
				s.hasParts = true
			}
		}
	}
	for _, pattern := range cfg.ProtectedAttributes {
		s.protected.add(newGlobMatcher(pattern))
	}

	if s.telemetry, err = newSamplingTelemetry(set.TelemetrySettings, s.rules); err != nil {
		return nil, err
	}
	s.states.New = func() any { return newSpanState(len(s.rules)) }
	return s, nil
}

// processSpan applies the rules and then the size limits to the span's and
// its events' attributes.
func (s *sampler) processSpan(ctx context.Context, sc *spanContext) {
	if !s.enabled {
		return
	}
	st := s.states.Get().(*spanState)
	st.reset(sc)

	s.processAttributes(ctx, st, sc.span.Attributes())
	events := sc.span.Events()
	for i := 0; i < events.Len(); i++ {
		s.processAttributes(ctx, st, events.At(i).Attributes())
	}

	if s.maxSpanBytes > 0 && st.spanBytes > s.maxSpanBytes {
		s.trimSpan(ctx, st)
	}

	st.release()
	s.states.Put(st)
}

func (s *sampler) processAttributes(ctx context.Context, st *spanState, attrs pcommon.Map) {
	attrs.RemoveIf(func(key string, v pcommon.Value) bool {
		return s.processValue(ctx, st, key, v)
	})
}

// processValue applies the rules and the attribute size limit to one
// attribute and adds its size to the span's. It returns true when a rule
// dropped the attribute. Whole-attribute rules select string values by key.
// Part rules also select bytes values and the values inside maps and slices.
// The size limit applies to strings, bytes and the values inside maps and
// slices, which all count toward the span size.
func (s *sampler) processValue(ctx context.Context, st *spanState, key string, v pcommon.Value) bool {
	if len(s.rules) > 0 && !s.isProtected(key) {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			if _, removed := s.applyRules(ctx, st, key, v, v.Str()); removed {
				return true
			}
		case pcommon.ValueTypeBytes:
			if s.hasParts && s.applyToBytes(ctx, st, key, v) {
				return true
			}
		case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
			if s.hasParts {
				s.applyToNested(ctx, st, key, v)
			}
		}
	}
	st.spanBytes += len(key) + s.limitValue(ctx, st, v)
	return false
}

func (s *sampler) isProtected(key string) bool {
	return s.protected.match(key)
}

// compileRule checks a configured rule and compiles its patterns and
// conditions.
func compileRule(cfg *SamplingRule, parser *conditionParser) (sampleRule, error) {
	r := sampleRule{
		name:          cfg.Name,
		keepFraction:  cfg.KeepFraction,
		replacement:   cfg.Replacement,
		truncateBytes: cfg.TruncateBytes,
	}
	if cfg.Name == "" {
		return r, errors.New("name is missing: give the rule a name for its metrics")
	}
	if cfg.KeepFraction < 0 || cfg.KeepFraction > 1 {
		return r, fmt.Errorf("keep_fraction %v is invalid: set a fraction from 0 to 1", cfg.KeepFraction)
	}
	if cfg.KeepFraction > 0 && cfg.KeepFraction < sampling.MinSamplingProbability {
		return r, fmt.Errorf("keep_fraction %v is invalid: set 0 or at least 2^-56", cfg.KeepFraction)
	}

	switch cfg.Replacement {
	case replacementHash, replacementDrop:
	case replacementTruncate:
		if cfg.TruncateBytes <= 0 {
			return r, fmt.Errorf("truncate_bytes %d is invalid: set the number of bytes to keep, above 0",
				cfg.TruncateBytes)
		}
	case "":
		return r, errors.New("replacement is missing: set hash, truncate or drop")
	default:
		return r, fmt.Errorf("replacement %q is invalid: set hash, truncate or drop", cfg.Replacement)
	}

	for _, pattern := range cfg.Attributes {
		if pattern == "" {
			return r, errors.New("attributes contains an empty pattern: remove it")
		}
		r.keys.add(newGlobMatcher(pattern))
	}
	for _, expr := range cfg.AttributesRegex {
		re, err := regexp.Compile(expr)
		if err != nil {
			return r, fmt.Errorf("attributes_regex %q is invalid: %w", expr, err)
		}
		r.keys.add(keyMatcher{regex: re})
	}
	for _, name := range cfg.Parts {
		if name == "binary" {
			for _, k := range []payload.Kind{payload.KindImage, payload.KindAudio, payload.KindVideo, payload.KindFile} {
				r.parts[k] = true
			}
			continue
		}
		k, ok := payload.ParseKind(name)
		if !ok {
			return r, fmt.Errorf("parts contains %q, which is not a part kind: use image, audio, video, file, "+
				"binary, reasoning or document", name)
		}
		r.parts[k] = true
	}
	if r.keys.len == 0 && !r.selectsParts() {
		return r, errors.New("the rule selects nothing: set attributes, attributes_regex or parts")
	}

	var err error
	if r.when, err = parser.parse(cfg.When); err != nil {
		return r, fmt.Errorf("when: %w", err)
	}
	if r.alwaysKeep, err = parser.parse(cfg.AlwaysKeepWhen); err != nil {
		return r, fmt.Errorf("always_keep_when: %w", err)
	}
	r.threshold = thresholdFor(cfg.KeepFraction)
	return r, nil
}
