package genai

import (
	"encoding/json"
	"fmt"
	"os"
	"sort"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// mappingCase is one case of testdata/langfuse_mapping_cases.json: a span
// and what Langfuse's OTLP ingestion derives from it.
type mappingCase struct {
	Name   string                     `json:"name"`
	Span   caseSpan                   `json:"span"`
	Expect map[string]json.RawMessage `json:"expect"`
}

// notModelled lists expectations about what the exporter or Langfuse's
// storage does, which a View does not hold. Each is checked to be known so
// that a new expectation in the file fails the test until it is mapped.
var notModelled = map[string]string{
	"id":                          "ids and times are copied by the exporter",
	"traceId":                     "ids and times are copied by the exporter",
	"parentObservationId":         "ids and times are copied by the exporter",
	"startTime":                   "ids and times are copied by the exporter",
	"endTime":                     "ids and times are copied by the exporter",
	"timestamp":                   "ids and times are copied by the exporter",
	"metadata.attributes":         "the dump of unread span attributes is built by the exporter",
	"metadata.resourceAttributes": "resource attributes are copied by the exporter",
	"metadata.scope":              "the scope is copied by the exporter",
	"totalCost":                   "cost from a price table is the pricing stage's result",
}

// deviations lists the expectations where the View deliberately reads a
// span differently from Langfuse, with the value the View holds instead.
var deviations = map[string]map[string]any{
	"openinference_reasoning_audio_details": {
		// Usage.Output includes audio output tokens; Langfuse subtracts
		// llm.token_count.completion_details.audio from output but not
		// gen_ai.usage.output_audio_tokens.
		"usageDetails.output": int64(20),
	},
	"e2e_environment_sanitised": {
		// Environment is the raw value; Langfuse's environment cleaning
		// ("langfuse-" prefix removed) belongs to the exporter.
		"environment": "langfuse-test",
	},
}

func loadMappingCases(t testing.TB) []mappingCase {
	t.Helper()
	data, err := os.ReadFile("testdata/langfuse_mapping_cases.json")
	require.NoError(t, err)
	var file struct {
		Cases []mappingCase `json:"cases"`
	}
	decodeJSON(t, data, &file)
	require.NotEmpty(t, file.Cases)
	return file.Cases
}

func TestReadLangfuseMappingCases(t *testing.T) {
	for _, c := range loadMappingCases(t) {
		t.Run(c.Name, func(t *testing.T) {
			sd := buildSpan(t, c.Span)
			var v View
			Read(&v, sd.resource, sd.scope, sd.span)
			root := c.Span.ParentSpanID == ""

			checked := 0
			for section, raw := range c.Expect {
				switch section {
				case "event_types":
					checked += checkEventTypes(t, &v, raw)
				case "observation", "stored_observation":
					checked += checkFields(t, c.Name, raw, func(field string) (any, bool) {
						return observationField(&v, field)
					})
				case "trace", "stored_trace":
					checked += checkFields(t, c.Name, raw, func(field string) (any, bool) {
						return traceField(&v, field, root)
					})
				case "http_status":
					// The HTTP status is the exporter's; the span must still read.
					checked++
				default:
					t.Fatalf("expect section %q is not mapped to View fields", section)
				}
			}
			assert.Positive(t, checked, "no expectation of the case was checked")
		})
	}
}

// checkEventTypes compares the observation event type ("generation-create")
// with View.Type. trace-create events are the exporter's decision.
func checkEventTypes(t *testing.T, v *View, raw json.RawMessage) int {
	var types []string
	require.NoError(t, json.Unmarshal(raw, &types))
	for _, et := range types {
		if et == "trace-create" || strings.HasPrefix(et, "<") {
			continue
		}
		want := strings.TrimSuffix(strings.Fields(et)[0], "-create")
		assert.Equal(t, want, string(v.Type), "observation type")
		return 1
	}
	return 0
}

// checkFields compares each expected field ("model", "usageDetails.input",
// "metadata.customer_id") with the View's value for it.
func checkFields(t *testing.T, caseName string, raw json.RawMessage, get func(string) (any, bool)) int {
	var fields map[string]any
	decodeJSON(t, raw, &fields)
	checked := 0
	for _, field := range flattenExpect("", fields) {
		name, want := field.name, field.value
		if _, skip := skipField(name); skip {
			continue
		}
		if override, ok := deviations[caseName][name]; ok {
			want = override
		}
		got, known := get(name)
		require.True(t, known, "expected field %q is not mapped to a View field", name)
		assertFieldEqual(t, name, want, got)
		checked++
	}
	return checked
}

func skipField(name string) (string, bool) {
	for prefix, reason := range notModelled {
		if name == prefix || strings.HasPrefix(name, prefix+".") {
			return reason, true
		}
	}
	return "", false
}

type expectField struct {
	name  string
	value any
}

// flattenExpect turns nested expectations into dotted names, except for
// the values that are compared whole (input, output, tags, metadata maps of
// the trace).
func flattenExpect(prefix string, fields map[string]any) []expectField {
	var out []expectField
	names := make([]string, 0, len(fields))
	for name := range fields {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		full := prefix + name
		val := fields[name]
		if sub, ok := val.(map[string]any); ok && full != "input" && full != "output" &&
			full != "modelParameters" && len(sub) > 0 {
			out = append(out, flattenExpect(full+".", sub)...)
			continue
		}
		out = append(out, expectField{full, val})
	}
	return out
}

// assertFieldEqual compares an expected JSON value with a View value.
// "<absent>" and "<not set…>" mean empty; a " (derived)" suffix is dropped.
func assertFieldEqual(t *testing.T, name string, want, got any) {
	if s, ok := want.(string); ok {
		switch {
		case s == "<absent>" || strings.HasPrefix(s, "<not set"):
			assert.Empty(t, got, "%s must be absent", name)
			return
		case strings.HasSuffix(s, " (derived)"):
			want = strings.TrimSuffix(s, " (derived)")
		}
	}
	if gotText, ok := got.(string); ok {
		if _, isString := want.(string); !isString && want != nil {
			// Input and output hold JSON text; compare the decoded value.
			var decoded any
			dec := json.NewDecoder(strings.NewReader(gotText))
			dec.UseNumber()
			if assert.NoError(t, dec.Decode(&decoded), "%s is not JSON: %s", name, gotText) {
				assert.Equal(t, normalise(want), normalise(decoded), name)
			}
			return
		}
	}
	assert.Equal(t, normalise(want), normalise(got), name)
}

// normalise makes numbers and empty values comparable across JSON and Go.
func normalise(v any) any {
	switch n := v.(type) {
	case nil:
		return nil
	case json.Number:
		if i, err := n.Int64(); err == nil {
			return i
		}
		f, _ := n.Float64()
		return f
	case int:
		return int64(n)
	case float64:
		if n == float64(int64(n)) {
			return int64(n)
		}
		return n
	case []string:
		out := make([]any, len(n))
		for i, s := range n {
			out[i] = s
		}
		return out
	case []any:
		out := make([]any, len(n))
		for i, item := range n {
			out[i] = normalise(item)
		}
		return out
	case map[string]any:
		if len(n) == 0 {
			return nil
		}
		out := make(map[string]any, len(n))
		for k, item := range n {
			out[k] = normalise(item)
		}
		return out
	case map[string]string:
		if len(n) == 0 {
			return nil
		}
		out := make(map[string]any, len(n))
		for k, item := range n {
			out[k] = item
		}
		return out
	case string:
		if n == "" {
			return nil
		}
	case int64:
		if n == 0 {
			return nil
		}
	}
	return v
}

// observationField returns the View's value for a Langfuse observation
// field, and false when the field is not mapped.
func observationField(v *View, field string) (any, bool) {
	switch field {
	case "name":
		return v.Name, true
	case "type":
		return strings.ToUpper(string(v.Type)), true
	case "model":
		return v.Model(), true
	case "level":
		return string(v.Level), true
	case "statusMessage":
		return v.StatusMessage, true
	case "version":
		return v.Version, true
	case "release":
		return v.Release, true
	case "environment":
		if v.Environment == "" {
			return "default", true
		}
		return v.Environment, true
	case "promptName":
		return v.PromptName, true
	case "promptVersion":
		return v.PromptVersion, true
	case "input":
		return observationInput(v), true
	case "output":
		return v.Output, true
	case "modelParameters":
		return v.MergedModelParameters(), true
	case "totalUsage":
		return v.Usage.Total, true
	}
	if sub, ok := strings.CutPrefix(field, "modelParameters."); ok {
		return v.MergedModelParameters()[sub], true
	}
	if sub, ok := strings.CutPrefix(field, "usageDetails."); ok {
		return langfuseUsageDetails(v)[sub], true
	}
	if sub, ok := strings.CutPrefix(field, "costDetails."); ok {
		return v.CostDetails[sub], true
	}
	if sub, ok := strings.CutPrefix(field, "metadata."); ok {
		return v.Metadata[sub], true
	}
	return nil, false
}

// observationInput is the input Langfuse shows: system instructions in
// front, and tool definitions beside the messages.
func observationInput(v *View) string {
	input := v.InputWithSystemInstructions()
	if v.ToolDefinitions == "" || input == "" {
		return input
	}
	return fmt.Sprintf(`{"messages":%s,"tools":%s}`, input, v.ToolDefinitions)
}

// langfuseUsageDetails maps Usage to the usage keys Langfuse stores. When
// the application sent usage_details, Langfuse keeps them as sent.
func langfuseUsageDetails(v *View) map[string]any {
	out := map[string]any{}
	if v.UsageDetails != "" {
		dec := json.NewDecoder(strings.NewReader(v.UsageDetails))
		dec.UseNumber()
		if dec.Decode(&out) == nil {
			return out
		}
	}
	u := v.Usage
	if !u.Present {
		return out
	}
	out["input"] = u.InputUncached
	out["output"] = u.Output
	out["total"] = u.Total
	put := func(name string, n int64) {
		if n != 0 {
			out[name] = n
		}
	}
	put("input_cached_tokens", u.CacheRead)
	put("input_cache_creation", u.CacheWrite+u.CacheWrite1h)
	put("output_reasoning_tokens", u.Reasoning)
	put("output_audio_tokens", u.OutputAudio)
	put("input_audio_tokens", u.InputAudio)
	for name, n := range v.UsageExtra {
		out[name] = n
	}
	return out
}

// traceField returns the View's value for a Langfuse trace field. A root
// span's trace takes the observation's name, input and output when the
// span sets no trace-level ones.
func traceField(v *View, field string, root bool) (any, bool) {
	switch field {
	case "name":
		if v.TraceName == "" && root {
			return v.Name, true
		}
		return v.TraceName, true
	case "userId":
		return v.UserID, true
	case "sessionId":
		return v.SessionID, true
	case "tags":
		return v.Tags, true
	case "public":
		return v.Public, true
	case "input":
		if v.TraceInput == "" && root {
			return v.Input, true
		}
		return v.TraceInput, true
	case "output":
		if v.TraceOutput == "" && root {
			return v.Output, true
		}
		return v.TraceOutput, true
	case "version":
		return v.Version, true
	case "environment":
		if v.Environment == "" {
			return "default", true
		}
		return v.Environment, true
	case "metadata":
		return v.TraceMetadata, true
	}
	if sub, ok := strings.CutPrefix(field, "metadata."); ok {
		return v.TraceMetadata[sub], true
	}
	return nil, false
}
