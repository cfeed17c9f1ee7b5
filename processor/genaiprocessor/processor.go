package genaiprocessor

import (
	"context"
	"errors"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pipeline"
	"go.opentelemetry.io/collector/processor"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// spanContext is one span with its resource, scope and GenAI view, handed to
// every stage in turn.
type spanContext struct {
	resource pcommon.Resource
	scope    pcommon.InstrumentationScope
	span     ptrace.Span
	view     *genai.View
	// priced counts what the pricing stage did in the batch, recorded
	// once per batch.
	priced pricingTally
	// text holds the strings that the pricing stage writes in the batch.
	text textWriter
	// users holds the model calls that the usage-attributes stage found
	// without a user id, filled from their traces at the end of the batch.
	users userFill
}

type genaiProcessor struct {
	logger  *zap.Logger
	sampler *sampler
	masker  *masker
	pricer  *pricer
	usage   usageWriter
	// readView is true when a stage reads the GenAI view: pricing or the
	// usage attributes. With both off no span is read into a view.
	readView bool
	// views keeps Views, with their scan state and maps, between batches.
	// A View holds a few kilobytes, which a small batch would otherwise
	// allocate each time.
	views sync.Pool
}

// newGenAIProcessor builds the stages a signal needs: traces run all of them,
// logs only masking, because scores carry no payloads to sample or tokens to
// price.
func newGenAIProcessor(set processor.Settings, cfg *Config, signal pipeline.Signal) (*genaiProcessor, error) {
	p := &genaiProcessor{logger: set.Logger}
	var err error
	if p.masker, err = newMasker(set, &cfg.Masking); err != nil {
		return nil, err
	}
	if signal != pipeline.SignalTraces {
		return p, nil
	}
	if p.sampler, err = newSampler(set, &cfg.Sampling); err != nil {
		return nil, err
	}
	if p.pricer, err = newPricer(set, &cfg.Pricing); err != nil {
		return nil, err
	}
	p.usage.enabled = cfg.UsageAttributes.Enabled
	if p.usage.enabled {
		p.pricer.roomAfter = usageAttributeCount
	}
	p.readView = cfg.Pricing.Enabled || cfg.UsageAttributes.Enabled
	return p, nil
}

func (p *genaiProcessor) start(ctx context.Context, host component.Host) error {
	if p.pricer == nil {
		return nil
	}
	return p.pricer.start(ctx, host)
}

func (p *genaiProcessor) shutdown(ctx context.Context) error {
	if p.pricer == nil {
		return nil
	}
	return errors.Join(p.pricer.shutdown(ctx))
}

// processTraces runs the stages on every span: recognize, sample payloads,
// mask PII, price tokens, write the usage attributes. Resource and scope
// attributes are masked once per resource and scope.
func (p *genaiProcessor) processTraces(ctx context.Context, td ptrace.Traces) (ptrace.Traces, error) {
	var sc spanContext
	if p.readView {
		view, _ := p.views.Get().(*genai.View)
		if view == nil {
			view = new(genai.View)
		}
		defer func() {
			view.Forget()
			p.views.Put(view)
		}()
		sc.view = view
	}
	rss := td.ResourceSpans()
	for i := 0; i < rss.Len(); i++ {
		rs := rss.At(i)
		sc.resource = rs.Resource()
		p.masker.maskResource(ctx, sc.resource)
		sss := rs.ScopeSpans()
		for j := 0; j < sss.Len(); j++ {
			ss := sss.At(j)
			sc.scope = ss.Scope()
			p.masker.maskScope(ctx, sc.scope)
			spans := ss.Spans()
			for k := 0; k < spans.Len(); k++ {
				sc.span = spans.At(k)
				if p.readView {
					// Pricing and the usage attributes need only the
					// usage fields; the exporter reads the whole view.
					genai.ReadUsage(sc.view, sc.resource, sc.scope, sc.span)
				}
				p.sampler.processSpan(ctx, &sc)
				p.masker.processSpan(ctx, &sc)
				p.pricer.processSpan(ctx, &sc)
				p.usage.processSpan(&sc)
			}
		}
	}
	sc.users.fill()
	p.pricer.record(ctx, &sc.priced)
	sc.text.release()
	return td, nil
}

// processLogs masks log records; scores and their comments travel as logs.
func (p *genaiProcessor) processLogs(ctx context.Context, ld plog.Logs) (plog.Logs, error) {
	p.masker.processLogs(ctx, ld)
	return ld, nil
}
