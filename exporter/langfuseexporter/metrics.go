package langfuseexporter

import (
	"context"
	"errors"
	"strconv"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

const scopeName = "github.com/otelcol-genai/otelcol-genai/exporter/langfuseexporter"

// telemetry contains the exporter's own counters. Every counter carries the
// exporter's protocol, and the comment next to each counter names the
// attribute that splits it further.
type telemetry struct {
	protocol attribute.KeyValue

	exported  metric.Int64Counter // split by signal (observation, score)
	failed    metric.Int64Counter // split by status_code (HTTP or per-event status, 0 for network errors)
	dropped   metric.Int64Counter // split by reason
	truncated metric.Int64Counter // split by field
	fixed     metric.Int64Counter // split by reason
	evictions metric.Int64Counter // split by reason (capacity, expired)
}

func newTelemetry(settings component.TelemetrySettings, protocol Protocol) (*telemetry, error) {
	meter := settings.MeterProvider.Meter(scopeName)
	t := &telemetry{protocol: attribute.String("protocol", string(protocol))}

	var errs, err error
	t.exported, err = meter.Int64Counter("otelcol_genai_exporter_langfuse_exported",
		metric.WithDescription("Observations and scores accepted by Langfuse, or written to the dry-run file."),
		metric.WithUnit("{item}"))
	errs = errors.Join(errs, err)
	t.failed, err = meter.Int64Counter("otelcol_genai_exporter_langfuse_failed",
		metric.WithDescription("Observations and scores in requests or events that Langfuse failed with an error status."),
		metric.WithUnit("{item}"))
	errs = errors.Join(errs, err)
	t.dropped, err = meter.Int64Counter("otelcol_genai_exporter_langfuse_dropped",
		metric.WithDescription("Observations and scores dropped without retry."),
		metric.WithUnit("{item}"))
	errs = errors.Join(errs, err)
	t.truncated, err = meter.Int64Counter("otelcol_genai_exporter_langfuse_truncated_fields",
		metric.WithDescription("String fields cut to max_field_bytes."),
		metric.WithUnit("{field}"))
	errs = errors.Join(errs, err)
	t.fixed, err = meter.Int64Counter("otelcol_genai_exporter_langfuse_fixed_fields",
		metric.WithDescription("Fields corrected before sending so that Langfuse does not rewrite or reject them."),
		metric.WithUnit("{field}"))
	errs = errors.Join(errs, err)
	t.evictions, err = meter.Int64Counter("otelcol_genai_exporter_langfuse_trace_state_evictions",
		metric.WithDescription("Traces forgotten by the trace-attribute propagation state."),
		metric.WithUnit("{trace}"))
	errs = errors.Join(errs, err)

	return t, errs
}

func (t *telemetry) addExported(ctx context.Context, signal string, n int) {
	if n > 0 {
		t.exported.Add(ctx, int64(n), metric.WithAttributes(t.protocol, attribute.String("signal", signal)))
	}
}

func (t *telemetry) addFailed(ctx context.Context, status int, n int) {
	if n > 0 {
		t.failed.Add(ctx, int64(n), metric.WithAttributes(t.protocol, attribute.String("status_code", strconv.Itoa(status))))
	}
}

func (t *telemetry) addDropped(ctx context.Context, reason dropReason, n int) {
	if n > 0 {
		t.dropped.Add(ctx, int64(n), metric.WithAttributes(t.protocol, attribute.String("reason", string(reason))))
	}
}

func (t *telemetry) addTruncated(ctx context.Context, field string) {
	t.truncated.Add(ctx, 1, metric.WithAttributes(t.protocol, attribute.String("field", field)))
}

func (t *telemetry) addFixed(ctx context.Context, reason fixReason) {
	t.fixed.Add(ctx, 1, metric.WithAttributes(t.protocol, attribute.String("reason", string(reason))))
}

func (t *telemetry) addEvictions(ctx context.Context, reason string, n int) {
	if n > 0 {
		t.evictions.Add(ctx, int64(n), metric.WithAttributes(t.protocol, attribute.String("reason", reason)))
	}
}
