package genaiprocessor

import (
	"context"
	"fmt"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

const samplingMeterName = "github.com/otelcol-genai/otelcol-genai/processor/genaiprocessor"

// Rule names that the size limits report under in the sampling metrics.
const (
	ruleNameAttributeLimit = "max_attribute_bytes"
	ruleNameSpanLimit      = "max_span_bytes"
)

var outcomeNames = [...]string{
	outcomeKept:      "kept",
	outcomeHashed:    "hashed",
	outcomeTruncated: "truncated",
	outcomeDropped:   "dropped",
}

// samplingTelemetry holds the sampling stage's counters:
//   - otelcol_genai_sampling_payloads: payloads a rule or size limit
//     selected, by rule and outcome (kept, hashed, truncated, dropped);
//   - otelcol_genai_sampling_saved_bytes: bytes removed from attribute
//     values by replacements, by rule.
type samplingTelemetry struct {
	attributeLimit *ruleMetrics
	spanLimit      *ruleMetrics
}

// ruleMetrics records the outcomes of one rule. The attribute sets are built
// once, so recording does not allocate.
type ruleMetrics struct {
	payloads   metric.Int64Counter
	savedBytes metric.Int64Counter
	outcomes   [len(outcomeNames)]metric.AddOption
	rule       metric.AddOption
}

func newSamplingTelemetry(set component.TelemetrySettings, rules []sampleRule) (*samplingTelemetry, error) {
	meter := set.MeterProvider.Meter(samplingMeterName)
	payloads, err := meter.Int64Counter("otelcol_genai_sampling_payloads",
		metric.WithDescription("Payloads selected by a sampling rule or size limit, by rule and outcome."),
		metric.WithUnit("{payload}"))
	if err != nil {
		return nil, fmt.Errorf("failed to create the sampling payload counter: %w", err)
	}
	savedBytes, err := meter.Int64Counter("otelcol_genai_sampling_saved_bytes",
		metric.WithDescription("Bytes removed from attribute values by sampling replacements, by rule."),
		metric.WithUnit("By"))
	if err != nil {
		return nil, fmt.Errorf("failed to create the sampling saved-bytes counter: %w", err)
	}

	build := func(name string) ruleMetrics {
		m := ruleMetrics{payloads: payloads, savedBytes: savedBytes}
		rule := attribute.String("rule", name)
		m.rule = metric.WithAttributeSet(attribute.NewSet(rule))
		for i, outcome := range outcomeNames {
			m.outcomes[i] = metric.WithAttributeSet(attribute.NewSet(rule, attribute.String("outcome", outcome)))
		}
		return m
	}
	for i := range rules {
		rules[i].metrics = build(rules[i].name)
	}
	attributeLimit := build(ruleNameAttributeLimit)
	spanLimit := build(ruleNameSpanLimit)
	return &samplingTelemetry{attributeLimit: &attributeLimit, spanLimit: &spanLimit}, nil
}

func (m *ruleMetrics) kept(ctx context.Context) {
	m.payloads.Add(ctx, 1, m.outcomes[outcomeKept])
}

func (m *ruleMetrics) dropped(ctx context.Context, saved int64) {
	m.replaced(ctx, outcomeDropped, saved)
}

func (m *ruleMetrics) replaced(ctx context.Context, outcome int, saved int64) {
	m.payloads.Add(ctx, 1, m.outcomes[outcome])
	if saved > 0 {
		m.savedBytes.Add(ctx, saved, m.rule)
	}
}
