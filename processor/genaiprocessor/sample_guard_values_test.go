package genaiprocessor

import (
	"encoding/json"
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/processor/processortest"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"
	"go.uber.org/zap/zaptest/observer"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// spanAttributeBytes returns the size max_span_bytes counts for the span's
// attributes: keys, strings and bytes, inside maps and slices too.
func spanAttributeBytes(span ptrace.Span) int {
	var size func(v pcommon.Value) int
	size = func(v pcommon.Value) int {
		switch v.Type() {
		case pcommon.ValueTypeStr:
			return len(v.Str())
		case pcommon.ValueTypeBytes:
			return v.Bytes().Len()
		case pcommon.ValueTypeMap:
			n := 0
			for k, item := range v.Map().All() {
				n += len(k) + size(item)
			}
			return n
		case pcommon.ValueTypeSlice:
			n := 0
			for i := 0; i < v.Slice().Len(); i++ {
				n += size(v.Slice().At(i))
			}
			return n
		}
		return 0
	}
	total := 0
	for k, v := range span.Attributes().All() {
		total += len(k) + size(v)
	}
	return total
}

// longMessages returns OTel GenAI input messages of about n bytes with
// escapes, non-ASCII text and a tool call around the long text.
func longMessages(n int) string {
	text := strings.Repeat(`Wie wird das Wetter in München? \"Regen\" \u00e9 日本 `, n/60+1)
	return `[{"role":"system","parts":[{"type":"text","content":"Be brief."}]},` +
		`{"role":"user","parts":[{"type":"text","content":"` + text + `"},` +
		`{"type":"tool_call","id":"c1","name":"f","arguments":{"q":[1,2.5,null,true]}}]}]`
}

func TestAttributeLimitKeepsJSONValid(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 1024
	s := newTestSampler(t, cfg)

	for _, size := range []int{1100, 3000, 50_000} {
		t.Run(fmt.Sprint(size), func(t *testing.T) {
			doc := longMessages(size)
			require.True(t, json.Valid([]byte(doc)), "test document must be JSON")
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
				"gen_ai.input.messages": doc,
			})
			sampleTraces(s, td)

			got := attrString(t, span, "gen_ai.input.messages")
			assert.LessOrEqual(t, len(got), 1024)
			require.True(t, json.Valid([]byte(got)), got)
			assert.Contains(t, got, "[sampled:truncated ")
			assert.Contains(t, got, `{"role":"system","parts":[{"type":"text","content":"Be brief."}]}`)
			assert.Contains(t, got, `"arguments":{"q":[1,2.5,null,true]}`)
		})
	}
}

func TestSpanLimitKeepsJSONValid(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 0
	cfg.MaxSpanBytes = 4096
	s := newTestSampler(t, cfg)

	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"gen_ai.input.messages":  longMessages(6000),
		"gen_ai.output.messages": longMessages(3000),
	})
	sampleTraces(s, td)

	// The larger value alone frees enough bytes.
	input := attrString(t, span, "gen_ai.input.messages")
	assert.True(t, json.Valid([]byte(input)), input)
	assert.Contains(t, input, "[sampled:truncated ")
	assert.Equal(t, longMessages(3000), attrString(t, span, "gen_ai.output.messages"))
	assert.LessOrEqual(t, spanAttributeBytes(span), cfg.MaxSpanBytes)
}

func TestAttributeLimitCutsJSONWithoutLongStrings(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 1024
	s := newTestSampler(t, cfg)

	// No string value is long enough to free the bytes, so the value is cut
	// at the end like text.
	numbers := "[" + strings.Repeat("12345,", 400) + "1]"
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"embedding": numbers})
	sampleTraces(s, td)

	got := attrString(t, span, "embedding")
	assert.LessOrEqual(t, len(got), 1024)
	assert.True(t, strings.HasPrefix(got, "[12345,12345,"))
	assert.Contains(t, got, "[sampled:truncated ")
}

func TestAttributeLimitNestedValues(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 1024
	s := newTestSampler(t, cfg)

	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	msg := span.Attributes().PutEmptyMap("message")
	msg.PutStr("role", "user")
	msg.PutStr("content", strings.Repeat("long text ", 300))
	list := span.Attributes().PutEmptySlice("documents")
	list.AppendEmpty().SetStr(strings.Repeat("passage ", 500))
	list.AppendEmpty().SetInt(7)
	list.AppendEmpty().SetEmptyMap().PutStr("json", longMessages(3000))
	sampleTraces(s, td)

	msgGot, ok := span.Attributes().Get("message")
	require.True(t, ok)
	role, _ := msgGot.Map().Get("role")
	assert.Equal(t, "user", role.Str())
	content, _ := msgGot.Map().Get("content")
	assert.LessOrEqual(t, len(content.Str()), 1024)
	assert.Contains(t, content.Str(), "[sampled:truncated ")

	docs, ok := span.Attributes().Get("documents")
	require.True(t, ok)
	require.Equal(t, 3, docs.Slice().Len())
	assert.LessOrEqual(t, len(docs.Slice().At(0).Str()), 1024)
	assert.Equal(t, int64(7), docs.Slice().At(1).Int())
	nested, _ := docs.Slice().At(2).Map().Get("json")
	assert.LessOrEqual(t, len(nested.Str()), 1024)
	assert.True(t, json.Valid([]byte(nested.Str())), nested.Str())
}

func TestSpanLimitCountsMapAndSliceValues(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 0
	cfg.MaxSpanBytes = 4096
	s := newTestSampler(t, cfg)

	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{"short": "kept"})
	list := span.Attributes().PutEmptySlice("llm.input_messages")
	for i := range 4 {
		m := list.AppendEmpty().SetEmptyMap()
		m.PutStr("role", "user")
		m.PutStr("content", strings.Repeat(fmt.Sprint(i), 3000))
	}
	require.Greater(t, spanAttributeBytes(span), 12_000)
	sampleTraces(s, td)

	assert.LessOrEqual(t, spanAttributeBytes(span), cfg.MaxSpanBytes)
	assert.Equal(t, "kept", attrString(t, span, "short"))
	got, _ := span.Attributes().Get("llm.input_messages")
	for i := 0; i < got.Slice().Len(); i++ {
		content, _ := got.Slice().At(i).Map().Get("content")
		assert.Contains(t, content.Str(), "[sampled:truncated ")
	}
}

func TestAttributeLimitHashesBytes(t *testing.T) {
	cfg := defaultSamplingConfig()
	// Without rules, only the size limit can replace the bytes value.
	cfg.Rules = nil
	cfg.MaxAttributeBytes = 1024
	s := newTestSampler(t, cfg)

	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	span.Attributes().PutEmptyBytes("screenshot").FromRaw(testPNG)
	span.Attributes().PutEmptyBytes("small").FromRaw([]byte{1, 2, 3})
	sampleTraces(s, td)

	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3008 bytes image/png\]$`, attrString(t, span, "screenshot"))
	small, ok := span.Attributes().Get("small")
	require.True(t, ok)
	assert.Equal(t, []byte{1, 2, 3}, small.Bytes().AsRaw())
}

func TestSpanLimitHashesBytes(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.Rules = nil
	cfg.MaxAttributeBytes = 0
	cfg.MaxSpanBytes = 2048
	s := newTestSampler(t, cfg)

	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	span.Attributes().PutEmptyBytes("audio").FromRaw(testWAV)
	sampleTraces(s, td)

	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3016 bytes audio/wav\]$`, attrString(t, span, "audio"))
	assert.LessOrEqual(t, spanAttributeBytes(span), cfg.MaxSpanBytes)
}

func TestSpanLimitManyAttributes(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.MaxAttributeBytes = 1024
	cfg.MaxSpanBytes = 8 << 20
	core, logs := observer.New(zapcore.WarnLevel)
	set := processortest.NewNopSettings(componentType)
	set.Logger = zap.New(core)
	s := newTestSamplerWithSettings(t, set, cfg)

	// 10,000 attributes, each just under max_attribute_bytes: about 10 MB.
	value := strings.Repeat("v", 1023-len("attr.00000"))
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	for i := range 10_000 {
		span.Attributes().PutStr(fmt.Sprintf("attr.%05d", i), value)
	}
	require.Greater(t, spanAttributeBytes(span), cfg.MaxSpanBytes)
	sampleTraces(s, td)

	assert.LessOrEqual(t, spanAttributeBytes(span), cfg.MaxSpanBytes)
	assert.Equal(t, 10_000, span.Attributes().Len())
	assert.Zero(t, logs.Len(), "the limit is reachable, so nothing is logged")

	// A limit below what trimming to the minimum reaches is reported.
	cfg.MaxSpanBytes = 64 << 10
	s = newTestSamplerWithSettings(t, set, cfg)
	td, span = newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	for i := range 10_000 {
		span.Attributes().PutStr(fmt.Sprintf("attr.%05d", i), value)
	}
	sampleTraces(s, td)
	require.Equal(t, 1, logs.FilterMessageSnippet("still above max_span_bytes").Len())
	fields := logs.FilterMessageSnippet("still above max_span_bytes").All()[0].ContextMap()
	assert.Equal(t, int64(spanAttributeBytes(span)), fields["span_bytes"], "the logged size must be the real size")
}

func TestAttributeLimitHundredMegabytes(t *testing.T) {
	if testing.Short() {
		t.Skip("allocates about 300 MB")
	}
	s := newTestSampler(t, defaultSamplingConfig())
	huge := map[string]string{
		// Letters only: base64 alphabet, but no binary content to decode.
		"text": strings.Repeat("a", 100<<20),
		"json": `[{"role":"user","parts":[{"type":"text","content":"` + strings.Repeat("x ", 50<<20) + `"}]}]`,
	}
	for key, value := range huge {
		t.Run(key, func(t *testing.T) {
			td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{key: value})
			sampleTraces(s, td)

			got := attrString(t, span, key)
			assert.LessOrEqual(t, len(got), defaultMaxAttributeBytes)
			assert.Greater(t, len(got), defaultMaxAttributeBytes-1024)
			assert.Contains(t, got, "[sampled:truncated ")
			assert.NotContains(t, got, "[sampled:sha256:")
			if key == "json" {
				assert.True(t, json.Valid([]byte(got)))
			}
		})
	}
}

func TestDefaultRulesHashBytesValues(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	id := make([]byte, 32)
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessHigh), nil)
	span.Attributes().PutEmptyBytes("input.image").FromRaw(testPNG)
	span.Attributes().PutEmptyBytes("output.audio").FromRaw(testWAV)
	span.Attributes().PutEmptyBytes("request.digest").FromRaw(id)
	span.Attributes().PutEmptyBytes("gen_ai.tool.call.result").FromRaw(testPDF)
	sampleTraces(s, td)

	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3008 bytes image/png\]$`, attrString(t, span, "input.image"))
	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3016 bytes audio/wav\]$`, attrString(t, span, "output.audio"))
	digest, ok := span.Attributes().Get("request.digest")
	require.True(t, ok)
	assert.Equal(t, id, digest.Bytes().AsRaw(), "short bytes values are not payloads")
	protected, ok := span.Attributes().Get("gen_ai.tool.call.result")
	require.True(t, ok)
	assert.Equal(t, testPDF, protected.Bytes().AsRaw(), "protected attributes keep their bytes")
}

func TestDropRuleRemovesBytesValue(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.Rules = []SamplingRule{{Name: "no_audio", Parts: []string{"audio"}, Replacement: replacementDrop}}
	s := newTestSampler(t, cfg)
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	span.Attributes().PutEmptyBytes("output.audio").FromRaw(testWAV)
	span.Attributes().PutEmptyBytes("input.image").FromRaw(testPNG)
	sampleTraces(s, td)

	_, ok := span.Attributes().Get("output.audio")
	assert.False(t, ok)
	image, ok := span.Attributes().Get("input.image")
	require.True(t, ok)
	assert.Equal(t, testPNG, image.Bytes().AsRaw())
}

func TestDefaultRulesSampleNestedValues(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	messages := span.Attributes().PutEmptySlice("llm.input_messages")
	msg := messages.AppendEmpty().SetEmptyMap()
	msg.PutStr("role", "user")
	msg.PutStr("image_url", "data:image/png;base64,"+testPNGB64)
	msg.PutStr("content", `[{"type":"reasoning","content":"`+strings.Repeat("hmm ", 400)+`"}]`)
	msg.PutEmptyBytes("audio").FromRaw(testWAV)
	msg.PutStr("digest", strings.Repeat("0123456789abcdef", 80))
	messages.AppendEmpty().SetStr(testPNGB64)
	protected := span.Attributes().PutEmptyMap("gen_ai.tool.call.result")
	protected.PutStr("screenshot", "data:image/png;base64,"+testPNGB64)
	sampleTraces(s, td)

	got, ok := span.Attributes().Get("llm.input_messages")
	require.True(t, ok)
	first := got.Slice().At(0).Map()
	role, _ := first.Get("role")
	assert.Equal(t, "user", role.Str())
	image, _ := first.Get("image_url")
	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3008 bytes image/png\]$`, image.Str())
	content, _ := first.Get("content")
	assert.True(t, json.Valid([]byte(content.Str())), content.Str())
	assert.Contains(t, content.Str(), "[sampled:truncated ")
	audio, _ := first.Get("audio")
	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3016 bytes audio/wav\]$`, audio.Str())
	digest, _ := first.Get("digest")
	assert.Equal(t, strings.Repeat("0123456789abcdef", 80), digest.Str(), "hex text is not binary")
	assert.Regexp(t, `^\[sampled:sha256:[0-9a-f]{16} 3008 bytes image/png\]$`, got.Slice().At(1).Str())

	protectedGot, ok := span.Attributes().Get("gen_ai.tool.call.result")
	require.True(t, ok)
	shot, _ := protectedGot.Map().Get("screenshot")
	assert.Equal(t, "data:image/png;base64,"+testPNGB64, shot.Str())
}

func TestDropRuleMarksNestedValue(t *testing.T) {
	cfg := defaultSamplingConfig()
	cfg.Rules = []SamplingRule{{Name: "no_images", Parts: []string{"image"}, Replacement: replacementDrop}}
	s := newTestSampler(t, cfg)
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), nil)
	list := span.Attributes().PutEmptySlice("images")
	list.AppendEmpty().SetStr("data:image/png;base64," + testPNGB64)
	list.AppendEmpty().SetEmptyBytes().FromRaw(testPNG)
	list.AppendEmpty().SetStr("caption")
	sampleTraces(s, td)

	got, ok := span.Attributes().Get("images")
	require.True(t, ok)
	require.Equal(t, 3, got.Slice().Len())
	assert.Equal(t, fmt.Sprintf("[sampled:dropped %d bytes]", len("data:image/png;base64,"+testPNGB64)),
		got.Slice().At(0).Str())
	assert.Equal(t, "[sampled:dropped 3008 bytes]", got.Slice().At(1).Str())
	assert.Equal(t, "caption", got.Slice().At(2).Str())
}

func TestSampleNestedWithoutPayloadsDoesNotAllocate(t *testing.T) {
	s := newTestSampler(t, defaultSamplingConfig())
	td, span := chatSpan(traceIDWithRandomness(randomnessLow))
	list := span.Attributes().PutEmptySlice("llm.input_messages")
	msg := list.AppendEmpty().SetEmptyMap()
	msg.PutStr("role", "user")
	msg.PutStr("content", `[{"type":"text","content":"`+strings.Repeat("plain question ", 100)+`"}]`)
	msg.PutEmptyBytes("id").FromRaw(make([]byte, 16))
	span.Attributes().PutEmptyBytes("thumbnail").FromRaw(make([]byte, 500))
	sc := &spanContext{view: &genai.View{}}
	sampleTracesWith(s, td, sc)

	if raceDetector {
		t.Skip("the race detector's instrumentation allocates")
	}
	allocs := testing.AllocsPerRun(100, func() { sampleTracesWith(s, td, sc) })
	assert.Zero(t, allocs)
}

func TestSampledSpanSampledAgain(t *testing.T) {
	// A second collector, or a second pass, finds only markers: the output
	// stays the same and nothing is allocated.
	s := newTestSampler(t, defaultSamplingConfig())
	td, span := newSampleTestSpan(traceIDWithRandomness(randomnessLow), map[string]string{
		"gen_ai.input.messages":  messageShapes[0].doc,
		"gen_ai.output.messages": `[{"type":"reasoning","content":"` + strings.Repeat("why ", 400) + `"}]`,
		"raw_image":              "data:image/png;base64," + testPNGB64,
	})
	span.Attributes().PutEmptyBytes("audio").FromRaw(testWAV)
	sc := &spanContext{view: &genai.View{}}
	sampleTracesWith(s, td, sc)
	once := span.Attributes().AsRaw()
	assert.Regexp(t, `^\[sampled:sha256:`, once["raw_image"])

	if !raceDetector {
		allocs := testing.AllocsPerRun(100, func() { sampleTracesWith(s, td, sc) })
		assert.Zero(t, allocs)
	}
	sampleTracesWith(s, td, sc)
	assert.Equal(t, once, span.Attributes().AsRaw())
}
