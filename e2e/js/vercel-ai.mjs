// Vercel AI SDK (ai@6) client for the end-to-end tests. It runs against the
// SDK's mock models, so no provider is called, and exports its telemetry to
// the collector (see lib/telemetry.mjs for the environment it reads).
//
// Calls, each a separate trace:
//   1. generateText with a weather tool: step 1 returns a tool call, step 2
//      the final text. User id, session id and tags come from telemetry metadata.
//   2. streamText inside an application root span that alone carries user.id
//      and session.id, so the collector has to copy them onto the SDK spans.
//   3. embed.
// Every prompt contains the e-mail address in E2E_PII_EMAIL.

import { embed, generateText, simulateReadableStream, stepCountIs, streamText, tool } from 'ai';
import { MockEmbeddingModelV3, MockLanguageModelV3 } from 'ai/test';
import { z } from 'zod';

import { runScript, startTelemetry } from './lib/telemetry.mjs';

const email = process.env.E2E_PII_EMAIL || 'jane.doe@example.com';
const userId = process.env.E2E_USER_ID || 'user-e2e-1';
const sessionId = process.env.E2E_SESSION_ID || 'session-e2e-1';

// Token counts of each mock call. inputTokens.total includes the cached
// tokens, as the AI SDK reports them.
const usage = (input, cacheRead, output) => ({
  inputTokens: { total: input, noCache: input - cacheRead, cacheRead, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

const finishReason = (unified) => ({ unified, raw: unified });

const chatModel = new MockLanguageModelV3({
  provider: 'openai.chat',
  modelId: 'gpt-4o-mini',
  doGenerate: [
    {
      content: [
        {
          type: 'tool-call',
          toolCallId: 'call_weather_1',
          toolName: 'weather',
          input: JSON.stringify({ city: 'Berlin' }),
        },
      ],
      finishReason: finishReason('tool-calls'),
      usage: usage(120, 100, 18),
      response: { id: 'resp-step-1', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date() },
      warnings: [],
    },
    {
      content: [{ type: 'text', text: `It is 21 degrees in Berlin. I sent the details to ${email}.` }],
      finishReason: finishReason('stop'),
      usage: usage(160, 100, 25),
      response: { id: 'resp-step-2', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date() },
      warnings: [],
    },
  ],
});

const streamModel = new MockLanguageModelV3({
  provider: 'openai.chat',
  modelId: 'gpt-4o-mini',
  doStream: {
    stream: simulateReadableStream({
      chunks: [
        { type: 'stream-start', warnings: [] },
        { type: 'response-metadata', id: 'resp-stream-1', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date() },
        { type: 'text-start', id: 'text-1' },
        { type: 'text-delta', id: 'text-1', delta: 'Your booking is ' },
        { type: 'text-delta', id: 'text-1', delta: 'confirmed.' },
        { type: 'text-end', id: 'text-1' },
        { type: 'finish', finishReason: finishReason('stop'), usage: usage(80, 0, 6) },
      ],
    }),
  },
});

const embeddingModel = new MockEmbeddingModelV3({
  provider: 'openai.embedding',
  modelId: 'text-embedding-3-small',
  doEmbed: { embeddings: [[0.12, -0.5, 0.33]], usage: { tokens: 9 }, warnings: [] },
});

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, temperatureCelsius: 21 }),
});

const { tracer, finish } = startTelemetry('vercel-ai-e2e');

async function main() {
  const generated = await generateText({
    model: chatModel,
    tools: { weather },
    stopWhen: stepCountIs(2),
    temperature: 0.2,
    prompt: `What is the weather in Berlin? Mail the answer to ${email}.`,
    experimental_telemetry: {
      isEnabled: true,
      functionId: 'weather-agent',
      metadata: { userId, sessionId, tags: ['e2e', 'vercel'] },
    },
  });
  if (generated.steps.length !== 2) {
    throw new Error(`generateText ran ${generated.steps.length} steps, expected 2 (tool call, then answer)`);
  }

  await tracer.startActiveSpan('booking-turn', async (root) => {
    root.setAttribute('user.id', userId);
    root.setAttribute('session.id', sessionId);
    try {
      const streamed = streamText({
        model: streamModel,
        prompt: `Confirm the booking for ${email}.`,
        experimental_telemetry: { isEnabled: true, functionId: 'booking-confirmation' },
      });
      const text = await streamed.text;
      if (text !== 'Your booking is confirmed.') {
        throw new Error(`streamText returned ${JSON.stringify(text)}, expected the mock's text`);
      }
    } finally {
      root.end();
    }
  });

  const embedded = await embed({
    model: embeddingModel,
    value: `Customer ${email} asked about Berlin.`,
    experimental_telemetry: {
      isEnabled: true,
      functionId: 'customer-embedding',
      metadata: { userId, sessionId },
    },
  });
  if (embedded.embedding.length !== 3) {
    throw new Error(`embed returned ${embedded.embedding.length} dimensions, expected 3`);
  }
}

await runScript(main, finish);
