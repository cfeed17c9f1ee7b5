// OpenAI client instrumented by Traceloop OpenLLMetry
// (@traceloop/node-server-sdk), for the end-to-end tests. Traceloop builds its
// own tracer provider, so the script hands it the checked exporter from
// lib/telemetry.mjs instead of registering one. It talks to the fake
// OpenAI-compatible server of the Go test (E2E_OPENAI_BASE_URL).
//
// One trace: a "support" workflow span, under it a chat completion that
// returns a tool call, a second chat completion with the tool result, and an
// embedding. User and session are Traceloop association properties, which
// Traceloop copies onto every span of the workflow. Every prompt contains the
// e-mail address in E2E_PII_EMAIL.

import * as traceloop from '@traceloop/node-server-sdk';
import OpenAI from 'openai';

import { supportConversation } from './lib/openai-conversation.mjs';
import { createExporter, requireEnv, runScript } from './lib/telemetry.mjs';

const email = process.env.E2E_PII_EMAIL || 'jane.doe@example.com';
const userId = process.env.E2E_USER_ID || 'user-e2e-1';
const sessionId = process.env.E2E_SESSION_ID || 'session-e2e-1';

const { exporter, finish } = createExporter();

// baseUrl points at the collector as well, so that nothing Traceloop sends
// on its own leaves the loopback interface. Prompt registry sync is off.
traceloop.initialize({
  appName: 'traceloop-openai-e2e',
  apiKey: 'tl-e2e-not-a-real-key',
  baseUrl: requireEnv('E2E_OTLP_ENDPOINT'),
  exporter,
  disableBatch: true,
  traceloopSyncEnabled: false,
  silenceInitializationMessage: true,
  instrumentModules: { openAI: OpenAI },
});

async function main() {
  await traceloop.withAssociationProperties({ user_id: userId, session_id: sessionId }, () =>
    traceloop.withWorkflow({ name: 'support' }, () => supportConversation(OpenAI, email)),
  );
}

await runScript(main, () => finish(() => traceloop.forceFlush()));
