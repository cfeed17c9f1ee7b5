package e2e

import (
	"bufio"
	"fmt"
	"math"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/pdata/ptrace"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// loopbackEndpoint matches the host:port listeners in collector-config.yaml.
var loopbackEndpoint = regexp.MustCompile(`127\.0\.0\.1:(\d+)`)

// defaultConfigWithFreePorts returns collector-config.yaml with every
// loopback port, the telemetry port included, moved to a free one, and the
// new port of each old one.
func defaultConfigWithFreePorts(t *testing.T) (string, map[string]int) {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "collector-config.yaml"))
	if err != nil {
		t.Fatalf("read the default configuration: %v", err)
	}
	ports := map[string]int{}
	config := loopbackEndpoint.ReplaceAllStringFunc(string(raw), func(endpoint string) string {
		old := strings.TrimPrefix(endpoint, "127.0.0.1:")
		if _, ok := ports[old]; !ok {
			ports[old] = FreePort(t)
		}
		return fmt.Sprintf("127.0.0.1:%d", ports[old])
	})
	const telemetryPort = "port: 8888"
	if !strings.Contains(config, telemetryPort) {
		t.Fatalf("the default configuration has no %q for the collector's own metrics", telemetryPort)
	}
	ports["8888"] = FreePort(t)
	config = strings.Replace(config, telemetryPort, fmt.Sprintf("port: %d", ports["8888"]), 1)
	for _, port := range []string{"4318", "8889", "13133"} {
		if _, ok := ports[port]; !ok {
			t.Fatalf("the default configuration has no 127.0.0.1:%s listener", port)
		}
	}
	return config, ports
}

// startDefaultCollector runs the built binary with collector-config.yaml on
// free ports, exporting to lf, and returns it with the URL of its cost
// metrics.
func startDefaultCollector(t *testing.T, lf *langfusetest.Server) (*Collector, string) {
	t.Helper()
	binary := RequireE2E(t)
	env := []string{
		"LANGFUSE_BASE_URL=" + lf.URL(),
		"LANGFUSE_PUBLIC_KEY=" + lf.PublicKey(),
		"LANGFUSE_SECRET_KEY=" + lf.SecretKey(),
	}
	var costMetrics string
	c := startUntilReady(t, func() *Collector {
		config, ports := defaultConfigWithFreePorts(t)
		path := filepath.Join(t.TempDir(), "collector-config.yaml")
		if err := os.WriteFile(path, []byte(config), 0o600); err != nil {
			t.Fatalf("write configuration: %v", err)
		}
		costMetrics = fmt.Sprintf("http://127.0.0.1:%d/metrics", ports["8889"])
		c := &Collector{
			OTLPHTTP:   fmt.Sprintf("http://127.0.0.1:%d", ports["4318"]),
			HealthURL:  fmt.Sprintf("http://127.0.0.1:%d/status", ports["13133"]),
			MetricsURL: fmt.Sprintf("http://127.0.0.1:%d/metrics", ports["8888"]),
			ConfigPath: path,
			t:          t,
			output:     &lockedBuffer{},
			exited:     make(chan struct{}),
		}
		c.start(binary, env)
		return c
	})
	return c, costMetrics
}

// sample is one line of the Prometheus text format.
type sample struct {
	labels string
	value  float64
}

// scrapeMetrics returns the samples at url by metric name.
func scrapeMetrics(t *testing.T, url string) map[string][]sample {
	t.Helper()
	client := &http.Client{Timeout: 5 * time.Second}
	resp, err := client.Get(url)
	if err != nil {
		t.Fatalf("GET %s: %v", url, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: status %d", url, resp.StatusCode)
	}

	out := map[string][]sample{}
	scanner := bufio.NewScanner(resp.Body)
	scanner.Buffer(make([]byte, 0, 64<<10), 1<<20)
	for scanner.Scan() {
		line := scanner.Text()
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		cut := strings.LastIndexByte(line, ' ')
		value, err := strconv.ParseFloat(line[cut+1:], 64)
		if cut < 0 || err != nil {
			t.Fatalf("unparsable metrics line %q", line)
		}
		name, labels, _ := strings.Cut(line[:cut], "{")
		out[name] = append(out[name], sample{labels: strings.TrimSuffix(labels, "}"), value: value})
	}

	if err := scanner.Err(); err != nil {
		t.Fatalf("read %s: %v", url, err)
	}
	return out
}

func sum(samples []sample) float64 {
	total := 0.0
	for _, s := range samples {
		total += s.value
	}
	return total
}

// TestDefaultConfigCostMetrics runs the collector with collector-config.yaml
// and sends one agent trace: two model calls under an agent span that
// repeats their usage and carries the user id, an e-mail address. It reads
// the cost, call, token and per-user cost metrics that the prometheus
// exporter serves. The agent span's usage is not counted, the calls get the
// user id from their trace, and the address never reaches a metric label.
func TestDefaultConfigCostMetrics(t *testing.T) {
	lf := langfusetest.New(t)
	c, costMetrics := startDefaultCollector(t, lf)

	const email = "jane.roe@example.com"
	td := ptrace.NewTraces()
	rs := td.ResourceSpans().AppendEmpty()
	rs.Resource().Attributes().PutStr("service.name", "checkout")
	ss := rs.ScopeSpans().AppendEmpty()
	traceID := newTraceID()
	root := ss.Spans().AppendEmpty()
	root.SetTraceID(traceID)
	root.SetSpanID(newSpanID())
	root.SetName("invoke_agent support")
	root.Attributes().PutStr("gen_ai.operation.name", "invoke_agent")
	root.Attributes().PutStr("user.id", email)
	root.Attributes().PutInt("gen_ai.usage.input_tokens", 3000)
	root.Attributes().PutInt("gen_ai.usage.output_tokens", 150)
	for _, call := range []struct {
		model         string
		input, output int64
	}{
		{"gpt-4o", 1000, 100},
		{"gpt-4o-mini", 2000, 50},
	} {
		span := ss.Spans().AppendEmpty()
		span.SetTraceID(traceID)
		span.SetSpanID(newSpanID())
		span.SetParentSpanID(root.SpanID())
		span.SetName("chat " + call.model)
		attrs := span.Attributes()
		attrs.PutStr("gen_ai.operation.name", "chat")
		attrs.PutStr("gen_ai.provider.name", "openai")
		attrs.PutStr("gen_ai.request.model", call.model)
		attrs.PutStr("app.feature", "refunds")
		attrs.PutInt("gen_ai.usage.input_tokens", call.input)
		attrs.PutInt("gen_ai.usage.output_tokens", call.output)
	}
	SendTraces(t, c, td)

	// OpenAI's list prices in USD per 1M tokens: gpt-4o 2.50 input and
	// 10.00 output, gpt-4o-mini 0.15 input and 0.60 output.
	wantCost := (1000*2.5 + 100*10.0 + 2000*0.15 + 50*0.6) / 1e6

	var metrics map[string][]sample
	deadline := time.Now().Add(30 * time.Second)
	for {
		metrics = scrapeMetrics(t, costMetrics)
		if len(metrics["genai_user_cost_usd_total"]) > 0 && len(metrics["genai_calls_total"]) > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no cost metrics at %s after 30s; metrics: %v\ncollector output:\n%s",
				costMetrics, metrics, c.Output())
		}
		time.Sleep(pollInterval)
	}

	assertRelative := func(name string, want, got float64) {
		t.Helper()
		if math.Abs(got-want) > 1e-9*math.Abs(want) {
			t.Errorf("%s = %v, want %v", name, got, want)
		}
	}
	assertRelative("genai_cost_usd_total", wantCost, sum(metrics["genai_cost_usd_total"]))
	assertRelative("genai_calls_total", 2, sum(metrics["genai_calls_total"]))
	assertRelative("genai_tokens_input_total", 3000, sum(metrics["genai_tokens_input_total"]))
	assertRelative("genai_tokens_output_total", 150, sum(metrics["genai_tokens_output_total"]))

	users := metrics["genai_user_cost_usd_total"]
	if len(users) != 1 {
		t.Fatalf("genai_user_cost_usd_total has %d series, want 1: %v", len(users), users)
	}
	assertRelative("genai_user_cost_usd_total", wantCost, users[0].value)
	if !strings.Contains(users[0].labels, `user_id="`) {
		t.Errorf("per-user cost series has no user_id label: %s", users[0].labels)
	}
	for name, samples := range metrics {
		for _, s := range samples {
			if strings.Contains(s.labels, "example.com") || strings.Contains(s.labels, "jane.roe") {
				t.Errorf("%s{%s} carries the unmasked e-mail address", name, s.labels)
			}
		}
	}
	// The prometheus exporter turns service.name into the job label.
	for _, s := range metrics["genai_calls_total"] {
		if !strings.Contains(s.labels, `app_feature="refunds"`) {
			t.Errorf("genai_calls_total{%s} has no app_feature label", s.labels)
		}
		if !strings.Contains(s.labels, `job="checkout"`) {
			t.Errorf("genai_calls_total{%s} has no job label from service.name", s.labels)
		}
	}
}
