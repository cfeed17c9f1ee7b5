package langfusereceiver

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"

	"go.opentelemetry.io/collector/pdata/pcommon"
)

// Attributes that keep a Langfuse id when it is not already a W3C trace or
// span id, so that an exporter can send the id that Langfuse stores. They are set
// only when the OpenTelemetry id differs from the Langfuse id.
const (
	AttrTraceID             = "langfuse.trace.id"
	AttrObservationID       = "langfuse.observation.id"
	AttrParentObservationID = "langfuse.observation.parent_id"
)

// Prefixes keep the hash of an observation id apart from the span id of the
// synthetic root span of a trace with the same id.
const (
	traceIDHashPrefix = "langfuse trace id\x00"
	spanIDHashPrefix  = "langfuse observation id\x00"
	rootSpanIDPrefix  = "langfuse trace root\x00"
)

// mapTraceID maps a Langfuse trace id to an OpenTelemetry trace id. A
// 32-character hex id is used as is (lower-cased), a UUID without its
// dashes, and any other string as the first 16 bytes of its SHA-256 hash.
// The mapping is deterministic, so spans and scores that name the same
// Langfuse trace share one trace id. exact is true when the hex form of the
// result equals the Langfuse id.
func mapTraceID(id string) (traceID pcommon.TraceID, exact bool) {
	if decodeHexID(traceID[:], id) {
		return traceID, id == strings.ToLower(id)
	}
	if isUUID(id) && decodeHexID(traceID[:], strings.ReplaceAll(id, "-", "")) {
		return traceID, false
	}
	sum := sha256.Sum256([]byte(traceIDHashPrefix + id))
	copy(traceID[:], sum[:16])
	return traceID, false
}

// mapSpanID maps a Langfuse observation id to an OpenTelemetry span id: a
// 16-character hex id as is, any other string as the first 8 bytes of its
// SHA-256 hash.
func mapSpanID(id string) (spanID pcommon.SpanID, exact bool) {
	if decodeHexID(spanID[:], id) {
		return spanID, id == strings.ToLower(id)
	}
	sum := sha256.Sum256([]byte(spanIDHashPrefix + id))
	copy(spanID[:], sum[:8])
	return spanID, false
}

// rootSpanID returns the span id of the root span that stands for a Langfuse
// trace.
func rootSpanID(traceID string) pcommon.SpanID {
	var spanID pcommon.SpanID
	sum := sha256.Sum256([]byte(rootSpanIDPrefix + traceID))
	copy(spanID[:], sum[:8])
	return spanID
}

// decodeHexID decodes a hex id of exactly len(dst) bytes into dst. An all-zero
// id is invalid in W3C Trace Context, so it is rejected.
func decodeHexID(dst []byte, id string) bool {
	if len(id) != 2*len(dst) {
		return false
	}
	if _, err := hex.Decode(dst, []byte(id)); err != nil {
		return false
	}
	for _, b := range dst {
		if b != 0 {
			return true
		}
	}
	return false
}

// isUUID reports whether id has the 8-4-4-4-12 hex layout of a UUID.
func isUUID(id string) bool {
	if len(id) != 36 {
		return false
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
		default:
			if !isHexDigit(c) {
				return false
			}
		}
	}
	return true
}

func isHexDigit(c byte) bool {
	return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F')
}
