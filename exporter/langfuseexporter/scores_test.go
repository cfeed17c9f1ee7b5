package langfuseexporter

import (
	"context"
	"encoding/json"
	"math"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelcol-genai/otelcol-genai/internal/langfuse"
	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

func (h *testHarness) startLogs(t *testing.T, cfg *Config) exporter.Logs {
	t.Helper()
	require.NoError(t, cfg.Validate())
	exp, err := createLogs(context.Background(), h.set, cfg)
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })
	return exp
}

func scoreLogs(records ...map[string]any) plog.Logs {
	ld := plog.NewLogs()
	logs := ld.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords()
	for _, attrs := range records {
		record := logs.AppendEmpty()
		record.SetEventName(langfuse.ScoreEventName)
		_ = record.Attributes().FromRaw(attrs)
	}
	return ld
}

func TestScoresSentAsScoreCreate(t *testing.T) {
	for _, protocol := range []Protocol{ProtocolOTLP, ProtocolIngestion} {
		t.Run(string(protocol), func(t *testing.T) {
			srv := langfusetest.New(t)
			h := newHarness(t)
			exp := h.startLogs(t, serverConfig(srv, protocol))

			ld := scoreLogs(map[string]any{
				langfuse.AttrScoreID:        "score-1",
				langfuse.AttrScoreName:      "helpfulness",
				langfuse.AttrScoreValue:     0.8,
				langfuse.AttrScoreDataType:  "NUMERIC",
				langfuse.AttrScoreComment:   "good",
				langfuse.AttrScoreMetadata:  `{"judge":"gpt-4o"}`,
				langfuse.AttrScoreTimestamp: "2026-03-01T10:00:00Z",
			}, map[string]any{
				langfuse.AttrScoreName:      "label",
				langfuse.AttrScoreValue:     "correct",
				langfuse.AttrScoreDataType:  "CATEGORICAL",
				langfuse.AttrScoreSessionID: "session-1",
			})
			record := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
			record.SetTraceID(traceA)
			record.SetSpanID(spanR)
			other := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().AppendEmpty()
			other.Body().SetStr("an application log, not a score")

			require.NoError(t, exp.ConsumeLogs(context.Background(), ld))

			scores := srv.Scores()
			require.Len(t, scores, 2)
			first := scores[0].Body
			assert.Equal(t, "score-1", first["id"])
			assert.Equal(t, "helpfulness", first["name"])
			assert.Equal(t, 0.8, first["value"])
			assert.Equal(t, "NUMERIC", first["dataType"])
			assert.Equal(t, traceA.String(), first["traceId"])
			assert.Equal(t, spanR.String(), first["observationId"])
			assert.Equal(t, "good", first["comment"])
			assert.Equal(t, map[string]any{"judge": "gpt-4o"}, first["metadata"])
			assert.Equal(t, "2026-03-01T10:00:00.000000Z", scores[0].Timestamp)
			second := scores[1].Body
			assert.Equal(t, "session-1", second["sessionId"])
			assert.NotEmpty(t, second["id"], "a score without id gets a derived one")
			assert.Equal(t, int64(2), h.counter(t, "otelcol_genai_exporter_langfuse_exported",
				attribute.String("signal", "score")))
		})
	}
}

func TestInvalidScoresDropped(t *testing.T) {
	tests := []struct {
		name  string
		attrs map[string]any
	}{
		{"no name", map[string]any{langfuse.AttrScoreValue: 1.0, langfuse.AttrScoreSessionID: "s"}},
		{"no target", map[string]any{langfuse.AttrScoreName: "n", langfuse.AttrScoreValue: 1.0}},
		{"two targets", map[string]any{langfuse.AttrScoreName: "n", langfuse.AttrScoreValue: 1.0,
			langfuse.AttrScoreSessionID: "s", langfuse.AttrScoreDatasetRunID: "d"}},
		{"observation without trace", map[string]any{langfuse.AttrScoreName: "n", langfuse.AttrScoreValue: 1.0,
			langfuse.AttrScoreSessionID: "s", langfuse.AttrScoreObservationID: "o"}},
		{"boolean out of range", map[string]any{langfuse.AttrScoreName: "n", langfuse.AttrScoreValue: 2.0,
			langfuse.AttrScoreDataType: "BOOLEAN", langfuse.AttrScoreSessionID: "s"}},
		{"numeric as text", map[string]any{langfuse.AttrScoreName: "n", langfuse.AttrScoreValue: "high",
			langfuse.AttrScoreDataType: "NUMERIC", langfuse.AttrScoreSessionID: "s"}},
		{"no value", map[string]any{langfuse.AttrScoreName: "n", langfuse.AttrScoreSessionID: "s"}},
		{"NaN value", map[string]any{langfuse.AttrScoreName: "n", langfuse.AttrScoreValue: math.NaN(),
			langfuse.AttrScoreSessionID: "s"}},
		{"infinite value", map[string]any{langfuse.AttrScoreName: "n", langfuse.AttrScoreValue: math.Inf(1),
			langfuse.AttrScoreDataType: "NUMERIC", langfuse.AttrScoreSessionID: "s"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := langfusetest.New(t)
			h := newHarness(t)
			exp := h.startLogs(t, serverConfig(srv, ProtocolOTLP))

			require.NoError(t, exp.ConsumeLogs(context.Background(), scoreLogs(tt.attrs)))

			assert.Empty(t, srv.Scores())
			assert.Equal(t, 0, srv.RequestCount(langfusetest.IngestionPath))
			assert.Equal(t, int64(1), h.counter(t, "otelcol_genai_exporter_langfuse_dropped",
				attribute.String("reason", "invalid_score")))
		})
	}
}

func TestScoreMetadataSentAsValidUTF8(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startLogs(t, serverConfig(srv, ProtocolOTLP))

	require.NoError(t, exp.ConsumeLogs(context.Background(), scoreLogs(map[string]any{
		langfuse.AttrScoreName:      "n",
		langfuse.AttrScoreValue:     1.0,
		langfuse.AttrScoreSessionID: "s",
		langfuse.AttrScoreMetadata:  "{\"judge\":\"a\xffb\"}",
	})))

	scores := srv.Scores()
	require.Len(t, scores, 1)
	assert.True(t, utf8.Valid(scores[0].Raw), "invalid UTF-8 in %q", scores[0].Raw)
	assert.Equal(t, map[string]any{"judge": "a\uFFFDb"}, scores[0].Body["metadata"])
}

func TestScoreRecordIDsWinOverAttributes(t *testing.T) {
	ld := scoreLogs(map[string]any{
		langfuse.AttrScoreName:          "quality",
		langfuse.AttrScoreValue:         0.5,
		langfuse.AttrScoreTraceID:       "v3-trace-original",
		langfuse.AttrScoreObservationID: "v3-generation-original",
	})
	record := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)
	record.SetTraceID(pcommon.TraceID{0x0a, 0x0b, 0x0c, 0x0d, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12})
	record.SetSpanID(pcommon.SpanID{0x0e, 0x0f, 1, 2, 3, 4, 5, 6})

	event, err := encodeScore(record, "", 0)
	require.NoError(t, err)

	var envelope struct {
		Body langfuse.ScoreBody `json:"body"`
	}
	require.NoError(t, json.Unmarshal(event.data, &envelope))
	assert.Equal(t, "0a0b0c0d0102030405060708090a0b0c", envelope.Body.TraceID,
		"spans are sent under their W3C trace id, so the score must use it")
	assert.Equal(t, "0e0f010203040506", envelope.Body.ObservationID)
}

func TestScoreAttributeIDsWithoutRecordIDs(t *testing.T) {
	ld := scoreLogs(map[string]any{
		langfuse.AttrScoreName:    "quality",
		langfuse.AttrScoreValue:   0.5,
		langfuse.AttrScoreTraceID: "external-trace-7",
	})
	record := ld.ResourceLogs().At(0).ScopeLogs().At(0).LogRecords().At(0)

	event, err := encodeScore(record, "", 0)
	require.NoError(t, err)

	var envelope struct {
		Body langfuse.ScoreBody `json:"body"`
	}
	require.NoError(t, json.Unmarshal(event.data, &envelope))
	assert.Equal(t, "external-trace-7", envelope.Body.TraceID)
	assert.Empty(t, envelope.Body.ObservationID)
}
