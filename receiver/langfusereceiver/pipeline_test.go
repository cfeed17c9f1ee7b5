package langfusereceiver

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/receiver"
	"go.opentelemetry.io/collector/receiver/receivertest"
)

func TestPipelineErrorStatus(t *testing.T) {
	memoryLimitErr := errors.New("data refused due to high memory usage")
	tests := []struct {
		name       string
		err        error
		wantEvent  int
		wantScore  int
		wantOTLP   int
		retryAfter bool
	}{
		{name: "retryable", err: memoryLimitErr, wantEvent: http.StatusInternalServerError,
			wantScore: http.StatusInternalServerError, wantOTLP: http.StatusServiceUnavailable},
		{name: "permanent", err: consumererror.NewPermanent(errors.New("invalid span")),
			wantEvent: http.StatusBadRequest, wantScore: http.StatusBadRequest,
			wantOTLP: http.StatusBadRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tr := startReceiver(t, receiverOptions{nextTraces: consumertest.NewErr(tt.err),
				nextLogs: consumertest.NewErr(tt.err)})
			resp := tr.postBatch(t,
				ingestionEvent("e1", "event-create", ts, map[string]any{"id": "a", "traceId": "t"}),
				ingestionEvent("e2", "score-create", ts, map[string]any{"name": "q", "value": 1,
					"traceId": "t"}),
			)
			require.Equal(t, http.StatusMultiStatus, resp.status)
			var parsed ingestionResponse
			require.NoError(t, json.Unmarshal(resp.raw, &parsed))
			assert.Empty(t, parsed.Successes)
			require.Len(t, parsed.Errors, 2)
			for _, e := range parsed.Errors {
				assert.Equal(t, tt.wantEvent, e.Status, "event %s", e.ID)
			}

			resp = tr.post(t, pathScores, []byte(`{"name":"q","value":1,"traceId":"t"}`))
			assert.Equal(t, tt.wantScore, resp.status, "body: %s", resp.raw)

			otlp := `{"resourceSpans":[{"scopeSpans":[{"spans":[{"traceId":` +
				`"40465b016e146213ee58e780388a6371","spanId":"7718d98ffe31bf09","name":"s"}]}]}]}`
			resp = tr.post(t, pathOTLP, []byte(otlp))
			assert.Equal(t, tt.wantOTLP, resp.status, "body: %s", resp.raw)
		})
	}
}

// TestPipelineErrorThenResend checks that a batch rejected by the pipeline
// is sent whole when the SDK resends it with the same event ids.
func TestPipelineErrorThenResend(t *testing.T) {
	next := &switchableTraces{err: errors.New("data refused due to high memory usage")}
	tr := startReceiver(t, receiverOptions{nextTraces: next})
	events := []map[string]any{
		ingestionEvent("c1", "span-create", ts, map[string]any{"id": "s", "traceId": "t",
			"name": "work", "input": "question"}),
		ingestionEvent("u1", "span-update", ts, map[string]any{"id": "s", "traceId": "t",
			"endTime": ts, "output": "answer"}),
	}
	resp := tr.postBatch(t, events...)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	var parsed ingestionResponse
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	require.Len(t, parsed.Errors, 2)

	next.setErr(nil)
	resp = tr.postBatch(t, events...)
	require.NoError(t, json.Unmarshal(resp.raw, &parsed))
	assert.Len(t, parsed.Successes, 2)
	assert.Empty(t, parsed.Errors)
	require.Equal(t, 1, next.sink.SpanCount())
	span := next.sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans().At(0)
	assert.Equal(t, "work", span.Name())
	assert.Equal(t, "question", attrString(span, attrObservationInput))
	assert.Equal(t, "answer", attrString(span, attrObservationOutput))
}

func TestShutdownFlushesPendingObservations(t *testing.T) {
	sink := new(consumertest.TracesSink)
	factory := NewFactory()
	cfg := factory.CreateDefaultConfig().(*Config)
	cfg.ServerConfig.NetAddr.Endpoint = "127.0.0.1:0"
	cfg.Keys = []KeyPair{{PublicKey: testPublicKey, SecretKey: testSecretKey}}
	cfg.MergeTimeout = time.Hour
	set := newNopSettings()
	rcv, err := factory.CreateTraces(context.Background(), set, cfg, sink)
	require.NoError(t, err)
	require.NoError(t, rcv.Start(context.Background(), nopHost()))
	tr := &testReceiver{receiver: rcv.(*sharedReceiver).receiver}
	tr.baseURL = "http://" + tr.receiver.address

	resp := tr.postBatch(t,
		ingestionEvent("e1", "trace-create", ts, map[string]any{"id": "t", "name": "root"}),
		ingestionEvent("e2", "span-create", ts, map[string]any{"id": "open", "traceId": "t",
			"name": "open-span"}),
		ingestionEvent("e3", "generation-update", ts, map[string]any{"id": "orphan",
			"traceId": "t", "name": "update-only"}),
	)
	require.Equal(t, http.StatusMultiStatus, resp.status)
	assert.Zero(t, sink.SpanCount(), "nothing is complete before shutdown")

	require.NoError(t, rcv.Shutdown(context.Background()))
	names := map[string]bool{}
	for _, traces := range sink.AllTraces() {
		spans := traces.ResourceSpans().At(0).ScopeSpans().At(0).Spans()
		for i := 0; i < spans.Len(); i++ {
			names[spans.At(i).Name()] = true
		}
	}
	assert.Equal(t, map[string]bool{"root": true, "open-span": true, "update-only": true}, names)
}

// switchableTraces fails with err while it is set and otherwise stores the
// spans in sink.
type switchableTraces struct {
	mu   sync.Mutex
	err  error
	sink consumertest.TracesSink
}

func (s *switchableTraces) setErr(err error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.err = err
}

func (s *switchableTraces) Capabilities() consumer.Capabilities {
	return consumer.Capabilities{}
}

func (s *switchableTraces) ConsumeTraces(ctx context.Context, traces ptrace.Traces) error {
	s.mu.Lock()
	err := s.err
	s.mu.Unlock()
	if err != nil {
		return err
	}
	return s.sink.ConsumeTraces(ctx, traces)
}

func newNopSettings() receiver.Settings {
	return receivertest.NewNopSettings(componentType)
}

func nopHost() component.Host {
	return componenttest.NewNopHost()
}
