package genaiprocessor

import (
	"context"
	"sync"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/pii"
)

// maskWarnInterval is the shortest time between two warnings of the same
// kind; occurrences in between are counted and reported with the next one.
const maskWarnInterval = time.Minute

// maskTelemetry holds the masking stage's metrics and rate-limited warnings.
type maskTelemetry struct {
	matches      metric.Int64Counter
	failedClosed metric.Int64Counter
	// sourceAttrs has the detector and action attributes of each pii source.
	sourceAttrs []metric.AddOption

	failedWarn    maskRateLimiter
	conditionWarn maskRateLimiter
}

func newMaskTelemetry(set component.TelemetrySettings, sources []pii.Source) (*maskTelemetry, error) {
	meter := set.MeterProvider.Meter(samplingMeterName)
	matches, err := meter.Int64Counter("otelcol_genai_masking_matches",
		metric.WithDescription("Values masked, pseudonymized or dropped, by detector and action."),
		metric.WithUnit("{match}"))
	if err != nil {
		return nil, err
	}
	failedClosed, err := meter.Int64Counter("otelcol_genai_masking_failed_closed",
		metric.WithDescription("Attribute values replaced as a whole because they could not be "+
			"scanned (invalid UTF-8 or a detector failure)."),
		metric.WithUnit("{value}"))
	if err != nil {
		return nil, err
	}
	t := &maskTelemetry{matches: matches, failedClosed: failedClosed}
	for _, src := range sources {
		t.sourceAttrs = append(t.sourceAttrs, metric.WithAttributeSet(attribute.NewSet(
			attribute.String("detector", src.Name),
			attribute.String("action", src.Action.String()),
		)))
	}
	return t, nil
}

// record adds the tally's counts to the metrics.
func (t *maskTelemetry) record(ctx context.Context, tally *pii.Tally) {
	for i, n := range tally.Counts {
		if n > 0 {
			t.matches.Add(ctx, n, t.sourceAttrs[i])
		}
	}
	if tally.FailedClosed > 0 {
		t.failedClosed.Add(ctx, tally.FailedClosed)
	}
}

func (t *maskTelemetry) warnFailedClosed(logger *zap.Logger, n int64, where string) {
	if suppressed, ok := t.failedWarn.allow(n); ok {
		logger.Warn("Replaced attribute values that could not be scanned for PII",
			zap.String("location", where),
			zap.Int64("values", suppressed),
			zap.String("reason", "invalid UTF-8 or detector failure"))
	}
}

// warnCondition reports a rule condition that failed to evaluate. The error
// is not logged: OTTL errors quote the attribute values they failed on,
// which are the values masking exists to hide.
func (t *maskTelemetry) warnCondition(logger *zap.Logger, rule string) {
	if suppressed, ok := t.conditionWarn.allow(1); ok {
		logger.Warn("Masking rule condition failed; the rule was applied",
			zap.String("rule", rule),
			zap.Int64("failures", suppressed),
			zap.String("reason", "evaluation error, text omitted because it can quote attribute values"))
	}
}

// maskRateLimiter lets one event through per maskWarnInterval and counts
// the events in between.
type maskRateLimiter struct {
	mu      sync.Mutex
	last    time.Time
	pending int64
}

// allow adds n events and reports whether to log now, with the number of
// events since the last log.
func (l *maskRateLimiter) allow(n int64) (int64, bool) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.pending += n
	now := time.Now()
	if !l.last.IsZero() && now.Sub(l.last) < maskWarnInterval {
		return 0, false
	}
	l.last = now
	total := l.pending
	l.pending = 0
	return total, true
}
