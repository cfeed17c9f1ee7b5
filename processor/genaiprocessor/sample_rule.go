package genaiprocessor

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/sampling"
	"go.opentelemetry.io/collector/component"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/payload"
)

// sampleRule is a compiled SamplingRule.
type sampleRule struct {
	name  string
	keys  keySet
	parts [payload.KindDocument + 1]bool

	when       *conditions
	alwaysKeep *conditions

	keepFraction float64
	// threshold is the sampling threshold of keepFraction.
	threshold     sampling.Threshold
	replacement   string
	truncateBytes int

	metrics ruleMetrics
}

func (r *sampleRule) selectsParts() bool {
	for _, selected := range r.parts {
		if selected {
			return true
		}
	}
	return false
}

func (r *sampleRule) selectsKey(key string) bool {
	return r.keys.match(key)
}

// keySet matches attribute keys against a list of patterns. Globs that start
// with a literal byte are indexed by that byte, so a key is compared only with
// the patterns that can match it.
type keySet struct {
	byFirstByte *[256][]keyMatcher
	// others are the regular expressions and the globs that start with "*".
	others []keyMatcher
	len    int
}

func (ks *keySet) add(m keyMatcher) {
	ks.len++
	if m.regex != nil || !m.anchoredStart || m.segments[0] == "" {
		ks.others = append(ks.others, m)
		return
	}
	if ks.byFirstByte == nil {
		ks.byFirstByte = new([256][]keyMatcher)
	}
	first := m.segments[0][0]
	ks.byFirstByte[first] = append(ks.byFirstByte[first], m)
}

func (ks *keySet) match(key string) bool {
	if ks.byFirstByte != nil && key != "" {
		candidates := ks.byFirstByte[key[0]]
		for i := range candidates {
			if candidates[i].match(key) {
				return true
			}
		}
	}
	for i := range ks.others {
		if ks.others[i].match(key) {
			return true
		}
	}
	return false
}

// keyMatcher matches attribute keys against a glob pattern or a regular
// expression.
type keyMatcher struct {
	// segments are the glob's literal runs between its "*" wildcards;
	// anchoredStart and anchoredEnd are false when the glob starts or ends
	// with "*".
	segments      []string
	anchoredStart bool
	anchoredEnd   bool
	regex         *regexp.Regexp
}

// newGlobMatcher compiles a pattern in which "*" matches any run of
// characters, dots included, and every other character matches itself.
func newGlobMatcher(pattern string) keyMatcher {
	return keyMatcher{
		segments:      strings.Split(pattern, "*"),
		anchoredStart: !strings.HasPrefix(pattern, "*"),
		anchoredEnd:   !strings.HasSuffix(pattern, "*"),
	}
}

func (m *keyMatcher) match(key string) bool {
	if m.regex != nil {
		return m.regex.MatchString(key)
	}
	segs := m.segments
	if len(segs) == 1 {
		return key == segs[0]
	}

	first, last := segs[0], segs[len(segs)-1]
	if !strings.HasPrefix(key, first) || !strings.HasSuffix(key, last) ||
		len(key) < len(first)+len(last) {
		return false
	}
	rest := key[len(first) : len(key)-len(last)]
	for _, seg := range segs[1 : len(segs)-1] {
		i := strings.Index(rest, seg)
		if i < 0 {
			return false
		}
		rest = rest[i+len(seg):]
	}
	return true
}

// conditions is a list of OTTL span conditions that is true when any
// condition is true. The resource and scope are copied into the condition
// context only when a condition reads them.
type conditions struct {
	list         []*ottl.Condition[*ottlspan.TransformContext]
	text         []string
	readsContext bool
}

// conditionParser parses OTTL span conditions with the standard converters.
type conditionParser struct {
	parser ottl.Parser[*ottlspan.TransformContext]
}

func newConditionParser(set component.TelemetrySettings) (*conditionParser, error) {
	parser, err := ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), set)
	if err != nil {
		return nil, fmt.Errorf("failed to create the OTTL span parser: %w", err)
	}
	return &conditionParser{parser: parser}, nil
}

// parse returns nil for an empty list.
func (p *conditionParser) parse(list []string) (*conditions, error) {
	if len(list) == 0 {
		return nil, nil
	}
	parsed, err := p.parser.ParseConditions(list)
	if err != nil {
		return nil, err
	}
	c := &conditions{list: parsed, text: list}
	for _, text := range list {
		if strings.Contains(text, "resource") || strings.Contains(text, "scope") {
			c.readsContext = true
		}
	}
	return c, nil
}

// eval returns true when any condition is true on the span. A condition that
// fails to evaluate counts as false and is logged.
func (s *sampler) eval(ctx context.Context, st *spanState, c *conditions) bool {
	tctx := st.transformContext(c.readsContext)
	for i, cond := range c.list {
		match, err := cond.Eval(ctx, tctx)
		if err != nil {
			s.logger.Warn("Failed to evaluate a sampling condition; it counts as false",
				zap.String("condition", c.text[i]), zap.Error(err))
			continue
		}
		if match {
			return true
		}
	}
	return false
}

// Rule decisions for one span, cached in spanState.decisions.
const (
	decisionUnknown uint8 = iota
	// decisionSkip: the rule's when conditions are false on the span.
	decisionSkip
	decisionKeep
	decisionReplace
)

// decide returns the decision of rule i for the span, computing it once.
func (s *sampler) decide(ctx context.Context, st *spanState, i int) uint8 {
	if d := st.decisions[i]; d != decisionUnknown {
		return d
	}
	r := &s.rules[i]

	d := decisionReplace
	switch {
	case r.when != nil && !s.eval(ctx, st, r.when):
		d = decisionSkip
	case s.traceKept(st, r):
		d = decisionKeep
	case r.alwaysKeep != nil && s.eval(ctx, st, r.alwaysKeep):
		d = decisionKeep
	}
	st.decisions[i] = d
	return d
}

// traceKept returns the consistent sampling decision of rule r for the
// span's trace. All rules share one randomness per trace, so the traces
// that keep a smaller fraction are a subset of those that keep a larger one.
// For example, a trace kept at 1% keeps the payloads of every rule with a
// higher fraction too. The randomness is the explicit rv of the W3C
// tracestate "ot" entry when present, else the low 56 bits of the trace id.
//
// The decision depends on nothing else, so every span of a trace and every
// collector agree. The threshold th of an upstream sampler is ignored: it can
// differ between the spans of one trace, and keep_fraction is a fraction of
// all traces. When an upstream sampler kept fewer traces than keep_fraction,
// every trace it kept keeps its payloads.
func (s *sampler) traceKept(st *spanState, r *sampleRule) bool {
	if r.keepFraction >= 1 {
		return true
	}
	if r.keepFraction <= 0 {
		return false
	}
	st.loadRandomness()
	return r.threshold.ShouldSample(st.randomness)
}

// thresholdFor returns the sampling threshold that keeps fraction of the
// randomness values.
func thresholdFor(fraction float64) sampling.Threshold {
	if fraction >= 1 {
		return sampling.AlwaysSampleThreshold
	}
	if fraction <= 0 {
		return sampling.NeverSampleThreshold
	}
	kept := uint64(fraction * float64(sampling.MaxAdjustedCount))
	th, err := sampling.UnsignedToThreshold(sampling.MaxAdjustedCount - kept)
	if err != nil {
		return sampling.NeverSampleThreshold
	}
	return th
}
