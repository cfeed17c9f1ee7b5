// Package e2e holds end-to-end tests that run the built otelcol-genai binary
// between real npm SDK clients and the Langfuse test server
// (internal/langfusetest), everything on 127.0.0.1.
//
// The tests need three things. Without them they skip, or fail when
// OTELCOL_GENAI_E2E=required:
//
//   - OTELCOL_GENAI_BINARY: absolute path to a binary built with the langfuse
//     exporter (`make build` writes _build/otelcol-genai);
//   - node on PATH (version 20 or later);
//   - e2e/node_modules installed from e2e/package-lock.json (`make e2e-deps`).
//
// `make test` sets both variables. To run only these tests:
//
//	make build e2e-deps
//	OTELCOL_GENAI_BINARY=$PWD/_build/otelcol-genai OTELCOL_GENAI_E2E=required \
//	  go test -count=1 ./e2e/
//
// A test built on the harness in harness_test.go reads like this:
//
//	srv := langfusetest.New(t)                                   // Langfuse stand-in
//	c := StartCollector(t, CollectorOptions{Langfuse: srv})      // stopped at cleanup
//	manifest := RunNode(t, "vercel-ai.mjs", NodeEnv(c, "http/protobuf", nil))
//	spans := WaitForSpans(t, srv, manifest.SpanIDs(), deliveryTimeout)
//
// CollectorOptions.Configure edits the generated configuration, for example
// to add a receiver to the traces pipeline. Scripts under js/ that use
// js/lib/telemetry.mjs print the ids of the spans they exported, which
// RunNode returns. Other scripts can be run with RunNodeOutput.
package e2e
