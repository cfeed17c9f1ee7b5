package langfuseexporter

import (
	"context"
	"encoding/json"
	"math"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
	"go.uber.org/zap"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// FuzzEncodeOTLP builds a span from fuzzed attribute keys and values and
// runs the whole OTLP path: prepare, encodeSpan, encodeResources and
// protobuf. The decoded request must keep the ids, contain only valid UTF-8
// and no map or bytes attribute, and carry valid JSON in the attributes the
// exporter writes as JSON. kind picks the type of the second value: string,
// int, double, bytes, map or slice.
func FuzzEncodeOTLP(f *testing.F) {
	f.Add("gen_ai.usage.input_tokens", "12", "gen_ai.input.messages", `[{"role":"user"}]`, uint8(0), 0.5)
	f.Add("langfuse.observation.metadata", `{"a":1,"b":"x"}`, "custom.map", "k\xff", uint8(4), math.NaN())
	f.Add("gen_ai.usage.cost", "NaN", "gen_ai.usage.cost", "", uint8(2), math.Inf(1))
	f.Add("langfuse.observation.cost_details", `{"total":-1}`, "x", "\xc3\x28", uint8(5), -3.0)
	f.Add("user.id", strings.Repeat("u", 2000), "langfuse.trace.tags", `["a","b"]`, uint8(0), 0.0)
	f.Add("langfuse.observation.usage_details", `{"input":-5}`, "bytes", "\x00\x01", uint8(3), 1e308)

	tel, err := newTelemetry(componenttest.NewNopTelemetrySettings(), ProtocolOTLP)
	if err != nil {
		f.Fatal(err)
	}
	prep := &preparer{
		read: genai.Read, state: newTraceState(100, time.Minute),
		telemetry: tel, logger: zap.NewNop(), now: time.Now,
	}
	encoder := otlpEncoder{maxFieldBytes: minMaxFieldBytes, telemetry: tel}

	f.Fuzz(func(t *testing.T, key1, value1, key2, value2 string, kind uint8, number float64) {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		rs.Resource().Attributes().PutStr(key1, value1)
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName(value2)
		span := ss.Spans().AppendEmpty()
		span.SetName(value1)
		span.SetTraceID(traceA)
		span.SetSpanID(spanR)
		start := time.Now().Add(-time.Minute)
		span.SetStartTimestamp(pcommon.NewTimestampFromTime(start))
		span.SetEndTimestamp(pcommon.NewTimestampFromTime(start.Add(time.Second)))
		attrs := span.Attributes()
		attrs.PutStr("gen_ai.operation.name", "chat")
		attrs.PutStr(key1, value1)
		putFuzzedAttribute(attrs, key2, value2, kind, number)
		event := span.Events().AppendEmpty()
		event.SetName(value2)
		putFuzzedAttribute(event.Attributes(), key1, value1, kind, number)

		batch := prep.prepare(context.Background(), td)
		for i := range batch.spans {
			encoder.encodeSpan(context.Background(), &batch.spans[i], nil)
		}
		encoder.encodeResources(context.Background(), td)
		batch.release()

		body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
		if err != nil {
			t.Fatalf("marshal: %v", err)
		}
		request := ptraceotlp.NewExportRequest()
		if err := request.UnmarshalProto(body); err != nil {
			t.Fatalf("unmarshal: %v", err)
		}
		got := request.Traces()
		if got.SpanCount() != 1 {
			t.Fatalf("got %d spans, want 1", got.SpanCount())
		}
		sent := got.ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
		if sent.TraceID() != traceA || sent.SpanID() != spanR {
			t.Fatalf("ids changed: %s %s", sent.TraceID(), sent.SpanID())
		}
		checkSentText(t, "span name", sent.Name())
		checkSentText(t, "scope name", got.ResourceSpans().At(0).ScopeSpans().At(0).Scope().Name())
		checkSentText(t, "event name", sent.Events().At(0).Name())
		for key, value := range sent.Attributes().All() {
			checkSentValue(t, key, value)
			// A value the application set itself may stay as sent, because
			// Langfuse falls back to other attributes when it is not JSON.
			written := key != key1 && key != key2
			if written && isJSONAttribute(key) && !json.Valid([]byte(value.Str())) {
				t.Fatalf("%s is not valid JSON: %q", key, value.Str())
			}
		}
		for key, value := range got.ResourceSpans().At(0).Resource().Attributes().All() {
			checkSentValue(t, key, value)
		}
	})
}

func putFuzzedAttribute(m pcommon.Map, key, value string, kind uint8, number float64) {
	switch kind % 6 {
	case 0:
		m.PutStr(key, value)
	case 1:
		m.PutInt(key, int64(len(value))-3)
	case 2:
		m.PutDouble(key, number)
	case 3:
		m.PutEmptyBytes(key).FromRaw([]byte(value))
	case 4:
		inner := m.PutEmptyMap(key)
		inner.PutStr(value, value)
		inner.PutDouble("number", number)
		inner.PutEmptyMap("nested").PutEmptySlice("list").AppendEmpty().SetStr(value)
	case 5:
		list := m.PutEmptySlice(key)
		list.AppendEmpty().SetStr(value)
		list.AppendEmpty().SetDouble(number)
	}
}

// isJSONAttribute reports whether the exporter writes key as JSON text.
func isJSONAttribute(key string) bool {
	switch key {
	case attrModelParameters, attrUsageDetails, genai.AttrCostDetails:
		return true
	}
	return false
}

func checkSentText(t *testing.T, field, s string) {
	t.Helper()
	if !utf8.ValidString(s) {
		t.Fatalf("%s has invalid UTF-8: %q", field, s)
	}
}

// checkSentValue checks an attribute value as sent: valid UTF-8, and
// neither a map nor bytes, which Langfuse would store as raw OTLP JSON.
func checkSentValue(t *testing.T, key string, value pcommon.Value) {
	t.Helper()
	checkSentText(t, "key "+key, key)
	switch value.Type() {
	case pcommon.ValueTypeStr:
		checkSentText(t, "value of "+key, value.Str())
	case pcommon.ValueTypeMap, pcommon.ValueTypeBytes:
		t.Fatalf("%s is sent as %s", key, value.Type())
	case pcommon.ValueTypeSlice:
		items := value.Slice()
		for i := range items.Len() {
			checkSentValue(t, key, items.At(i))
		}
	}
}
