package langfusereceiver

import (
	"bytes"
	"compress/gzip"
	"compress/zlib"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

// paddedBatch returns an empty batch padded with metadata to exactly size
// bytes.
func paddedBatch(t *testing.T, size int) []byte {
	t.Helper()
	prefix, suffix := `{"batch":[],"metadata":"`, `"}`
	padding := size - len(prefix) - len(suffix)
	require.Positive(t, padding)
	return []byte(prefix + strings.Repeat("x", padding) + suffix)
}

// chunkedReader hides the length of a body, so that the client sends it
// chunked, without Content-Length.
type chunkedReader struct{ io.Reader }

func (tr *testReceiver) postStream(t *testing.T, path string, body io.Reader,
	header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, tr.baseURL+path, body)
	require.NoError(t, err)
	req.Header.Set("Authorization", basicAuth(testPublicKey, testSecretKey))
	req.Header.Set("Content-Type", "application/json")
	for key, value := range header {
		req.Header.Set(key, value)
	}
	resp, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	require.NoError(t, err)
	out := response{status: resp.StatusCode, header: resp.Header, raw: raw}
	if len(raw) > 0 && raw[0] == '{' {
		require.NoError(t, json.Unmarshal(raw, &out.body), "body: %s", raw)
	}
	return out
}

func TestIngestionBodyLimitBoundary(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	limit := defaultMaxIngestionBodySize

	tests := []struct {
		name    string
		size    int
		chunked bool
		want    int
	}{
		{name: "at limit", size: limit, want: http.StatusMultiStatus},
		{name: "one byte over", size: limit + 1, want: http.StatusRequestEntityTooLarge},
		{name: "at limit chunked", size: limit, chunked: true, want: http.StatusMultiStatus},
		{name: "one byte over chunked", size: limit + 1, chunked: true,
			want: http.StatusRequestEntityTooLarge},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var body io.Reader = bytes.NewReader(paddedBatch(t, tt.size))
			if tt.chunked {
				body = chunkedReader{body}
			}
			resp := tr.postStream(t, pathIngestion, body, nil)
			assert.Equal(t, tt.want, resp.status, "body: %.200s", resp.raw)
		})
	}

	over := chunkedReader{bytes.NewReader(paddedBatch(t, limit+1))}
	resp := tr.postStream(t, pathScores, over, nil)
	assert.Equal(t, http.StatusRequestEntityTooLarge, resp.status,
		"the score endpoint has the same limit")
}

// gzipZeros returns gzip data that expands to n zero bytes, written in
// chunks so that the test never holds the expanded form.
func gzipZeros(t *testing.T, n int) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	require.NoError(t, err)
	chunk := make([]byte, 1<<20)
	for written := 0; written < n; written += len(chunk) {
		_, err := zw.Write(chunk[:min(len(chunk), n-written)])
		require.NoError(t, err)
	}
	require.NoError(t, zw.Close())
	return buf.Bytes()
}

func TestGzipBombStopsAtLimit(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	// 256 MiB of zeros compress to about 250 KB.
	bomb := gzipZeros(t, 256<<20)
	require.Less(t, len(bomb), 1<<20)

	for _, path := range []string{pathIngestion, pathScores, pathOTLP} {
		t.Run(path, func(t *testing.T) {
			header := map[string]string{"Content-Encoding": "gzip"}
			if path == pathOTLP {
				header["Content-Type"] = "application/x-protobuf"
			}
			resp := tr.postStream(t, path, chunkedReader{bytes.NewReader(bomb)}, header)
			assert.Equal(t, http.StatusRequestEntityTooLarge, resp.status, "body: %.300s", resp.raw)
		})
	}
}

func TestCompressionBombsStopAtLimit(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	zeros := make([]byte, 1<<20)
	compress := func(newWriter func(io.Writer) io.WriteCloser) []byte {
		var buf bytes.Buffer
		w := newWriter(&buf)
		for range 128 {
			_, err := w.Write(zeros)
			require.NoError(t, err)
		}
		require.NoError(t, w.Close())
		return buf.Bytes()
	}
	zlibBomb := compress(func(w io.Writer) io.WriteCloser { return zlib.NewWriter(w) })
	// confighttp decodes the "deflate" content coding as the zlib format.
	bombs := map[string][]byte{"zlib": zlibBomb, "deflate": zlibBomb}
	for encoding, bomb := range bombs {
		t.Run(encoding, func(t *testing.T) {
			require.Less(t, len(bomb), 1<<20, "128 MiB compress to under 1 MiB")
			resp := tr.postStream(t, pathIngestion, chunkedReader{bytes.NewReader(bomb)},
				map[string]string{"Content-Encoding": encoding})
			assert.Equal(t, http.StatusRequestEntityTooLarge, resp.status, "body: %.300s", resp.raw)
		})
	}
}

func TestIngestionHostileJSON(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	deep := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	deepArray := strings.Repeat("[", 100_000) + strings.Repeat("]", 100_000)

	tests := []struct {
		name string
		body string
		want int
	}{
		{name: "null body", body: `null`, want: http.StatusBadRequest},
		{name: "empty body", body: ``, want: http.StatusBadRequest},
		{name: "batch null", body: `{"batch":null}`, want: http.StatusBadRequest},
		{name: "deep object", body: deep, want: http.StatusBadRequest},
		{name: "deep array in batch", body: `{"batch":` + deepArray + `}`, want: http.StatusBadRequest},
		{name: "deep input", body: `{"batch":[{"id":"e","type":"event-create","timestamp":"` + ts +
			`","body":{"id":"a","input":` + deep + `}}]}`, want: http.StatusBadRequest},
		{name: "truncated", body: `{"batch":[{"id":"e"`, want: http.StatusBadRequest},
		{name: "trailing data", body: `{"batch":[]} {"batch":[]}`, want: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := tr.post(t, pathIngestion, []byte(tt.body))
			assert.Equal(t, tt.want, resp.status, "body: %.300s", resp.raw)
		})
	}
	assert.Zero(t, tr.traces.SpanCount())
}

func TestIngestionNullEverywhere(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	body := `{"batch":[null,
		{"id":null,"type":null,"timestamp":null,"body":null},
		{"id":"e1","type":"span-create","timestamp":"` + ts + `","body":null},
		{"id":"e2","type":"span-create","timestamp":"` + ts + `","body":{"id":null}},
		{"id":"e3","type":"generation-create","timestamp":"` + ts + `","body":{"id":"g",
			"traceId":null,"parentObservationId":null,"name":null,"startTime":null,"endTime":null,
			"metadata":null,"input":null,"output":null,"level":null,"model":null,
			"modelParameters":null,"usage":null,"usageDetails":null,"costDetails":null,
			"promptName":null,"promptVersion":null,"completionStartTime":null}},
		{"id":"e4","type":"trace-create","timestamp":"` + ts + `","body":{"id":"t","tags":null,
			"name":null,"userId":null,"metadata":null,"public":null}},
		{"id":"e5","type":"score-create","timestamp":"` + ts + `","body":{"name":"q",
			"value":null,"traceId":"t"}}
	],"metadata":null}`
	resp := tr.post(t, pathIngestion, []byte(body))
	require.Equal(t, http.StatusMultiStatus, resp.status, "body: %s", resp.raw)

	var parsed ingestionResponse
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	statuses := map[string]int{}
	for _, success := range parsed.Successes {
		statuses[success.ID] = success.Status
	}
	unknown := 0
	for _, e := range parsed.Errors {
		if e.ID == "unknown" {
			unknown++
			continue
		}
		statuses[e.ID] = e.Status
	}
	assert.Equal(t, 2, unknown, "a null item and a null id are reported as unknown")
	assert.Equal(t, http.StatusBadRequest, statuses["e1"], "a null body is missing")
	assert.Equal(t, http.StatusBadRequest, statuses["e2"], "a null body.id is missing")
	assert.Equal(t, http.StatusCreated, statuses["e3"], "null optional fields are absent")
	assert.Equal(t, http.StatusCreated, statuses["e4"])
	assert.Equal(t, http.StatusBadRequest, statuses["e5"], "a score needs a value")
}

func TestIngestionManyTinyEvents(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	const n = 100_000
	var body strings.Builder
	body.WriteString(`{"batch":[`)
	for i := range n {
		if i > 0 {
			body.WriteByte(',')
		}
		body.WriteString("{}")
	}
	body.WriteString(`]}`)
	resp := tr.post(t, pathIngestion, []byte(body.String()))
	require.Equal(t, http.StatusMultiStatus, resp.status)
	var parsed ingestionResponse
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	assert.Len(t, parsed.Errors, n)
	assert.Empty(t, parsed.Successes)
	assert.Equal(t, int64(n), metricSum(t, tr.telemetry,
		"otelcol_genai_langfuse_receiver_events_rejected", map[string]string{"reason": reasonInvalid}))

	// 40,000 distinct event-create events fill max_pending many times over.
	var events []map[string]any
	for i := range 40_000 {
		events = append(events, ingestionEvent(fmt.Sprint("e", i), "event-create", ts,
			map[string]any{"id": fmt.Sprint("o", i), "traceId": "t"}))
	}
	resp = tr.postBatch(t, events...)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	assert.Len(t, parsed.Successes, 40_000)
	assert.Empty(t, parsed.Errors)
	assert.Equal(t, 40_000, tr.traces.SpanCount())
	assert.LessOrEqual(t, len(tr.receiver.assembler.observations), defaultMaxPending)
}

func TestIngestionNumbersOutOfRange(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	resp := tr.postBatch(t,
		ingestionEvent("e1", "generation-create", ts, map[string]any{"id": "g", "traceId": "t",
			"endTime": ts, "usageDetails": json.RawMessage(`{"input":99999999999999999999,"output":7}`),
			"costDetails": json.RawMessage(`{"input":1e400,"output":0.5}`)}),
		ingestionEvent("e2", "generation-create", ts, map[string]any{"id": "g2", "traceId": "t",
			"promptName": "p", "promptVersion": json.RawMessage(`99999999999999999999`)}),
		ingestionEvent("e3", "score-create", ts, map[string]any{"name": "q", "traceId": "t",
			"value": json.RawMessage(`1e400`)}),
	)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	var parsed ingestionResponse
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	errorsByID := map[string]*eventError{}
	for _, e := range parsed.Errors {
		errorsByID[e.ID] = e
	}

	require.Equal(t, 1, tr.traces.SpanCount(), "the generation with out-of-range counts is kept")
	span := tr.spanList()[0]
	assert.JSONEq(t, `{"output":7}`, attrString(span, attrObservationUsageDetails),
		"a count beyond int64 is dropped")
	assert.JSONEq(t, `{"output":0.5}`, attrString(span, attrObservationCostDetails),
		"a cost beyond float64 is dropped")

	require.Contains(t, errorsByID, "e2")
	assert.Contains(t, errorsByID["e2"].Error, "promptVersion")
	require.Contains(t, errorsByID, "e3")
	assert.Contains(t, errorsByID["e3"].Error, "out of range",
		"the error names the problem, not only the JSON type")
}

func TestIngestionInvalidUTF8(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	body := "{\"batch\":[" +
		"{\"id\":\"e1\",\"type\":\"generation-create\",\"timestamp\":\"" + ts + "\",\"body\":{" +
		"\"id\":\"g\",\"traceId\":\"t\",\"endTime\":\"" + ts + "\",\"name\":\"n\xff\"," +
		"\"input\":{\"messages\":[\"caf\xe9\"]},\"output\":\"o\xc3\"," +
		"\"metadata\":{\"k\xfe\":{\"nested\":\"\xed\xa0\x80\"}}," +
		"\"modelParameters\":{\"stop\":[\"\xff\"]}}}," +
		"{\"id\":\"e2\",\"type\":\"score-create\",\"timestamp\":\"" + ts + "\",\"body\":{" +
		"\"name\":\"q\",\"value\":\"v\xff\",\"traceId\":\"t\",\"metadata\":{\"m\":[\"\xff\"]}}}" +
		"]}"
	require.False(t, utf8.ValidString(body))
	resp := tr.do(t, http.MethodPost, pathIngestion, []byte(body),
		map[string]string{"x-langfuse-sdk-name": "langfuse-\xff", "x-langfuse-sdk-version": "3.\xfe"})
	require.Equal(t, http.StatusMultiStatus, resp.status, "body: %s", resp.raw)
	require.Empty(t, resp.body["errors"])

	require.Equal(t, 1, tr.traces.SpanCount())
	forEachSpan(tr.traces.AllTraces()[0], func(resource pcommon.Resource, span ptrace.Span) {
		for key, value := range resource.Attributes().All() {
			assert.True(t, utf8.ValidString(value.AsString()), "resource attribute %s: %q", key,
				value.AsString())
		}
		assert.True(t, utf8.ValidString(span.Name()))
		for key, value := range span.Attributes().All() {
			assert.True(t, utf8.ValidString(key), "attribute key %q", key)
			assert.True(t, utf8.ValidString(value.AsString()), "attribute %s: %q", key,
				value.AsString())
		}
	})
	records := tr.logRecords()
	require.Len(t, records, 1)
	for key, value := range records[0].Attributes().All() {
		assert.True(t, utf8.ValidString(value.AsString()), "score attribute %s: %q", key,
			value.AsString())
	}
}

func TestIngestionDuplicateKeys(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	// JSON.parse keeps the last of duplicate keys, and so does the receiver.
	body := `{"batch":[{"id":"e1","type":"event-create","timestamp":"` + ts + `",
		"body":{"id":"a","traceId":"t","name":"first","name":"last"}}],"batch":[]}`
	resp := tr.post(t, pathIngestion, []byte(body))
	require.Equal(t, http.StatusMultiStatus, resp.status)
	assert.Empty(t, resp.body["successes"], "the last batch key wins and is empty")

	body = `{"batch":[{"id":"e1","type":"event-create","timestamp":"` + ts + `",
		"body":{"id":"a","traceId":"t","name":"first","name":"last"}}]}`
	resp = tr.post(t, pathIngestion, []byte(body))
	require.Equal(t, http.StatusMultiStatus, resp.status)
	assert.Contains(t, tr.spans(), "last")
	assert.NotContains(t, tr.spans(), "first")
}

func TestIngestionContentTypeIgnored(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	body, err := json.Marshal(map[string]any{"batch": []any{
		ingestionEvent("e1", "event-create", ts, map[string]any{"id": "a", "traceId": "t",
			"name": "typed"}),
	}})
	require.NoError(t, err)
	// The SDKs always send application/json. Other types are parsed as JSON
	// too, because the batch shape is checked anyway.
	for _, contentType := range []string{"text/plain", "application/x-www-form-urlencoded", ""} {
		resp := tr.do(t, http.MethodPost, pathIngestion, body,
			map[string]string{"Content-Type": contentType})
		assert.Equal(t, http.StatusMultiStatus, resp.status, "Content-Type %q", contentType)
	}
	resp := tr.do(t, http.MethodPost, pathOTLP, []byte(`{}`),
		map[string]string{"Content-Type": "text/plain"})
	assert.Equal(t, http.StatusBadRequest, resp.status, "the OTLP endpoint checks the type")
}
