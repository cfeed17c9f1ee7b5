// Command demo sends a short support conversation to a running otelcol-genai
// collector over OTLP/HTTP and prints, as a table, the observations the
// langfuse exporter produced for it.
//
// The table is read from the exporter's dry-run files, so it shows what would
// reach Langfuse. With Langfuse configured, the exporter sends instead of
// writing, and the demo only reports that the collector accepted the trace.
package main

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

func main() {
	endpoint := flag.String("endpoint", "http://127.0.0.1:4318", "OTLP/HTTP endpoint of the collector")
	dataDir := flag.String("data", "./data", "directory of the langfuse exporter's dry-run files")
	wait := flag.Duration("wait", 10*time.Second, "how long to wait for the exporter's output")
	flag.Parse()

	if err := run(*endpoint, *dataDir, *wait); err != nil {
		fmt.Fprintln(os.Stderr, "demo:", err)
		os.Exit(1)
	}
}

func run(endpoint, dataDir string, wait time.Duration) error {
	td, traceID := buildConversation(time.Now())
	body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	if err != nil {
		return fmt.Errorf("encoding the conversation: %w", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, endpoint+"/v1/traces", bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return fmt.Errorf("sending to %s failed: %w (is the collector running? start it with `make run`)", endpoint, err)
	}
	respBody, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("collector rejected the trace with %s: %s", resp.Status, respBody)
	}
	fmt.Printf("sent trace %s (%d spans) to %s\n\n", traceID, td.SpanCount(), endpoint)

	rows, err := waitForObservations(dataDir, traceID.String(), td.SpanCount(), wait)
	if err != nil {
		return err
	}
	printTable(os.Stdout, rows)
	return nil
}
