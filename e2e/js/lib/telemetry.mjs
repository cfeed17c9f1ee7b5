// Tracing set-up shared by the end-to-end client scripts.
//
// The Go tests start each script with these environment variables:
//
//   E2E_OTLP_ENDPOINT  base URL of the collector's OTLP/HTTP receiver,
//                      such as http://127.0.0.1:4318 (required)
//   E2E_OTLP_PROTOCOL  http/protobuf (default) or http/json
//   E2E_SERVICE_NAME   service.name resource attribute (optional)
//
// startTelemetry registers a global tracer provider, so instrumentations that
// use the global API (the Vercel AI SDK, OpenInference, Langfuse v5) export
// through it. finish() flushes every span, prints one manifest line to stdout
// and sets the exit code: 0 when every export succeeded, 1 otherwise.
//
// The manifest is the last stdout line, a JSON object:
//   {"protocol": "...", "spans": [{"traceId", "spanId", "parentSpanId", "name"}]}
// The tests use it to know which span ids must reach the Langfuse test server.

import { trace } from '@opentelemetry/api';
import { OTLPTraceExporter as ProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { OTLPTraceExporter as JSONExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { BatchSpanProcessor, NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

const PROTOCOLS = ['http/protobuf', 'http/json'];

// CheckedExporter forwards to an OTLP exporter, records the ids of the spans
// it is given and counts failed exports, so that a script can exit non-zero
// when the collector rejected its spans.
class CheckedExporter {
  constructor(inner) {
    this.inner = inner;
    this.failures = [];
    this.spans = [];
  }

  export(spans, resultCallback) {
    for (const span of spans) {
      const context = span.spanContext();
      const parent = span.parentSpanContext || undefined;
      this.spans.push({
        traceId: context.traceId,
        spanId: context.spanId,
        parentSpanId: parent ? parent.spanId : span.parentSpanId || '',
        name: span.name,
      });
    }
    this.inner.export(spans, (result) => {
      if (result.code !== 0) {
        const message = result.error ? String(result.error.message || result.error) : 'unknown error';
        this.failures.push(message);
      }
      resultCallback(result);
    });
  }

  shutdown() {
    return this.inner.shutdown();
  }

  forceFlush() {
    return this.inner.forceFlush ? this.inner.forceFlush() : Promise.resolve();
  }
}

// requireEnv returns the value of an environment variable or exits with a
// message naming it.
export function requireEnv(name) {
  const value = process.env[name];
  if (!value) {
    console.error(`missing environment variable ${name}: the e2e test harness sets it`);
    process.exit(2);
  }
  return value;
}

// createExporter returns { exporter, finish } for an SDK that builds its own
// tracer provider (such as Traceloop): exporter sends to the collector and
// records the id of every span it was given, and finish() flushes it, prints
// the manifest and sets the exit code.
export function createExporter() {
  const endpoint = requireEnv('E2E_OTLP_ENDPOINT').replace(/\/+$/, '');
  const protocol = process.env.E2E_OTLP_PROTOCOL || 'http/protobuf';
  if (!PROTOCOLS.includes(protocol)) {
    console.error(`invalid E2E_OTLP_PROTOCOL ${JSON.stringify(protocol)}: expected one of ${PROTOCOLS.join(', ')}`);
    process.exit(2);
  }

  const url = `${endpoint}/v1/traces`;
  const inner = protocol === 'http/json' ? new JSONExporter({ url }) : new ProtoExporter({ url });
  const exporter = new CheckedExporter(inner);

  async function finish(flush) {
    if (flush) {
      await flush();
    }
    await exporter.forceFlush();

    const manifest = { protocol, spans: exporter.spans };
    process.stdout.write(`${JSON.stringify(manifest)}\n`);

    if (exporter.failures.length > 0) {
      console.error(`OTLP export to ${url} failed: ${exporter.failures.join('; ')}`);
      process.exitCode = 1;
    }
  }

  return { exporter, finish };
}

// startTelemetry registers a tracer provider that exports through
// createExporter and returns { tracer, finish }.
export function startTelemetry(defaultServiceName) {
  const { exporter, finish: finishExport } = createExporter();
  const provider = new NodeTracerProvider({
    resource: resourceFromAttributes({
      'service.name': process.env.E2E_SERVICE_NAME || defaultServiceName,
      'deployment.environment.name': 'e2e',
    }),
    spanProcessors: [new BatchSpanProcessor(exporter, { scheduledDelayMillis: 200 })],
  });
  provider.register();

  const finish = () =>
    finishExport(async () => {
      await provider.forceFlush();
      await provider.shutdown();
    });
  return { tracer: trace.getTracer('otelcol-genai-e2e'), finish };
}

// runScript runs main, then finish, and exits non-zero on any error.
export async function runScript(main, finish) {
  try {
    await main();
  } catch (err) {
    console.error(err && err.stack ? err.stack : err);
    process.exitCode = 1;
  } finally {
    await finish();
  }
}
