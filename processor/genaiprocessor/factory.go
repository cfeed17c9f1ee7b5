package genaiprocessor

import (
	"context"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/collector/processor/processorhelper"
)

const (
	typeStr   = "genai"
	stability = component.StabilityLevelAlpha
)

var componentType = component.MustNewType(typeStr)

var processorCapabilities = consumer.Capabilities{MutatesData: true}

// NewFactory returns the factory of the genai processor.
func NewFactory() processor.Factory {
	return processor.NewFactory(
		componentType,
		createDefaultConfig,
		processor.WithTraces(createTraces, stability),
		processor.WithLogs(createLogs, stability),
	)
}

func createDefaultConfig() component.Config {
	return &Config{
		Masking:         defaultMaskingConfig(),
		Pricing:         defaultPricingConfig(),
		Sampling:        defaultSamplingConfig(),
		UsageAttributes: UsageAttributesConfig{Enabled: true},
	}
}

func createTraces(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Traces) (processor.Traces, error) {
	p, err := newGenAIProcessor(set, cfg.(*Config), pipeline.SignalTraces)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewTraces(ctx, set, cfg, next, p.processTraces,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
}

func createLogs(ctx context.Context, set processor.Settings, cfg component.Config, next consumer.Logs) (processor.Logs, error) {
	p, err := newGenAIProcessor(set, cfg.(*Config), pipeline.SignalLogs)
	if err != nil {
		return nil, err
	}
	return processorhelper.NewLogs(ctx, set, cfg, next, p.processLogs,
		processorhelper.WithCapabilities(processorCapabilities),
		processorhelper.WithStart(p.start),
		processorhelper.WithShutdown(p.shutdown))
}
