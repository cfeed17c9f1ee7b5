package langfusetest

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// langfuseJSONObjectAttributes are the attributes that Langfuse parses as a
// JSON object. Langfuse ignores a value that is not one without telling the
// client, so the server records it as a problem.
var langfuseJSONObjectAttributes = []string{
	"langfuse.observation.usage_details",
	"langfuse.observation.cost_details",
	"langfuse.observation.model.parameters",
}

// handleOTLP checks and stores one OTLP/HTTP export request. Langfuse responds
// with 400 to an unknown content type and to spans with missing ids, and with
// 200 and a JSON body otherwise.
func (s *Server) handleOTLP(w http.ResponseWriter, r *http.Request, body []byte) int {
	if err := checkIngestionVersion(r); err != nil {
		return s.reject(w, http.StatusBadRequest, err.Error())
	}
	if r.Header.Get("x-langfuse-ingestion-version") == "" && !s.cfg.acceptMissingVersion {
		s.addProblem("OTLP request without x-langfuse-ingestion-version header")
	}

	request := ptraceotlp.NewExportRequest()
	contentType := r.Header.Get("Content-Type")
	switch {
	case strings.Contains(contentType, "application/x-protobuf"):
		if err := request.UnmarshalProto(body); err != nil {
			return s.reject(w, http.StatusBadRequest, "invalid OTLP protobuf body: "+err.Error())
		}
	case strings.Contains(contentType, "application/json"):
		if err := request.UnmarshalJSON(body); err != nil {
			return s.reject(w, http.StatusBadRequest, "invalid OTLP JSON body: "+err.Error())
		}
	default:
		return s.reject(w, http.StatusBadRequest, fmt.Sprintf("Invalid content type %q", contentType))
	}

	traces := request.Traces()
	if err := checkSpanIDs(traces); err != nil {
		return s.reject(w, http.StatusBadRequest, err.Error())
	}

	spans := flattenSpans(traces)
	for _, span := range spans {
		for _, key := range langfuseJSONObjectAttributes {
			if problem := checkJSONObjectAttribute(span, key); problem != "" {
				s.addProblem(problem)
			}
		}
	}

	s.mu.Lock()
	traces.ResourceSpans().MoveAndAppendTo(s.traces.ResourceSpans())
	s.spans = append(s.spans, spans...)
	s.mu.Unlock()

	return writeJSON(w, http.StatusOK, map[string]any{})
}

// checkSpanIDs applies Langfuse's envelope rule: every span needs a trace id
// and a span id. pdata decodes ids of the wrong length as an error already,
// so only all-zero ids remain to be caught here.
func checkSpanIDs(traces ptrace.Traces) error {
	rss := traces.ResourceSpans()
	for i := range rss.Len() {
		sss := rss.At(i).ScopeSpans()
		for j := range sss.Len() {
			spans := sss.At(j).Spans()
			for k := range spans.Len() {
				span := spans.At(k)
				if span.TraceID().IsEmpty() {
					return fmt.Errorf("span %q has an empty trace id", span.Name())
				}
				if span.SpanID().IsEmpty() {
					return fmt.Errorf("span %q in trace %s has an empty span id", span.Name(), span.TraceID())
				}
			}
		}
	}
	return nil
}

func checkJSONObjectAttribute(span Span, key string) string {
	value, ok := span.Attributes[key]
	if !ok {
		return ""
	}
	text, isString := value.(string)
	var decoded map[string]any
	if !isString || json.Unmarshal([]byte(text), &decoded) != nil || decoded == nil {
		return fmt.Sprintf("span %s attribute %s is not a JSON object: %v", span.SpanID, key, value)
	}
	return ""
}

func flattenSpans(traces ptrace.Traces) []Span {
	var out []Span
	rss := traces.ResourceSpans()
	for i := range rss.Len() {
		rs := rss.At(i)
		resourceAttributes := rs.Resource().Attributes().AsRaw()
		sss := rs.ScopeSpans()
		for j := range sss.Len() {
			ss := sss.At(j)
			spans := ss.Spans()
			for k := range spans.Len() {
				out = append(out, flattenSpan(spans.At(k), resourceAttributes, ss.Scope()))
			}
		}
	}
	return out
}

func flattenSpan(span ptrace.Span, resourceAttributes map[string]any, scope pcommon.InstrumentationScope) Span {
	parent := ""
	if !span.ParentSpanID().IsEmpty() {
		parent = span.ParentSpanID().String()
	}
	return Span{
		TraceID:            span.TraceID().String(),
		SpanID:             span.SpanID().String(),
		ParentSpanID:       parent,
		Name:               span.Name(),
		Kind:               span.Kind(),
		StartTime:          span.StartTimestamp().AsTime(),
		EndTime:            span.EndTimestamp().AsTime(),
		StatusCode:         span.Status().Code(),
		StatusMsg:          span.Status().Message(),
		Attributes:         span.Attributes().AsRaw(),
		ResourceAttributes: resourceAttributes,
		ScopeName:          scope.Name(),
		ScopeVersion:       scope.Version(),
	}
}
