package langfuseexporter

import (
	"context"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

const (
	typeStr   = "langfuse"
	stability = component.StabilityLevelAlpha
)

var componentType = component.MustNewType(typeStr)

// Defaults of the trace-state and dry-run settings.
const (
	defaultMaxTraces        = 100_000
	defaultTraceTTL         = 10 * time.Minute
	defaultDryRunDirectory  = "./data"
	defaultDryRunFileBytes  = 100 << 20
	defaultClientTimeout    = 30 * time.Second
	defaultWriteBufferBytes = 512 << 10
)

// NewFactory returns the factory of the langfuse exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		componentType,
		createDefaultConfig,
		exporter.WithTraces(createTraces, stability),
		exporter.WithLogs(createLogs, stability),
	)
}

func createDefaultConfig() component.Config {
	client := confighttp.NewDefaultClientConfig()
	client.Timeout = defaultClientTimeout
	client.Compression = configcompression.TypeGzip
	client.WriteBufferSize = defaultWriteBufferBytes

	return &Config{
		ClientConfig:  client,
		QueueConfig:   configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:   configretry.NewDefaultBackOffConfig(),
		Protocol:      ProtocolOTLP,
		MaxFieldBytes: defaultMaxFieldBytes,
		MaxBatchBytes: defaultMaxBatchBytes,
		TraceState: TraceStateConfig{
			MaxTraces: defaultMaxTraces,
			TTL:       defaultTraceTTL,
		},
		DryRun: DryRunConfig{
			Directory:    defaultDryRunDirectory,
			MaxFileBytes: defaultDryRunFileBytes,
		},
	}
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	return createTracesWithReader(ctx, set, cfg, defaultRead)
}

// createTracesWithReader lets tests read spans into hand-built Views.
func createTracesWithReader(ctx context.Context, set exporter.Settings, cfg component.Config, read readFunc) (exporter.Traces, error) {
	oCfg := cfg.(*Config)
	exp, err := newLangfuseExporter(oCfg, set, read)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewTraces(ctx, set, cfg, exp.pushTraces, helperOptions(exp, oCfg)...)
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	oCfg := cfg.(*Config)
	exp, err := newLangfuseExporter(oCfg, set, defaultRead)
	if err != nil {
		return nil, err
	}
	return exporterhelper.NewLogs(ctx, set, cfg, exp.pushLogs, helperOptions(exp, oCfg)...)
}

func helperOptions(exp *langfuseExporter, cfg *Config) []exporterhelper.Option {
	return []exporterhelper.Option{
		exporterhelper.WithStart(exp.start),
		exporterhelper.WithShutdown(exp.shutdown),
		// Spans are rewritten in place with the langfuse.* attributes.
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: true}),
		// The HTTP client's timeout applies to each request.
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(cfg.RetryConfig),
		exporterhelper.WithQueue(cfg.QueueConfig),
	}
}
