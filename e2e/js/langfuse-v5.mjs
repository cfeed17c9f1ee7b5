// Langfuse JS SDK v5 (@langfuse/tracing and @langfuse/otel 5.11.1) client for
// the langfuse receiver tests. The SDK exports OTLP to the receiver's
// /api/public/otel/v1/traces. The script prints one JSON line with every span
// it ended, its times and its attributes, so that the Go test can compare
// them with what the receiver passed on. The trace metadata and one
// generation's input hold an e-mail address and a card number, which the
// genai processor must mask. One generation has usage of a priced model and
// no cost, another a cost that the application computed.
//
// Environment (set by the Go test):
//   E2E_LANGFUSE_BASEURL     base URL of the langfuse receiver
//   E2E_LANGFUSE_PUBLIC_KEY  public key configured in the receiver
//   E2E_LANGFUSE_SECRET_KEY  secret key configured in the receiver

import { LangfuseSpanProcessor } from '@langfuse/otel';
import { propagateAttributes, startObservation } from '@langfuse/tracing';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';

import { requireEnv } from './lib/telemetry.mjs';

// RecordingProcessor keeps each ended span with the attributes it was
// exported with. It runs after the Langfuse processor.
class RecordingProcessor {
  constructor() {
    this.spans = [];
  }

  onStart() {}

  onEnd(span) {
    const parent = span.parentSpanContext ? span.parentSpanContext.spanId : span.parentSpanId;
    this.spans.push({
      traceId: span.spanContext().traceId,
      spanId: span.spanContext().spanId,
      parentSpanId: parent || '',
      name: span.name,
      startTimeUnixNano: hrTimeToNanos(span.startTime),
      endTimeUnixNano: hrTimeToNanos(span.endTime),
      attributes: { ...span.attributes },
    });
  }

  forceFlush() {
    return Promise.resolve();
  }

  shutdown() {
    return Promise.resolve();
  }
}

// hrTimeToNanos turns an OpenTelemetry [seconds, nanoseconds] time into a
// decimal string of nanoseconds since the epoch, exact beyond 2^53.
function hrTimeToNanos([seconds, nanos]) {
  return (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();
}

// Personal data that the genai processor must mask before anything reaches
// Langfuse. The card number passes the Luhn check.
const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';

const recorder = new RecordingProcessor();
const provider = new NodeTracerProvider({
  spanProcessors: [
    new LangfuseSpanProcessor({
      baseUrl: requireEnv('E2E_LANGFUSE_BASEURL'),
      publicKey: requireEnv('E2E_LANGFUSE_PUBLIC_KEY'),
      secretKey: requireEnv('E2E_LANGFUSE_SECRET_KEY'),
      environment: 'staging',
      release: 'v1.4.2',
      exportMode: 'immediate',
    }),
    recorder,
  ],
});
provider.register();

function main() {
  propagateAttributes(
    {
      userId: 'user-4821',
      sessionId: 'sess-91f',
      tags: ['beta', 'eu'],
      metadata: { tenant: 'acme', contact: EMAIL, card: CARD },
      version: '2024-11-01',
      traceName: 'travel-advice',
    },
    () => {
      const root = startObservation('travel-advice', {
        input: { question: 'What should I wear in Lisbon tonight?' },
      });
      root.setTraceIO({ input: { question: 'What should I wear in Lisbon tonight?' } });

      // A model the price table lists, with usage and no cost: the genai
      // processor prices it.
      const generation = root.startObservation(
        'chat-completion',
        {
          model: 'gpt-4o-mini',
          modelParameters: { temperature: 0.3, max_tokens: 256 },
          prompt: { name: 'travel-system', version: 3, isFallback: false },
          metadata: { attempt: '1' },
          input: [
            { role: 'system', content: 'You are a concise travel assistant.' },
            {
              role: 'user',
              content: `I am ${EMAIL} and pay with ${CARD}. What should I wear in Lisbon tonight?`,
            },
          ],
        },
        { asType: 'generation' },
      );
      generation.update({
        completionStartTime: new Date(),
        output: { role: 'assistant', content: 'A light jacket is enough.' },
        usageDetails: { input: 131, output: 22, input_cache_read: 64, total: 217 },
      });
      generation.end();

      // A model the price table lists, with a cost the application computed:
      // the cost stays as sent.
      root
        .startObservation(
          'summarize',
          {
            model: 'gpt-4o',
            input: 'Summarize the forecast for Lisbon.',
            output: 'Sunny, 21°C.',
            usageDetails: { input: 1000, output: 200, total: 1200 },
            costDetails: { input: 0.004, output: 0.003, total: 0.007 },
          },
          { asType: 'generation' },
        )
        .end();

      root
        .startObservation('getWeather', { input: { city: 'Lisbon' } }, { asType: 'tool' })
        .update({ output: { tempC: 21 } })
        .end();
      root
        .startObservation('embed-query', { input: 'sunny weather', model: 'text-embedding-3-small' }, { asType: 'embedding' })
        .end();
      root.startObservation('flaky-call', { level: 'ERROR', statusMessage: 'upstream 503' }).end();
      root.startObservation('guardrail-passed', { level: 'DEFAULT', metadata: { policy: 'pii' } }, { asType: 'event' });

      root.update({ output: { answer: 'A light jacket is enough.' } });
      root.setTraceIO({ output: { answer: 'A light jacket is enough.' } });
      root.end();
    },
  );
}

let failed = false;
try {
  main();
  await provider.forceFlush();
  await provider.shutdown();
} catch (err) {
  console.error(err && err.stack ? err.stack : err);
  failed = true;
}
process.stdout.write(`${JSON.stringify({ spans: recorder.spans })}\n`);
if (failed) {
  process.exitCode = 1;
}
