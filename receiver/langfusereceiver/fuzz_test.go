package langfusereceiver

import (
	"encoding/json"
	"testing"
	"time"
)

// FuzzIngestionBatch feeds arbitrary bodies through batch parsing, event
// validation and span assembly; none may panic.
func FuzzIngestionBatch(f *testing.F) {
	var capture v3Capture
	if err := json.Unmarshal(readTestdata(f, "langfuse-v3-ingestion.json"), &capture); err != nil {
		f.Fatal(err)
	}
	f.Add([]byte(capture.Body))
	f.Add([]byte(`{"batch":[]}`))
	f.Add([]byte(`{"batch":[{"id":"e","type":"generation-create","timestamp":"2026-01-01T00:00:00Z",` +
		`"body":{"id":"g","usageDetails":{"prompt_tokens":"5","completion_tokens":1,"total_tokens":6,` +
		`"prompt_tokens_details":{"cached_tokens":9}},"promptName":"p","promptVersion":1}}]}`))
	f.Add([]byte(`{"batch":[{"id":"e","type":"score-create","timestamp":"2026-01-01T00:00:00+02:00",` +
		`"body":{"name":"s","value":"x","dataType":"TEXT","traceId":"t"}}]}`))
	f.Add([]byte(`{"batch":[1,null,"x",{"id":null},{"id":"a","type":"trace-create","timestamp":"x","body":[]}]}`))
	f.Add([]byte(`[`))

	f.Fuzz(func(t *testing.T, body []byte) {
		batch, err := parseBatch(body)
		if err != nil {
			return
		}
		var events []event
		for _, raw := range batch {
			if ev, evErr := parseEvent(raw); evErr == nil {
				events = append(events, ev)
			}
		}
		a := newAssembler(time.Hour, 4)
		a.add(events, source{}, time.Now())
		a.expire(time.Now().Add(2 * time.Hour))
		a.flushAll()
	})
}
