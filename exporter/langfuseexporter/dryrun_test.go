package langfuseexporter

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.uber.org/zap/zapcore"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
)

func readDryRunLines(t *testing.T, dir string) []dryRunLine {
	t.Helper()
	files, err := filepath.Glob(filepath.Join(dir, "langfuse-dry-run-*.jsonl"))
	require.NoError(t, err)
	var lines []dryRunLine
	for _, file := range files {
		f, err := os.Open(file)
		require.NoError(t, err)
		scanner := bufio.NewScanner(f)
		scanner.Buffer(nil, 1<<20)
		for scanner.Scan() {
			var line dryRunLine
			require.NoError(t, json.Unmarshal(scanner.Bytes(), &line))
			lines = append(lines, line)
		}
		require.NoError(t, f.Close())
	}
	return lines
}

func dryRunConfig(t *testing.T, protocol Protocol) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Protocol = protocol
	cfg.DryRun.Directory = t.TempDir()
	cfg.QueueConfig = configoptional.None[exporterhelper.QueueBatchConfig]()
	return cfg
}

func TestDryRunOTLPLines(t *testing.T) {
	h := newHarness(t)
	cfg := dryRunConfig(t, ProtocolOTLP)
	cfg.PublicKey = "pk-lf-set"
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{"chat": chatView()}))

	require.NoError(t, exp.ConsumeTraces(context.Background(), makeTraces(t,
		spanSpec{name: "chat", traceID: traceA, spanID: spanC, parent: spanR,
			attrs: map[string]any{genai.AttrCost: 0.25}})))

	name := "langfuse-dry-run-" + time.Now().UTC().Format("2006-01-02") + ".jsonl"
	assert.FileExists(t, filepath.Join(cfg.DryRun.Directory, name))
	lines := readDryRunLines(t, cfg.DryRun.Directory)
	require.Len(t, lines, 1)
	line := lines[0]
	assert.Equal(t, ProtocolOTLP, line.Protocol)
	assert.Equal(t, traceA.String(), line.TraceID)
	assert.Equal(t, spanC.String(), line.ObservationID)
	assert.Equal(t, spanR.String(), line.ParentObservationID)
	assert.Equal(t, "generation", line.Type)
	assert.Equal(t, "chat gpt-4o", line.Name)
	assert.Equal(t, "gpt-4o-2024-08-06", line.Model)
	assert.Equal(t, int64(100), line.Usage["input"])
	assert.Equal(t, int64(175), line.Usage["total"])
	assert.Equal(t, map[string]float64{"total": 0.25}, line.Cost)
	assert.Equal(t, "user-1", line.UserID)
	var attributes map[string]any
	require.NoError(t, json.Unmarshal(line.Attributes, &attributes))
	assert.Contains(t, attributes, "langfuse.observation.usage_details")
	assert.Equal(t, "session-1", attributes["session.id"])
	assert.NotEmpty(t, line.Time)

	warnings := h.logs.FilterLevelExact(zapcore.WarnLevel).FilterMessageSnippet("DRY RUN").All()
	require.Len(t, warnings, 1)
	assert.Contains(t, warnings[0].Message, "LANGFUSE_BASE_URL")
	assert.Equal(t, true, warnings[0].ContextMap()["public_key_set"])
	assert.Equal(t, false, warnings[0].ContextMap()["secret_key_set"])
}

func TestDryRunIngestionLinesCarryEvents(t *testing.T) {
	h := newHarness(t)
	cfg := dryRunConfig(t, ProtocolIngestion)
	exp := h.startTraces(t, cfg, viewsByName(map[string]genai.View{"chat": chatView()}))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "chat", traceID: traceA, spanID: spanR})))

	lines := readDryRunLines(t, cfg.DryRun.Directory)
	require.Len(t, lines, 2)
	byType := map[string]dryRunLine{}
	for _, line := range lines {
		byType[line.Type] = line
	}
	generation := byType["generation"]
	assert.Equal(t, "generation-create", generation.EventType)
	assert.Equal(t, spanR.String(), generation.ObservationID)
	assert.Equal(t, "gpt-4o-2024-08-06", generation.Model)
	assert.Equal(t, int64(40), generation.Usage["output"])
	var event map[string]any
	require.NoError(t, json.Unmarshal(generation.Event, &event))
	assert.Equal(t, "generation-create", event["type"])
	assert.Equal(t, "support-chat", byType["trace"].Name)
}

func TestDryRunRotatesBySize(t *testing.T) {
	writer, err := newDryRunWriter(t.TempDir(), 300)
	require.NoError(t, err)
	t.Cleanup(func() { _ = writer.close() })
	now := time.Date(2026, 5, 6, 7, 8, 9, 0, time.UTC)

	for range 4 {
		require.NoError(t, writer.write([]dryRunLine{{TraceID: "0102", Type: "span", Name: "a-fairly-long-name-to-fill"}}, now))
	}
	require.NoError(t, writer.write([]dryRunLine{{TraceID: "0103", Type: "span"}}, now.Add(24*time.Hour)))

	files, err := filepath.Glob(filepath.Join(writer.dir, "*.jsonl"))
	require.NoError(t, err)
	names := make([]string, 0, len(files))
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	assert.Contains(t, names, "langfuse-dry-run-2026-05-06.jsonl")
	assert.Contains(t, names, "langfuse-dry-run-2026-05-06.1.jsonl")
	assert.Contains(t, names, "langfuse-dry-run-2026-05-07.jsonl")
	for _, f := range files {
		info, err := os.Stat(f)
		require.NoError(t, err)
		assert.LessOrEqual(t, info.Size(), int64(300))
	}
}

func TestDryRunScores(t *testing.T) {
	h := newHarness(t)
	cfg := dryRunConfig(t, ProtocolOTLP)
	exp := h.startLogs(t, cfg)

	require.NoError(t, exp.ConsumeLogs(context.Background(), scoreLogs(map[string]any{
		"langfuse.score.name": "quality", "langfuse.score.value": 1.0, "langfuse.score.session_id": "s1",
	})))

	lines := readDryRunLines(t, cfg.DryRun.Directory)
	require.Len(t, lines, 1)
	assert.Equal(t, "score", lines[0].Type)
	assert.Equal(t, "quality", lines[0].Name)
	assert.NotEmpty(t, lines[0].Event)
}
