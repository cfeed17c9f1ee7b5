package langfusereceiver

import (
	"context"
	"errors"
	"strconv"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

const scopeMetrics = "github.com/otelcol-genai/otelcol-genai/receiver/langfusereceiver"

// Endpoint names, recorded as the endpoint attribute of the request metric.
const (
	endpointIngestion   = "ingestion"
	endpointOTLP        = "otel_traces"
	endpointScores      = "scores"
	endpointHealth      = "health"
	endpointProjects    = "projects"
	endpointPassthrough = "passthrough"
	endpointUnknown     = "unknown"
)

// telemetry holds the receiver's own metrics.
type telemetry struct {
	requests       metric.Int64Counter
	eventsAccepted metric.Int64Counter
	eventsRejected metric.Int64Counter
	spansAssembled metric.Int64Counter
	pending        metric.Int64ObservableGauge
	registration   metric.Registration
}

func newTelemetry(settings component.TelemetrySettings, pendingCount func() int) (*telemetry,
	error) {
	meter := settings.MeterProvider.Meter(scopeMetrics)
	t := &telemetry{}
	var errs []error
	var err error

	t.requests, err = meter.Int64Counter("otelcol_genai_langfuse_receiver_requests",
		metric.WithDescription("HTTP requests received, by endpoint and response status code."),
		metric.WithUnit("{request}"))
	errs = append(errs, err)
	t.eventsAccepted, err = meter.Int64Counter("otelcol_genai_langfuse_receiver_events_accepted",
		metric.WithDescription("Ingestion events and scores accepted, by event type."),
		metric.WithUnit("{event}"))
	errs = append(errs, err)
	t.eventsRejected, err = meter.Int64Counter("otelcol_genai_langfuse_receiver_events_rejected",
		metric.WithDescription("Ingestion events and scores rejected, by event type and reason."),
		metric.WithUnit("{event}"))
	errs = append(errs, err)
	t.spansAssembled, err = meter.Int64Counter("otelcol_genai_langfuse_receiver_spans_assembled",
		metric.WithDescription("Spans built from merged ingestion events, by reason: "+
			"complete, timeout, evicted or shutdown."),
		metric.WithUnit("{span}"))
	errs = append(errs, err)
	t.pending, err = meter.Int64ObservableGauge("otelcol_genai_langfuse_receiver_pending",
		metric.WithDescription("Observations and traces waiting for more events before they are sent."),
		metric.WithUnit("{entity}"))
	errs = append(errs, err)
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}

	t.registration, err = meter.RegisterCallback(func(_ context.Context, o metric.Observer) error {
		o.ObserveInt64(t.pending, int64(pendingCount()))
		return nil
	}, t.pending)
	if err != nil {
		return nil, err
	}
	return t, nil
}

func (t *telemetry) recordRequest(ctx context.Context, endpoint string, status int) {
	t.requests.Add(ctx, 1, metric.WithAttributes(
		attribute.String("endpoint", endpoint),
		attribute.String("http.response.status_code", strconv.Itoa(status))))
}

func (t *telemetry) recordAccepted(ctx context.Context, eventType string, n int) {
	if n > 0 {
		t.eventsAccepted.Add(ctx, int64(n), metric.WithAttributes(attribute.String("event_type",
			eventType)))
	}
}

func (t *telemetry) recordRejected(ctx context.Context, eventType, reason string) {
	t.eventsRejected.Add(ctx, 1, metric.WithAttributes(
		attribute.String("event_type", eventType), attribute.String("reason", reason)))
}

func (t *telemetry) recordFlushed(ctx context.Context, counts flushCounts) {
	for reason, n := range counts {
		t.spansAssembled.Add(ctx, int64(n), metric.WithAttributes(attribute.String("reason",
			reason)))
	}
}

func (t *telemetry) shutdown() error {
	if t.registration == nil {
		return nil
	}
	return t.registration.Unregister()
}
