package genai

import (
	"strings"
)

// openLITReader reads OpenLIT spans. They follow the GenAI semantic
// conventions, add gen_ai.usage.cost (read as the application's cost), and
// flatten the first tool call of a response into gen_ai.tool.name,
// gen_ai.tool.call.id and gen_ai.tool.args on the chat span.
type openLITReader struct{}

func (openLITReader) convention() Convention { return ConventionOpenLIT }

func (openLITReader) readsUsage() bool { return false }

func (openLITReader) detect(s *spanScan) bool {
	if strings.Contains(s.scope, "openlit") {
		return true
	}
	v, ok := s.resource.Get("telemetry.sdk.name")
	return ok && v.Str() == "openlit"
}

func (openLITReader) read(dst *View, s *spanScan) {
	if dst.Type != TypeGeneration || len(dst.ToolCalls) > 0 || !s.has[keyGenAIToolArgs] {
		return
	}
	dst.ToolCalls = append(dst.ToolCalls, ToolCall{
		ID:        s.str(keyGenAIToolCallID),
		Name:      s.str(keyGenAIToolName),
		Arguments: s.str(keyGenAIToolArgs),
	})
}
