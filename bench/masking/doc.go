// Package masking compares the cost of PII masking in four pipelines on one
// load: OTLP protobuf requests of 100 spans, each with a 2 KB prompt
// attribute holding four e-mail addresses and some digits.
//
//   - passthrough: unmarshal the request and hand it to a nop consumer;
//   - redaction: the contrib redaction processor with one e-mail regex in
//     blocked_values;
//   - transform: the contrib transform processor with replace_all_patterns
//     on span attributes;
//   - genai: this repository's genai processor with every built-in detector
//     on and the sampling and pricing stages off.
//
// BenchmarkMasking and BenchmarkMaskingRatios decode each request with the
// protobuf unmarshaler alone. BenchmarkReceiverPipelines and
// BenchmarkReceiverPipelinesRatios put the core OTLP receiver (OTLP/HTTP on
// 127.0.0.1) in front of each pipeline and post the request from two
// client goroutines, with the body uncompressed and gzip compressed.
//
// Run: go test -p 1 -count 3 -run '^$' -bench . -benchtime 3s ./bench/masking/
package masking
