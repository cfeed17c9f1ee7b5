// Vercel AI SDK 7 client with the @ai-sdk/otel integration, which emits
// OpenTelemetry GenAI semantic-convention spans (scope gen_ai) instead of the
// ai.* spans of ai@6. ai@7 is installed under the alias ai-v7 next to ai@6.
// It declares node >= 22 but runs on node 20 for these calls.
//
// Calls, each a separate trace, against the SDK's mock models:
//   1. generateText with a weather tool: invoke_agent, two steps, two chat
//      spans and an execute_tool span. Only the root span gets user.id and
//      session.id (through enrichSpan), so the collector has to copy them.
//   2. embed: an outer and an inner embeddings span.
// Every prompt contains the e-mail address in E2E_PII_EMAIL.

import { OpenTelemetry } from '@ai-sdk/otel';
import { embed, generateText, registerTelemetry, stepCountIs, tool } from 'ai-v7';
import { MockEmbeddingModelV4, MockLanguageModelV4 } from 'ai-v7/test';
import { z } from 'zod';

import { runScript, startTelemetry } from './lib/telemetry.mjs';

const email = process.env.E2E_PII_EMAIL || 'jane.doe@example.com';
const userId = process.env.E2E_USER_ID || 'user-e2e-1';
const sessionId = process.env.E2E_SESSION_ID || 'session-e2e-1';

const usage = (input, cacheRead, output) => ({
  inputTokens: { total: input, noCache: input - cacheRead, cacheRead, cacheWrite: 0 },
  outputTokens: { total: output, text: output, reasoning: 0 },
});

const finishReason = (unified) => ({ unified, raw: unified });

const chatModel = new MockLanguageModelV4({
  provider: 'openai.chat',
  modelId: 'gpt-4o-mini',
  doGenerate: [
    {
      content: [
        {
          type: 'tool-call',
          toolCallId: 'call_weather_v7',
          toolName: 'weather',
          input: JSON.stringify({ city: 'Lisbon' }),
        },
      ],
      finishReason: finishReason('tool-calls'),
      usage: usage(120, 100, 18),
      response: { id: 'resp-v7-1', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date() },
      warnings: [],
    },
    {
      content: [{ type: 'text', text: `It is 21 degrees in Lisbon. A copy went to ${email}.` }],
      finishReason: finishReason('stop'),
      usage: usage(160, 100, 25),
      response: { id: 'resp-v7-2', modelId: 'gpt-4o-mini-2024-07-18', timestamp: new Date() },
      warnings: [],
    },
  ],
});

const embeddingModel = new MockEmbeddingModelV4({
  provider: 'openai.embedding',
  modelId: 'text-embedding-3-small',
  doEmbed: { embeddings: [[0.12, -0.5, 0.33]], usage: { tokens: 9 }, warnings: [] },
});

const weather = tool({
  description: 'Current weather for a city',
  inputSchema: z.object({ city: z.string() }),
  execute: async ({ city }) => ({ city, temperatureCelsius: 21 }),
});

const { finish } = startTelemetry('vercel-ai-v7-e2e');

registerTelemetry(
  new OpenTelemetry({
    enrichSpan: ({ spanType }) =>
      spanType === 'operation' ? { 'user.id': userId, 'session.id': sessionId } : undefined,
  }),
);

async function main() {
  const generated = await generateText({
    model: chatModel,
    tools: { weather },
    stopWhen: stepCountIs(2),
    prompt: `What is the weather in Lisbon? Mail the answer to ${email}.`,
    telemetry: { functionId: 'weather-agent-v7' },
  });
  if (generated.steps.length !== 2) {
    throw new Error(`generateText ran ${generated.steps.length} steps, expected 2 (tool call, then answer)`);
  }

  const embedded = await embed({
    model: embeddingModel,
    value: `Customer ${email} asked about Lisbon.`,
    telemetry: { functionId: 'customer-embedding-v7' },
  });
  if (embedded.embedding.length !== 3) {
    throw new Error(`embed returned ${embedded.embedding.length} dimensions, expected 3`);
  }
}

await runScript(main, finish);
