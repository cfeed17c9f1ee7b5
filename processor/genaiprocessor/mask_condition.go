package genaiprocessor

import (
	"context"
	"fmt"
	"sync"

	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/contexts/ottlspan"
	"github.com/open-telemetry/opentelemetry-collector-contrib/pkg/ottl/ottlfuncs"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/pii"
)

// maskConditions evaluates the OTTL conditions of masking rules on a span.
type maskConditions struct {
	rules     []maskCondition
	telemetry *maskTelemetry
	// scratch holds *ptrace.ResourceSpans that carry copies of a span's
	// resource and scope, because an OTTL span context reads them from
	// there.
	scratch sync.Pool
}

type maskCondition struct {
	name string
	bit  pii.RuleSet
	cond *ottl.Condition[*ottlspan.TransformContext]
}

func newMaskConditions(set component.TelemetrySettings, rules []MaskingRule) (*maskConditions, error) {
	c := &maskConditions{}
	c.scratch.New = func() any {
		rs := ptrace.NewResourceSpans()
		rs.ScopeSpans().AppendEmpty()
		return &rs
	}
	var parser *ottl.Parser[*ottlspan.TransformContext]
	for i, r := range rules {
		if r.Condition == "" {
			continue
		}
		if parser == nil {
			p, err := ottlspan.NewParser(ottlfuncs.StandardConverters[*ottlspan.TransformContext](), set)
			if err != nil {
				return nil, fmt.Errorf("creating the OTTL span parser: %w", err)
			}
			parser = &p
		}
		cond, err := parser.ParseCondition(r.Condition)
		if err != nil {
			return nil, fmt.Errorf("rules[%d] (%q): invalid OTTL condition %q: %w", i, r.Name, r.Condition, err)
		}
		c.rules = append(c.rules, maskCondition{name: r.Name, bit: 1 << uint(i), cond: cond})
	}
	return c, nil
}

// eval returns the bits of the rules whose condition holds on the span. A
// condition that fails to evaluate counts as true, so its rule still masks.
//
// NOTE: the OTTL context reads copies of the resource and scope, made per
// span, and their schema URLs are empty.
func (c *maskConditions) eval(ctx context.Context, sc *spanContext, logger *zap.Logger) pii.RuleSet {
	if len(c.rules) == 0 {
		return 0
	}
	rs := c.scratch.Get().(*ptrace.ResourceSpans)
	defer c.scratch.Put(rs)
	ss := rs.ScopeSpans().At(0)
	sc.resource.CopyTo(rs.Resource())
	sc.scope.CopyTo(ss.Scope())
	tctx := ottlspan.NewTransformContext(*rs, ss, sc.span)
	defer tctx.Close()

	var active pii.RuleSet
	for _, r := range c.rules {
		ok, err := r.cond.Eval(ctx, tctx)
		if err != nil {
			if c.telemetry != nil {
				c.telemetry.warnCondition(logger, r.name)
			}
			ok = true
		}
		if ok {
			active |= r.bit
		}
	}
	return active
}
