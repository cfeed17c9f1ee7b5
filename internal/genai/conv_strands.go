package genai

// strandsReader reads Strands Agents spans (Python scope
// strands.telemetry.tracer, JS scope strands-agents). Content travels on
// span events (read by otelEventReader) and usage in both the old and new
// gen_ai.usage.* names (read by the generic rule). The root invoke_agent
// span and the event-loop cycle spans repeat the usage of the chat spans.
type strandsReader struct{}

func (strandsReader) convention() Convention { return ConventionStrands }

func (strandsReader) readsUsage() bool { return true }

func (strandsReader) detect(s *spanScan) bool {
	return s.scope == "strands-agents" || s.scope == "strands.telemetry.tracer"
}

func (strandsReader) read(dst *View, s *spanScan) {
	switch s.span.Name() {
	case "execute_event_loop_cycle", "execute_agent_loop_cycle":
		dst.Aggregate = true
	}
}
