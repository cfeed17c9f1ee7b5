package genaiprocessor

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestSamplingConfigValidate(t *testing.T) {
	valid := func() SamplingRule {
		return SamplingRule{Name: "r", Parts: []string{"reasoning"}, Replacement: replacementHash}
	}
	tests := []struct {
		name    string
		mutate  func(c *SamplingConfig)
		wantErr string
	}{
		{name: "defaults", mutate: func(*SamplingConfig) {}},
		{name: "limits off", mutate: func(c *SamplingConfig) { c.MaxAttributeBytes, c.MaxSpanBytes = 0, 0 }},
		{
			name:    "attribute limit too small",
			mutate:  func(c *SamplingConfig) { c.MaxAttributeBytes = 10 },
			wantErr: "max_attribute_bytes 10 is invalid",
		},
		{
			name:    "span limit too small",
			mutate:  func(c *SamplingConfig) { c.MaxSpanBytes = 100 },
			wantErr: "max_span_bytes 100 is invalid",
		},
		{
			name:    "empty protected pattern",
			mutate:  func(c *SamplingConfig) { c.ProtectedAttributes = []string{""} },
			wantErr: "protected_attributes contains an empty pattern",
		},
		{
			name:    "fraction above 1",
			mutate:  func(c *SamplingConfig) { c.Rules[0].KeepFraction = 1.5 },
			wantErr: "keep_fraction 1.5 is invalid",
		},
		{
			name:    "negative fraction",
			mutate:  func(c *SamplingConfig) { c.Rules[0].KeepFraction = -0.1 },
			wantErr: "keep_fraction -0.1 is invalid",
		},
		{
			name:    "fraction below 2^-56",
			mutate:  func(c *SamplingConfig) { c.Rules[0].KeepFraction = 1e-20 },
			wantErr: "set 0 or at least 2^-56",
		},
		{
			name:    "missing name",
			mutate:  func(c *SamplingConfig) { c.Rules[0].Name = "" },
			wantErr: "name is missing",
		},
		{
			name:    "duplicate name",
			mutate:  func(c *SamplingConfig) { c.Rules[1].Name = c.Rules[0].Name },
			wantErr: `name "inline_binary" is used twice`,
		},
		{
			name:    "missing replacement",
			mutate:  func(c *SamplingConfig) { c.Rules[0].Replacement = "" },
			wantErr: "replacement is missing",
		},
		{
			name:    "unknown replacement",
			mutate:  func(c *SamplingConfig) { c.Rules[0].Replacement = "erase" },
			wantErr: `replacement "erase" is invalid`,
		},
		{
			name:    "truncate without bytes",
			mutate:  func(c *SamplingConfig) { c.Rules[1].TruncateBytes = 0 },
			wantErr: "truncate_bytes 0 is invalid",
		},
		{
			name:    "unknown part",
			mutate:  func(c *SamplingConfig) { c.Rules[0].Parts = []string{"pictures"} },
			wantErr: `parts contains "pictures"`,
		},
		{
			name:    "selects nothing",
			mutate:  func(c *SamplingConfig) { c.Rules = []SamplingRule{{Name: "x", Replacement: replacementDrop}} },
			wantErr: "the rule selects nothing",
		},
		{
			name:    "empty attribute pattern",
			mutate:  func(c *SamplingConfig) { r := valid(); r.Attributes = []string{""}; c.Rules = []SamplingRule{r} },
			wantErr: "attributes contains an empty pattern",
		},
		{
			name:    "invalid regex",
			mutate:  func(c *SamplingConfig) { r := valid(); r.AttributesRegex = []string{"("}; c.Rules = []SamplingRule{r} },
			wantErr: `attributes_regex "(" is invalid`,
		},
		{
			name: "invalid when condition",
			mutate: func(c *SamplingConfig) {
				r := valid()
				r.When = []string{"status.code =="}
				c.Rules = []SamplingRule{r}
			},
			wantErr: "when:",
		},
		{
			name: "invalid always_keep_when condition",
			mutate: func(c *SamplingConfig) {
				r := valid()
				r.AlwaysKeepWhen = []string{`attributes["a"] == `}
				c.Rules = []SamplingRule{r}
			},
			wantErr: "always_keep_when:",
		},
		{
			name: "duration condition",
			mutate: func(c *SamplingConfig) {
				r := valid()
				r.AlwaysKeepWhen = []string{"end_time_unix_nano - start_time_unix_nano > 5000000000"}
				c.Rules = []SamplingRule{r}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := defaultSamplingConfig()
			cfg.Rules = defaultSamplingRules()
			tt.mutate(&cfg)
			err := cfg.Validate()
			if tt.wantErr == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantErr)
		})
	}
}

// messageShapes are message documents with inline binary content, one per
// message convention, and the text each must keep.
var messageShapes = []struct {
	name     string
	doc      string
	keepText string
}{
	{
		name: "otel genai blob",
		doc: `[{"role":"user","parts":[{"type":"text","content":"describe this"},` +
			`{"type":"blob","modality":"image","mime_type":"image/png","content":"` + testPNGB64 + `"}]}]`,
		keepText: "describe this",
	},
	{
		name:     "otel genai uri",
		doc:      `[{"role":"user","parts":[{"type":"text","content":"look"},{"type":"uri","modality":"image","uri":"data:image/png;base64,` + testPNGB64 + `"}]}]`,
		keepText: "look",
	},
	{
		name: "openai chat",
		doc: `[{"role":"user","content":[{"type":"text","text":"what is this"},` +
			`{"type":"image_url","image_url":{"url":"data:image/png;base64,` + testPNGB64 + `"}},` +
			`{"type":"input_audio","input_audio":{"data":"` + testWAVB64 + `","format":"wav"}},` +
			`{"type":"file","file":{"filename":"a.pdf","file_data":"data:application/pdf;base64,` + testPDFB64 + `"}}]}]`,
		keepText: "what is this",
	},
	{
		name: "anthropic",
		doc: `[{"role":"user","content":[{"type":"text","text":"read it"},` +
			`{"type":"image","source":{"type":"base64","media_type":"image/png","data":"` + testPNGB64 + `"}},` +
			`{"type":"document","source":{"type":"base64","media_type":"application/pdf","data":"` + testPDFB64 + `"}},` +
			`{"type":"tool_result","tool_use_id":"t1","content":[{"type":"image","source":{"type":"base64",` +
			`"media_type":"image/png","data":"` + testPNGB64 + `"}}]}]}]`,
		keepText: "read it",
	},
	{
		name: "vercel ai sdk",
		doc: `[{"role":"user","content":[{"type":"text","text":"compare"},` +
			`{"type":"image","image":"` + testPNGB64 + `","mediaType":"image/png"},` +
			`{"type":"file","data":"` + testPDFB64 + `","mediaType":"application/pdf"}]}]`,
		keepText: "compare",
	},
	{
		name: "gemini",
		doc: `{"contents":[{"role":"user","parts":[{"text":"listen"},` +
			`{"inlineData":{"mimeType":"audio/wav","data":"` + testWAVB64 + `"}}]}]}`,
		keepText: "listen",
	},
	{
		name: "escaped slashes",
		doc: `[{"role":"user","content":[{"type":"image_url","image_url":{"url":"data:image\/png;base64,` +
			strings.ReplaceAll(testPNGB64, "/", `\/`) + `"}},{"type":"text","text":"escaped"}]}]`,
		keepText: "escaped",
	},
}

func TestDefaultRulesHashInlineBinary(t *testing.T) {
	for _, shape := range messageShapes {
		t.Run(shape.name, func(t *testing.T) {
			require.True(t, json.Valid([]byte(shape.doc)), "test document must be JSON")
			s := newTestSampler(t, defaultSamplingConfig())
			// Binary is hashed on every trace, kept or not.
			for _, rnd := range []uint64{randomnessLow, randomnessHigh} {
				td, span := newSampleTestSpan(traceIDWithRandomness(rnd), map[string]string{"gen_ai.input.messages": shape.doc})
				sampleTraces(s, td)

				got := attrString(t, span, "gen_ai.input.messages")
				assert.True(t, json.Valid([]byte(got)), "output must stay JSON: %s", got)
				assert.Contains(t, got, shape.keepText)
				assert.Contains(t, got, "[sampled:sha256:")
				assert.NotContains(t, got, testPNGB64[:200])
				assert.NotContains(t, got, testWAVB64[:200])
				assert.NotContains(t, got, testPDFB64[:200])
				assert.Less(t, len(got), 1200, "binary must be gone: %s", got)
			}
		})
	}
}

func TestDefaultRulesHashMarkerContent(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	doc := `[{"type":"blob","modality":"image","mime_type":"image/png","content":"` + testPNGB64 + `"}]`
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"gen_ai.input.messages": doc})
	sampleTraces(s, td)

	var parts []map[string]string
	require.NoError(t, json.Unmarshal([]byte(attrString(t, span, "gen_ai.input.messages")), &parts))
	require.Len(t, parts, 1)
	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3008 bytes image/png\]$`, parts[0]["content"])
	assert.Equal(t, "blob", parts[0]["type"])
	assert.Equal(t, "image/png", parts[0]["mime_type"])
}

func TestDefaultRulesWholeAttributeDataURI(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	key := "llm.input_messages.0.message.contents.1.message_content.image.image.url"
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessHigh), map[string]string{
		key:         "data:image/png;base64," + testPNGB64,
		"raw_blob":  testWAVB64,
		"plain.url": "https://example.com/cat.png",
	})
	sampleTraces(s, td)

	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3008 bytes image/png\]$`, attrString(t, span, key))
	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3016 bytes audio/wav\]$`, attrString(t, span, "raw_blob"))
	assert.Equal(t, "https://example.com/cat.png", attrString(t, span, "plain.url"))
}

func TestDefaultRulesReasoning(t *testing.T) {
	reasoning := strings.Repeat("step by step ", 200)
	doc := `[{"role":"assistant","parts":[{"type":"reasoning","content":"` + reasoning + `"},` +
		`{"type":"text","content":"final answer"}],"finish_reason":"stop"}]`
	s := newTestSampler(t, defaultSamplingConfig())

	t.Run("trace not kept", func(t *testing.T) {
		td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
			"gen_ai.output.messages": doc,
			"ai.response.reasoning":  reasoning,
		})
		sampleTraces(s, td)

		got := attrString(t, span, "gen_ai.output.messages")
		require.True(t, json.Valid([]byte(got)), got)
		var msgs []struct {
			Parts []map[string]string `json:"parts"`
		}
		require.NoError(t, json.Unmarshal([]byte(got), &msgs))
		content := msgs[0].Parts[0]["content"]
		assert.Equal(t, reasoning[:1024]+"[sampled:truncated 1576 of 2600 bytes]", content)
		assert.Equal(t, "final answer", msgs[0].Parts[1]["content"])
		assert.Equal(t, reasoning[:1024]+"[sampled:truncated 1576 of 2600 bytes]",
			attrString(t, span, "ai.response.reasoning"))
	})

	t.Run("trace kept", func(t *testing.T) {
		td, span := newSampleTestSpan(traceIDWithRandomness(randomnessHigh), map[string]string{
			"gen_ai.output.messages": doc,
			"ai.response.reasoning":  reasoning,
		})
		sampleTraces(s, td)
		assert.Equal(t, doc, attrString(t, span, "gen_ai.output.messages"))
		assert.Equal(t, reasoning, attrString(t, span, "ai.response.reasoning"))
	})

	t.Run("error span kept", func(t *testing.T) {
		td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
			"gen_ai.output.messages": doc,
		})
		span.Status().SetCode(ptrace.StatusCodeError)
		sampleTraces(s, td)
		assert.Equal(t, doc, attrString(t, span, "gen_ai.output.messages"))
	})

	t.Run("langfuse error level kept", func(t *testing.T) {
		td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
			"gen_ai.output.messages":     doc,
			"langfuse.observation.level": "ERROR",
		})
		sampleTraces(s, td)
		assert.Equal(t, doc, attrString(t, span, "gen_ai.output.messages"))
	})
}

func TestDefaultRulesRetrievedDocuments(t *testing.T) {
	document := strings.Repeat("retrieved passage ", 100)
	s := newTestSampler(t, defaultSamplingConfig())
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"retrieval.documents.0.document.content": document,
		"retrieval.documents.0.document.id":      "doc-1",
		"langfuse.observation.output":            `[{"page_content":"` + document + `","metadata":{"source":"kb"}}]`,
	})
	sampleTraces(s, td)

	assert.Equal(t, document[:512]+"[sampled:truncated 1288 of 1800 bytes]",
		attrString(t, span, "retrieval.documents.0.document.content"))
	assert.Equal(t, "doc-1", attrString(t, span, "retrieval.documents.0.document.id"))
	out := attrString(t, span, "langfuse.observation.output")
	require.True(t, json.Valid([]byte(out)), out)
	assert.Contains(t, out, `"metadata":{"source":"kb"}`)
	assert.Contains(t, out, "[sampled:truncated 1288 of 1800 bytes]")
}

func TestDefaultRulesLeaveProtectedAttributes(t *testing.T) {
	dataURI := "data:image/png;base64," + testPNGB64
	reasoningDoc := `[{"type":"reasoning","content":"` + strings.Repeat("hmm ", 400) + `"}]`
	protected := map[string]string{
		"gen_ai.tool.call.result":             `{"screenshot":"` + dataURI + `"}`,
		"gen_ai.tool.call.arguments":          reasoningDoc,
		"ai.toolCall.result":                  dataURI,
		"ai.toolCall.args":                    reasoningDoc,
		"ai.response.toolCalls":               `[{"toolCallId":"1","args":"` + testPNGB64 + `"}]`,
		"langfuse.observation.prompt.name":    testPNGB64,
		"langfuse.observation.prompt.version": "3",
		"gen_ai.prompt.name":                  "travel",
		"gen_ai.usage.input_tokens":           "84",
		"langfuse.observation.usage_details":  `{"input":67,"output":22}`,
		"llm.output_messages.0.message.tool_calls.0.tool_call.function.arguments": dataURI,
	}
	messages := map[string]string{
		"gen_ai.input.messages":  `[{"role":"user","parts":[{"type":"text","content":"` + strings.Repeat("long question ", 500) + `"}]}]`,
		"gen_ai.output.messages": `[{"role":"assistant","parts":[{"type":"tool_call","id":"c1","name":"f","arguments":{"q":"x"}}],"finish_reason":"tool_call"}]`,
	}
	attrs := map[string]string{}
	for k, v := range protected {
		attrs[k] = v
	}
	for k, v := range messages {
		attrs[k] = v
	}

	s := newTestSampler(t, defaultSamplingConfig())
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), attrs)
	sampleTraces(s, td)
	for k, v := range attrs {
		assert.Equal(t, v, attrString(t, span, k), k)
	}
}

func TestSpanEventAttributesSampled(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	event := span.Events().AppendEmpty()
	event.SetName("gen_ai.user.message")
	event.Attributes().PutStr("content", `[{"type":"image_url","image_url":{"url":"data:image/png;base64,`+testPNGB64+`"}}]`)
	sampleTraces(s, td)

	got, ok := event.Attributes().Get("content")
	require.True(t, ok)
	assert.True(t, json.Valid([]byte(got.Str())))
	assert.Contains(t, got.Str(), "[sampled:sha256:")
	assert.NotContains(t, got.Str(), testPNGB64[:100])
}

func TestSamplingDisabled(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.Enabled = false
	s := newTestSampler(t, cfg)
	value := "data:image/png;base64," + testPNGB64
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"image": value})
	sampleTraces(s, td)
	assert.Equal(t, value, attrString(t, span, "image"))
}

func TestInvalidJSONLeftAsIs(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	value := `[{"type":"reasoning","content":"cut off`
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"gen_ai.output.messages": value})
	sampleTraces(s, td)
	assert.Equal(t, value, attrString(t, span, "gen_ai.output.messages"))
}

func TestDefaultRulesReasoningShapesStayJSON(t *testing.T) {
	long := strings.Repeat("consider the weather ", 100)
	shapes := map[string]string{
		"otel genai":       `[{"role":"assistant","parts":[{"type":"reasoning","content":"` + long + `"}]}]`,
		"vercel ai sdk":    `[{"role":"assistant","content":[{"type":"reasoning","text":"` + long + `"}]}]`,
		"anthropic":        `[{"role":"assistant","content":[{"type":"thinking","thinking":"` + long + `","signature":"c2ln"}]}]`,
		"gemini":           `[{"role":"model","parts":[{"text":"` + long + `","thought":true}]}]`,
		"openai responses": `[{"type":"reasoning","id":"rs_1","summary":[{"type":"summary_text","text":"` + long + `"}]}]`,
		"escapes":          `[{"type":"reasoning","content":"` + strings.Repeat(`caf\u00e9 \"quoted\" \ud83d\ude00 `, 100) + `"}]`,
	}
	s := newTestSampler(t, defaultSamplingConfig())
	for name, doc := range shapes {
		t.Run(name, func(t *testing.T) {
			require.True(t, json.Valid([]byte(doc)), "test document must be JSON")
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"gen_ai.output.messages": doc})
			sampleTraces(s, td)

			got := attrString(t, span, "gen_ai.output.messages")
			assert.True(t, json.Valid([]byte(got)), got)
			assert.Contains(t, got, "[sampled:truncated ")
			assert.Less(t, len(got), len(doc))
		})
	}
}

func TestSamplerConcurrentUse(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	want := mixedTraces(5, 50)
	sampleTraces(s, want)
	marshaler := ptrace.JSONMarshaler{}
	wantJSON, err := marshaler.MarshalTraces(want)
	require.NoError(t, err)

	results := make(chan []byte, 4)
	for range 4 {
		go func() {
			td := mixedTraces(5, 50)
			sampleTraces(s, td)
			out, _ := marshaler.MarshalTraces(td)
			results <- out
		}()
	}
	for range 4 {
		assert.Equal(t, string(wantJSON), string(<-results))
	}
}

func FuzzSampledJSONStaysValid(f *testing.F) {
	// Small seeds: the fuzzer minimizes every new input, which takes long on
	// documents of many kilobytes.
	f.Add(`[{"type":"blob","modality":"image","mime_type":"image/png","content":"iVBORw0KGgoAAAANSUhEUg=="}]`)
	f.Add(`[{"type":"image_url","image_url":{"url":"data:image/png;base64,iVBORw0KGgo="}}]`)
	f.Add(`[{"type":"reasoning","content":"a\u00e9\"b"},{"type":"thinking","thinking":"x"}]`)
	f.Add(`{"data":"` + testPNGB64[:64] + `","format":"wav"}`)
	f.Add(`[{"page_content":"doc"},{"type":"search_result","content":[1,2]}]`)
	f.Add(`[{"type":"reasoning","summary":[{"type":"summary_text","text":"` + strings.Repeat(`a\"`, 30) + `"}]}]`)

	// Three bytes cut most values to a string, and 40 bytes let arrays and
	// objects keep their shape.
	var samplers []*sampler
	for _, keep := range []int{3, 40} {
		cfg := defaultSamplingConfig()
		cfg.Rules[1].TruncateBytes = keep
		cfg.Rules[2].TruncateBytes = keep
		samplers = append(samplers, newTestSampler(f, cfg))
	}
	f.Fuzz(func(t *testing.T, doc string) {
		if !json.Valid([]byte(doc)) {
			return
		}
		for _, s := range samplers {
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow),
				map[string]string{"gen_ai.output.messages": doc})
			sampleTraces(s, td)
			got := attrString(t, span, "gen_ai.output.messages")
			if !json.Valid([]byte(got)) {
				t.Fatalf("sampling %q produced invalid JSON %q", doc, got)
			}
		}
	})
}
