package genai

import (
	"encoding/json"
	"strings"
)

// messageToolCalls is the part of an output message that names tool calls,
// in the shapes the conventions use: semantic-convention parts of type
// tool_call, OpenAI tool_calls, Anthropic tool_use content blocks, and the
// gen_ai.choice event's nested message.
type messageToolCalls struct {
	Parts     []toolCallJSON  `json:"parts"`
	ToolCalls []toolCallJSON  `json:"tool_calls"`
	Content   json.RawMessage `json:"content"`
	Message   *struct {
		ToolCalls []toolCallJSON `json:"tool_calls"`
	} `json:"message"`
}

type toolCallJSON struct {
	Type      string          `json:"type"`
	ID        string          `json:"id"`
	Name      string          `json:"name"`
	Arguments json.RawMessage `json:"arguments"`
	Input     json.RawMessage `json:"input"`
	Function  struct {
		Name      string          `json:"name"`
		Arguments json.RawMessage `json:"arguments"`
	} `json:"function"`
}

func (c toolCallJSON) toolCall() ToolCall {
	tc := ToolCall{ID: c.ID, Name: c.Name, Arguments: rawText(c.Arguments)}
	if tc.Name == "" {
		tc.Name = c.Function.Name
	}
	if len(c.Arguments) == 0 {
		tc.Arguments = rawText(c.Function.Arguments)
	}
	if len(c.Arguments) == 0 && len(c.Function.Arguments) == 0 {
		tc.Arguments = rawText(c.Input)
	}
	return tc
}

// appendMessageToolCalls appends the tool calls that output messages
// request. The JSON is decoded only when the text mentions a tool call, so
// a plain text response costs one scan.
func appendMessageToolCalls(dst *View, text string, s *spanScan) {
	if s.usageOnly {
		return
	}
	if !mentionsToolCall(text) {
		return
	}
	var messages []messageToolCalls
	trimmed := strings.TrimSpace(text)
	var err error
	switch {
	case strings.HasPrefix(trimmed, "["):
		err = json.Unmarshal([]byte(trimmed), &messages)
	case strings.HasPrefix(trimmed, "{"):
		messages = make([]messageToolCalls, 1)
		err = json.Unmarshal([]byte(trimmed), &messages[0])
	default:
		return
	}
	if err != nil {
		// Invalid or truncated JSON stays as text in Output.
		s.invalid++
		return
	}

	for _, m := range messages {
		for _, p := range m.Parts {
			if p.Type == "tool_call" {
				dst.ToolCalls = append(dst.ToolCalls, p.toolCall())
			}
		}
		for _, c := range m.ToolCalls {
			dst.ToolCalls = append(dst.ToolCalls, c.toolCall())
		}
		if m.Message != nil {
			for _, c := range m.Message.ToolCalls {
				dst.ToolCalls = append(dst.ToolCalls, c.toolCall())
			}
		}
		if len(m.Content) > 0 && m.Content[0] == '[' {
			var blocks []toolCallJSON
			if json.Unmarshal(m.Content, &blocks) == nil {
				for _, b := range blocks {
					if b.Type == "tool_use" {
						dst.ToolCalls = append(dst.ToolCalls, b.toolCall())
					}
				}
			}
		}
	}
}

// mentionsToolCall reports whether text contains "tool_call" or
// "tool_use". It searches for '_', which is rare in prose, so a long
// response costs little more than a memory scan.
func mentionsToolCall(text string) bool {
	for i := 0; ; {
		j := strings.IndexByte(text[i:], '_')
		if j < 0 {
			return false
		}
		at := i + j
		if at >= 4 && text[at-4:at] == "tool" {
			rest := text[at+1:]
			if strings.HasPrefix(rest, "call") || strings.HasPrefix(rest, "use") {
				return true
			}
		}
		i = at + 1
	}
}

// readToolSpan records the call that a tool span executed, from the first
// convention that names it.
func readToolSpan(dst *View, s *spanScan) {
	if dst.Type != TypeTool || len(dst.ToolCalls) > 0 {
		return
	}
	tc := ToolCall{
		ID:   s.firstString(keyGenAIToolCallID, keyAIToolCallID, keyToolCallID, keyFlueToolCallID),
		Name: s.firstString(keyGenAIToolName, keyAIToolCallName, keyToolName, keyFlueToolName),
		Arguments: s.firstString(keyGenAIToolCallArguments, keyAIToolCallArgs, keyADKToolCallArgs,
			keyToolArguments, keyFlueToolArguments),
		Result: s.firstString(keyGenAIToolCallResult, keyAIToolCallResult, keyADKToolResponse,
			keyToolResponse, keyFlueToolResult),
	}
	if tc.Name == "" && s.str(keyTraceloopSpanKind) == "tool" {
		tc.Name = s.str(keyTraceloopEntityName)
	}
	if tc.Arguments == "" && tc.Result == "" {
		// OpenInference and Traceloop tool spans carry the call as the
		// span's input and output.
		tc.Arguments, tc.Result = dst.Input, dst.Output
	}
	if tc.Name == "" {
		tc.Name = dst.Name
	}
	dst.ToolCalls = append(dst.ToolCalls, tc)
}
