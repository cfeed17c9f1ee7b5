package genai

import (
	"strconv"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// otelEventReader reads message content that GenAI instrumentations put on
// span events rather than span attributes: the
// gen_ai.client.inference.operation.details event (semantic conventions
// 1.37+), the deprecated gen_ai.{system,user,assistant,tool}.message and
// gen_ai.choice events (1.28 to 1.36) and the older gen_ai.content.prompt
// and gen_ai.content.completion events.
type otelEventReader struct{}

func (otelEventReader) convention() Convention { return ConventionOTelGenAI }

func (otelEventReader) readsUsage() bool { return false }

func (otelEventReader) detect(s *spanScan) bool {
	events := s.span.Events()
	for i := 0; i < events.Len(); i++ {
		if strings.HasPrefix(events.At(i).Name(), "gen_ai.") {
			return true
		}
	}
	return false
}

func (otelEventReader) read(dst *View, s *spanScan) {
	events := s.span.Events()
	if readDetailsEvent(dst, s, events) {
		return
	}
	if readMessageEvents(dst, s, events) {
		return
	}
	readContentEvents(dst, s, events)
}

// readDetailsEvent reads the first gen_ai.client.inference.operation.details
// event.
func readDetailsEvent(dst *View, s *spanScan, events ptrace.SpanEventSlice) bool {
	for i := 0; i < events.Len(); i++ {
		ev := events.At(i)
		if ev.Name() != "gen_ai.client.inference.operation.details" {
			continue
		}
		attrs := ev.Attributes()
		input, output := attrString(attrs, "gen_ai.input.messages"), attrString(attrs, "gen_ai.output.messages")
		if input == "" && output == "" {
			input = attrString(attrs, "gen_ai.tool.call.arguments")
			output = attrString(attrs, "gen_ai.tool.call.result")
		}
		s.setIO(dst, input, output)
		if dst.SystemInstructions == "" {
			dst.SystemInstructions = attrString(attrs, "gen_ai.system_instructions")
		}
		if dst.ToolDefinitions == "" {
			dst.ToolDefinitions = attrString(attrs, "gen_ai.tool.definitions")
		}
		return s.ioDone
	}
	return false
}

func attrString(attrs pcommon.Map, name string) string {
	if v, ok := attrs.Get(name); ok {
		return valueString(v)
	}
	return ""
}

// readMessageEvents rebuilds input and output from the deprecated message
// events: each gen_ai.<role>.message event becomes {"role": <role>, ...its
// attributes}, and gen_ai.choice events become the output, one object for
// one event and an array otherwise.
func readMessageEvents(dst *View, s *spanScan, events ptrace.SpanEventSlice) bool {
	var input, output strings.Builder
	inputs, choices := 0, 0
	for i := 0; i < events.Len(); i++ {
		ev := events.At(i)
		name := ev.Name()
		var role string
		switch name {
		case "gen_ai.system.message":
			role = "system"
		case "gen_ai.user.message":
			role = "user"
		case "gen_ai.assistant.message":
			role = "assistant"
		case "gen_ai.tool.message":
			role = "tool"
		case "gen_ai.choice":
			if choices > 0 {
				output.WriteByte(',')
			}
			writeEventObject(&output, "", ev.Attributes())
			choices++
			continue
		default:
			continue
		}
		if inputs > 0 {
			input.WriteByte(',')
		}
		writeEventObject(&input, role, ev.Attributes())
		inputs++
	}
	if inputs == 0 && choices == 0 {
		return false
	}

	var in, out string
	if inputs > 0 {
		in = "[" + input.String() + "]"
	}
	switch {
	case choices == 1:
		out = output.String()
	case choices > 1:
		out = "[" + output.String() + "]"
	}
	s.setIO(dst, in, out)
	return true
}

// writeEventObject writes a JSON object with the role (when not empty) and
// the event attributes, leaving out the provider keys that every event
// repeats.
func writeEventObject(b *strings.Builder, role string, attrs pcommon.Map) {
	b.WriteByte('{')
	first := true
	if role != "" {
		b.WriteString(`"role":`)
		b.WriteString(strconv.Quote(role))
		first = false
	}
	attrs.Range(func(name string, v pcommon.Value) bool {
		if name == "gen_ai.system" || name == "gen_ai.provider.name" {
			return true
		}
		if name == "role" && role != "" {
			return true
		}
		if !first {
			b.WriteByte(',')
		}
		first = false
		b.WriteString(strconv.Quote(name))
		b.WriteByte(':')
		writeJSONValue(b, v)
		return true
	})
	b.WriteByte('}')
}

// writeJSONValue writes v as JSON: strings quoted, maps and arrays as JSON,
// numbers and booleans as literals.
func writeJSONValue(b *strings.Builder, v pcommon.Value) {
	switch v.Type() {
	case pcommon.ValueTypeStr:
		b.WriteString(strconv.Quote(v.Str()))
	case pcommon.ValueTypeInt:
		b.WriteString(strconv.FormatInt(v.Int(), 10))
	case pcommon.ValueTypeBool:
		b.WriteString(strconv.FormatBool(v.Bool()))
	case pcommon.ValueTypeDouble:
		if f, ok := valueFloat(v); ok {
			b.WriteString(strconv.FormatFloat(f, 'g', -1, 64))
		} else {
			b.WriteString("null")
		}
	case pcommon.ValueTypeMap, pcommon.ValueTypeSlice:
		b.WriteString(v.AsString())
	case pcommon.ValueTypeBytes:
		b.WriteString(strconv.Quote(v.AsString()))
	default:
		b.WriteString("null")
	}
}

// readContentEvents reads the gen_ai.content.prompt and
// gen_ai.content.completion events, whose gen_ai.prompt and gen_ai.completion
// attributes carry the text.
func readContentEvents(dst *View, s *spanScan, events ptrace.SpanEventSlice) {
	var input, output string
	for i := 0; i < events.Len(); i++ {
		ev := events.At(i)
		switch ev.Name() {
		case "gen_ai.content.prompt":
			input = attrString(ev.Attributes(), "gen_ai.prompt")
		case "gen_ai.content.completion":
			output = attrString(ev.Attributes(), "gen_ai.completion")
		}
	}
	s.setIO(dst, input, output)
}
