package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"text/tabwriter"
	"time"
)

// observation is the part of a langfuse exporter dry-run line the table
// shows.
type observation struct {
	TraceID       string             `json:"trace_id"`
	ObservationID string             `json:"observation_id"`
	Type          string             `json:"type"`
	Name          string             `json:"name"`
	Model         string             `json:"model"`
	Usage         map[string]int64   `json:"usage"`
	Cost          map[string]float64 `json:"cost"`
	UserID        string             `json:"user_id"`
	SessionID     string             `json:"session_id"`
	Attributes    map[string]any     `json:"attributes"`
}

// waitForObservations polls the dry-run files until want observations of the
// trace are there or the wait ends.
func waitForObservations(dir, traceID string, want int, wait time.Duration) ([]observation, error) {
	deadline := time.Now().Add(wait)
	for {
		rows, err := readObservations(dir, traceID)
		if err != nil {
			return nil, err
		}
		if len(rows) >= want {
			return rows, nil
		}
		if time.Now().After(deadline) {
			if len(rows) > 0 {
				return rows, nil
			}
			return nil, fmt.Errorf("no observation of trace %s in %s after %s; the exporter writes there only "+
				"in dry-run mode (LANGFUSE_BASE_URL, LANGFUSE_PUBLIC_KEY and LANGFUSE_SECRET_KEY unset)", traceID, dir, wait)
		}
		time.Sleep(250 * time.Millisecond)
	}
}

func readObservations(dir, traceID string) ([]observation, error) {
	files, err := filepath.Glob(filepath.Join(dir, "langfuse-dry-run-*.jsonl"))
	if err != nil {
		return nil, err
	}
	var rows []observation
	for _, name := range files {
		f, err := os.Open(name)
		if err != nil {
			return nil, err
		}
		scanner := bufio.NewScanner(f)
		scanner.Buffer(make([]byte, 0, 1<<20), 64<<20)
		for scanner.Scan() {
			var o observation
			if json.Unmarshal(scanner.Bytes(), &o) != nil || o.TraceID != traceID || o.Type == "trace" {
				continue
			}
			rows = append(rows, o)
		}
		f.Close()
		if err := scanner.Err(); err != nil {
			return nil, fmt.Errorf("reading %s: %w", name, err)
		}
	}
	return rows, nil
}

func printTable(w io.Writer, rows []observation) {
	sort.SliceStable(rows, func(i, j int) bool { return rows[i].Type > rows[j].Type })
	tw := tabwriter.NewWriter(w, 2, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "OBSERVATION\tTYPE\tMODEL\tTOKENS (input/cache read+write/output)\tCOST USD\tMASKED FIELDS")
	var totalCost float64
	for _, o := range rows {
		tokens := "-"
		if len(o.Usage) > 0 {
			in := o.Usage["input"]
			cache := o.Usage["input_cache_read"] + o.Usage["input_cached_tokens"] + o.Usage["input_cache_creation"]
			out := o.Usage["output"] + o.Usage["output_reasoning_tokens"]
			tokens = fmt.Sprintf("%d/%d/%d", in, cache, out)
		}
		cost := "-"
		if c, ok := o.Cost["total"]; ok {
			cost = fmt.Sprintf("%.6f", c)
			totalCost += c
		}
		model := o.Model
		if model == "" {
			model = "-"
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", o.Name, o.Type, model, tokens, cost, maskedFields(o.Attributes))
	}
	tw.Flush()
	fmt.Fprintf(w, "\ntotal cost: %.6f USD; user %q, session %q on every observation\n",
		totalCost, firstUser(rows), firstSession(rows))
}

// maskedFields lists the attributes whose sent value contains a masking
// token, such as [REDACTED:EMAIL].
func maskedFields(attrs map[string]any) string {
	var keys []string
	for k, v := range attrs {
		s, ok := v.(string)
		if ok && strings.Contains(s, "[REDACTED") {
			keys = append(keys, k)
		}
	}
	if len(keys) == 0 {
		return "-"
	}
	sort.Strings(keys)
	return strings.Join(keys, ",")
}

func firstUser(rows []observation) string {
	for _, o := range rows {
		if o.UserID != "" {
			return o.UserID
		}
	}
	return ""
}

func firstSession(rows []observation) string {
	for _, o := range rows {
		if o.SessionID != "" {
			return o.SessionID
		}
	}
	return ""
}
