package genai

import (
	"math"
	"time"
)

// ObservationType is a Langfuse observation type in the lower-case spelling
// that Langfuse's OTLP endpoint accepts in langfuse.observation.type.
type ObservationType string

// Observation types that Langfuse stores. Only the generation family keeps
// model, usage and cost in the batch API.
const (
	TypeSpan       ObservationType = "span"
	TypeGeneration ObservationType = "generation"
	TypeEvent      ObservationType = "event"
	TypeAgent      ObservationType = "agent"
	TypeTool       ObservationType = "tool"
	TypeChain      ObservationType = "chain"
	TypeRetriever  ObservationType = "retriever"
	TypeEvaluator  ObservationType = "evaluator"
	TypeEmbedding  ObservationType = "embedding"
	TypeGuardrail  ObservationType = "guardrail"
)

// Convention names the instrumentation family a span was read as.
type Convention string

// Conventions the reader recognizes.
const (
	ConventionUnknown       Convention = ""
	ConventionLangfuse      Convention = "langfuse"
	ConventionOTelGenAI     Convention = "otel_genai"
	ConventionOpenInference Convention = "openinference"
	ConventionVercelAI      Convention = "vercel_ai"
	ConventionTraceloop     Convention = "traceloop"
	ConventionOpenLIT       Convention = "openlit"
	ConventionLogfire       Convention = "logfire"
	ConventionStrands       Convention = "strands"
	ConventionGoogleADK     Convention = "google_adk"
)

// Level is a Langfuse observation level.
type Level string

// Langfuse observation levels.
const (
	LevelDebug   Level = "DEBUG"
	LevelDefault Level = "DEFAULT"
	LevelWarning Level = "WARNING"
	LevelError   Level = "ERROR"
)

// Usage is the token usage of one model call split into disjoint buckets, so
// that the sum of the buckets is the number of tokens billed and no token is
// priced twice. Conventions that report cached input inside the input count,
// or reasoning inside the output count, are converted on reading.
type Usage struct {
	// InputUncached is the input tokens that were neither read from nor
	// written to a prompt cache.
	InputUncached int64
	// CacheRead is the input tokens read from a prompt cache.
	CacheRead int64
	// CacheWrite is the input tokens written to a prompt cache when the
	// provider does not say for how long (Anthropic's 5-minute default).
	CacheWrite int64
	// CacheWrite1h is the input tokens written to a 1-hour prompt cache.
	CacheWrite1h int64
	// InputAudio and InputImage are input tokens of those modalities, also
	// counted in InputUncached unless the convention reports them apart.
	InputAudio int64
	InputImage int64
	// Output is the output tokens that are not reasoning tokens.
	Output int64
	// Reasoning is the reasoning (thinking) output tokens.
	Reasoning int64
	// OutputAudio is audio output tokens, counted in Output.
	OutputAudio int64
	// Total is the total the instrumentation reported, or the sum of the
	// buckets when it reported none.
	Total int64
	// Present is true when the span carried any usage count.
	Present bool
}

// Sum returns the billed tokens: the sum of the disjoint buckets, at most
// math.MaxInt64.
func (u Usage) Sum() int64 {
	sum := int64(0)
	for _, n := range [...]int64{u.InputUncached, u.CacheRead, u.CacheWrite, u.CacheWrite1h, u.Output, u.Reasoning} {
		sum = addCounts(sum, n)
	}
	return sum
}

// addCounts adds two non-negative token counts, saturating at
// math.MaxInt64, because an int64 attribute can carry any count and a
// wrapped sum would turn negative.
func addCounts(a, b int64) int64 {
	if b > 0 && a > math.MaxInt64-b {
		return math.MaxInt64
	}
	return a + b
}

// ToolCall is one tool invocation requested by a model or executed by a tool
// span. Arguments and Result are JSON text or plain text as sent.
type ToolCall struct {
	ID        string
	Name      string
	Arguments string
	Result    string
}

// View is the GenAI reading of one span. String fields refer to the span's
// attribute values without copying. A View must therefore not outlive the
// span it was read from unless the caller copies the strings it keeps.
type View struct {
	Convention Convention
	Type       ObservationType
	// Name is the observation name Langfuse shows.
	Name string
	// Operation is gen_ai.operation.name or the convention's equivalent
	// (for example "chat", "embeddings", "execute_tool").
	Operation string
	// Provider is the normalised provider name (openai, anthropic, …), with
	// suffixes such as ".chat" removed.
	Provider      string
	RequestModel  string
	ResponseModel string
	// ModelParameters holds request parameters such as temperature and
	// max_tokens; values are strings, numbers or booleans.
	ModelParameters map[string]any
	// ServiceTier is the service_tier request parameter ("priority",
	// "flex", "default") as ModelParameters holds it, when it is text.
	ServiceTier string
	// ModelParametersJSON is a JSON object of request parameters when the
	// convention sends them as one attribute (langfuse.observation.model.parameters,
	// llm.invocation_parameters, model_config). Keys in ModelParameters win
	// over keys in this object; MergedModelParameters combines the two.
	ModelParametersJSON string

	Usage Usage
	// UsageDetails is the langfuse.observation.usage_details JSON object as
	// the application sent it, for exporters that pass it through.
	UsageDetails string
	// UsageExtra holds usage counts that fit no bucket of Usage (for example
	// gen_ai.usage.custom_tokens), by key without the convention's prefix.
	// They are not part of Usage.Sum.
	UsageExtra map[string]int64
	// Aggregate is true for spans whose usage repeats the sum of their
	// children (agent and outer SDK spans); their usage is not counted.
	Aggregate bool
	// Cost is the total cost in USD the application sent, 0 if none, and
	// CostDetails its breakdown by usage type.
	Cost        float64
	CostDetails map[string]float64
	HasCost     bool

	// Input and Output are JSON text when the convention carries JSON, or
	// plain text. Empty means absent.
	Input              string
	Output             string
	SystemInstructions string
	// ToolDefinitions is the JSON text of the tools offered to the model
	// (gen_ai.tool.definitions, ai.prompt.tools, llm.tools.N.tool.json_schema).
	ToolDefinitions string
	ToolCalls       []ToolCall

	UserID    string
	SessionID string
	Tags      []string
	TraceName string
	// TraceInput and TraceOutput are trace-level input and output when the
	// span sets them explicitly.
	TraceInput  string
	TraceOutput string
	Public      bool
	// Metadata holds user metadata as strings; objects are JSON text.
	Metadata map[string]string
	// TraceMetadata holds trace-level metadata (langfuse.trace.metadata.*).
	TraceMetadata map[string]string

	PromptName    string
	PromptVersion int64

	CompletionStartTime time.Time
	Level               Level
	StatusMessage       string
	Environment         string
	Release             string
	Version             string

	// InvalidValues counts attribute values that Read skipped because they
	// were invalid, such as negative token counts or a usage_details
	// attribute that is not a JSON object.
	InvalidValues int

	// scan is scratch space reused across Read calls.
	scan *spanScan
}

// Model returns the model to price and display: the response model when the
// provider reported one, otherwise the request model.
func (v *View) Model() string {
	if v.ResponseModel != "" {
		return v.ResponseModel
	}
	return v.RequestModel
}

// IsGenerationFamily reports whether Langfuse keeps model, usage and cost for
// the observation type.
func (t ObservationType) IsGenerationFamily() bool {
	switch t {
	case TypeSpan, TypeEvent, "":
		return false
	}
	return true
}
