package langfusereceiver

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/assert"
)

func TestMapTraceID(t *testing.T) {
	tests := []struct {
		name      string
		id        string
		wantHex   string
		wantExact bool
	}{
		{name: "w3c hex", id: "40465b016e146213ee58e780388a6371", wantHex: "40465b016e146213ee58e780388a6371", wantExact: true},
		{name: "upper-case hex", id: "40465B016E146213EE58E780388A6371", wantHex: "40465b016e146213ee58e780388a6371"},
		{name: "uuid", id: "9ee78abb-d641-4148-a60f-885bcbe41e38", wantHex: "9ee78abbd6414148a60f885bcbe41e38"},
		{name: "all zero", id: "00000000000000000000000000000000"},
		{name: "free text", id: "my-trace"},
		{name: "short hex", id: "abc123"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, exact := mapTraceID(tt.id)
			again, _ := mapTraceID(tt.id)
			assert.Equal(t, got, again, "the mapping is deterministic")
			assert.False(t, got.IsEmpty())
			assert.Equal(t, tt.wantExact, exact)
			if tt.wantHex != "" {
				assert.Equal(t, tt.wantHex, got.String())
			}
		})
	}
	a, _ := mapTraceID("trace-a")
	b, _ := mapTraceID("trace-b")
	assert.NotEqual(t, a, b)
}

func TestMapSpanID(t *testing.T) {
	id, exact := mapSpanID("7718d98ffe31bf09")
	assert.True(t, exact)
	assert.Equal(t, "7718d98ffe31bf09", id.String())

	id, exact = mapSpanID("f0486f3c-9580-418d-9244-c76bc4804bc7")
	assert.False(t, exact)
	assert.False(t, id.IsEmpty())

	_, exact = mapSpanID("0000000000000000")
	assert.False(t, exact, "an all-zero span id is invalid and is hashed")

	assert.NotEqual(t, rootSpanID("t1"), func() [8]byte { s, _ := mapSpanID("t1"); return s }(),
		"the root span of a trace never takes the span id of an observation with the same id")
}

func TestReadUsageDetails(t *testing.T) {
	tests := []struct {
		name string
		in   string
		want map[string]int64
	}{
		{name: "free map", in: `{"input":131,"output":22,"total":153,"cache_read_input_tokens":64}`,
			want: map[string]int64{"input": 131, "output": 22, "total": 153, "cache_read_input_tokens": 64}},
		{name: "drops invalid values", in: `{"input":"12abc","output":-1,"x":1.5,"y":null,"z":"n"}`,
			want: map[string]int64{"input": 12}},
		{name: "nothing left", in: `{"input":-3}`, want: nil},
		{name: "openai chat", in: `{"prompt_tokens":100,"completion_tokens":40,"total_tokens":140,
			"prompt_tokens_details":{"cached_tokens":30,"audio_tokens":null},"completion_tokens_details":{"reasoning_tokens":50}}`,
			want: map[string]int64{"input": 70, "input_cached_tokens": 30, "output": 0, "output_reasoning_tokens": 50, "total": 140}},
		{name: "openai responses", in: `{"input_tokens":10,"output_tokens":5,"total_tokens":15,"input_tokens_details":{"cached_tokens":4}}`,
			want: map[string]int64{"input": 6, "input_cached_tokens": 4, "output": 5, "total": 15}},
		{name: "chat keys with extra key stay a free map", in: `{"prompt_tokens":1,"completion_tokens":2,"total_tokens":3,"other":4}`,
			want: map[string]int64{"prompt_tokens": 1, "completion_tokens": 2, "total_tokens": 3, "other": 4}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var fields map[string]json.RawMessage
			assert.NoError(t, json.Unmarshal([]byte(tt.in), &fields))
			assert.Equal(t, tt.want, readUsageDetails(fields))
		})
	}
}

func TestReadLegacyUsage(t *testing.T) {
	var fields map[string]json.RawMessage
	assert.NoError(t, json.Unmarshal([]byte(`{"input":25,"output":9,"total":34,"unit":"TOKENS","inputCost":0.1,"outputCost":0.2}`), &fields))
	usage, cost := readLegacyUsage(fields)
	assert.Equal(t, map[string]int64{"input": 25, "output": 9, "total": 34}, usage)
	assert.InDelta(t, 0.1, cost["input"], 1e-12)
	assert.InDelta(t, 0.2, cost["output"], 1e-12)
	assert.InDelta(t, 0.3, cost["total"], 1e-12)

	var openAIFields map[string]json.RawMessage
	assert.NoError(t, json.Unmarshal([]byte(`{"promptTokens":3,"completionTokens":4,"totalTokens":7}`), &openAIFields))
	usage, cost = readLegacyUsage(openAIFields)
	assert.Equal(t, map[string]int64{"input": 3, "output": 4, "total": 7}, usage)
	assert.Nil(t, cost)
}

func TestReadCostDetails(t *testing.T) {
	var fields map[string]json.RawMessage
	assert.NoError(t, json.Unmarshal([]byte(`{"input":0.5,"output":-1,"total":"2","x":null}`), &fields))
	assert.Equal(t, map[string]float64{"input": 0.5}, readCostDetails(fields))
}
