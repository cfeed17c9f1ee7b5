package langfuseexporter

import (
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// defaultEnvironment is the environment Langfuse stores when none is given
// or the given one is invalid.
const defaultEnvironment = "default"

// maxEnvironmentLength is Langfuse's limit on environment names.
const maxEnvironmentLength = 40

// normalizeEnvironment applies Langfuse's environment rule: lower-case,
// leading "langfuse", "langfuse-" or "langfuse_" prefixes removed, cut to 40
// characters, and only a-z, 0-9, _ and - allowed. It returns the value
// Langfuse would store and false when Langfuse would replace it with
// "default".
func normalizeEnvironment(env string) (string, bool) {
	env = strings.ToLower(env)
	for {
		trimmed := env
		for _, prefix := range []string{"langfuse-", "langfuse_", "langfuse"} {
			if strings.HasPrefix(trimmed, prefix) {
				trimmed = trimmed[len(prefix):]
				break
			}
		}
		if trimmed == env {
			break
		}
		env = trimmed
	}

	if len(env) > maxEnvironmentLength {
		env = env[:maxEnvironmentLength]
	}
	if env == "" {
		return defaultEnvironment, false
	}
	for i := 0; i < len(env); i++ {
		c := env[i]
		if (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' && c != '-' {
			return defaultEnvironment, false
		}
	}
	return env, true
}

// truncationMarker starts the text appended to a cut field.
const truncationMarker = "…[truncated "

// truncate cuts s to at most maxBytes bytes, marker included, at a UTF-8
// boundary, and appends "…[truncated N bytes]" where N is the number of
// bytes of s removed. It returns s unchanged when it fits.
func truncate(s string, maxBytes int) (string, bool) {
	if len(s) <= maxBytes {
		return s, false
	}

	// The marker's length depends on N, which depends on the cut; the
	// marker for len(s) bytes is never shorter than the final one.
	markerBudget := len(truncationMarker) + len(strconv.Itoa(len(s))) + len(" bytes]")
	cut := maxBytes - markerBudget
	if cut < 0 {
		cut = 0
	}
	for cut > 0 && !utf8.RuneStart(s[cut]) {
		cut--
	}

	var b strings.Builder
	b.Grow(cut + markerBudget)
	b.WriteString(s[:cut])
	b.WriteString(truncationMarker)
	b.WriteString(strconv.Itoa(len(s) - cut))
	b.WriteString(" bytes]")
	return b.String(), true
}

// Timestamp bounds outside of which a span time is taken as a unit error
// (such as microseconds sent as nanoseconds) rather than a real time.
var (
	minSpanTime         = time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC)
	maxSpanTimeInFuture = 24 * time.Hour
)

// dropReason names why a span or score was not sent; it is the value of
// the reason attribute on the dropped counter.
type dropReason string

const (
	reasonInvalidTraceID dropReason = "invalid_trace_id"
	reasonInvalidSpanID  dropReason = "invalid_span_id"
	reasonTimeOutOfRange dropReason = "timestamp_out_of_range"
	reasonRejected       dropReason = "rejected_by_langfuse"
	reasonTooLarge       dropReason = "too_large"
	reasonInvalidScore   dropReason = "invalid_score"
	reasonEncodingFailed dropReason = "encoding_failed"
)

// fixReason names a local correction made so that Langfuse does not
// rewrite or reject a value; it is the reason attribute on the fixed
// counter.
type fixReason string

const (
	fixEnvironment        fixReason = "environment"
	fixMissingStart       fixReason = "missing_start_time"
	fixMissingEnd         fixReason = "missing_end_time"
	fixEndBeforeStart     fixReason = "end_before_start"
	fixMissingBothTime    fixReason = "missing_timestamps"
	fixInvalidCostDetails fixReason = "invalid_cost_details"
	fixInvalidUTF8        fixReason = "invalid_utf8"
)

// checkSpanIDs returns the reason to drop a span with ids Langfuse cannot
// store: an all-zero trace id or span id.
func checkSpanIDs(span ptrace.Span) (dropReason, bool) {
	if span.TraceID().IsEmpty() {
		return reasonInvalidTraceID, false
	}
	if span.SpanID().IsEmpty() {
		return reasonInvalidSpanID, false
	}
	return "", true
}

// fixSpanTimes makes start and end times usable by Langfuse: a missing end
// becomes the start, a missing start the end, both missing the export time,
// and an end before the start the start. It returns the fixes made, or false
// when a time is out of range and the span must be dropped.
func fixSpanTimes(span ptrace.Span, now time.Time) ([]fixReason, bool) {
	start, end := span.StartTimestamp(), span.EndTimestamp()
	var fixes []fixReason

	switch {
	case start == 0 && end == 0:
		start = pcommon.NewTimestampFromTime(now)
		end = start
		fixes = append(fixes, fixMissingBothTime)
	case start == 0:
		start = end
		fixes = append(fixes, fixMissingStart)
	case end == 0:
		end = start
		fixes = append(fixes, fixMissingEnd)
	}

	latest := now.Add(maxSpanTimeInFuture)
	for _, ts := range []pcommon.Timestamp{start, end} {
		t := ts.AsTime()
		if t.Before(minSpanTime) || t.After(latest) {
			return nil, false
		}
	}

	if end < start {
		end = start
		fixes = append(fixes, fixEndBeforeStart)
	}

	if len(fixes) > 0 {
		span.SetStartTimestamp(start)
		span.SetEndTimestamp(end)
	}
	return fixes, true
}
