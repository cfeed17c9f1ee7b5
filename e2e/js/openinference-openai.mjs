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

import { supportConversation } from './lib/openai-conversation.mjs';
import { runScript, startTelemetry } from './lib/telemetry.mjs';

const email = process.env.E2E_PII_EMAIL || 'jane.doe@example.com';
const userId = process.env.E2E_USER_ID || 'user-e2e-1';
const sessionId = process.env.E2E_SESSION_ID || 'session-e2e-1';

const { tracer, finish } = startTelemetry('openinference-openai-e2e');

// The package is loaded as an ES module, so the require hook cannot patch it.
const instrumentation = new OpenAIInstrumentation();
instrumentation.manuallyInstrument(OpenAI);

async function main() {
  let ctx = setSession(context.active(), { sessionId });
  ctx = setUser(ctx, { userId });
  ctx = setTags(ctx, ['e2e', 'openinference']);

  await context.with(ctx, () =>
    tracer.startActiveSpan('support-turn', async (root) => {
      try {
        await supportConversation(OpenAI, email);
      } finally {
        root.end();
      }
    }),
  );
}

await runScript(main, finish);
