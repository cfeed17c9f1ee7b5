// Langfuse JS SDK v3 (langfuse@3.39.2) client for the langfuse receiver
// tests. It sends a trace through the batch ingestion API, fetches a prompt
// through the receiver's passthrough, and prints one JSON line with what it
// sent, so that the Go test can compare each field with what the receiver
// built. The trace metadata, one generation's input and one score comment
// hold an e-mail address and a card number, which the genai processor must
// mask. One generation has usage of a priced model and no cost, another a
// cost that the application computed.
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

// Personal data that the genai processor must mask before anything reaches
// Langfuse. The card number passes the Luhn check.
const EMAIL = 'jane.doe@example.com';
const CARD = '4111 1111 1111 1111';

// Explicit times, in whole milliseconds, so that the test can compare every
// start and end time with what reached Langfuse.
const base = Date.now() - 10_000;
const at = (offsetMs) => new Date(base + offsetMs);
const iso = (date) => date.toISOString();

async function main() {
  const traceFields = {
    id: `v3-trace-${suffix}`,
    name: 'travel-advice',
    userId: 'user-4821',
    sessionId: 'sess-91f',
    tags: ['beta', 'eu'],
    metadata: { tenant: 'acme', contact: EMAIL, card: CARD },
    version: '2024-11-01',
    timestamp: at(0),
    input: { question: 'What should I wear in Lisbon tonight?' },
  };
  const trace = langfuse.trace(traceFields);
  Object.assign(sent.trace, traceFields, { release: 'v1.4.2', environment: 'staging' });

  const spanFields = {
    id: `v3-span-${suffix}`,
    name: 'retrieve-context',
    startTime: at(0),
    input: { query: 'Lisbon weather' },
    metadata: { index: 'city-guides' },
  };
  const span = trace.span(spanFields);
  const childFields = {
    id: `v3-child-${suffix}`,
    name: 'flaky-call',
    startTime: at(10),
    level: 'ERROR',
    statusMessage: 'upstream 503',
  };
  span.span(childFields).update({ endTime: at(35) });
  // end() stamps the current time, so the explicit end time goes through update().
  span.update({ endTime: at(120), output: { docs: 2 } });
  sent.observations.push({ ...spanFields, type: 'span', endTime: at(120), output: { docs: 2 } });
  sent.observations.push({ ...childFields, type: 'span', endTime: at(35), parentObservationId: spanFields.id });

  // A model the price table lists, with usage and no cost: the genai
  // processor prices it.
  const generationFields = {
    id: `v3-gen-${suffix}`,
    name: 'chat-completion',
    startTime: at(130),
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
  };
  const generation = trace.generation(generationFields);
  generation.update({ completionStartTime: at(480) });
  const generationEnd = {
    endTime: at(910),
    output: { role: 'assistant', content: 'It is 21°C and sunny in Lisbon. A light jacket is enough.' },
    usageDetails: { input: 131, output: 22, input_cache_read: 64, total: 217 },
  };
  generation.update(generationEnd);
  const { prompt: sentPrompt, ...generationSent } = generationFields;
  sent.observations.push({
    ...generationSent,
    ...generationEnd,
    type: 'generation',
    completionStartTime: at(480),
    promptName: sentPrompt.name,
    promptVersion: sentPrompt.version,
  });

  // A model the price table lists, with a cost the application computed:
  // the cost stays as sent.
  const appCostFields = {
    id: `v3-appcost-${suffix}`,
    name: 'summarize',
    startTime: at(920),
    endTime: at(1400),
    model: 'gpt-4o',
    input: 'Summarize the forecast for Lisbon.',
    output: 'Sunny, 21°C.',
    usageDetails: { input: 1000, output: 200, total: 1200 },
    costDetails: { input: 0.004, output: 0.003, total: 0.007 },
  };
  trace.generation(appCostFields);
  sent.observations.push({ ...appCostFields, type: 'generation' });

  const legacyFields = {
    id: `v3-legacy-${suffix}`,
    name: 'legacy-usage',
    startTime: at(1410),
    model: 'claude-3-5-haiku-20241022',
    usage: { input: 25, output: 9, total: 34, unit: 'TOKENS' },
    input: 'poem please',
    output: 'Roses are red, tokens are cheap.',
  };
  trace.generation(legacyFields).update({ endTime: at(1600) });
  const { usage: legacyUsage, ...legacySent } = legacyFields;
  sent.observations.push({
    ...legacySent,
    type: 'generation',
    endTime: at(1600),
    usageDetails: { input: legacyUsage.input, output: legacyUsage.output, total: legacyUsage.total },
  });

  const eventFields = {
    id: `v3-event-${suffix}`,
    name: 'guardrail-passed',
    startTime: at(1650),
    level: 'DEFAULT',
    metadata: { policy: 'pii' },
  };
  trace.event(eventFields);
  sent.observations.push({ ...eventFields, type: 'event' });

  const scores = [
    { id: `v3-score-${suffix}`, name: 'user-feedback', value: 1, comment: 'helpful' },
    {
      id: `v3-score-gen-${suffix}`,
      name: 'pii-review',
      value: 'contains-contact',
      dataType: 'CATEGORICAL',
      observationId: generationFields.id,
      comment: `The user wrote ${EMAIL} in the prompt.`,
    },
    { id: `v3-score-bool-${suffix}`, name: 'resolved', value: 1, dataType: 'BOOLEAN' },
  ];
  // trace.score() sends observationId undefined, so a score of the
  // generation must go through the generation's client.
  for (const score of scores) {
    if (score.observationId) {
      generation.score(score);
    } else {
      trace.score(score);
    }
    sent.scores.push({ ...score, traceId: traceFields.id });
  }

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
