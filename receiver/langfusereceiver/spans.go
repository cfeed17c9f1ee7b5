package langfusereceiver

import (
	"encoding/json"
	"sort"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// Span attributes of the Langfuse convention, as Langfuse's own OpenTelemetry
// SDKs (JS v5) write them and Langfuse's OTLP endpoint reads them.
const (
	attrObservationType            = "langfuse.observation.type"
	attrObservationInput           = "langfuse.observation.input"
	attrObservationOutput          = "langfuse.observation.output"
	attrObservationMetadataPrefix  = "langfuse.observation.metadata."
	attrObservationLevel           = "langfuse.observation.level"
	attrObservationStatusMessage   = "langfuse.observation.status_message"
	attrObservationModel           = "langfuse.observation.model.name"
	attrObservationModelParameters = "langfuse.observation.model.parameters"
	attrObservationUsageDetails    = "langfuse.observation.usage_details"
	attrObservationCostDetails     = "langfuse.observation.cost_details"
	attrObservationCompletionStart = "langfuse.observation.completion_start_time"
	attrObservationPromptName      = "langfuse.observation.prompt.name"
	attrObservationPromptVersion   = "langfuse.observation.prompt.version"
	attrEnvironment                = "langfuse.environment"
	attrRelease                    = "langfuse.release"
	attrVersion                    = "langfuse.version"
	attrUserID                     = "user.id"
	attrSessionID                  = "session.id"
	attrTraceName                  = "langfuse.trace.name"
	attrTraceTags                  = "langfuse.trace.tags"
	attrTraceMetadataPrefix        = "langfuse.trace.metadata."
	attrTraceInput                 = "langfuse.trace.input"
	attrTraceOutput                = "langfuse.trace.output"
	attrTracePublic                = "langfuse.trace.public"
	attrIsAppRoot                  = "langfuse.internal.is_app_root"

	// Resource attributes naming the Langfuse SDK that sent the events.
	attrSDKName    = "langfuse.sdk.name"
	attrSDKVersion = "langfuse.sdk.version"
)

// scopeName is the instrumentation scope of spans built from ingestion
// events. Langfuse's OTLP endpoint treats scopes named langfuse-sdk as its
// own SDK's spans and does not copy every attribute into metadata.
const scopeName = "langfuse-sdk"

// spanBatch collects built spans, one resource per SDK source.
type spanBatch struct {
	traces ptrace.Traces
	scopes map[source]ptrace.SpanSlice
}

func newSpanBatch() *spanBatch {
	return &spanBatch{traces: ptrace.NewTraces(), scopes: map[source]ptrace.SpanSlice{}}
}

func (b *spanBatch) newSpan(src source) ptrace.Span {
	spans, ok := b.scopes[src]
	if !ok {
		resourceSpans := b.traces.ResourceSpans().AppendEmpty()
		if src.sdkName != "" {
			resourceSpans.Resource().Attributes().PutStr(attrSDKName, src.sdkName)
		}
		if src.sdkVersion != "" {
			resourceSpans.Resource().Attributes().PutStr(attrSDKVersion, src.sdkVersion)
		}
		scope := resourceSpans.ScopeSpans().AppendEmpty()
		scope.Scope().SetName(scopeName)
		scope.Scope().SetVersion(src.sdkVersion)
		spans = scope.Spans()
		b.scopes[src] = spans
	}
	span := spans.AppendEmpty()
	span.SetKind(ptrace.SpanKindInternal)
	return span
}

// addObservation builds the span of one observation and returns its end
// time. trace is the held trace of the observation, nil when unknown. Its
// attributes are copied onto the span, as Langfuse's SDKs do.
func (b *spanBatch) addObservation(held *heldObservation, trace *heldTrace) time.Time {
	o := &held.fields
	span := b.newSpan(held.source)
	attrs := span.Attributes()
	key := traceKey(o)

	traceID, exact := mapTraceID(key)
	span.SetTraceID(traceID)
	if o.traceID.set && !exact {
		attrs.PutStr(AttrTraceID, key)
	}
	spanID, exact := mapSpanID(o.id)
	span.SetSpanID(spanID)
	if !exact {
		attrs.PutStr(AttrObservationID, o.id)
	}
	switch {
	case o.parentID.set:
		parentID, exact := mapSpanID(o.parentID.value)
		span.SetParentSpanID(parentID)
		if !exact {
			attrs.PutStr(AttrParentObservationID, o.parentID.value)
		}
	case trace != nil:
		span.SetParentSpanID(rootSpanID(key))
	}

	span.SetName(o.name.value)
	start := held.firstTimestamp
	if o.startTime.set {
		start = o.startTime.value
	}
	end := start
	if o.endTime.set && o.endTime.value.After(start) {
		end = o.endTime.value
	}
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))

	if trace != nil {
		putTraceAttributes(attrs, &trace.fields)
	}
	putObservationAttributes(attrs, o)
	if o.level.value == "ERROR" {
		span.Status().SetCode(ptrace.StatusCodeError)
		span.Status().SetMessage(o.statusMessage.value)
	}
	return end
}

// addTrace builds the span that stands for a trace: the application root of
// its observations, named after the trace and carrying the trace's input and
// output, as the root span of Langfuse's JS SDK v5 does.
func (b *spanBatch) addTrace(held *heldTrace) {
	t := &held.fields
	span := b.newSpan(held.source)
	attrs := span.Attributes()

	traceID, exact := mapTraceID(t.id)
	span.SetTraceID(traceID)
	if !exact {
		attrs.PutStr(AttrTraceID, t.id)
	}
	span.SetSpanID(rootSpanID(t.id))
	span.SetName(t.name.value)

	start := held.firstTimestamp
	if t.timestamp.set {
		start = t.timestamp.value
	}
	end := start
	if held.maxEnd.After(start) {
		end = held.maxEnd
	}
	span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
	span.SetEndTimestamp(pcommon.NewTimestampFromTime(end))

	attrs.PutStr(attrObservationType, "span")
	attrs.PutBool(attrIsAppRoot, true)
	putTraceAttributes(attrs, t)
	if t.input.set {
		attrs.PutStr(attrObservationInput, jsonText(t.input.value))
		attrs.PutStr(attrTraceInput, jsonText(t.input.value))
	}
	if t.output.set {
		attrs.PutStr(attrObservationOutput, jsonText(t.output.value))
		attrs.PutStr(attrTraceOutput, jsonText(t.output.value))
	}
	if t.public.set {
		attrs.PutBool(attrTracePublic, t.public.value)
	}
}

// putTraceAttributes writes the trace-level attributes that every span of a
// trace carries.
func putTraceAttributes(attrs pcommon.Map, t *traceFields) {
	putOptional(attrs, attrEnvironment, t.environment)
	putOptional(attrs, attrRelease, t.release)
	putOptional(attrs, attrVersion, t.version)
	putOptional(attrs, attrUserID, t.userID)
	putOptional(attrs, attrSessionID, t.sessionID)
	putOptional(attrs, attrTraceName, t.name)
	if len(t.tags) > 0 {
		tags := attrs.PutEmptySlice(attrTraceTags)
		for _, tag := range t.tags {
			tags.AppendEmpty().SetStr(tag)
		}
	}
	putObject(attrs, attrTraceMetadataPrefix, t.metadata)
}

// putObservationAttributes writes the observation's own fields. They are
// written after the trace attributes, so that an observation's environment
// and version replace the trace's.
func putObservationAttributes(attrs pcommon.Map, o *observationFields) {
	observationType := o.observationType.value
	if observationType == "" {
		observationType = "span"
	}
	attrs.PutStr(attrObservationType, observationType)
	putOptional(attrs, attrEnvironment, o.environment)
	putOptional(attrs, attrVersion, o.version)
	putOptional(attrs, attrObservationLevel, o.level)
	putOptional(attrs, attrObservationStatusMessage, o.statusMessage)
	if o.input.set {
		attrs.PutStr(attrObservationInput, jsonText(o.input.value))
	}
	if o.output.set {
		attrs.PutStr(attrObservationOutput, jsonText(o.output.value))
	}
	putObject(attrs, attrObservationMetadataPrefix, o.metadata)

	putOptional(attrs, attrObservationModel, o.model)
	if len(o.modelParameters) > 0 {
		attrs.PutStr(attrObservationModelParameters, marshalJSON(o.modelParameters))
	}
	if len(o.usage) > 0 {
		attrs.PutStr(attrObservationUsageDetails, marshalJSON(o.usage))
	}
	if len(o.cost) > 0 {
		attrs.PutStr(attrObservationCostDetails, marshalJSON(o.cost))
	}
	if o.completionStartTime.set {
		// JSON-encoded ISO string with milliseconds, as the JS SDK writes it.
		iso := o.completionStartTime.value.UTC().Format("2006-01-02T15:04:05.000Z07:00")
		attrs.PutStr(attrObservationCompletionStart, marshalJSON(iso))
	}
	if o.promptName.set {
		attrs.PutStr(attrObservationPromptName, o.promptName.value)
		attrs.PutInt(attrObservationPromptVersion, o.promptVersion.value)
	}
}

// putObject writes each top-level key of an object as prefix+key: strings as
// they are and other values as JSON text.
func putObject(attrs pcommon.Map, prefix string, object map[string]json.RawMessage) {
	keys := make([]string, 0, len(object))
	for key := range object {
		keys = append(keys, key)
	}
	sort.Strings(keys)
	for _, key := range keys {
		if value := object[key]; !isJSONNull(value) {
			attrs.PutStr(prefix+key, jsonText(value))
		}
	}
}

// marshalJSON encodes values that always encode (maps of numbers, strings
// and raw JSON the receiver parsed before).
func marshalJSON(value any) string {
	encoded, err := json.Marshal(value)
	if err != nil {
		return "{}"
	}
	return string(encoded)
}
