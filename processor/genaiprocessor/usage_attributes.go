package genaiprocessor

import (
	"math"

	"go.opentelemetry.io/collector/pdata/pcommon"

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
// Aggregate spans (an agent run, an outer SDK call) are skipped: their usage
// is the sum of their children's, and metrics would count it twice.
func (w *usageWriter) processSpan(sc *spanContext) {
	if !w.enabled {
		return
	}
	v := sc.view
	if v.Aggregate || !v.Usage.Present {
		return
	}
	writeUsageAttributes(sc.span.Attributes(), v)
}

// writeUsageAttributes writes gen_ai.usage.input_tokens,
// gen_ai.usage.output_tokens, gen_ai.provider.name and user.id onto a span
// when they are absent.
// The token counts come from the view's disjoint buckets: input is uncached
// plus cache read plus cache write, output is output plus reasoning, which
// is the inclusive form of the OpenTelemetry GenAI conventions.
func writeUsageAttributes(attrs pcommon.Map, v *genai.View) {
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
		return
	}
	if current, ok := attrs.Get(attrUserID); ok && !emptyValue(current) {
		return
	}
	for _, k := range userIDKeys {
		src, ok := attrs.Get(k)
		if !ok || emptyValue(src) || k == attrUserID {
			continue
		}
		src.CopyTo(attrs.PutEmpty(attrUserID))
		return
	}
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
