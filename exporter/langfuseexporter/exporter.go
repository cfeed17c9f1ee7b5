package langfuseexporter

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"runtime"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
)

// langfuseExporter sends spans and scores to Langfuse, or writes them to
// the dry-run file when no endpoint or keys are configured.
type langfuseExporter struct {
	cfg      *Config
	settings component.TelemetrySettings
	logger   *zap.Logger
	// sampledLogger logs per-span and per-event problems at most a few
	// times per second for each message.
	sampledLogger *zap.Logger
	telemetry     *telemetry
	userAgent     string

	preparer  *preparer
	otlp      otlpEncoder
	ingestion ingestionEncoder

	sender *sender
	dryRun *dryRunWriter
	now    func() time.Time
}

func newLangfuseExporter(cfg *Config, set exporter.Settings, read readFunc) (*langfuseExporter, error) {
	tel, err := newTelemetry(set.TelemetrySettings, cfg.Protocol)
	if err != nil {
		return nil, fmt.Errorf("create the langfuse exporter metrics: %w", err)
	}

	sampled := set.Logger.WithOptions(zap.WrapCore(func(core zapcore.Core) zapcore.Core {
		return zapcore.NewSamplerWithOptions(core, time.Second, 5, 0)
	}))

	e := &langfuseExporter{
		cfg:           cfg,
		settings:      set.TelemetrySettings,
		logger:        set.Logger,
		sampledLogger: sampled,
		telemetry:     tel,
		userAgent: fmt.Sprintf("%s/%s (%s/%s)", set.BuildInfo.Description, set.BuildInfo.Version,
			runtime.GOOS, runtime.GOARCH),
		otlp:      otlpEncoder{maxFieldBytes: cfg.MaxFieldBytes, telemetry: tel},
		ingestion: ingestionEncoder{maxFieldBytes: cfg.MaxFieldBytes, telemetry: tel, logger: sampled},
		now:       time.Now,
	}
	e.preparer = &preparer{
		read:        read,
		state:       newTraceState(cfg.TraceState.MaxTraces, cfg.TraceState.TTL),
		environment: cfg.Environment,
		telemetry:   tel,
		logger:      sampled,
		now:         func() time.Time { return e.now() },
	}
	return e, nil
}

// defaultRead is the production reader.
var defaultRead readFunc = genai.Read

func (e *langfuseExporter) start(ctx context.Context, host component.Host) error {
	if e.cfg.dryRun() {
		writer, err := newDryRunWriter(e.cfg.DryRun.Directory, e.cfg.DryRun.MaxFileBytes)
		if err != nil {
			return err
		}
		e.dryRun = writer
		e.logger.Warn("DRY RUN: the langfuse exporter sends nothing to Langfuse, because the endpoint, "+
			"public_key or secret_key is empty. It writes what it would send to the dry-run directory "+
			"instead. Set LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY to send data.",
			zap.String("dry_run_directory", e.cfg.DryRun.Directory),
			zap.Bool("endpoint_set", e.cfg.ClientConfig.Endpoint != ""),
			zap.Bool("public_key_set", e.cfg.PublicKey != ""),
			zap.Bool("secret_key_set", e.cfg.SecretKey != ""))
		return nil
	}

	otlpClient, err := e.cfg.ClientConfig.ToClient(ctx, host.GetExtensions(), e.settings)
	if err != nil {
		return fmt.Errorf("create the HTTP client for %s: %w", redactEndpoint(e.cfg.ClientConfig.Endpoint), err)
	}

	// NOTE: the batch endpoint's body parser is not known to accept a gzip
	// request body, so ingestion requests are always sent uncompressed.
	ingestionConfig := e.cfg.ClientConfig
	ingestionConfig.Compression = configcompression.Type("")
	ingestionClient, err := ingestionConfig.ToClient(ctx, host.GetExtensions(), e.settings)
	if err != nil {
		return fmt.Errorf("create the HTTP client for %s: %w", redactEndpoint(e.cfg.ClientConfig.Endpoint), err)
	}

	e.sender = newSender(e.cfg.ClientConfig.Endpoint, e.cfg.PublicKey, string(e.cfg.SecretKey), e.userAgent)
	e.sender.otlpClient = otlpClient
	e.sender.ingestionClient = ingestionClient
	e.logger.Info("Sending to Langfuse",
		zap.String("endpoint", redactEndpoint(e.cfg.ClientConfig.Endpoint)),
		zap.String("protocol", string(e.cfg.Protocol)))
	return nil
}

func (e *langfuseExporter) shutdown(context.Context) error {
	if e.dryRun != nil {
		return e.dryRun.close()
	}
	return nil
}

// pushTraces prepares the spans of td, encodes them for the configured
// protocol and sends them. td is changed in place.
func (e *langfuseExporter) pushTraces(ctx context.Context, td ptrace.Traces) error {
	batch := e.preparer.prepare(ctx, td)
	defer batch.release()
	if len(batch.spans) == 0 {
		return nil
	}

	if e.cfg.Protocol == ProtocolIngestion {
		events := e.ingestion.encodeBatch(ctx, batch)
		if e.dryRun != nil {
			return e.writeDryRunEvents(ctx, events)
		}
		retry, err := e.sendEvents(ctx, events)
		if err == nil {
			return nil
		}
		if len(retry) == 0 {
			return err
		}
		return consumererror.NewTraces(err, retrySpans(batch, retry))
	}

	buf := make([]byte, 0, 256)
	for i := range batch.spans {
		buf = e.otlp.encodeSpan(ctx, &batch.spans[i], buf)
	}
	e.otlp.encodeResources(ctx, td)
	if e.dryRun != nil {
		lines := make([]dryRunLine, len(batch.spans))
		for i := range batch.spans {
			lines[i] = otlpSummary(&batch.spans[i])
			lines[i].Protocol = ProtocolOTLP
		}
		return e.writeDryRun(ctx, "observation", lines)
	}
	return e.sendOTLP(ctx, td)
}

// pushLogs sends log records that carry the langfuse.score event name as
// score-create events; other records are not for Langfuse and are skipped.
func (e *langfuseExporter) pushLogs(ctx context.Context, ld plog.Logs) error {
	var events []encodedEvent
	var records []plog.LogRecord
	rls := ld.ResourceLogs()
	for i := range rls.Len() {
		sls := rls.At(i).ScopeLogs()
		for j := range sls.Len() {
			logRecords := sls.At(j).LogRecords()
			for k := range logRecords.Len() {
				record := logRecords.At(k)
				if record.EventName() != langfuse.ScoreEventName {
					continue
				}
				event, err := encodeScore(record, e.cfg.Environment, len(records))
				if err != nil {
					e.telemetry.addDropped(ctx, reasonInvalidScore, 1)
					e.sampledLogger.Warn("Dropped a score that Langfuse would reject", zap.Error(err))
					continue
				}
				records = append(records, record)
				events = append(events, event)
			}
		}
	}
	if len(events) == 0 {
		return nil
	}

	if e.dryRun != nil {
		return e.writeDryRunEvents(ctx, events)
	}
	retry, err := e.sendEvents(ctx, events)
	if err == nil {
		return nil
	}
	if len(retry) == 0 {
		return err
	}
	return consumererror.NewLogs(err, retryRecords(records, retry))
}

// sendOTLP posts td to the OTLP endpoint. On 413 it sends each half of the
// spans on its own, down to single spans, which are dropped when still too
// large.
func (e *langfuseExporter) sendOTLP(ctx context.Context, td ptrace.Traces) error {
	count := td.SpanCount()
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		e.telemetry.addDropped(ctx, reasonEncodingFailed, count)
		return consumererror.NewPermanent(fmt.Errorf("encode %d spans as OTLP protobuf: %w", count, err))
	}

	resp, err := e.sender.post(ctx, e.sender.otlpClient, e.sender.otlpURL, "application/x-protobuf", body)
	if err != nil {
		e.telemetry.addFailed(ctx, 0, count)
		return err
	}
	if resp.status >= 200 && resp.status < 300 {
		e.telemetry.addExported(ctx, "observation", count)
		return nil
	}

	err = e.sender.classify(e.sender.otlpURL, resp)
	if !errors.Is(err, errTooLarge) {
		e.telemetry.addFailed(ctx, resp.status, count)
		if consumererror.IsPermanent(err) {
			e.telemetry.addDropped(ctx, reasonRejected, count)
		}
		return err
	}

	if count <= 1 {
		e.telemetry.addDropped(ctx, reasonTooLarge, count)
		e.sampledLogger.Warn("Dropped a span that Langfuse rejects as too large even when sent alone",
			zap.Int("body_bytes", len(body)), zap.Int("max_field_bytes", e.cfg.MaxFieldBytes))
		return nil
	}
	first, second := splitTraces(td)
	return joinTraceErrors(
		first, e.sendOTLP(ctx, first),
		second, e.sendOTLP(ctx, second))
}

func (e *langfuseExporter) writeDryRunEvents(ctx context.Context, events []encodedEvent) error {
	lines := make([]dryRunLine, len(events))
	for i := range events {
		lines[i] = events[i].summary
		lines[i].Protocol = ProtocolIngestion
		lines[i].Event = events[i].data
	}
	return e.writeDryRun(ctx, "", lines)
}

func (e *langfuseExporter) writeDryRun(ctx context.Context, signal string, lines []dryRunLine) error {
	if err := e.dryRun.write(lines, e.now()); err != nil {
		return err
	}
	for _, line := range lines {
		switch {
		case signal != "":
			e.telemetry.addExported(ctx, signal, 1)
		case line.Type == "score":
			e.telemetry.addExported(ctx, "score", 1)
		case line.Type != "trace":
			e.telemetry.addExported(ctx, "observation", 1)
		}
	}
	return nil
}

// isRetryableEventStatus reports whether a per-event status in a 207 is
// worth sending again: server errors and rate limits.
func isRetryableEventStatus(status int) bool {
	return status == http.StatusTooManyRequests || status >= 500
}
