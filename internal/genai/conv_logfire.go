package genai

import (
	"encoding/json"
	"strings"
)

// logfireReader reads Pydantic Logfire and Pydantic AI spans: logfire.msg
// as the name, the prompt, all_messages_events and events attributes of
// Logfire's LLM integrations, pydantic_ai.all_messages and final_result,
// the generic input, output and model_config attributes, and the
// tool_arguments and tool_response of Pydantic AI's version 2 tool spans.
// Pydantic AI's gen_ai.aggregated_usage.* run totals are not gen_ai.usage.*
// keys and so are never counted.
type logfireReader struct{}

func (logfireReader) convention() Convention { return ConventionLogfire }

func (logfireReader) readsUsage() bool { return true }

func (logfireReader) detect(s *spanScan) bool {
	return s.scope == "pydantic-ai" || strings.HasPrefix(s.scope, "logfire") ||
		s.has[keyLogfireMsg] || s.has[keyPrompt] || s.has[keyAllMessagesEvents] ||
		s.has[keyEvents] || s.has[keyInput] || s.has[keyOutput] || s.has[keyModelConfig] ||
		s.has[keyPydanticAllMessages] || s.has[keyToolArguments] || s.has[keyToolResponse]
}

func (logfireReader) read(dst *View, s *spanScan) {
	if s.scope == "pydantic-ai" && s.span.Name() == "agent run" {
		// Pydantic AI version 2 named the run span "agent run".
		dst.Aggregate = true
	}
	if params := s.str(keyModelConfig); params != "" && dst.ModelParametersJSON == "" {
		dst.ModelParametersJSON = params
	}

	s.setIO(dst, s.firstString(keyPrompt, keyAllMessagesEvents), "")
	if events := s.str(keyEvents); events != "" && !s.ioDone {
		input, output := splitLogfireEvents(events, s)
		s.setIO(dst, input, output)
	}
	s.setIO(dst, s.str(keyInput), s.str(keyOutput))
	if s.scope == "pydantic-ai" {
		s.setIO(dst, s.str(keyPydanticAllMessages), s.str(keyFinalResult))
	}
	s.setIO(dst, s.str(keyToolArguments), s.str(keyToolResponse))
}

// splitLogfireEvents splits Logfire's events array: the gen_ai.choice item
// is the output and the other items are the input. Text that is not a JSON
// array is the input as it is.
func splitLogfireEvents(text string, s *spanScan) (string, string) {
	var events []json.RawMessage
	if err := json.Unmarshal([]byte(text), &events); err != nil {
		s.invalid++
		return text, ""
	}
	var input []json.RawMessage
	var output string
	for _, ev := range events {
		var head struct {
			EventName string `json:"event.name"`
		}
		_ = json.Unmarshal(ev, &head)
		if head.EventName == "gen_ai.choice" {
			output = string(ev)
			continue
		}
		input = append(input, ev)
	}
	b, err := json.Marshal(input)
	if err != nil {
		return text, output
	}
	return string(b), output
}
