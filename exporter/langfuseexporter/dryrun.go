package langfuseexporter

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/pcommon"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

// dryRunLine is one line of the dry-run file: one observation, trace or
// score as it would be sent.
type dryRunLine struct {
	Time                string   `json:"time"`
	Protocol            Protocol `json:"protocol"`
	TraceID             string   `json:"trace_id"`
	ObservationID       string   `json:"observation_id,omitempty"`
	ParentObservationID string   `json:"parent_observation_id,omitempty"`
	// Type is the observation type, or "trace" or "score".
	Type string `json:"type"`
	// EventType is the ingestion event type; empty for OTLP.
	EventType   string             `json:"event_type,omitempty"`
	Name        string             `json:"name,omitempty"`
	Model       string             `json:"model,omitempty"`
	Usage       map[string]int64   `json:"usage,omitempty"`
	Cost        map[string]float64 `json:"cost,omitempty"`
	Environment string             `json:"environment,omitempty"`
	UserID      string             `json:"user_id,omitempty"`
	SessionID   string             `json:"session_id,omitempty"`
	// Attributes is a JSON object of the span attributes as they are sent
	// over OTLP. A double that JSON cannot hold is written as a string such
	// as "NaN".
	Attributes json.RawMessage `json:"attributes,omitempty"`
	// Event is the ingestion event as it would be sent.
	Event json.RawMessage `json:"event,omitempty"`
}

// observationSummary fills the fields of a dry-run line that both protocols
// share.
func observationSummary(ref *spanRef, kind string, usage map[string]int64, cost map[string]float64) dryRunLine {
	line := dryRunLine{
		TraceID:       ref.span.TraceID().String(),
		ObservationID: ref.span.SpanID().String(),
		Type:          kind,
		Name:          ref.view.Name,
		Model:         ref.view.Model(),
		Usage:         usage,
		Cost:          cost,
		Environment:   ref.environment,
		UserID:        firstNonEmpty(ref.view.UserID, ref.trace.UserID),
		SessionID:     firstNonEmpty(ref.view.SessionID, ref.trace.SessionID),
	}
	if line.Name == "" {
		line.Name = ref.span.Name()
	}
	if !ref.span.ParentSpanID().IsEmpty() {
		line.ParentObservationID = ref.span.ParentSpanID().String()
	}
	return line
}

// otlpSummary describes a span after encodeSpan, from the attributes that
// will be sent.
func otlpSummary(ref *spanRef) dryRunLine {
	attrs := ref.span.Attributes()
	kind := ""
	if v, ok := attrs.Get(attrObservationType); ok {
		kind = v.Str()
	}

	var usage map[string]int64
	if v, ok := attrs.Get(attrUsageDetails); ok {
		_ = json.Unmarshal([]byte(v.Str()), &usage)
	}
	var cost map[string]float64
	if v, ok := attrs.Get(genai.AttrCostDetails); ok && v.Type() == pcommon.ValueTypeStr {
		_ = json.Unmarshal([]byte(v.Str()), &cost)
	}

	line := observationSummary(ref, kind, usage, cost)
	line.Attributes = appendMapJSON(nil, attrs)
	return line
}

// dryRunWriter appends JSON lines to <dir>/langfuse-dry-run-<date>.jsonl.
// A new file starts each UTC day, and a numbered one
// (langfuse-dry-run-<date>.<n>.jsonl) when the current file exceeds
// maxFileBytes.
type dryRunWriter struct {
	dir          string
	maxFileBytes int64

	mu       sync.Mutex
	file     *os.File
	date     string
	sequence int
	size     int64
}

func newDryRunWriter(dir string, maxFileBytes int64) (*dryRunWriter, error) {
	if err := os.MkdirAll(dir, 0o750); err != nil {
		return nil, fmt.Errorf("create the dry-run directory %s: %w", dir, err)
	}
	return &dryRunWriter{dir: dir, maxFileBytes: maxFileBytes}, nil
}

// write appends lines, each stamped with now.
func (w *dryRunWriter) write(lines []dryRunLine, now time.Time) error {
	w.mu.Lock()
	defer w.mu.Unlock()

	stamp := now.UTC().Format(time.RFC3339Nano)
	for i := range lines {
		lines[i].Time = stamp
		encoded, err := json.Marshal(&lines[i])
		if err != nil {
			return fmt.Errorf("encode a dry-run line for trace %s: %w", lines[i].TraceID, err)
		}
		encoded = append(encoded, '\n')
		if err := w.rotate(now, int64(len(encoded))); err != nil {
			return err
		}
		n, err := w.file.Write(encoded)
		w.size += int64(n)
		if err != nil {
			return fmt.Errorf("write the dry-run file %s: %w", w.file.Name(), err)
		}
	}
	return nil
}

// rotate opens the file the next line belongs in.
func (w *dryRunWriter) rotate(now time.Time, next int64) error {
	date := now.UTC().Format("2006-01-02")
	switch {
	case w.file == nil:
	case date != w.date:
		w.sequence = 0
	case w.size > 0 && w.size+next > w.maxFileBytes:
		w.sequence++
	default:
		return nil
	}

	if w.file != nil {
		_ = w.file.Close()
	}
	w.date = date
	for {
		path := w.path()
		info, err := os.Stat(path)
		if err == nil && info.Size() > 0 && info.Size()+next > w.maxFileBytes {
			w.sequence++
			continue
		}
		file, err := os.OpenFile(path, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o640)
		if err != nil {
			w.file = nil
			return fmt.Errorf("open the dry-run file %s: %w", path, err)
		}
		w.file = file
		w.size = 0
		if info != nil {
			w.size = info.Size()
		}
		return nil
	}
}

func (w *dryRunWriter) path() string {
	name := "langfuse-dry-run-" + w.date + ".jsonl"
	if w.sequence > 0 {
		name = fmt.Sprintf("langfuse-dry-run-%s.%d.jsonl", w.date, w.sequence)
	}
	return filepath.Join(w.dir, name)
}

func (w *dryRunWriter) close() error {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.file == nil {
		return nil
	}
	err := w.file.Close()
	w.file = nil
	return err
}
