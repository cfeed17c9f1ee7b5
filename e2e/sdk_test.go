package e2e

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// Values every SDK script receives, so the checks know what to look for.
const (
	piiEmail  = "jane.doe@example.com"
	userID    = "user-e2e-1"
	sessionID = "session-e2e-1"
)

func scriptEnv() map[string]string {
	return map[string]string{
		"E2E_PII_EMAIL":  piiEmail,
		"E2E_USER_ID":    userID,
		"E2E_SESSION_ID": sessionID,
	}
}

var (
	generation       = []string{"generation"}
	embeddingOrModel = []string{"embedding", "generation"}
	toolType         = []string{"tool"}
	anyAggregate     = []string{"span", "agent", "chain"}
)

// vercelV6Wants are the observations of js/vercel-ai.mjs (ai@6). Token
// counts are the mock model's: inputTokens.total includes cacheRead.
var vercelV6Wants = map[string][]observationWant{
	"ai.generateText.doGenerate": {
		{Types: generation, Model: "gpt-4o-mini", Usage: &usageWant{Input: 20, Cached: 100, Output: 18},
			InputOutput: true, OutputContains: "weather"},
		{Types: generation, Model: "gpt-4o-mini", Usage: &usageWant{Input: 60, Cached: 100, Output: 25},
			InputOutput: true, OutputContains: "21 degrees"},
	},
	"ai.toolCall":            {{Types: toolType, InputOutput: true, OutputContains: "temperatureCelsius"}},
	"ai.generateText":        {{Types: anyAggregate}},
	"ai.streamText.doStream": {{Types: generation, Model: "gpt-4o-mini", Usage: &usageWant{Input: 80, Output: 6}, InputOutput: true}},
	"ai.streamText":          {{Types: anyAggregate}},
	"booking-turn":           {{Types: []string{"span"}}},
	"ai.embed.doEmbed":       {{Types: embeddingOrModel, Model: "text-embedding-3-small", Usage: &usageWant{Input: 9}}},
	"ai.embed":               {{Types: anyAggregate}},
}

func TestVercelAIv6(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	c := StartCollector(t, CollectorOptions{Langfuse: srv})
	pricing := stageLanded(t, "price.go")

	for _, protocol := range []string{"http/protobuf", "http/json"} {
		t.Run(strings.ReplaceAll(protocol, "/", "-"), func(t *testing.T) {
			manifest := RunNode(t, "vercel-ai.mjs", NodeEnv(c, protocol, scriptEnv()))
			received := WaitForSpans(t, srv, manifest.SpanIDs(), deliveryTimeout)

			checkObservations(t, manifest, received, vercelV6Wants, pricing)
			checkTraceIdentity(t, manifest, received, userID, sessionID, stageLanded(t, "mask.go"))
			assertEmailMaskedIfStageLanded(t, manifest, received, piiEmail)
			checkTags(t, manifest, received, "ai.generateText", []string{"e2e", "vercel"})
		})
	}
}

// vercelV7Wants are the observations of js/vercel-ai-v7.mjs (ai@7 with
// @ai-sdk/otel): the OpenTelemetry GenAI form.
var vercelV7Wants = map[string][]observationWant{
	"chat gpt-4o-mini": {
		{Types: generation, Model: "gpt-4o-mini", Usage: &usageWant{Input: 20, Cached: 100, Output: 18},
			InputOutput: true, OutputContains: "weather"},
		{Types: generation, Model: "gpt-4o-mini", Usage: &usageWant{Input: 60, Cached: 100, Output: 25},
			InputOutput: true, OutputContains: "21 degrees"},
	},
	"execute_tool weather":     {{Types: toolType, InputOutput: true, OutputContains: "temperatureCelsius"}},
	"step 1":                   {{Types: anyAggregate}},
	"step 2":                   {{Types: anyAggregate}},
	"invoke_agent gpt-4o-mini": {{Types: anyAggregate}},
}

func TestVercelAIv7(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	c := StartCollector(t, CollectorOptions{Langfuse: srv})

	manifest := RunNode(t, "vercel-ai-v7.mjs", NodeEnv(c, "http/protobuf", scriptEnv()))
	received := WaitForSpans(t, srv, manifest.SpanIDs(), deliveryTimeout)

	checkObservations(t, manifest, received, vercelV7Wants, stageLanded(t, "price.go"))
	checkEmbeddingPair(t, manifest, received, "embeddings text-embedding-3-small", 9)

	agent := manifest.ByName("invoke_agent gpt-4o-mini")
	require.Len(t, agent, 1)
	agentTrace := Manifest{}
	for _, ms := range manifest.Spans {
		if ms.TraceID == agent[0].TraceID {
			agentTrace.Spans = append(agentTrace.Spans, ms)
		}
	}
	checkTraceIdentity(t, agentTrace, received, userID, sessionID, stageLanded(t, "mask.go"))
	assertEmailMaskedIfStageLanded(t, manifest, received, piiEmail)
}

// checkEmbeddingPair checks the outer and inner embeddings spans of
// @ai-sdk/otel: both have the same name, and only the inner one, the model
// call, may carry the usage.
func checkEmbeddingPair(t *testing.T, manifest Manifest, received map[string]langfusetest.Span, name string, tokens int64) {
	t.Helper()
	pair := manifest.ByName(name)
	require.Len(t, pair, 2, "%q spans", name)

	var inner, outer ManifestSpan
	for _, ms := range pair {
		if ms.ParentSpanID == "" {
			outer = ms
		} else {
			inner = ms
		}
	}
	require.NotEmpty(t, outer.SpanID, "outer %q span", name)
	require.NotEmpty(t, inner.SpanID, "inner %q span", name)

	innerSpan := received[inner.SpanID]
	assert.Contains(t, embeddingOrModel, stringAttr(innerSpan, attrObservationType), "inner %q: observation type", name)
	assert.Contains(t, stringAttr(innerSpan, attrModelName), "text-embedding-3-small", "inner %q: model", name)
	assert.Equal(t, tokens, usageOf(t, innerSpan)["input"], "inner %q: input tokens", name)
	assert.Empty(t, usageOf(t, received[outer.SpanID]), "outer %q: the usage belongs to the inner span only", name)
}

// checkTags checks langfuse.trace.tags on every span of the trace whose root
// is rootName.
func checkTags(t *testing.T, manifest Manifest, received map[string]langfusetest.Span, rootName string, want []string) {
	t.Helper()
	roots := manifest.ByName(rootName)
	require.Len(t, roots, 1, "%q spans", rootName)
	for _, ms := range manifest.Spans {
		if ms.TraceID != roots[0].TraceID {
			continue
		}
		tags, _ := received[ms.SpanID].Attributes["langfuse.trace.tags"].([]any)
		var got []string
		for _, tag := range tags {
			got = append(got, tag.(string))
		}
		assert.ElementsMatch(t, want, got, "span %s %q: langfuse.trace.tags", ms.SpanID, ms.Name)
	}
}

func TestOpenInferenceOpenAI(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	openai := startFakeOpenAI(t)
	c := StartCollector(t, CollectorOptions{Langfuse: srv})

	env := scriptEnv()
	env["E2E_OPENAI_BASE_URL"] = openai.BaseURL()
	manifest := RunNode(t, "openinference-openai.mjs", NodeEnv(c, "http/protobuf", env))
	received := WaitForSpans(t, srv, manifest.SpanIDs(), deliveryTimeout)

	assert.Equal(t, []string{"POST /v1/chat/completions", "POST /v1/chat/completions", "POST /v1/embeddings"},
		openai.Requests(), "requests at the fake OpenAI server")

	wants := map[string][]observationWant{
		"OpenAI Chat Completions": {
			{Types: generation, Model: "gpt-4o-mini", InputOutput: true, OutputContains: "lookup_order",
				Usage: &usageWant{
					Input:  fakeToolCallPromptTokens - fakeToolCallCachedTokens,
					Cached: fakeToolCallCachedTokens,
					Output: fakeToolCallCompletionTokens,
				}},
			{Types: generation, Model: "gpt-4o-mini", InputOutput: true, OutputContains: "A-1001",
				Usage: &usageWant{
					Input:  fakeAnswerPromptTokens - fakeAnswerCachedTokens,
					Cached: fakeAnswerCachedTokens,
					Output: fakeAnswerCompletionTokens,
				}},
		},
		// @arizeai/openinference-instrumentation-openai 4.2.7 records no
		// token counts on embedding spans.
		"OpenAI Embeddings": {{Types: embeddingOrModel, Model: "text-embedding-3-small", NoUsageReported: true}},
		"support-turn":      {{Types: []string{"span", "chain", "agent"}}},
	}
	checkObservations(t, manifest, received, wants, stageLanded(t, "price.go"))
	checkTraceIdentity(t, manifest, received, userID, sessionID, stageLanded(t, "mask.go"))
	assertEmailMaskedIfStageLanded(t, manifest, received, piiEmail)
}

func TestTraceloopOpenAI(t *testing.T) {
	RequireE2E(t)
	srv := langfusetest.New(t)
	openai := startFakeOpenAI(t)
	c := StartCollector(t, CollectorOptions{Langfuse: srv})

	env := scriptEnv()
	env["E2E_OPENAI_BASE_URL"] = openai.BaseURL()
	manifest := RunNode(t, "traceloop-openai.mjs", NodeEnv(c, "http/protobuf", env))
	received := WaitForSpans(t, srv, manifest.SpanIDs(), deliveryTimeout)

	assert.Equal(t, []string{"POST /v1/chat/completions", "POST /v1/chat/completions", "POST /v1/embeddings"},
		openai.Requests(), "requests at the fake OpenAI server")

	// @traceloop/node-server-sdk 0.27.0 records no cached token count for
	// OpenAI chat completions and no span for embeddings, so the whole
	// prompt counts as uncached input and the embedding call is not traced.
	wants := map[string][]observationWant{
		"chat gpt-4o-mini": {
			{Types: generation, Model: "gpt-4o-mini", InputOutput: true, OutputContains: "lookup_order",
				Usage: &usageWant{Input: fakeToolCallPromptTokens, Output: fakeToolCallCompletionTokens}},
			{Types: generation, Model: "gpt-4o-mini", InputOutput: true, OutputContains: "A-1001",
				Usage: &usageWant{Input: fakeAnswerPromptTokens, Output: fakeAnswerCompletionTokens}},
		},
		"support.workflow": {{Types: anyAggregate}},
	}
	checkObservations(t, manifest, received, wants, stageLanded(t, "price.go"))
	checkTraceIdentity(t, manifest, received, userID, sessionID, stageLanded(t, "mask.go"))
	assertEmailMaskedIfStageLanded(t, manifest, received, piiEmail)
}
