// Package langfusetest provides an in-process stand-in for the Langfuse
// public API, for tests and local smoke runs.
//
// The server accepts OTLP/HTTP traces at /api/public/otel/v1/traces and batch
// events at /api/public/ingestion. It checks every request the way Langfuse
// does (Basic auth, content type, the x-langfuse-ingestion-version header, span
// ids, the ingestion event schema from Langfuse's published OpenAPI file) and
// stores what it accepted so that tests can read it back. Fault controls
// make it respond with chosen statuses, with per-event errors inside a 207, or
// close its listener and reopen it on the same port.
//
// Requests that fail validation get the status Langfuse would
// send and are also recorded as problems. A server built with New fails its
// test at cleanup when any problem was recorded, unless the test opted out
// with AllowProblems.
package langfusetest
