package genaiprocessor

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/processor"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/pricing"
)

// PricingConfig configures token pricing.
type PricingConfig struct {
	Enabled bool `mapstructure:"enabled"`

	// DefaultTable loads the price table built into the collector. Turn it
	// off to price only with the tables and models configured here.
	DefaultTable bool `mapstructure:"default_table"`

	// Tables are price table files, each in the native YAML format, in
	// LiteLLM's model_prices_and_context_window.json format or as Langfuse
	// model definitions. A later table takes precedence over an earlier one
	// and over the default table.
	Tables []PricingTableConfig `mapstructure:"tables"`

	// Models are inline prices in the native format, USD per 1,000,000
	// tokens. They take precedence over every table.
	Models []pricing.ModelSpec `mapstructure:"models"`

	// Aliases maps a model or deployment name, case-insensitive, to the
	// model name to price it as, for example an Azure deployment name to
	// "azure/gpt-4o-mini".
	Aliases map[string]string `mapstructure:"aliases"`

	// OverrideAppCost replaces a cost that the application already set on
	// the span. By default such a cost is kept.
	OverrideAppCost bool `mapstructure:"override_app_cost"`

	// DateFallback prices a dated model snapshot that no table lists at the
	// rate of its undated alias (gpt-4o-2031-01-01 as gpt-4o).
	DateFallback bool `mapstructure:"date_fallback"`

	// ReloadInterval is how often table files are checked for changes;
	// 0 turns reloading off.
	ReloadInterval time.Duration `mapstructure:"reload_interval"`

	// UnpricedLogInterval is the minimum time between two warnings about
	// the same model without a price.
	UnpricedLogInterval time.Duration `mapstructure:"unpriced_log_interval"`

	// MaxUnpricedModels bounds the model names that the unpriced-span
	// counter reports one by one; the rest are counted as "other".
	MaxUnpricedModels int `mapstructure:"max_unpriced_models"`
}

// PricingTableConfig is one price table file.
type PricingTableConfig struct {
	Path string `mapstructure:"path"`
	// Format is auto (the default), native, litellm or langfuse.
	Format string `mapstructure:"format"`
}

func defaultPricingConfig() PricingConfig {
	return PricingConfig{
		Enabled:             true,
		DefaultTable:        true,
		DateFallback:        true,
		ReloadInterval:      30 * time.Second,
		UnpricedLogInterval: 10 * time.Minute,
		MaxUnpricedModels:   100,
	}
}

// Validate checks the pricing configuration.
func (c *PricingConfig) Validate() error {
	var errs []error
	for i, t := range c.Tables {
		if strings.TrimSpace(t.Path) == "" {
			errs = append(errs, fmt.Errorf("tables[%d]: path is empty; set the path of a price table file", i))
		}
		if !pricing.Format(t.Format).Valid() {
			errs = append(errs, fmt.Errorf("tables[%d]: format %q is invalid; use auto, native, litellm or langfuse",
				i, t.Format))
		}
	}
	for i := range c.Models {
		if err := c.Models[i].Validate(); err != nil {
			errs = append(errs, fmt.Errorf("models[%d]: %w", i, err))
		}
	}
	for from, to := range c.Aliases {
		if strings.TrimSpace(from) == "" || strings.TrimSpace(to) == "" {
			errs = append(errs, fmt.Errorf("aliases: %q -> %q has an empty side; map a name to a model name",
				from, to))
		}
	}
	if c.ReloadInterval < 0 {
		errs = append(errs, fmt.Errorf("reload_interval %v is negative; use 0 to turn reloading off", c.ReloadInterval))
	}
	if c.UnpricedLogInterval < 0 {
		errs = append(errs, fmt.Errorf("unpriced_log_interval %v is negative", c.UnpricedLogInterval))
	}
	if c.MaxUnpricedModels < 1 {
		errs = append(errs, fmt.Errorf("max_unpriced_models %d must be at least 1", c.MaxUnpricedModels))
	}
	if c.Enabled && !c.DefaultTable && len(c.Tables) == 0 && len(c.Models) == 0 {
		errs = append(errs, errors.New("default_table is off and no tables or models are set, so nothing is priced"))
	}
	return errors.Join(errs...)
}

// pricer is the pricing stage: it writes the cost of each model call onto
// its span.
type pricer struct {
	enabled         bool
	overrideAppCost bool
	// roomAfter is the number of attributes that later stages may add to
	// a priced span; the pricing stage makes room for them too.
	roomAfter      int
	reloadInterval time.Duration
	logger         *zap.Logger

	layers  *pricing.Layers
	matcher atomic.Pointer[pricing.Matcher]

	unpriced *unpricedModels
	metrics  pricingMetrics
	strings  stringArena

	stopOnce sync.Once
	stop     chan struct{}
	done     chan struct{}
}

type pricingMetrics struct {
	priced         metric.Int64Counter
	unpriced       metric.Int64Counter
	appCostKept    metric.Int64Counter
	reloadFailures metric.Int64Counter
}

func newPricingMetrics(meter metric.Meter) (pricingMetrics, error) {
	var (
		m    pricingMetrics
		errs [4]error
	)
	m.priced, errs[0] = meter.Int64Counter("otelcol_genai_pricing_priced_spans",
		metric.WithDescription("Spans of model calls that the pricing stage wrote a cost onto."),
		metric.WithUnit("{span}"))
	m.unpriced, errs[1] = meter.Int64Counter("otelcol_genai_pricing_unpriced_spans",
		metric.WithDescription("Spans of model calls left without a cost because no price matched the model, by model."),
		metric.WithUnit("{span}"))
	m.appCostKept, errs[2] = meter.Int64Counter("otelcol_genai_pricing_app_cost_kept_spans",
		metric.WithDescription("Spans whose cost the application had already set and that were not repriced."),
		metric.WithUnit("{span}"))
	m.reloadFailures, errs[3] = meter.Int64Counter("otelcol_genai_pricing_table_reload_failures",
		metric.WithDescription("Price table files that failed to reload; the previous table stays in use."),
		metric.WithUnit("{failure}"))
	return m, errors.Join(errs[:]...)
}

func newPricer(set processor.Settings, cfg *PricingConfig) (*pricer, error) {
	p := &pricer{
		enabled:         cfg.Enabled,
		overrideAppCost: cfg.OverrideAppCost,
		reloadInterval:  cfg.ReloadInterval,
		logger:          set.Logger,
	}
	if !cfg.Enabled {
		return p, nil
	}

	var err error
	meter := set.MeterProvider.Meter("github.com/otelcol-genai/otelcol-genai/processor/genaiprocessor")
	if p.metrics, err = newPricingMetrics(meter); err != nil {
		return nil, fmt.Errorf("pricing: create metrics: %w", err)
	}
	p.unpriced = newUnpricedModels(cfg.MaxUnpricedModels, cfg.UnpricedLogInterval)

	var builtin *pricing.Table
	if cfg.DefaultTable {
		if builtin, err = pricing.Default(); err != nil {
			return nil, fmt.Errorf("pricing: default table: %w", err)
		}
	}
	var inline *pricing.Table
	if len(cfg.Models) > 0 {
		if inline, err = pricing.NewTableFromSpecs("inline", cfg.Models); err != nil {
			return nil, fmt.Errorf("pricing: %w", err)
		}
	}
	files := make([]pricing.FileSpec, 0, len(cfg.Tables))
	for _, t := range cfg.Tables {
		files = append(files, pricing.FileSpec{Path: t.Path, Format: pricing.Format(t.Format)})
	}
	opts := pricing.MatcherOptions{Aliases: cfg.Aliases, DateFallback: cfg.DateFallback}
	layers, matcher, err := pricing.NewLayers(builtin, files, inline, opts)
	if err != nil {
		return nil, fmt.Errorf("pricing: %w", err)
	}
	p.layers = layers
	p.matcher.Store(matcher)
	return p, nil
}

// start polls the table files for changes when reloading is on.
func (p *pricer) start(_ context.Context, _ component.Host) error {
	if !p.enabled || p.reloadInterval <= 0 || p.layers == nil || p.stop != nil {
		return nil
	}
	p.stop = make(chan struct{})
	p.done = make(chan struct{})
	go p.reloadLoop()
	return nil
}

func (p *pricer) shutdown(_ context.Context) error {
	if p.stop == nil {
		return nil
	}
	p.stopOnce.Do(func() { close(p.stop) })
	<-p.done
	return nil
}

func (p *pricer) reloadLoop() {
	defer close(p.done)
	ticker := time.NewTicker(p.reloadInterval)
	defer ticker.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-ticker.C:
			p.reload()
		}
	}
}

// reload reloads changed table files and swaps the matcher. The layers are
// only touched by the reload goroutine.
func (p *pricer) reload() {
	matcher, errs := p.layers.Reload()
	for _, err := range errs {
		p.metrics.reloadFailures.Add(context.Background(), 1)
		p.logger.Warn("Price table reload failed", zap.Error(err))
	}
	if matcher != nil {
		p.matcher.Store(matcher)
		p.logger.Info("Price tables reloaded", zap.Int("tables", len(matcher.Tables())))
	}
}

// processSpan writes the cost of the model call onto the span: the total in
// USD, the cost per usage type as JSON and the id of the price entry. Spans
// without usage or model, aggregate spans and spans whose application already
// set a cost (unless override_app_cost) get no cost.
func (p *pricer) processSpan(ctx context.Context, sc *spanContext) {
	if !p.enabled {
		return
	}
	v := sc.view
	if v.Aggregate || !v.Usage.Present {
		return
	}
	model := v.Model()
	if model == "" {
		return
	}
	if v.HasCost && !p.overrideAppCost {
		sc.priced.appCostKept++
		return
	}

	match := p.matcher.Load().Lookup(v.Provider, model)
	if match.Entry == nil {
		p.recordUnpriced(ctx, v.Provider, model)
		return
	}

	usage := usageOf(v)
	cost := match.Entry.Cost(usage)
	attrs := sc.span.Attributes()
	// One copy of the attribute slice makes room for the three cost
	// attributes and for those that the usage-attributes stage may add
	// next, instead of one copy here and another there.
	attrs.EnsureCapacity(attrs.Len() + 3 + p.roomAfter)
	attrs.PutDouble(genai.AttrCost, cost.Total)
	buf, start := sc.text.begin(&p.strings, pricing.MaxDetailsJSONBytes)
	attrs.PutStr(genai.AttrCostDetails, sc.text.end(cost.AppendDetailsJSON(buf, usage), start))
	attrs.PutStr(genai.AttrPriceID, match.Entry.ID)
	sc.priced.priced++
}

// pricingTally counts priced spans and spans whose application cost was
// kept, so that the counters are updated once per batch.
type pricingTally struct {
	priced      int64
	appCostKept int64
}

// record adds a batch's tally to the counters and clears it.
func (p *pricer) record(ctx context.Context, t *pricingTally) {
	if !p.enabled {
		return
	}
	if t.priced > 0 {
		p.metrics.priced.Add(ctx, t.priced)
	}
	if t.appCostKept > 0 {
		p.metrics.appCostKept.Add(ctx, t.appCostKept)
	}
	*t = pricingTally{}
}

// usageOf converts the view's usage to the pricing package's buckets, which
// have the same meaning.
func usageOf(v *genai.View) pricing.Usage {
	u := v.Usage
	out := pricing.Usage{
		InputUncached: u.InputUncached,
		CacheRead:     u.CacheRead,
		CacheWrite:    u.CacheWrite,
		CacheWrite1h:  u.CacheWrite1h,
		InputAudio:    u.InputAudio,
		InputImage:    u.InputImage,
		Output:        u.Output,
		Reasoning:     u.Reasoning,
		OutputAudio:   u.OutputAudio,
	}
	// NOTE: batch jobs are not recognised on spans, so they are priced at
	// the standard rate; no convention read here marks a batch request.
	// The "default" tier is billed at the base rates, so it is left empty
	// and the rates need no service-tier lookup.
	if tier := v.ServiceTier; tier != "" && !strings.EqualFold(tier, "default") {
		out.ServiceTier = strings.ToLower(tier)
	}
	return out
}

func (p *pricer) recordUnpriced(ctx context.Context, provider, model string) {
	label, warn, suppressed := p.unpriced.record(model, time.Now())
	p.metrics.unpriced.Add(ctx, 1, label)
	if warn {
		p.logger.Warn("No price for model; its spans get no cost. Add the model to pricing.models or a price table.",
			zap.String("model", logName(model)),
			zap.Int("model_bytes", len(model)),
			zap.String("provider", logName(provider)),
			zap.Int64("unpriced_spans_since_last_warning", suppressed))
	}
}

// logName returns name cut to pricing.MaxModelNameLength bytes and made
// valid UTF-8, so that a hostile name cannot flood the log.
func logName(name string) string {
	if len(name) > pricing.MaxModelNameLength {
		name = name[:pricing.MaxModelNameLength]
	}
	return strings.ToValidUTF8(name, "\uFFFD")
}

// unpricedModels tracks models without a price: the metric attribute of each
// (the first max names, then "other") and when it was last logged. Names
// longer than pricing.MaxModelNameLength always count as "other".
type unpricedModels struct {
	mu       sync.Mutex
	max      int
	interval time.Duration
	models   map[string]*unpricedModel
	other    *unpricedModel
}

type unpricedModel struct {
	attrs      metric.MeasurementOption
	lastWarn   time.Time
	suppressed int64
	warned     bool
}

func newUnpricedModels(maxModels int, interval time.Duration) *unpricedModels {
	return &unpricedModels{
		max:      maxModels,
		interval: interval,
		models:   make(map[string]*unpricedModel),
		other:    newUnpricedModel("other"),
	}
}

func newUnpricedModel(label string) *unpricedModel {
	set := attribute.NewSet(attribute.String("model", strings.Clone(strings.ToValidUTF8(label, "\uFFFD"))))
	return &unpricedModel{attrs: metric.WithAttributeSet(set)}
}

// record counts one unpriced span of model at now. It returns the metric
// attribute option, whether to log a warning, and how many spans of the model
// were not logged since the last warning.
func (u *unpricedModels) record(model string, now time.Time) (metric.MeasurementOption, bool, int64) {
	u.mu.Lock()
	defer u.mu.Unlock()

	m, ok := u.models[model]
	if !ok {
		if len(u.models) < u.max && len(model) <= pricing.MaxModelNameLength {
			m = newUnpricedModel(model)
			u.models[strings.Clone(model)] = m
		} else {
			m = u.other
		}
	}
	if m.warned && now.Sub(m.lastWarn) < u.interval {
		m.suppressed++
		return m.attrs, false, 0
	}
	suppressed := m.suppressed
	m.warned, m.lastWarn, m.suppressed = true, now, 0
	return m.attrs, true, suppressed
}
