package langfuseexporter

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/pdata/pcommon"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/otel/attribute"

	"github.com/otelcol-genai/otelcol-genai/internal/genai"
	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

func newTestEncoder(t *testing.T) *otlpEncoder {
	t.Helper()
	tel, err := newTelemetry(componenttest.NewNopTelemetrySettings(), ProtocolOTLP)
	require.NoError(t, err)
	return &otlpEncoder{maxFieldBytes: defaultMaxFieldBytes, telemetry: tel}
}

func TestFlattenMapWithNaNKeepsValues(t *testing.T) {
	encoder := newTestEncoder(t)
	attrs := pcommon.NewMap()
	inner := attrs.PutEmptyMap("custom.map")
	inner.PutDouble("nan", math.NaN())
	inner.PutDouble("inf", math.Inf(-1))
	inner.PutStr("kept", "value")
	inner.PutEmptySlice("list").AppendEmpty().SetDouble(math.Inf(1))

	encoder.flattenAndTruncate(context.Background(), attrs)

	value, ok := attrs.Get("custom.map")
	require.True(t, ok)
	require.Equal(t, pcommon.ValueTypeStr, value.Type())
	var decoded map[string]any
	require.NoError(t, json.Unmarshal([]byte(value.Str()), &decoded))
	assert.Equal(t, "value", decoded["kept"])
	assert.Equal(t, "NaN", decoded["nan"])
	assert.Equal(t, "-Infinity", decoded["inf"])
	assert.Equal(t, []any{"Infinity"}, decoded["list"])
}

func TestDryRunNaNAttributeWritten(t *testing.T) {
	h := newHarness(t)
	cfg := dryRunConfig(t, ProtocolOTLP)
	cfg.RetryConfig.Enabled = false
	exp := h.startTraces(t, cfg, viewsByName(nil))

	err := exp.ConsumeTraces(context.Background(), makeTraces(t, spanSpec{
		name: "chat", traceID: traceA, spanID: spanR,
		attrs: map[string]any{"gen_ai.request.temperature": math.NaN(), "user.id": "u-1"},
	}))

	require.NoError(t, err)
	lines := readDryRunLines(t, cfg.DryRun.Directory)
	require.Len(t, lines, 1)
	var attributes map[string]any
	require.NoError(t, json.Unmarshal(lines[0].Attributes, &attributes))
	assert.Equal(t, "NaN", attributes["gen_ai.request.temperature"])
	assert.Equal(t, "u-1", attributes["user.id"])
}

func TestOTLPRepairsInvalidUTF8(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), defaultRead)

	td := makeTraces(t, spanSpec{name: "chat\xff", traceID: traceA, spanID: spanR, attrs: map[string]any{
		"custom.text":  "bad \xc3\x28 byte",
		"custom.map":   map[string]any{"k": "v\xfe"},
		"custom.slice": []any{"ok", "x\x80"},
	}})
	rs := td.ResourceSpans().At(0)
	rs.Resource().Attributes().PutStr("service.namespace", "ns\xff")
	rs.ScopeSpans().At(0).Scope().SetName("scope\xff")
	span := rs.ScopeSpans().At(0).Spans().At(0)
	span.Status().SetMessage("failed \xff")
	event := span.Events().AppendEmpty()
	event.SetName("event\xff")
	event.Attributes().PutStr("detail", "d\xff")

	require.NoError(t, exp.ConsumeTraces(context.Background(), td))

	got, ok := srv.SpanByID(spanR.String())
	require.True(t, ok)
	assert.Equal(t, "chat\uFFFD", got.Name)
	assert.Equal(t, "scope\uFFFD", got.ScopeName)
	assert.Equal(t, "failed \uFFFD", got.StatusMsg)
	assert.Equal(t, "bad \uFFFD( byte", got.Attributes["custom.text"])
	assert.Equal(t, `{"k":"v\ufffd"}`, got.Attributes["custom.map"])
	assert.Equal(t, []any{"ok", "x\uFFFD"}, got.Attributes["custom.slice"])
	assert.Equal(t, "ns\uFFFD", got.ResourceAttributes["service.namespace"])

	sent := srv.Traces().ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0).Events().At(0)
	assert.Equal(t, "event\uFFFD", sent.Name())
	detail, _ := sent.Attributes().Get("detail")
	assert.Equal(t, "d\uFFFD", detail.Str())

	for key, value := range got.Attributes {
		assert.True(t, utf8.ValidString(key), key)
		assert.True(t, utf8.ValidString(fmt.Sprint(value)), key)
	}
	// Ten strings are repaired: the span name and the trace name and status
	// message attributes copied from it and the status, three attribute
	// values, the resource attribute, the scope name, and the event's name
	// and attribute. The map is re-encoded rather than repaired.
	assert.Equal(t, int64(10), h.counter(t, "otelcol_genai_exporter_langfuse_fixed_fields",
		attribute.String("reason", "invalid_utf8")))
}

func TestIngestionSendsValidUTF8(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	view := chatView()
	view.Input = "[\"in \xff\"]"
	view.Output = "out \xfe"
	view.Metadata = map[string]string{"tenant": "a\xffb"}
	exp := h.startTraces(t, serverConfig(srv, ProtocolIngestion),
		viewsByName(map[string]genai.View{"chat": view}))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "chat", traceID: traceA, spanID: spanR})))

	requests := srv.Requests()
	require.NotEmpty(t, requests)
	for _, request := range requests {
		assert.True(t, utf8.Valid(request.Body), "request body has invalid UTF-8")
	}
	generations := srv.EventsOfType("generation-create")
	require.Len(t, generations, 1)
	assert.Equal(t, []any{"in \uFFFD"}, generations[0].Body["input"])
	assert.Equal(t, "out \uFFFD", generations[0].Body["output"])
}

func TestPutMetadata(t *testing.T) {
	many := make(map[string]string, 200)
	for i := range 200 {
		many[fmt.Sprintf("k%03d", i)] = fmt.Sprintf("v%d", i)
	}

	tests := []struct {
		name     string
		metadata map[string]string
	}{
		{"none", nil},
		{"existing and new", map[string]string{"tenant": "acme", "n": "5", "new": "x"}},
		{"many new", many},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			attrs := pcommon.NewMap()
			attrs.PutStr("user.id", "u-1")
			attrs.PutInt(attrObservationMetaPrefix+"n", 5)
			attrs.PutStr(attrObservationMetaPrefix+"tenant", "old")
			attrs.PutEmptyBytes("custom.bytes").FromRaw([]byte{1, 2})
			attrs.PutEmptySlice("custom.slice").AppendEmpty().SetInt(7)

			putMetadata(attrs, tt.metadata)

			for name, text := range tt.metadata {
				value, ok := attrs.Get(attrObservationMetaPrefix + name)
				require.True(t, ok, name)
				assert.Equal(t, text, value.Str(), name)
			}
			keys := make(map[string]int)
			for key := range attrs.All() {
				keys[key]++
			}
			for key, count := range keys {
				assert.Equal(t, 1, count, "duplicate key %s", key)
			}
			assert.Len(t, keys, 5+countNew(tt.metadata))
			userID, _ := attrs.Get("user.id")
			assert.Equal(t, "u-1", userID.Str())
			raw, _ := attrs.Get("custom.bytes")
			assert.Equal(t, pcommon.ValueTypeBytes, raw.Type())
			slice, _ := attrs.Get("custom.slice")
			assert.Equal(t, int64(7), slice.Slice().At(0).Int())
		})
	}
}

// countNew counts the metadata keys that TestPutMetadata's span lacks.
func countNew(metadata map[string]string) int {
	n := 0
	for name := range metadata {
		if name != "n" && name != "tenant" {
			n++
		}
	}
	return n
}

func TestRetryAfterCapped(t *testing.T) {
	tests := []struct {
		name   string
		header string
		body   string
		want   time.Duration
	}{
		{"huge seconds", "99999999999999", "", maxRetryAfter},
		{"seconds beyond int64", "99999999999999999999999", `{"details":{"retryAfterSeconds":5}}`, 5 * time.Second},
		{"year 3000", "Wed, 01 Jan 3000 00:00:00 GMT", "", maxRetryAfter},
		{"huge body seconds", "", `{"details":{"retryAfterSeconds":1e300}}`, maxRetryAfter},
		{"fractional body seconds", "", `{"details":{"retryAfterSeconds":0.5}}`, 500 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			header := http.Header{}
			if tt.header != "" {
				header.Set("Retry-After", tt.header)
			}
			got, ok := retryAfter(response{status: 429, header: header, body: []byte(tt.body)})
			assert.True(t, ok)
			assert.Equal(t, tt.want, got)
		})
	}
}

func TestRedactEndpoint(t *testing.T) {
	tests := []struct {
		in   string
		want string
	}{
		{"https://cloud.langfuse.com", "https://cloud.langfuse.com"},
		{"https://pk:sk-secret@cloud.langfuse.com/x", "https://[redacted]@cloud.langfuse.com/x"},
		{"http://user@127.0.0.1:3000", "http://[redacted]@127.0.0.1:3000"},
		{"pk:sk-secret@host", "[redacted]@host"},
		{"https://host/path@x", "https://host/path@x"},
		{"https://a:b@c@host", "https://[redacted]@host"},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			assert.Equal(t, tt.want, redactEndpoint(tt.in))
		})
	}
}

func TestConfigRejectsEndpointUserInfo(t *testing.T) {
	for _, endpoint := range []string{
		"https://pk:sk-url-secret@cloud.langfuse.com",
		"https://pk:sk-url-secret@cloud.langfuse.com:bad-port",
		"ftp://pk:sk-url-secret@cloud.langfuse.com",
	} {
		t.Run(endpoint, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			cfg.ClientConfig.Endpoint = endpoint

			err := cfg.Validate()

			require.Error(t, err)
			assert.NotContains(t, err.Error(), "sk-url-secret")
			assert.Contains(t, err.Error(), "[redacted]@cloud.langfuse.com")
		})
	}
}

func TestEndpointPasswordNeverInErrorsOrLogs(t *testing.T) {
	const password = "sk-in-url-0123456789"
	srv := langfusetest.New(t)
	srv.Down()
	h := newHarness(t)
	cfg := serverConfig(srv, ProtocolOTLP)
	cfg.ClientConfig.Endpoint = strings.Replace(srv.URL(), "http://", "http://pk:"+password+"@", 1)
	cfg.SecretKey = configopaque.String(password)
	require.NotContains(t, fmt.Sprintf("%v %+v", *cfg, cfg.SecretKey), "secret_key: "+password)

	// Validate rejects this endpoint; the exporter must still not echo it
	// when started without validation.
	exp, err := createTracesWithReader(context.Background(), h.set, cfg, viewsByName(nil))
	require.NoError(t, err)
	require.NoError(t, exp.Start(context.Background(), componenttest.NewNopHost()))
	t.Cleanup(func() { require.NoError(t, exp.Shutdown(context.Background())) })

	err = exp.ConsumeTraces(context.Background(), makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

	require.Error(t, err)
	assert.NotContains(t, err.Error(), password)
	assert.Contains(t, err.Error(), "[redacted]@127.0.0.1")
	require.NotEmpty(t, h.logs.All())
	for _, entry := range h.logs.All() {
		assert.NotContains(t, entry.Message, password)
		for key, value := range entry.ContextMap() {
			assert.NotContains(t, toString(value), password, key)
		}
	}
}

func TestSecretKeyHiddenInConfigPrint(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	cfg.SecretKey = "sk-lf-print-secret"
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assert.NotContains(t, fmt.Sprintf(format, cfg), "sk-lf-print-secret", format)
		assert.NotContains(t, fmt.Sprintf(format, *cfg), "sk-lf-print-secret", format)
	}
}

func TestDryRunWriteErrorIsRetryable(t *testing.T) {
	h := newHarness(t)
	cfg := dryRunConfig(t, ProtocolOTLP)
	cfg.RetryConfig.Enabled = false
	name := "langfuse-dry-run-" + time.Now().UTC().Format("2006-01-02") + ".jsonl"
	// Writes to /dev/full fail with "no space left on device".
	require.NoError(t, os.Symlink("/dev/full", filepath.Join(cfg.DryRun.Directory, name)))
	exp := h.startTraces(t, cfg, viewsByName(nil))

	err := exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: "s", traceID: traceA, spanID: spanR}))

	require.Error(t, err)
	assert.False(t, consumererror.IsPermanent(err))
	assert.Contains(t, err.Error(), "write the dry-run file")
	assert.Equal(t, int64(0), h.counter(t, "otelcol_genai_exporter_langfuse_exported"))
}

func TestDryRunDirectoryNotCreatable(t *testing.T) {
	h := newHarness(t)
	cfg := dryRunConfig(t, ProtocolOTLP)
	file := filepath.Join(cfg.DryRun.Directory, "plain-file")
	require.NoError(t, os.WriteFile(file, nil, 0o600))
	cfg.DryRun.Directory = filepath.Join(file, "sub")

	exp, err := createTracesWithReader(context.Background(), h.set, cfg, viewsByName(nil))
	require.NoError(t, err)
	err = exp.Start(context.Background(), componenttest.NewNopHost())

	require.Error(t, err)
	assert.Contains(t, err.Error(), "create the dry-run directory")
	require.NoError(t, exp.Shutdown(context.Background()))
}

func TestConcurrentPushesShareTraceState(t *testing.T) {
	for _, protocol := range []Protocol{ProtocolOTLP, ProtocolIngestion} {
		t.Run(string(protocol), func(t *testing.T) {
			srv := langfusetest.New(t)
			h := newHarness(t)
			exp := h.startTraces(t, serverConfig(srv, protocol), defaultRead)

			const workers, pushes = 10, 5
			batches := make([][]ptrace.Traces, workers)
			for worker := range workers {
				for push := range pushes {
					// Every worker writes to the same two traces.
					traceID := traceA
					if push%2 == 1 {
						traceID = traceB
					}
					batches[worker] = append(batches[worker], makeTraces(t, spanSpec{
						name: "chat", traceID: traceID, spanID: pcommon.SpanID{byte(worker + 1), byte(push + 1), 1},
						parent: spanR,
						attrs: map[string]any{
							"gen_ai.operation.name": "chat", "gen_ai.request.model": "gpt-4o",
							"session.id": fmt.Sprintf("s-%d", worker), "langfuse.trace.tags": []any{"t"},
						},
					}))
				}
			}

			errs := make(chan error, workers*pushes)
			done := make(chan struct{})
			for worker := range workers {
				go func() {
					defer func() { done <- struct{}{} }()
					for _, td := range batches[worker] {
						errs <- exp.ConsumeTraces(context.Background(), td)
					}
				}()
			}
			for range workers {
				<-done
			}
			close(errs)
			for err := range errs {
				require.NoError(t, err)
			}

			assert.Equal(t, int64(workers*pushes), h.counter(t, "otelcol_genai_exporter_langfuse_exported",
				attribute.String("signal", "observation")))
		})
	}
}

func TestFlattenDeepAndHugeValues(t *testing.T) {
	encoder := newTestEncoder(t)
	attrs := pcommon.NewMap()
	// encoding/json, which checks the result, rejects nesting deeper than
	// 10,000 levels.
	nested := attrs.PutEmptyMap("deep")
	for range 5_000 {
		nested = nested.PutEmptyMap("k")
	}
	nested.PutStr("leaf", "x")
	list := attrs.PutEmptySlice("deep.list")
	for range 10_000 {
		list = list.AppendEmpty().SetEmptySlice()
	}
	attrs.PutStr("huge", strings.Repeat("h", 50<<20))

	encoder.flattenAndTruncate(context.Background(), attrs)

	deep, _ := attrs.Get("deep")
	assert.True(t, json.Valid([]byte(deep.Str())))
	assert.True(t, strings.HasSuffix(deep.Str(), `{"leaf":"x"}`+strings.Repeat("}", 5_000)))
	huge, _ := attrs.Get("huge")
	assert.LessOrEqual(t, len(huge.Str()), defaultMaxFieldBytes)
	assert.Contains(t, huge.Str(), "…[truncated ")
}

func TestEmptyTracesSendNothing(t *testing.T) {
	for _, protocol := range []Protocol{ProtocolOTLP, ProtocolIngestion} {
		t.Run(string(protocol), func(t *testing.T) {
			srv := langfusetest.New(t)
			h := newHarness(t)
			exp := h.startTraces(t, serverConfig(srv, protocol), defaultRead)

			td := ptrace.NewTraces()
			td.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty()

			require.NoError(t, exp.ConsumeTraces(context.Background(), td))
			require.NoError(t, exp.ConsumeTraces(context.Background(), ptrace.NewTraces()))
			assert.Empty(t, srv.Requests())
		})
	}
}

func TestDropLogCapsSpanName(t *testing.T) {
	srv := langfusetest.New(t)
	h := newHarness(t)
	exp := h.startTraces(t, serverConfig(srv, ProtocolOTLP), viewsByName(nil))

	require.NoError(t, exp.ConsumeTraces(context.Background(),
		makeTraces(t, spanSpec{name: strings.Repeat("n", 1<<20), spanID: spanR})))

	logged := h.logs.FilterMessageSnippet("Dropped a span").All()
	require.Len(t, logged, 1)
	name, ok := logged[0].ContextMap()["span_name"].(string)
	require.True(t, ok)
	assert.LessOrEqual(t, len(name), maxLoggedMessageBytes)
}
