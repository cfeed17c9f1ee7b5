package langfuseexporter

import (
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func TestNormalizeEnvironment(t *testing.T) {
	tests := []struct {
		in    string
		want  string
		valid bool
	}{
		{"production", "production", true},
		{"PROD", "prod", true},
		{"langfuse-test", "test", true},
		{"langfuse_langfuse-x", "x", true},
		{"langfuse", "default", false},
		{".invalid!", "default", false},
		{"", "default", false},
		{strings.Repeat("a", 44), strings.Repeat("a", 40), true},
		{"eu-west_1", "eu-west_1", true},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, valid := normalizeEnvironment(tt.in)
			assert.Equal(t, tt.want, got)
			assert.Equal(t, tt.valid, valid)
		})
	}
}

func TestTruncate(t *testing.T) {
	tests := []struct {
		name     string
		in       string
		max      int
		wantCut  bool
		wantHead string
	}{
		{"fits", "hello", 10, false, "hello"},
		{"ascii", strings.Repeat("a", 100), 40, true, strings.Repeat("a", 16)},
		{"multibyte boundary", strings.Repeat("é", 50), 40, true, strings.Repeat("é", 8)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, cut := truncate(tt.in, tt.max)
			assert.Equal(t, tt.wantCut, cut)
			if tt.wantCut {
				assert.LessOrEqual(t, len(got), tt.max)
			}
			assert.True(t, utf8.ValidString(got))
			assert.True(t, strings.HasPrefix(got, tt.wantHead), got)
			if tt.wantCut {
				head, _, found := strings.Cut(got, truncationMarker)
				require.True(t, found, got)
				removed := len(tt.in) - len(head)
				assert.True(t, strings.HasSuffix(got, "[truncated "+strconv.Itoa(removed)+" bytes]"), got)
			}
		})
	}
}

func TestFixSpanTimes(t *testing.T) {
	now := time.Date(2026, 6, 1, 12, 0, 0, 0, time.UTC)
	at := func(d time.Duration) pcommon.Timestamp { return pcommon.NewTimestampFromTime(now.Add(d)) }

	tests := []struct {
		name      string
		start     pcommon.Timestamp
		end       pcommon.Timestamp
		keep      bool
		fixes     []fixReason
		wantStart pcommon.Timestamp
		wantEnd   pcommon.Timestamp
	}{
		{"valid", at(-time.Second), at(0), true, nil, at(-time.Second), at(0)},
		{"end before start", at(0), at(-time.Second), true, []fixReason{fixEndBeforeStart}, at(0), at(0)},
		{"missing end", at(-time.Second), 0, true, []fixReason{fixMissingEnd}, at(-time.Second), at(-time.Second)},
		{"missing start", 0, at(0), true, []fixReason{fixMissingStart}, at(0), at(0)},
		{"missing both", 0, 0, true, []fixReason{fixMissingBothTime}, at(0), at(0)},
		{"microseconds as nanoseconds", pcommon.Timestamp(1_700_000_000_000_000), pcommon.Timestamp(1_700_000_000_100_000), false, nil, 0, 0},
		{"far future", at(48 * time.Hour), at(49 * time.Hour), false, nil, 0, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			span := ptrace.NewSpan()
			span.SetStartTimestamp(tt.start)
			span.SetEndTimestamp(tt.end)

			fixes, keep := fixSpanTimes(span, now)

			assert.Equal(t, tt.keep, keep)
			assert.Equal(t, tt.fixes, fixes)
			if tt.keep {
				assert.Equal(t, tt.wantStart, span.StartTimestamp())
				assert.Equal(t, tt.wantEnd, span.EndTimestamp())
			}
		})
	}
}

func TestCheckSpanIDs(t *testing.T) {
	span := ptrace.NewSpan()
	reason, ok := checkSpanIDs(span)
	assert.False(t, ok)
	assert.Equal(t, reasonInvalidTraceID, reason)

	span.SetTraceID(pcommon.TraceID{1})
	reason, ok = checkSpanIDs(span)
	assert.False(t, ok)
	assert.Equal(t, reasonInvalidSpanID, reason)

	span.SetSpanID(pcommon.SpanID{1})
	_, ok = checkSpanIDs(span)
	assert.True(t, ok)
}
