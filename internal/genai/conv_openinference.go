package genai

import (
	"slices"
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// openInferenceReader reads Arize OpenInference spans: the span kind in
// openinference.span.kind, raw request and response in input.value and
// output.value, messages flattened into llm.input_messages.N.message.*, and
// llm.token_count.* usage (read by the generic usage rule, where the prompt
// count includes cached tokens).
type openInferenceReader struct{}

func (openInferenceReader) convention() Convention { return ConventionOpenInference }

func (openInferenceReader) readsUsage() bool { return true }

func (openInferenceReader) detect(s *spanScan) bool {
	return s.has[keyOISpanKind] || strings.Contains(s.scope, "openinference") ||
		s.has[keyLLMModelName] || s.hasLLMInputMsgs || s.hasLLMOutputMsgs ||
		s.has[keyInputValue] || s.has[keyLLMInvocationParameters]
}

func (openInferenceReader) read(dst *View, s *spanScan) {
	if dst.Operation == "" {
		switch s.str(keyOISpanKind) {
		case "LLM":
			dst.Operation = "chat"
		case "EMBEDDING":
			dst.Operation = "embeddings"
		case "TOOL":
			dst.Operation = "execute_tool"
		case "RETRIEVER":
			dst.Operation = "retrieval"
		}
	}
	if params := s.str(keyLLMInvocationParameters); params != "" && dst.ModelParametersJSON == "" {
		dst.ModelParametersJSON = params
	}
	if s.has[keyMetadata] {
		mergeMetadataJSON(&dst.Metadata, s.str(keyMetadata), s)
	}

	s.setIO(dst, s.str(keyInputValue), s.str(keyOutputValue))

	// The flattened messages are rebuilt only when no earlier key gave the
	// input and output.
	attrs := s.span.Attributes()
	if !s.ioDone && (s.hasLLMInputMsgs || s.hasLLMOutputMsgs) {
		var input, output string
		if s.hasLLMInputMsgs {
			input = unflatten(attrs, prefixLLMInputMessages, s)
		}
		if s.hasLLMOutputMsgs {
			output = unflatten(attrs, prefixLLMOutputMsgs, s)
		}
		s.setIO(dst, input, output)
	}
	if s.hasLLMTools && dst.ToolDefinitions == "" {
		dst.ToolDefinitions = openInferenceTools(s)
	}
	if s.hasLLMOutputToolCalls && len(dst.ToolCalls) == 0 && !s.usageOnly {
		appendOpenInferenceToolCalls(dst, attrs)
	}
}

// openInferenceTools joins llm.tools.N.tool.json_schema into one JSON
// array, in index order.
func openInferenceTools(s *spanScan) string {
	if s.usageOnly {
		return ""
	}
	type schema struct {
		index int
		text  string
	}
	var schemas []schema
	s.span.Attributes().Range(func(name string, v pcommon.Value) bool {
		rest, ok := strings.CutPrefix(name, prefixLLMTools)
		if !ok {
			return true
		}
		num, ok := strings.CutSuffix(rest, ".tool.json_schema")
		if !ok {
			return true
		}
		if idx, err := strconv.Atoi(num); err == nil {
			schemas = append(schemas, schema{idx, valueString(v)})
		}
		return true
	})
	if len(schemas) == 0 {
		return ""
	}
	slices.SortFunc(schemas, func(a, b schema) int { return a.index - b.index })

	var b strings.Builder
	b.WriteByte('[')
	for i, sc := range schemas {
		if i > 0 {
			b.WriteByte(',')
		}
		if looksLikeJSONContainer(sc.text) {
			b.WriteString(sc.text)
		} else {
			b.WriteString(strconv.Quote(sc.text))
		}
	}
	b.WriteByte(']')
	return b.String()
}

// appendOpenInferenceToolCalls reads the tool calls of flattened output
// messages, keys of the form
// llm.output_messages.N.message.tool_calls.M.tool_call.{id,function.name,
// function.arguments}, in the order the attributes list them.
func appendOpenInferenceToolCalls(dst *View, attrs pcommon.Map) {
	type callKey struct{ message, call string }
	var keys []callKey
	first := len(dst.ToolCalls)
	attrs.Range(func(name string, v pcommon.Value) bool {
		rest, ok := strings.CutPrefix(name, prefixLLMOutputMsgs)
		if !ok {
			return true
		}
		message, rest, ok := strings.Cut(rest, ".message.tool_calls.")
		if !ok {
			return true
		}
		call, field, ok := strings.Cut(rest, ".tool_call.")
		if !ok {
			return true
		}

		k := callKey{message, call}
		i := slices.Index(keys, k)
		if i < 0 {
			keys = append(keys, k)
			dst.ToolCalls = append(dst.ToolCalls, ToolCall{})
			i = len(keys) - 1
		}
		tc := &dst.ToolCalls[first+i]
		switch field {
		case "id":
			tc.ID = valueString(v)
		case "function.name":
			tc.Name = valueString(v)
		case "function.arguments":
			tc.Arguments = valueString(v)
		}
		return true
	})
}
