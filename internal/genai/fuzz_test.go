package genai

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"testing"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// FuzzRead reads spans with two fuzzed attributes next to a fixed GenAI
// chat span. kind selects how the second value is stored: string, int,
// double, or a string array.
func FuzzRead(f *testing.F) {
	addMappingSeeds(f)
	f.Add("gen_ai.usage.input_tokens", "-1", "gen_ai.output.messages", `[{"parts":[{"type":"tool_call"`, uint8(0), "")
	f.Add("gen_ai.prompt.0.content", "x", "gen_ai.prompt.0", "y", uint8(0), "")
	f.Add("llm.input_messages.1.message.content", "a", "llm.input_messages.1", "b", uint8(3), "openinference")
	f.Add("ai.response.providerMetadata", `{"anthropic":{"usage":{"cache_read_input_tokens":-4}}}`,
		"ai.usage.promptTokens", "3", uint8(1), "ai")
	f.Add("langfuse.observation.usage_details", `{"prompt_tokens":1,"prompt_tokens_details":{"cached_tokens":"x"}}`,
		"langfuse.observation.cost_details", `{"total":"NaN"}`, uint8(0), "langfuse-sdk")
	f.Add("gcp.vertex.agent.llm_response", `{"usage_metadata":{"thoughts_token_count":-1}}`,
		"gen_ai.usage.output_tokens", "9", uint8(2), "gcp.vertex.agent")

	f.Fuzz(func(t *testing.T, key1, value1, key2, value2 string, kind uint8, scope string) {
		td := ptrace.NewTraces()
		rs := td.ResourceSpans().AppendEmpty()
		ss := rs.ScopeSpans().AppendEmpty()
		ss.Scope().SetName(scope)
		span := ss.Spans().AppendEmpty()
		span.SetName(value1)
		attrs := span.Attributes()
		attrs.PutStr("gen_ai.operation.name", "chat")
		attrs.PutStr(key1, value1)
		putFuzzedValue(attrs, key2, value2, kind)
		ev := span.Events().AppendEmpty()
		ev.SetName(key1)
		putFuzzedValue(ev.Attributes(), key2, value2, kind)

		var v View
		Read(&v, rs.Resource(), ss.Scope(), span)

		u := v.Usage
		for name, n := range map[string]int64{"InputUncached": u.InputUncached, "CacheRead": u.CacheRead,
			"CacheWrite": u.CacheWrite, "CacheWrite1h": u.CacheWrite1h, "Output": u.Output,
			"Reasoning": u.Reasoning, "Total": u.Total} {
			if n < 0 {
				t.Fatalf("usage bucket %s is negative: %+v", name, u)
			}
		}
		if v.Aggregate && u.Present {
			t.Fatalf("aggregate span carries counted usage: %+v", u)
		}
		_ = v.MergedModelParameters()
		_ = v.InputWithSystemInstructions()

		var lean View
		ReadUsage(&lean, rs.Resource(), ss.Scope(), span)
		if want, got := usageFields(&v), usageFields(&lean); !reflect.DeepEqual(want, got) {
			t.Fatalf("ReadUsage differs from Read:\nRead:      %+v\nReadUsage: %+v", want, got)
		}
	})
}

func putFuzzedValue(m pcommon.Map, key, value string, kind uint8) {
	switch kind % 4 {
	case 1:
		m.PutInt(key, int64(len(value))-3)
	case 2:
		var f float64
		_, _ = fmt.Sscan(value, &f)
		m.PutDouble(key, f)
	case 3:
		sl := m.PutEmptySlice(key)
		sl.AppendEmpty().SetStr(value)
		sl.AppendEmpty().SetStr(key)
	default:
		m.PutStr(key, value)
	}
}

// addMappingSeeds adds every attribute of the mapping cases as a seed.
func addMappingSeeds(f *testing.F) {
	data, err := os.ReadFile("testdata/langfuse_mapping_cases.json")
	if err != nil {
		f.Fatal(err)
	}
	var file struct {
		Cases []struct {
			Span struct {
				Scope      *struct{ Name string } `json:"scope"`
				Attributes map[string]any         `json:"attributes"`
			} `json:"span"`
		} `json:"cases"`
	}
	if err := json.Unmarshal(data, &file); err != nil {
		f.Fatal(err)
	}
	for _, c := range file.Cases {
		scope := ""
		if c.Span.Scope != nil {
			scope = c.Span.Scope.Name
		}
		for name, val := range c.Span.Attributes {
			text, ok := val.(string)
			if !ok {
				b, _ := json.Marshal(val)
				text = string(b)
			}
			f.Add(name, text, name+".0", text, uint8(len(name)), scope)
		}
	}
}
