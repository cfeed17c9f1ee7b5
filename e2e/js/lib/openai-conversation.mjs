// The support conversation that the OpenAI-client scripts run against the
// fake OpenAI-compatible server of the Go test (E2E_OPENAI_BASE_URL): a chat
// completion that returns a tool call, a second chat completion with the tool
// result, and an embedding. Every prompt contains the given e-mail address.
//
// Each script instruments the OpenAI class its own way before calling
// supportConversation, which creates the client from that class.

import { requireEnv } from './telemetry.mjs';

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

export async function supportConversation(OpenAI, email) {
  const client = new OpenAI({
    baseURL: requireEnv('E2E_OPENAI_BASE_URL'),
    apiKey: 'sk-e2e-not-a-real-key',
    maxRetries: 0,
  });
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
