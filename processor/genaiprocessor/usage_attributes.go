package genaiprocessor

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// Attributes that the usage-attributes stage writes so that metrics built
// from spans read one key per fact, whichever convention the application
// used.
const (
	attrUsageInputTokens  = "gen_ai.usage.input_tokens"
	attrUsageOutputTokens = "gen_ai.usage.output_tokens"
	attrUserID            = "user.id"
	attrProviderName      = "gen_ai.provider.name"

	// usageAttributeCount is the number of attributes above.
	usageAttributeCount = 4
)

// userIDKeys are the span attributes that carry the user id, in the order in
// which the GenAI view reads them.
var userIDKeys = [...]string{
	"langfuse.user.id",
	"user.id",
	"langfuse.observation.metadata.langfuse_user_id",
	"langfuse.trace.metadata.langfuse_user_id",
	"ai.telemetry.metadata.userId",
	"ai.settings.context.userId",
	"traceloop.association.properties.user_id",
	"gen_ai.request.user",
	"llm.user",
}

// UsageAttributesConfig configures the usage-attributes stage.
type UsageAttributesConfig struct {
	// Enabled writes gen_ai.usage.input_tokens, gen_ai.usage.output_tokens,
	// gen_ai.provider.name and user.id onto model-call spans that carry
	// usage, when they are absent, read from whichever convention the span
	// uses.
	Enabled bool `mapstructure:"enabled"`
}

// usageWriter is the usage-attributes stage. It runs after masking, so a
// user id it copies is the masked value, and after pricing, which reads the
// same view.
type usageWriter struct {
	enabled bool
}

// processSpan writes the normalized attributes onto a model call's span.
// Aggregate spans (an agent run, an outer SDK call) are skipped, because
// their usage is the sum of their children's and metrics would count it
// twice.
func (w *usageWriter) processSpan(sc *spanContext) {
	if !w.enabled {
		return
	}
	v := sc.view
	if v.UserID != "" {
		sc.users.sources = append(sc.users.sources, sc.span)
	}
	if v.Aggregate || !v.Usage.Present {
		return
	}
	if !writeUsageAttributes(sc.span.Attributes(), v) {
		sc.users.pending = append(sc.users.pending, sc.span)
	}
}

// userFill gives the model calls of a batch that carry no user id the user
// id of another span of the same trace in the batch. Langfuse keeps the
// user on the trace, and applications often set it only on the root span,
// so without this the per-user cost metrics would miss those calls.
// NOTE: a span whose trace's user id arrives in another batch keeps no
// user.id. The Langfuse exporter still gives its observation the trace's
// user when the root comes first.
type userFill struct {
	// pending are the model calls without a user id.
	pending []ptrace.Span
	// sources are the spans on which the view found a user id.
	sources []ptrace.Span
}

// traceUser is the user id attribute found for a trace, once found is true.
type traceUser struct {
	value pcommon.Value
	found bool
}

// fill writes user.id onto the pending spans. It runs after every span of
// the batch went through the stages, so the copied value is the masked one.
func (f *userFill) fill() {
	defer f.reset()
	if len(f.pending) == 0 || len(f.sources) == 0 {
		return
	}
	users := make(map[pcommon.TraceID]traceUser, len(f.pending))
	for _, span := range f.pending {
		if id := span.TraceID(); !id.IsEmpty() {
			users[id] = traceUser{}
		}
	}
	for _, span := range f.sources {
		u, pending := users[span.TraceID()]
		if !pending || u.found {
			continue
		}
		// The value stays valid below: a source span has a user id, so it
		// is not pending, and only pending spans get attributes here.
		if u.value, u.found = userSource(span.Attributes()); u.found {
			users[span.TraceID()] = u
		}
	}
	for _, span := range f.pending {
		if u := users[span.TraceID()]; u.found {
			u.value.CopyTo(span.Attributes().PutEmpty(attrUserID))
		}
	}
}

// reset empties the lists and drops their references to the batch's spans.
func (f *userFill) reset() {
	clear(f.pending)
	clear(f.sources)
	f.pending, f.sources = f.pending[:0], f.sources[:0]
}

// userSource returns the first non-empty user id attribute, in the order in
// which the GenAI view reads them.
func userSource(attrs pcommon.Map) (pcommon.Value, bool) {
	for _, k := range userIDKeys {
		if src, ok := attrs.Get(k); ok && !emptyValue(src) {
			return src, true
		}
	}
	return pcommon.Value{}, false
}

// writeUsageAttributes writes gen_ai.usage.input_tokens,
// gen_ai.usage.output_tokens, gen_ai.provider.name and user.id onto a span
// when they are absent. It returns whether the span has a user.id after.
// The token counts come from the view's disjoint buckets: input is uncached
// plus cache read plus cache write, output is output plus reasoning, which
// is the inclusive form of the OpenTelemetry GenAI conventions.
func writeUsageAttributes(attrs pcommon.Map, v *genai.View) bool {
	if _, ok := attrs.Get(attrUsageInputTokens); !ok {
		u := v.Usage
		input := addCounts(addCounts(u.InputUncached, u.CacheRead), addCounts(u.CacheWrite, u.CacheWrite1h))
		attrs.PutInt(attrUsageInputTokens, input)
	}
	if _, ok := attrs.Get(attrUsageOutputTokens); !ok {
		attrs.PutInt(attrUsageOutputTokens, addCounts(v.Usage.Output, v.Usage.Reasoning))
	}
	// The provider is the view's normalised name (openai, not openai.chat);
	// provider names carry no personal data.
	if v.Provider != "" {
		if _, ok := attrs.Get(attrProviderName); !ok {
			attrs.PutStr(attrProviderName, v.Provider)
		}
	}

	// The view's UserID was read before the masking stage ran, so it only
	// shows whether a user id exists. The value copied is the one on the
	// span now, which is masked or pseudonymized when masking applies to it.
	if v.UserID == "" {
		return false
	}
	if current, ok := attrs.Get(attrUserID); ok && !emptyValue(current) {
		return true
	}
	src, ok := userSource(attrs)
	if ok {
		src.CopyTo(attrs.PutEmpty(attrUserID))
	}
	return ok
}

// emptyValue reports whether v is not copied as a user id: an empty value,
// an empty string, or a map, slice or bytes value.
// NOTE: the view reads a map or slice user id as JSON text, but that text is
// not copied to user.id, so such spans get no per-user cost.
func emptyValue(v pcommon.Value) bool {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		return v.Str() == ""
	case pcommon.ValueTypeInt, pcommon.ValueTypeDouble, pcommon.ValueTypeBool:
		return false
	}
	return true
}

// addCounts adds two token counts, saturating at math.MaxInt64 instead of
// wrapping to a negative count.
func addCounts(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}
