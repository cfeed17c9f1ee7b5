package masking

import (
	"bytes"
	"compress/gzip"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/redactionprocessor"
	"github.com/open-telemetry/opentelemetry-collector-contrib/processor/transformprocessor"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumertest"
	"go.opentelemetry.io/collector/receiver/otlpreceiver"
	"go.opentelemetry.io/collector/receiver/receivertest"

	"github.com/otelcol-genai/otelcol-genai/processor/genaiprocessor"
)

// clients is the number of client goroutines that post requests at the
// same time, each over its own keep-alive connection.
const clients = 2

// requestsPerTurn is the number of requests each pipeline receives in one
// iteration of BenchmarkReceiverPipelinesRatios, spread over the clients.
const requestsPerTurn = 2 * clients

// bodyEncoding is a way to send the request body: uncompressed, or gzip
// compressed as the collector's otlphttp exporter v0.165.0 does by default.
type bodyEncoding struct {
	name            string
	contentEncoding string
}

var bodyEncodings = []bodyEncoding{
	{name: "plain"},
	{name: "gzip", contentEncoding: "gzip"},
}

// encode returns buf encoded for the Content-Encoding of e.
func (e bodyEncoding) encode(tb testing.TB, buf []byte) []byte {
	if e.contentEncoding == "" {
		return buf
	}

	var out bytes.Buffer
	w := gzip.NewWriter(&out)
	_, err := w.Write(buf)
	require.NoError(tb, err)
	require.NoError(tb, w.Close())
	return out.Bytes()
}

// consumerPipeline is one compared pipeline as it runs behind the OTLP
// receiver: the processor, if any, in front of the next consumer.
type consumerPipeline struct {
	name  string
	build func(tb testing.TB, next consumer.Traces) consumer.Traces
}

func consumerPipelines() []consumerPipeline {
	return []consumerPipeline{
		{"passthrough", func(_ testing.TB, next consumer.Traces) consumer.Traces {
			return next
		}},
		{"redaction", func(tb testing.TB, next consumer.Traces) consumer.Traces {
			return startProcessor(tb, redactionprocessor.NewFactory(), redactionConfig(), next)
		}},
		{"transform", func(tb testing.TB, next consumer.Traces) consumer.Traces {
			return startProcessor(tb, transformprocessor.NewFactory(), transformConfig(), next)
		}},
		{"genai", func(tb testing.TB, next consumer.Traces) consumer.Traces {
			return startProcessor(tb, genaiprocessor.NewFactory(), genaiConfig(), next)
		}},
	}
}

// startReceiver starts the core OTLP receiver with only its HTTP protocol,
// on a free loopback port, in front of next. It returns the traces URL and
// shuts the receiver down when tb ends.
func startReceiver(tb testing.TB, next consumer.Traces) string {
	endpoint := freeLoopbackEndpoint(tb)
	factory := otlpreceiver.NewFactory()
	cfg := factory.CreateDefaultConfig()
	conf := confmap.NewFromStringMap(map[string]any{
		"protocols": map[string]any{"http": map[string]any{"endpoint": endpoint}},
	})
	require.NoError(tb, conf.Unmarshal(cfg))
	require.NoError(tb, cfg.(*otlpreceiver.Config).Protocols.Validate())

	set := receivertest.NewNopSettings(factory.Type())
	r, err := factory.CreateTraces(context.Background(), set, cfg, next)
	require.NoError(tb, err)
	require.NoError(tb, r.Start(context.Background(), componenttest.NewNopHost()))
	tb.Cleanup(func() { require.NoError(tb, r.Shutdown(context.Background())) })
	return "http://" + endpoint + "/v1/traces"
}

// freeLoopbackEndpoint returns a 127.0.0.1 address whose port was free a
// moment ago. The receiver takes an endpoint and does not report the port
// it bound, so the port is chosen here.
func freeLoopbackEndpoint(tb testing.TB) string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	endpoint := l.Addr().String()
	require.NoError(tb, l.Close())
	return endpoint
}

// otlpClient posts one pre-encoded OTLP/HTTP protobuf request body.
type otlpClient struct {
	http            *http.Client
	body            []byte
	contentEncoding string
}

func newOTLPClient(tb testing.TB, body []byte, e bodyEncoding) *otlpClient {
	transport := &http.Transport{
		Proxy:               nil,
		MaxIdleConnsPerHost: clients,
		DisableCompression:  true,
	}
	tb.Cleanup(transport.CloseIdleConnections)
	return &otlpClient{
		http:            &http.Client{Transport: transport, Timeout: 30 * time.Second},
		body:            body,
		contentEncoding: e.contentEncoding,
	}
}

// post sends the body to url once and reads the whole response, so the
// connection can be reused.
func (c *otlpClient) post(url string) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(c.body))
	if err != nil {
		return fmt.Errorf("invalid receiver URL %q: %w", url, err)
	}
	req.Header.Set("Content-Type", "application/x-protobuf")
	if c.contentEncoding != "" {
		req.Header.Set("Content-Encoding", c.contentEncoding)
	}

	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("POST %s failed: %w", url, err)
	}
	defer resp.Body.Close()
	reply, err := io.ReadAll(resp.Body)
	if err != nil {
		return fmt.Errorf("reading the response of POST %s failed: %w", url, err)
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("POST %s returned %s, expected 200 OK: %q", url, resp.Status, reply)
	}
	return nil
}

// send posts n requests to url from clients goroutines at once and returns
// the errors that stopped any of them.
func (c *otlpClient) send(url string, n int) error {
	var sent atomic.Int64
	var wg sync.WaitGroup
	errs := make([]error, clients)
	for k := range clients {
		wg.Go(func() {
			for sent.Add(1) <= int64(n) {
				if err := c.post(url); err != nil {
					errs[k] = err
					return
				}
			}
		})
	}
	wg.Wait()
	return errors.Join(errs...)
}

// TestReceiverPipelinesMaskEmails checks that every pipeline behind the
// OTLP receiver accepts both body encodings and delivers all spans, and
// that the masking pipelines remove all four addresses while passthrough
// keeps them.
func TestReceiverPipelinesMaskEmails(t *testing.T) {
	buf := request(t)
	for _, e := range bodyEncodings {
		body := e.encode(t, buf)
		for _, p := range consumerPipelines() {
			t.Run(e.name+"/"+p.name, func(t *testing.T) {
				sink := &consumertest.TracesSink{}
				url := startReceiver(t, p.build(t, sink))
				require.NoError(t, newOTLPClient(t, body, e).send(url, 1))

				require.Len(t, sink.AllTraces(), 1)
				spans := sink.AllTraces()[0].ResourceSpans().At(0).ScopeSpans().At(0).Spans()
				require.Equal(t, spansPerRequest, spans.Len())
				for i := 0; i < spans.Len(); i++ {
					v, ok := spans.At(i).Attributes().Get("gen_ai.prompt")
					require.True(t, ok, "span %d", i)
					if p.name == "passthrough" {
						assert.Contains(t, v.Str(), "jane.doe@example.com", "span %d", i)
					} else {
						assert.NotContains(t, v.Str(), "@example", "span %d", i)
					}
					assert.Contains(t, v.Str(), "order 4821-", "span %d: other text kept", i)
				}
			})
		}
	}
}

// TestOTLPClientReportsRejection checks that a request the receiver rejects
// fails the client, so a benchmark cannot count failed requests as work.
func TestOTLPClientReportsRejection(t *testing.T) {
	url := startReceiver(t, consumertest.NewNop())
	client := newOTLPClient(t, []byte("not a protobuf request"), bodyEncodings[1])

	err := client.send(url, 3)

	require.Error(t, err)
	assert.Contains(t, err.Error(), "expected 200 OK")
}

// BenchmarkReceiverPipelines runs each pipeline on its own behind the OTLP
// receiver, with clients goroutines posting the same request body over
// loopback, and reports spans per second of wall time and the process CPU
// time per request. The CPU time includes the client's work.
func BenchmarkReceiverPipelines(b *testing.B) {
	buf := request(b)
	for _, e := range bodyEncodings {
		body := e.encode(b, buf)
		for _, p := range consumerPipelines() {
			b.Run(e.name+"/"+p.name, func(b *testing.B) {
				url := startReceiver(b, p.build(b, consumertest.NewNop()))
				client := newOTLPClient(b, body, e)

				// One request per client opens the keep-alive connections
				// and warms the pipeline before the timer starts.
				if err := client.send(url, clients); err != nil {
					b.Fatal(err)
				}

				b.SetBytes(int64(len(body)))
				b.ReportAllocs()
				cpu0 := processCPUTime()
				b.ResetTimer()
				if err := client.send(url, b.N); err != nil {
					b.Fatal(err)
				}
				b.StopTimer()

				b.ReportMetric(float64(spansPerRequest*b.N)/b.Elapsed().Seconds(), "spans/s")
				if cpu := processCPUTime() - cpu0; cpu > 0 {
					b.ReportMetric(float64(cpu.Nanoseconds())/float64(b.N), "cpu-ns/op")
				}
			})
		}
	}
}

// BenchmarkReceiverPipelinesRatios starts the four pipelines behind four OTLP
// receivers. Every iteration sends requestsPerTurn requests to each of them
// in turn, starting with a different one each time, so that load from other
// processes falls on all of them alike. It reports the figures of
// BenchmarkMaskingRatios, and its CPU figures include the client's work.
func BenchmarkReceiverPipelinesRatios(b *testing.B) {
	buf := request(b)
	for _, e := range bodyEncodings {
		body := e.encode(b, buf)
		b.Run(e.name, func(b *testing.B) {
			ps := consumerPipelines()
			client := newOTLPClient(b, body, e)
			urls := make([]string, len(ps))
			names := make([]string, len(ps))
			for j, p := range ps {
				names[j] = p.name
				urls[j] = startReceiver(b, p.build(b, consumertest.NewNop()))
				if err := client.send(urls[j], clients); err != nil {
					b.Fatal(err)
				}
			}
			wall := make([]time.Duration, len(ps))
			cpu := make([]time.Duration, len(ps))

			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				for k := range ps {
					j := (i + k) % len(ps)
					w0, c0 := time.Now(), processCPUTime()
					if err := client.send(urls[j], requestsPerTurn); err != nil {
						b.Fatal(err)
					}
					cpu[j] += processCPUTime() - c0
					wall[j] += time.Since(w0)
				}
			}
			b.StopTimer()

			reportRatios(b, names, wall, cpu, float64(spansPerRequest*requestsPerTurn*b.N))
		})
	}
}
