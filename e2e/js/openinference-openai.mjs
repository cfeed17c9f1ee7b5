// OpenAI client instrumented by OpenInference, for the end-to-end tests.
// It talks to the fake OpenAI-compatible server that the Go test starts on
// loopback (E2E_OPENAI_BASE_URL, such as http://127.0.0.1:41234/v1) and
// exports its telemetry to the collector (see lib/telemetry.mjs).
//
// One trace: an application root span "support-turn", under it a chat
// completion that returns a tool call, a second chat completion with the tool
// result, and an embedding. User, session and tags are set through the
// OpenInference context, so they land on the OpenInference spans but not on
// the root span. Every prompt contains the e-mail address in E2E_PII_EMAIL.

import { context } from '@opentelemetry/api';
import { setSession, setTags, setUser } from '@arizeai/openinference-core';
import { OpenAIInstrumentation } from '@arizeai/openinference-instrumentation-openai';
import OpenAI from 'openai';

import { requireEnv, runScript, startTelemetry } from './lib/telemetry.mjs';

const email = process.env.E2E_PII_EMAIL || 'jane.doe@example.com';
const userId = process.env.E2E_USER_ID || 'user-e2e-1';
const sessionId = process.env.E2E_SESSION_ID || 'session-e2e-1';

const { tracer, finish } = startTelemetry('openinference-openai-e2e');

// The package is loaded as an ES module, so the require hook cannot patch it.
const instrumentation = new OpenAIInstrumentation();
instrumentation.manuallyInstrument(OpenAI);

const client = new OpenAI({
  baseURL: requireEnv('E2E_OPENAI_BASE_URL'),
  apiKey: 'sk-e2e-not-a-real-key',
  maxRetries: 0,
});

const tools = [
  {
    type: 'function',
    function: {
      name: 'lookup_order',
      description: 'Find an order by the customer e-mail address',
      parameters: {
        type: 'object',
        properties: { email: { type: 'string' } },
        required: ['email'],
      },
    },
  },
];

async function conversation() {
  const messages = [
    { role: 'system', content: 'You are a support agent.' },
    { role: 'user', content: `Where is my order? My e-mail is ${email}.` },
  ];

  const first = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
  const call = first.choices[0].message.tool_calls?.[0];
  if (!call) {
    throw new Error(`first chat completion returned no tool call: ${JSON.stringify(first.choices[0])}`);
  }

  messages.push(first.choices[0].message);
  messages.push({
    role: 'tool',
    tool_call_id: call.id,
    content: JSON.stringify({ order: 'A-1001', status: 'shipped' }),
  });
  const second = await client.chat.completions.create({ model: 'gpt-4o-mini', messages, tools });
  if (!second.choices[0].message.content) {
    throw new Error(`second chat completion returned no text: ${JSON.stringify(second.choices[0])}`);
  }

  const embedding = await client.embeddings.create({
    model: 'text-embedding-3-small',
    input: `Order question from ${email}`,
  });
  if (embedding.data.length !== 1) {
    throw new Error(`embedding returned ${embedding.data.length} vectors, expected 1`);
  }
}

async function main() {
  let ctx = setSession(context.active(), { sessionId });
  ctx = setUser(ctx, { userId });
  ctx = setTags(ctx, ['e2e', 'openinference']);

  await context.with(ctx, () =>
    tracer.startActiveSpan('support-turn', async (root) => {
      try {
        await conversation();
      } finally {
        root.end();
      }
    }),
  );
}

await runScript(main, finish);
