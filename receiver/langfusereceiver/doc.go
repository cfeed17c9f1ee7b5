// Package langfusereceiver implements a collector receiver that serves the
// Langfuse public API to Langfuse SDKs. Batch ingestion events become spans
// in the Langfuse attribute convention, OTLP sent to Langfuse's OTLP path
// passes through as spans, and scores become log records.
package langfusereceiver
