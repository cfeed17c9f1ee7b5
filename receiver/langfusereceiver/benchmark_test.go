package langfusereceiver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"testing"
	"time"
)

// BenchmarkIngestionBatch measures parsing and assembling a batch of 100
// generations, each a create and an update, as the v3 SDK sends them.
func BenchmarkIngestionBatch(b *testing.B) {
	var batch []map[string]any
	for i := range 100 {
		id := fmt.Sprintf("gen-%d", i)
		batch = append(batch,
			ingestionEvent(id+"-c", "generation-create", ts, map[string]any{
				"id": id, "traceId": "trace-1", "name": "chat", "model": "gpt-4o-mini",
				"input":           []map[string]string{{"role": "user", "content": "What should I wear in Lisbon tonight?"}},
				"modelParameters": map[string]any{"temperature": 0.3},
			}),
			ingestionEvent(id+"-u", "generation-update", ts, map[string]any{
				"id": id, "endTime": ts, "output": map[string]string{"role": "assistant", "content": "A light jacket."},
				"usageDetails": map[string]int{"input": 131, "output": 22, "total": 153},
			}))
	}
	body, err := json.Marshal(map[string]any{"batch": batch})
	if err != nil {
		b.Fatal(err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	b.ResetTimer()
	for b.Loop() {
		raws, err := parseBatch(body)
		if err != nil {
			b.Fatal(err)
		}
		events := make([]event, 0, len(raws))
		for _, raw := range raws {
			ev, evErr := parseEvent(raw)
			if evErr != nil {
				b.Fatal(evErr.Error)
			}
			events = append(events, ev)
		}
		// A fresh assembler per batch, because a resent event id is skipped.
		a := newAssembler(time.Hour, 10_000)
		traces, _ := a.add(events, source{}, time.Now())
		if traces.SpanCount() != 100 {
			b.Fatalf("got %d spans, expected 100", traces.SpanCount())
		}
	}
}

// BenchmarkReplaceInvalidUTF8 measures the UTF-8 check on a batch body of
// the maximum size, valid (the common case) and with one invalid byte.
func BenchmarkReplaceInvalidUTF8(b *testing.B) {
	valid := bytes.Repeat([]byte(`{"k":"Lisbon café 21°C"},`), defaultMaxIngestionBodySize/26)
	invalid := append(bytes.Clone(valid), 0xff)
	for name, body := range map[string][]byte{"valid": valid, "invalid": invalid} {
		b.Run(name, func(b *testing.B) {
			b.SetBytes(int64(len(body)))
			b.ReportAllocs()
			for b.Loop() {
				replaceInvalidUTF8(body)
			}
		})
	}
}
