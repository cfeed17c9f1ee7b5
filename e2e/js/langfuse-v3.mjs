// Langfuse JS SDK v3 (langfuse@3.39.2) client for the langfuse receiver
// tests. It sends a trace through the batch ingestion API, fetches a prompt
// through the receiver's passthrough, and prints one JSON line with what it
// sent, so that the Go test can compare each field with what the receiver
// built.
//
// Environment (set by the Go test):
//   E2E_LANGFUSE_BASEURL     base URL of the langfuse receiver
//   E2E_LANGFUSE_PUBLIC_KEY  public key configured in the receiver
//   E2E_LANGFUSE_SECRET_KEY  secret key configured in the receiver
//   E2E_PROMPT_NAME          prompt to fetch through the passthrough (optional)
//   E2E_RETRY_COUNT          resends of a failed batch (optional, default 0)
//   E2E_RETRY_DELAY_MS       wait before each resend in ms (optional, default 100)
//
// The script exits 1 when the SDK reports an error, which includes a 207
// response with any per-event error.

import { Langfuse } from 'langfuse';

import { requireEnv } from './lib/telemetry.mjs';

const langfuse = new Langfuse({
  baseUrl: requireEnv('E2E_LANGFUSE_BASEURL'),
  publicKey: requireEnv('E2E_LANGFUSE_PUBLIC_KEY'),
  secretKey: requireEnv('E2E_LANGFUSE_SECRET_KEY'),
  environment: 'staging',
  release: 'v1.4.2',
  flushAt: 100,
  flushInterval: 0,
  fetchRetryCount: Number(process.env.E2E_RETRY_COUNT ?? 0),
  fetchRetryDelay: Number(process.env.E2E_RETRY_DELAY_MS ?? 100),
});

const failures = [];
langfuse.on('error', (err) => failures.push(String(err && err.message ? err.message : err)));
langfuse.on('warning', (err) => failures.push(String(err && err.message ? err.message : err)));

const suffix = Date.now().toString(36);
const sent = { trace: {}, observations: [], scores: [], prompt: null };

async function main() {
  const traceFields = {
    id: `v3-trace-${suffix}`,
    name: 'travel-advice',
    userId: 'user-4821',
    sessionId: 'sess-91f',
    tags: ['beta', 'eu'],
    metadata: { tenant: 'acme' },
    version: '2024-11-01',
    input: { question: 'What should I wear in Lisbon tonight?' },
  };
  const trace = langfuse.trace(traceFields);
  Object.assign(sent.trace, traceFields, { release: 'v1.4.2', environment: 'staging' });

  const spanFields = { id: `v3-span-${suffix}`, name: 'retrieve-context', input: { query: 'Lisbon weather' } };
  const span = trace.span(spanFields);
  const childFields = { id: `v3-child-${suffix}`, name: 'flaky-call', level: 'ERROR', statusMessage: 'upstream 503' };
  span.span(childFields).end();
  span.end({ output: { docs: 2 } });
  sent.observations.push({ ...spanFields, type: 'span', output: { docs: 2 } });
  sent.observations.push({ ...childFields, type: 'span', parentObservationId: spanFields.id });

  const generationFields = {
    id: `v3-gen-${suffix}`,
    name: 'chat-completion',
    model: 'gpt-4o-mini',
    modelParameters: { temperature: 0.3, max_tokens: 256 },
    input: [
      { role: 'system', content: 'You are a concise travel assistant.' },
      { role: 'user', content: 'What should I wear in Lisbon tonight?' },
    ],
  };
  const generation = trace.generation(generationFields);
  generation.update({ completionStartTime: new Date() });
  const generationEnd = {
    output: { role: 'assistant', content: 'It is 21°C and sunny in Lisbon. A light jacket is enough.' },
    usageDetails: { input: 131, output: 22, total: 153, cache_read_input_tokens: 64 },
    costDetails: { input: 0.0000197, output: 0.0000132, total: 0.0000329 },
  };
  generation.end(generationEnd);
  sent.observations.push({ ...generationFields, ...generationEnd, type: 'generation' });

  const legacyFields = {
    id: `v3-legacy-${suffix}`,
    name: 'legacy-usage',
    model: 'claude-3-5-haiku-20241022',
    usage: { input: 25, output: 9, total: 34, unit: 'TOKENS' },
    input: 'poem please',
    output: 'Roses are red, tokens are cheap.',
  };
  trace.generation(legacyFields).end();
  sent.observations.push({ ...legacyFields, type: 'generation', usageDetails: { input: 25, output: 9, total: 34 } });

  const eventFields = { id: `v3-event-${suffix}`, name: 'guardrail-passed', level: 'DEFAULT', metadata: { policy: 'pii' } };
  trace.event(eventFields);
  sent.observations.push({ ...eventFields, type: 'event' });

  const scoreFields = { id: `v3-score-${suffix}`, name: 'user-feedback', value: 1, comment: 'helpful' };
  trace.score(scoreFields);
  sent.scores.push({ ...scoreFields, traceId: traceFields.id });

  trace.update({ output: { answer: 'A light jacket is enough.' } });
  sent.trace.output = { answer: 'A light jacket is enough.' };

  await langfuse.flushAsync();

  const promptName = process.env.E2E_PROMPT_NAME;
  if (promptName) {
    const prompt = await langfuse.getPrompt(promptName, undefined, { maxRetries: 0, cacheTtlSeconds: 0 });
    sent.prompt = { name: prompt.name, version: prompt.version, text: prompt.prompt };
  }
}

try {
  await main();
  await langfuse.shutdownAsync();
} catch (err) {
  failures.push(err && err.stack ? err.stack : String(err));
}
process.stdout.write(`${JSON.stringify(sent)}\n`);
if (failures.length > 0) {
  console.error(`langfuse v3 SDK reported errors: ${failures.join('; ')}`);
  process.exitCode = 1;
}
