package genai

import (
	"path/filepath"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// usageFields returns the fields of v that ReadUsage fills.
func usageFields(v *View) map[string]any {
	return map[string]any{
		"Type":          v.Type,
		"Aggregate":     v.Aggregate,
		"Usage":         v.Usage,
		"UsageDetails":  v.UsageDetails,
		"UsageExtra":    nilIfEmpty(v.UsageExtra),
		"RequestModel":  v.RequestModel,
		"ResponseModel": v.ResponseModel,
		"Provider":      v.Provider,
		"Operation":     v.Operation,
		"UserID":        v.UserID,
		"ServiceTier":   v.ServiceTier,
		"Cost":          v.Cost,
		"HasCost":       v.HasCost,
		"CostDetails":   nilIfEmpty(v.CostDetails),
		"Convention":    v.Convention,
	}
}

// nilIfEmpty returns nil for an empty map, because Read keeps cleared maps
// between spans.
func nilIfEmpty[V any](m map[string]V) map[string]V {
	if len(m) == 0 {
		return nil
	}
	return m
}

// assertReadUsageMatches reads sd with Read and with ReadUsage into views
// that already held other spans, and compares the fields ReadUsage fills.
// It returns whether Read found tool calls or metadata that ReadUsage
// skipped.
func assertReadUsageMatches(t *testing.T, full, lean *View, sd spanData) bool {
	t.Helper()
	Read(full, sd.resource, sd.scope, sd.span)
	ReadUsage(lean, sd.resource, sd.scope, sd.span)
	assert.Equal(t, usageFields(full), usageFields(lean), "span %q", sd.span.Name())
	assert.Empty(t, lean.ToolCalls, "ReadUsage read tool calls")
	assert.Empty(t, lean.Metadata, "ReadUsage read metadata")
	return len(full.ToolCalls) > 0 || len(full.Metadata) > 0
}

func TestReadUsageMatchesRead(t *testing.T) {
	// One pair of views for every span, as the processor reuses them, so
	// that state left by one span would show on the next.
	var full, lean View
	skipped := 0

	t.Run("mapping cases", func(t *testing.T) {
		for _, c := range loadMappingCases(t) {
			if assertReadUsageMatches(t, &full, &lean, buildSpan(t, c.Span)) {
				skipped++
			}
		}
	})

	files, err := filepath.Glob("testdata/captures/*.json")
	require.NoError(t, err)
	for _, file := range files {
		if filepath.Base(file) == "langfuse-v3-ingestion.json" {
			continue
		}
		t.Run(filepath.Base(file), func(t *testing.T) {
			for _, cs := range decodeCapture(t, file) {
				if assertReadUsageMatches(t, &full, &lean, cs.data) {
					skipped++
				}
			}
		})
	}
	assert.Positive(t, skipped, "no span had tool calls or metadata for ReadUsage to skip")
}
