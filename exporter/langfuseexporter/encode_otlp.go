package langfuseexporter

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// Attributes that Langfuse's OTLP endpoint reads first for each field
// (github.com/langfuse/langfuse, packages/shared/src/server/otel at commit
// 62751446). Setting them leaves Langfuse nothing to guess.
const (
	attrObservationType       = "langfuse.observation.type"
	attrObservationInput      = "langfuse.observation.input"
	attrObservationOutput     = "langfuse.observation.output"
	attrModelName             = "langfuse.observation.model.name"
	attrModelParameters       = "langfuse.observation.model.parameters"
	attrUsageDetails          = "langfuse.observation.usage_details"
	attrCompletionStartTime   = "langfuse.observation.completion_start_time"
	attrPromptName            = "langfuse.observation.prompt.name"
	attrPromptVersion         = "langfuse.observation.prompt.version"
	attrLevel                 = "langfuse.observation.level"
	attrStatusMessage         = "langfuse.observation.status_message"
	attrObservationMetaPrefix = "langfuse.observation.metadata."
	attrTraceName             = "langfuse.trace.name"
	attrTraceTags             = "langfuse.trace.tags"
	attrTraceInput            = "langfuse.trace.input"
	attrTraceOutput           = "langfuse.trace.output"
	attrTracePublic           = "langfuse.trace.public"
	attrUserID                = "user.id"
	attrSessionID             = "session.id"
	attrLangfuseUserID        = "langfuse.user.id"
	attrLangfuseSessionID     = "langfuse.session.id"
	attrEnvironment           = "langfuse.environment"
	attrRelease               = "langfuse.release"
	attrVersion               = "langfuse.version"
)

// Keys Langfuse reads the observation input from. When the exporter sets
// langfuse.observation.input they are removed, so the payload is sent once.
var inputSourceKeys = map[string]struct{}{
	"gen_ai.input.messages":           {},
	"gen_ai.prompt":                   {},
	"gen_ai.tool.call.arguments":      {},
	"input.value":                     {},
	"traceloop.entity.input":          {},
	"ai.prompt":                       {},
	"ai.prompt.messages":              {},
	"ai.toolCall.args":                {},
	"mlflow.spanInputs":               {},
	"input":                           {},
	"tool_arguments":                  {},
	"pydantic_ai.all_messages":        {},
	"gcp.vertex.agent.llm_request":    {},
	"flue.turn.input":                 {},
	"flue.tool.arguments":             {},
	"gen_ai.content.prompt":           {},
	"gcp.vertex.agent.tool_call_args": {},
}

// Keys Langfuse reads the observation output from.
var outputSourceKeys = map[string]struct{}{
	"gen_ai.output.messages":         {},
	"gen_ai.completion":              {},
	"gen_ai.tool.call.result":        {},
	"output.value":                   {},
	"traceloop.entity.output":        {},
	"ai.response.text":               {},
	"ai.response.toolCalls":          {},
	"ai.response.object":             {},
	"ai.result.text":                 {},
	"ai.result.object":               {},
	"ai.result.toolCalls":            {},
	"ai.toolCall.result":             {},
	"mlflow.spanOutputs":             {},
	"output":                         {},
	"tool_response":                  {},
	"final_result":                   {},
	"gcp.vertex.agent.llm_response":  {},
	"flue.turn.output":               {},
	"flue.tool.result":               {},
	"gen_ai.content.completion":      {},
	"gcp.vertex.agent.tool_response": {},
}

// Flattened message prefixes (Traceloop, OpenInference) for input and output.
var (
	inputSourcePrefixes  = []string{"gen_ai.prompt.", "llm.input_messages."}
	outputSourcePrefixes = []string{"gen_ai.completion.", "llm.output_messages."}
)

// Span events Langfuse reads input or output from (GenAI semantic
// conventions before and after 1.37).
var (
	inputSourceEvents = map[string]struct{}{
		"gen_ai.system.message": {}, "gen_ai.user.message": {}, "gen_ai.assistant.message": {},
		"gen_ai.tool.message": {}, "gen_ai.content.prompt": {},
	}
	outputSourceEvents = map[string]struct{}{
		"gen_ai.choice": {}, "gen_ai.content.completion": {},
	}
	bothSourceEvents = map[string]struct{}{"gen_ai.client.inference.operation.details": {}}
)

// modelSourceKeys are the attributes Langfuse reads the model name from.
var modelSourceKeys = map[string]struct{}{
	attrModelName: {}, "gen_ai.response.model": {}, "ai.model.id": {}, "gen_ai.request.model": {},
	"llm.response.model": {}, "llm.model_name": {}, "model": {},
}

// usagePrefixes are the attribute prefixes Langfuse counts usage from when
// langfuse.observation.usage_details is absent or not a JSON object.
var usagePrefixes = []string{"gen_ai.usage.", "llm.token_count.", "ai.usage."}

// otlpEncoder rewrites spans so that every Langfuse field is set
// explicitly.
type otlpEncoder struct {
	maxFieldBytes int
	telemetry     *telemetry
}

// encodeSpan sets the langfuse.* attributes of one span from its View and
// trace-level values, removes what would be sent twice, and makes every
// span attribute value one that Langfuse stores as plain text.
func (e *otlpEncoder) encodeSpan(ctx context.Context, ref *spanRef, buf []byte) []byte {
	view := ref.view
	attrs := ref.span.Attributes()

	removeSources(ref.span, view.Input != "", view.Output != "")
	model := view.Model()
	if view.Aggregate {
		// Langfuse prices, and may tokenise, any observation with a model
		// and no usage, so an aggregate span keeps its model as metadata only.
		attrs.RemoveIf(func(key string, _ pcommon.Value) bool {
			return hasAnyPrefix(key, usagePrefixes) || key == genai.AttrCostDetails || hasKey(modelSourceKeys, key)
		})
		putNonEmpty(attrs, attrObservationMetaPrefix+"model", model)
		model = ""
	}

	observationType := view.Type
	if observationType == "" {
		observationType = genai.TypeSpan
	}
	putNonEmpty(attrs, attrObservationType, string(observationType))
	putNonEmpty(attrs, attrObservationInput, view.InputWithSystemInstructions())
	putNonEmpty(attrs, attrObservationOutput, view.Output)
	putNonEmpty(attrs, attrModelName, model)

	if len(view.ModelParameters) > 0 {
		buf = appendModelParameters(buf[:0], view.ModelParameters)
		attrs.PutStr(attrModelParameters, string(buf))
	}

	buf = e.putUsageAndCost(ctx, attrs, view, buf)

	if !view.CompletionStartTime.IsZero() {
		attrs.PutStr(attrCompletionStartTime, view.CompletionStartTime.UTC().Format(time.RFC3339Nano))
	}
	if observationType == genai.TypeGeneration && view.PromptName != "" && view.PromptVersion > 0 {
		attrs.PutStr(attrPromptName, view.PromptName)
		attrs.PutInt(attrPromptVersion, view.PromptVersion)
	}
	putNonEmpty(attrs, attrLevel, string(view.Level))
	putNonEmpty(attrs, attrStatusMessage, view.StatusMessage)
	putMetadata(attrs, view.Metadata)

	e.putTraceAttributes(attrs, ref)

	e.fixSpanText(ctx, ref.span)
	e.flattenAndTruncate(ctx, attrs)
	return buf
}

// maxMetadataPuts is the number of new metadata attributes added one by
// one. Map.PutStr scans the whole map for the key, so adding more that way
// would take time quadratic in the number of entries.
const maxMetadataPuts = 64

// putMetadata sets langfuse.observation.metadata.<key> for every metadata
// entry. Keys the span already has are updated in one pass over the map.
// Many new keys are added by rebuilding the map once, which keeps every
// value and its type but not the order of the keys.
func putMetadata(attrs pcommon.Map, metadata map[string]string) {
	if len(metadata) == 0 {
		return
	}

	updated := 0
	var done map[string]struct{}
	for key, value := range attrs.All() {
		name, ok := strings.CutPrefix(key, attrObservationMetaPrefix)
		if !ok {
			continue
		}
		text, found := metadata[name]
		if !found {
			continue
		}
		if value.Type() != pcommon.ValueTypeStr || value.Str() != text {
			value.SetStr(text)
		}
		if done == nil {
			done = make(map[string]struct{}, len(metadata))
		}
		done[name] = struct{}{}
		updated++
	}

	remaining := len(metadata) - updated
	if remaining == 0 {
		return
	}
	if remaining <= maxMetadataPuts {
		for name, text := range metadata {
			if _, ok := done[name]; !ok {
				attrs.PutStr(attrObservationMetaPrefix+name, text)
			}
		}
		return
	}

	raw := attrs.AsRaw()
	for name, text := range metadata {
		if _, ok := done[name]; !ok {
			raw[attrObservationMetaPrefix+name] = text
		}
	}
	// FromRaw only fails for Go types that AsRaw never returns.
	_ = attrs.FromRaw(raw)
}

// encodeResources flattens and truncates resource attributes, once per
// resource, because Langfuse stores them in each observation's metadata.
// It also repairs the UTF-8 of the scopes' names and attributes.
func (e *otlpEncoder) encodeResources(ctx context.Context, td ptrace.Traces) {
	rss := td.ResourceSpans()
	for i := range rss.Len() {
		e.flattenAndTruncate(ctx, rss.At(i).Resource().Attributes())

		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			scope := sss.At(j).Scope()
			if name, fixed := e.validUTF8(ctx, scope.Name()); fixed {
				scope.SetName(name)
			}
			if version, fixed := e.validUTF8(ctx, scope.Version()); fixed {
				scope.SetVersion(version)
			}
			e.fixMapText(ctx, scope.Attributes())
		}
	}
}

func (e *otlpEncoder) putTraceAttributes(attrs pcommon.Map, ref *spanRef) {
	view := ref.view
	trace := ref.trace

	// The langfuse.* spellings win over user.id and session.id in Langfuse,
	// so they are removed and the resolved values go to the plain keys.
	attrs.Remove(attrLangfuseUserID)
	attrs.Remove(attrLangfuseSessionID)
	putNonEmpty(attrs, attrUserID, firstNonEmpty(view.UserID, trace.UserID))
	putNonEmpty(attrs, attrSessionID, firstNonEmpty(view.SessionID, trace.SessionID))
	putNonEmpty(attrs, attrTraceName, firstNonEmpty(view.TraceName, trace.TraceName))
	putNonEmpty(attrs, attrRelease, firstNonEmpty(view.Release, trace.Release))
	putNonEmpty(attrs, attrVersion, view.Version)
	putNonEmpty(attrs, attrTraceInput, view.TraceInput)
	putNonEmpty(attrs, attrTraceOutput, view.TraceOutput)
	putNonEmpty(attrs, attrEnvironment, ref.environment)

	if len(trace.Tags) > 0 {
		tags := attrs.PutEmptySlice(attrTraceTags)
		tags.EnsureCapacity(len(trace.Tags))
		for _, tag := range trace.Tags {
			tags.AppendEmpty().SetStr(tag)
		}
	}
	if view.Public {
		attrs.PutBool(attrTracePublic, true)
	}
}

// putUsageAndCost sets usage_details and cost_details. Aggregate spans get
// empty objects, so their usage, which repeats their children's, is not
// counted twice.
func (e *otlpEncoder) putUsageAndCost(ctx context.Context, attrs pcommon.Map, view *genai.View, buf []byte) []byte {
	if view.Aggregate {
		attrs.PutStr(attrUsageDetails, "{}")
		attrs.PutStr(genai.AttrCostDetails, "{}")
		return buf
	}

	if view.Usage.Present {
		buf = appendUsageDetails(buf[:0], view.Usage)
		attrs.PutStr(attrUsageDetails, string(buf))
	}

	// The processor writes cost_details; a value that is not a JSON object
	// would make Langfuse ignore it, so it is replaced from the total.
	if existing, ok := attrs.Get(genai.AttrCostDetails); ok {
		if existing.Type() == pcommon.ValueTypeStr && isJSONObject(existing.Str()) {
			return buf
		}
		attrs.Remove(genai.AttrCostDetails)
		e.telemetry.addFixed(ctx, fixInvalidCostDetails)
	}

	if cost, ok := attrs.Get(genai.AttrCost); ok && (cost.Type() == pcommon.ValueTypeDouble || cost.Type() == pcommon.ValueTypeInt) {
		total := cost.Double()
		if cost.Type() == pcommon.ValueTypeInt {
			total = float64(cost.Int())
		}
		buf = appendCostDetails(buf[:0], nil, total)
		attrs.PutStr(genai.AttrCostDetails, string(buf))
		return buf
	}
	if view.HasCost {
		buf = appendCostDetails(buf[:0], view.CostDetails, view.Cost)
		attrs.PutStr(genai.AttrCostDetails, string(buf))
	}
	return buf
}

type usageEntry struct {
	key   string
	value int64
}

// usageEntries maps the disjoint usage buckets to Langfuse's canonical usage
// keys. Langfuse passes a usage_details object through as sent, so the
// buckets must already exclude each other: audio tokens are taken out of
// input and output here.
func usageEntries(u genai.Usage) [9]usageEntry {
	inputText := max(u.InputUncached-u.InputAudio, 0)
	outputText := max(u.Output-u.OutputAudio, 0)
	total := u.Total
	if total == 0 {
		total = u.Sum()
	}
	return [9]usageEntry{
		{"input", inputText},
		{"input_audio_tokens", u.InputAudio},
		{"input_cache_read", u.CacheRead},
		{"input_cache_creation", u.CacheWrite},
		{"input_cache_creation_1h", u.CacheWrite1h},
		{"output", outputText},
		{"output_audio_tokens", u.OutputAudio},
		{"output_reasoning_tokens", u.Reasoning},
		{"total", total},
	}
}

// appendUsageDetails appends the usage as a JSON object, leaving out zero
// buckets other than input, output and total.
func appendUsageDetails(buf []byte, u genai.Usage) []byte {
	buf = append(buf, '{')
	first := true
	for _, entry := range usageEntries(u) {
		if entry.value == 0 && entry.key != "input" && entry.key != "output" && entry.key != "total" {
			continue
		}
		if !first {
			buf = append(buf, ',')
		}
		first = false
		buf = append(buf, '"')
		buf = append(buf, entry.key...)
		buf = append(buf, '"', ':')
		buf = strconv.AppendInt(buf, entry.value, 10)
	}
	return append(buf, '}')
}

// appendModelParameters appends params as a JSON object with sorted keys.
// Strings, booleans and numbers are written directly; other values go
// through encoding/json, and values it cannot encode are left out.
func appendModelParameters(buf []byte, params map[string]any) []byte {
	var keysArray [16]string
	keys := keysArray[:0]
	for key := range params {
		keys = append(keys, key)
	}
	slices.Sort(keys)

	buf = append(buf, '{')
	for _, key := range keys {
		start := len(buf)
		if start > 1 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, key)
		buf = append(buf, ':')
		var ok bool
		buf, ok = appendJSONValue(buf, params[key])
		if !ok {
			buf = buf[:start]
		}
	}
	return append(buf, '}')
}

func appendJSONValue(buf []byte, value any) ([]byte, bool) {
	switch v := value.(type) {
	case string:
		return appendJSONString(buf, v), true
	case bool:
		return strconv.AppendBool(buf, v), true
	case int64:
		return strconv.AppendInt(buf, v, 10), true
	case int:
		return strconv.AppendInt(buf, int64(v), 10), true
	case float64:
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return buf, false
		}
		return strconv.AppendFloat(buf, v, 'g', -1, 64), true
	}
	encoded, err := json.Marshal(value)
	if err != nil {
		return buf, false
	}
	return append(buf, encoded...), true
}

// appendJSONString appends s as a JSON string. Invalid UTF-8 becomes
// U+FFFD, as encoding/json does.
func appendJSONString(buf []byte, s string) []byte {
	const hexDigits = "0123456789abcdef"
	buf = append(buf, '"')
	for i := 0; i < len(s); {
		c := s[i]
		if c < utf8.RuneSelf {
			switch {
			case c == '"' || c == '\\':
				buf = append(buf, '\\', c)
			case c == '\n':
				buf = append(buf, '\\', 'n')
			case c == '\r':
				buf = append(buf, '\\', 'r')
			case c == '\t':
				buf = append(buf, '\\', 't')
			case c < 0x20:
				buf = append(buf, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xf])
			default:
				buf = append(buf, c)
			}
			i++
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			buf = append(buf, `\ufffd`...)
		} else {
			buf = append(buf, s[i:i+size]...)
		}
		i += size
	}
	return append(buf, '"')
}

// appendCostDetails appends the cost breakdown as a JSON object in USD,
// with total added when the breakdown has none.
func appendCostDetails(buf []byte, details map[string]float64, total float64) []byte {
	buf = append(buf, '{')
	hasTotal := false
	for key, value := range details {
		if value < 0 || math.IsNaN(value) || math.IsInf(value, 0) {
			continue
		}
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = appendJSONString(buf, key)
		buf = append(buf, ':')
		buf = strconv.AppendFloat(buf, value, 'g', -1, 64)
		hasTotal = hasTotal || key == "total"
	}
	if !hasTotal && total >= 0 && !math.IsInf(total, 0) {
		if len(buf) > 1 {
			buf = append(buf, ',')
		}
		buf = append(buf, `"total":`...)
		buf = strconv.AppendFloat(buf, total, 'g', -1, 64)
	}
	return append(buf, '}')
}

// removeSources deletes the attributes and span events that carried the
// input or output now sent as langfuse.observation.input and .output.
func removeSources(span ptrace.Span, input, output bool) {
	if !input && !output {
		return
	}
	span.Attributes().RemoveIf(func(key string, _ pcommon.Value) bool {
		if key == attrObservationInput || key == attrObservationOutput {
			return false
		}
		if input && (hasKey(inputSourceKeys, key) || hasAnyPrefix(key, inputSourcePrefixes)) {
			return true
		}
		return output && (hasKey(outputSourceKeys, key) || hasAnyPrefix(key, outputSourcePrefixes))
	})
	span.Events().RemoveIf(func(event ptrace.SpanEvent) bool {
		name := event.Name()
		if input && output && hasKey(bothSourceEvents, name) {
			return true
		}
		return (input && hasKey(inputSourceEvents, name)) || (output && hasKey(outputSourceEvents, name))
	})
}

// flattenAndTruncate turns map and bytes values into JSON and base64 text,
// because Langfuse stores them as the raw OTLP JSON of the value, and cuts
// strings longer than maxFieldBytes.
func (e *otlpEncoder) flattenAndTruncate(ctx context.Context, attrs pcommon.Map) {
	e.fixKeys(ctx, attrs)
	attrs.Range(func(key string, value pcommon.Value) bool {
		e.flattenValue(ctx, key, value)
		return true
	})
}

func (e *otlpEncoder) flattenValue(ctx context.Context, key string, value pcommon.Value) {
	switch value.Type() {
	case pcommon.ValueTypeStr:
		if text, fixed := e.validUTF8(ctx, value.Str()); fixed {
			value.SetStr(text)
		}
		if len(value.Str()) > e.maxFieldBytes {
			cut, _ := truncate(value.Str(), e.maxFieldBytes)
			value.SetStr(cut)
			e.telemetry.addTruncated(ctx, fieldCategory(key))
		}
	case pcommon.ValueTypeMap:
		value.SetStr(string(appendMapJSON(nil, value.Map())))
		e.flattenValue(ctx, key, value)
	case pcommon.ValueTypeBytes:
		value.SetStr(base64.StdEncoding.EncodeToString(value.Bytes().AsRaw()))
		e.flattenValue(ctx, key, value)
	case pcommon.ValueTypeSlice:
		items := value.Slice()
		for i := range items.Len() {
			e.flattenValue(ctx, key, items.At(i))
		}
	}
}

// validUTF8 returns s with each invalid UTF-8 sequence replaced by U+FFFD,
// and counts the fix. OTLP requires valid UTF-8 in every string, but pdata
// neither checks nor repairs it, so a strict decoder would reject the whole
// request for one bad byte.
func (e *otlpEncoder) validUTF8(ctx context.Context, s string) (string, bool) {
	if utf8.ValidString(s) {
		return s, false
	}
	e.telemetry.addFixed(ctx, fixInvalidUTF8)
	return strings.ToValidUTF8(s, "\uFFFD"), true
}

// fixSpanText repairs the UTF-8 of the span's name, status message and
// span events, the strings of a span that are not attributes.
func (e *otlpEncoder) fixSpanText(ctx context.Context, span ptrace.Span) {
	if name, fixed := e.validUTF8(ctx, span.Name()); fixed {
		span.SetName(name)
	}
	if message, fixed := e.validUTF8(ctx, span.Status().Message()); fixed {
		span.Status().SetMessage(message)
	}
	events := span.Events()
	for i := range events.Len() {
		event := events.At(i)
		if name, fixed := e.validUTF8(ctx, event.Name()); fixed {
			event.SetName(name)
		}
		e.fixMapText(ctx, event.Attributes())
	}
}

// fixMapText repairs the UTF-8 of every key and string in m, without the
// flattening and truncation that span attributes get.
func (e *otlpEncoder) fixMapText(ctx context.Context, m pcommon.Map) {
	e.fixKeys(ctx, m)
	for _, value := range m.All() {
		e.fixValueText(ctx, value)
	}
}

func (e *otlpEncoder) fixValueText(ctx context.Context, value pcommon.Value) {
	switch value.Type() {
	case pcommon.ValueTypeStr:
		if text, fixed := e.validUTF8(ctx, value.Str()); fixed {
			value.SetStr(text)
		}
	case pcommon.ValueTypeMap:
		e.fixMapText(ctx, value.Map())
	case pcommon.ValueTypeSlice:
		items := value.Slice()
		for i := range items.Len() {
			e.fixValueText(ctx, items.At(i))
		}
	}
}

// fixKeys renames the keys of m that are not valid UTF-8. A repaired key
// replaces an existing attribute of the same name.
func (e *otlpEncoder) fixKeys(ctx context.Context, m pcommon.Map) {
	var invalid []string
	for key := range m.All() {
		if !utf8.ValidString(key) {
			invalid = append(invalid, key)
		}
	}
	for _, key := range invalid {
		value, _ := m.Get(key)
		// Copied first, because Remove and PutEmpty invalidate value.
		moved := pcommon.NewValueEmpty()
		value.CopyTo(moved)
		m.Remove(key)
		fixed, _ := e.validUTF8(ctx, key)
		moved.CopyTo(m.PutEmpty(fixed))
	}
}

// fieldCategory groups attribute keys for the truncated-fields counter, so
// its cardinality stays fixed.
func fieldCategory(key string) string {
	switch {
	case key == attrObservationInput || key == attrTraceInput:
		return "input"
	case key == attrObservationOutput || key == attrTraceOutput:
		return "output"
	case strings.HasPrefix(key, attrObservationMetaPrefix) || strings.Contains(key, ".metadata"):
		return "metadata"
	}
	return "attribute"
}

// putNonEmpty sets key to a non-empty value. It leaves an equal existing
// string in place, which saves an allocation per span for values such as
// user.id that are often already set.
func putNonEmpty(attrs pcommon.Map, key, value string) {
	if value == "" {
		return
	}
	if existing, ok := attrs.Get(key); ok && existing.Type() == pcommon.ValueTypeStr && existing.Str() == value {
		return
	}
	attrs.PutStr(key, value)
}

func firstNonEmpty(values ...string) string {
	for _, v := range values {
		if v != "" {
			return v
		}
	}
	return ""
}

func hasKey(set map[string]struct{}, key string) bool {
	_, ok := set[key]
	return ok
}

func hasAnyPrefix(key string, prefixes []string) bool {
	for _, prefix := range prefixes {
		if strings.HasPrefix(key, prefix) {
			return true
		}
	}
	return false
}

// isJSONObject reports whether s is a JSON object, checked without
// decoding its values.
func isJSONObject(s string) bool {
	s = strings.TrimSpace(s)
	return len(s) >= 2 && s[0] == '{' && s[len(s)-1] == '}' && json.Valid([]byte(s))
}
