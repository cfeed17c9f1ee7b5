package langfusereceiver

import (
	"encoding/json"
	"maps"
	"slices"
)

// mergeObservation applies newer over o field by field: a field that newer
// sets replaces the value in o, and a field it leaves out keeps it. Metadata
// and model parameters are merged by top-level key. Input and output are
// replaced only by a non-empty value, as Langfuse keeps the last truthy one.
func (o *observationFields) mergeObservation(newer *observationFields) {
	o.observationType.merge(newer.observationType)
	o.traceID.keepFirst(newer.traceID)
	o.parentID.merge(newer.parentID)
	o.name.merge(newer.name)
	o.startTime.keepFirst(newer.startTime)
	o.endTime.merge(newer.endTime)
	o.completionStartTime.merge(newer.completionStartTime)
	o.level.merge(newer.level)
	o.statusMessage.merge(newer.statusMessage)
	o.version.merge(newer.version)
	o.environment.keepFirst(newer.environment)
	o.model.merge(newer.model)
	o.promptName.merge(newer.promptName)
	o.promptVersion.merge(newer.promptVersion)
	mergeTruthy(&o.input, newer.input)
	mergeTruthy(&o.output, newer.output)
	o.metadata = mergeObjects(o.metadata, newer.metadata)
	o.modelParameters = mergeObjects(o.modelParameters, newer.modelParameters)
	if len(newer.usage) > 0 {
		o.usage = newer.usage
	}
	if len(newer.cost) > 0 {
		o.cost = newer.cost
	}
}

// identity returns the fields that a later update of an observation that was
// already sent needs to make a complete span: ids, type, name, start time,
// model and prompt. Payloads, usage and cost are left out, so that a span
// sent for a late update repeats no tokens and holds no large value twice.
func (o *observationFields) identity() observationFields {
	return observationFields{
		id:              o.id,
		observationType: o.observationType,
		traceID:         o.traceID,
		parentID:        o.parentID,
		name:            o.name,
		startTime:       o.startTime,
		environment:     o.environment,
		version:         o.version,
		model:           o.model,
		modelParameters: o.modelParameters,
		promptName:      o.promptName,
		promptVersion:   o.promptVersion,
	}
}

// mergeTrace applies newer over t field by field. Tags are unioned and
// sorted, as Langfuse stores them, and the timestamp and environment keep
// their first value.
func (t *traceFields) mergeTrace(newer *traceFields) {
	t.timestamp.keepFirst(newer.timestamp)
	t.name.merge(newer.name)
	t.userID.merge(newer.userID)
	t.sessionID.merge(newer.sessionID)
	t.release.merge(newer.release)
	t.version.merge(newer.version)
	t.environment.keepFirst(newer.environment)
	t.public.merge(newer.public)
	mergeTruthy(&t.input, newer.input)
	mergeTruthy(&t.output, newer.output)
	t.metadata = mergeObjects(t.metadata, newer.metadata)
	if len(newer.tags) > 0 {
		t.tags = unionSorted(t.tags, newer.tags)
	}
}

// mergeTruthy replaces dst with newer unless newer is absent or a JSON value
// that JavaScript treats as false ("", 0, false).
func mergeTruthy(dst *opt[json.RawMessage], newer opt[json.RawMessage]) {
	if !newer.set {
		return
	}
	switch string(newer.value) {
	case `""`, "0", "false":
		return
	}
	*dst = newer
}

// mergeObjects returns base with the keys of overlay set over it. It copies
// base, because base may be shared with a span that was already built.
func mergeObjects(base, overlay map[string]json.RawMessage) map[string]json.RawMessage {
	if len(overlay) == 0 {
		return base
	}
	if len(base) == 0 {
		return overlay
	}
	merged := maps.Clone(base)
	maps.Copy(merged, overlay)
	return merged
}

func unionSorted(a, b []string) []string {
	union := slices.Concat(a, b)
	slices.Sort(union)
	return slices.Compact(union)
}
