package e2e

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/otelcol-genai/otelcol-genai/internal/langfusetest"
)

// Environment variables that control the end-to-end tests.
const (
	// EnvBinary is the absolute path to the otelcol-genai binary under test.
	EnvBinary = "OTELCOL_GENAI_BINARY"
	// EnvMode set to "required" turns every missing prerequisite into a
	// test failure instead of a skip.
	EnvMode = "OTELCOL_GENAI_E2E"
)

// Timeouts of the harness. They bound waits on loopback traffic, so they
// are generous for a loaded 2-core machine and are never reached when the
// collector works.
const (
	collectorStartTimeout = 30 * time.Second
	collectorStopTimeout  = 10 * time.Second
	nodeScriptTimeout     = 90 * time.Second
	deliveryTimeout       = 30 * time.Second
	pollInterval          = 100 * time.Millisecond
)

// Protocols of the langfuse exporter.
const (
	ProtocolOTLP      = "otlp"
	ProtocolIngestion = "ingestion"
)

var (
	prerequisitesOnce sync.Once
	prerequisitesErr  error
	binaryPath        string
)

// RequireE2E returns the binary path when every prerequisite is present. A
// missing one skips the test, or fails it when OTELCOL_GENAI_E2E=required.
func RequireE2E(t testing.TB) string {
	t.Helper()

	prerequisitesOnce.Do(func() {
		binaryPath, prerequisitesErr = checkPrerequisites()
	})
	if prerequisitesErr == nil {
		return binaryPath
	}
	if os.Getenv(EnvMode) == "required" {
		t.Fatalf("end-to-end prerequisites missing (%s=required): %v", EnvMode, prerequisitesErr)
	}
	t.Skipf("skipping end-to-end test: %v (set %s=required to fail instead)", prerequisitesErr, EnvMode)
	return ""
}

func checkPrerequisites() (string, error) {
	binary := os.Getenv(EnvBinary)
	if binary == "" {
		return "", fmt.Errorf("%s is not set: run `make build` and set it to the absolute path of _build/otelcol-genai", EnvBinary)
	}
	if !filepath.IsAbs(binary) {
		return "", fmt.Errorf("%s=%q is not an absolute path: go test runs in the package directory", EnvBinary, binary)
	}
	info, err := os.Stat(binary)
	if err != nil {
		return "", fmt.Errorf("collector binary %s=%q not found: run `make build`: %w", EnvBinary, binary, err)
	}
	if info.IsDir() || info.Mode()&0o111 == 0 {
		return "", fmt.Errorf("collector binary %s=%q is not an executable file", EnvBinary, binary)
	}

	if _, err := exec.LookPath("node"); err != nil {
		return "", fmt.Errorf("node not found on PATH: install Node.js 20 or later: %w", err)
	}
	lockMarker := filepath.Join("node_modules", ".package-lock.json")
	if _, err := os.Stat(lockMarker); err != nil {
		return "", fmt.Errorf("e2e/node_modules is missing: run `make e2e-deps` (npm ci in e2e/): %w", err)
	}
	if err := statScripts(); err != nil {
		return "", err
	}

	out, err := exec.Command(binary, "components").CombinedOutput()
	if err != nil {
		return "", fmt.Errorf("run %s components: %w: %s", binary, err, out)
	}
	if !componentListed(string(out), "exporters", "langfuse") {
		return "", fmt.Errorf("collector binary %s has no langfuse exporter: add exporter/langfuseexporter to builder-config.yaml and run `make build`", binary)
	}
	return binary, nil
}

// statScripts stats every node script so that go test's result cache, which
// records the files a test opens or stats, reruns the tests after a script
// changes.
func statScripts() error {
	return filepath.WalkDir("js", func(path string, entry os.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read e2e scripts: %w", err)
		}
		if !entry.IsDir() {
			_, err = os.Stat(path)
		}
		return err
	})
}

// componentListed reports whether the output of `otelcol components` lists a
// component of the given kind ("receivers", "exporters", ...) and type.
func componentListed(components, kind, name string) bool {
	section := ""
	scanner := bufio.NewScanner(strings.NewReader(components))
	for scanner.Scan() {
		line := scanner.Text()
		if !strings.HasPrefix(line, " ") && strings.HasSuffix(line, ":") {
			section = strings.TrimSuffix(line, ":")
			continue
		}
		if section == kind && strings.TrimSpace(line) == "- name: "+name {
			return true
		}
	}
	return false
}

// FreePort returns a TCP port on 127.0.0.1 that was free a moment ago. Another
// process can take it before the caller binds it, which StartCollector
// detects as a failed start.
func FreePort(t testing.TB) int {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("find a free loopback port: %v", err)
	}
	defer listener.Close()
	return listener.Addr().(*net.TCPAddr).Port
}

// CollectorOptions describe one collector process. Zero values give the
// default pipeline: otlp receiver -> genai processor -> langfuse exporter
// (OTLP protocol) with a persistent file_storage queue.
type CollectorOptions struct {
	// Langfuse is the test server the exporter sends to. Required.
	Langfuse *langfusetest.Server
	// PublicKey and SecretKey default to the test server's keys.
	PublicKey string
	SecretKey string
	// Protocol is ProtocolOTLP (default) or ProtocolIngestion.
	Protocol string
	// StorageDir is the file_storage directory of the persistent queue. The
	// default is a new t.TempDir(); pass a previous collector's StorageDir to
	// resume its queue.
	StorageDir string
	// Processor is the genai processor configuration; nil keeps its defaults.
	Processor map[string]any
	// Exporter is merged over the generated langfuse exporter configuration,
	// one top-level key at a time.
	Exporter map[string]any
	// Configure, when set, edits the whole generated configuration before it
	// is written, for example to add a receiver to a pipeline.
	Configure func(cfg map[string]any)
}

// Collector is one running otelcol-genai process.
type Collector struct {
	// OTLPHTTP is the base URL of the OTLP/HTTP receiver, such as
	// http://127.0.0.1:41234; traces go to OTLPHTTP + "/v1/traces".
	OTLPHTTP string
	// OTLPGRPC is the host:port of the OTLP/gRPC receiver.
	OTLPGRPC string
	// HealthURL responds with 200 once every pipeline has started.
	HealthURL string
	// MetricsURL serves the collector's own metrics in Prometheus format.
	MetricsURL string
	// StorageDir is the persistent queue directory.
	StorageDir string
	// ConfigPath is the generated configuration file.
	ConfigPath string

	t      testing.TB
	cmd    *exec.Cmd
	output *lockedBuffer
	exited chan struct{}
	err    error
}

// StartCollector writes a configuration for opts, starts the binary and
// waits until its health check returns 200. The process is stopped (SIGTERM,
// then SIGKILL) when the test ends, and its output is logged if the test
// failed. A start that fails because another process took one of the free
// ports is retried with new ports, up to startAttempts times.
func StartCollector(t testing.TB, opts CollectorOptions) *Collector {
	t.Helper()
	binary := RequireE2E(t)
	if opts.Langfuse == nil {
		t.Fatal("StartCollector: CollectorOptions.Langfuse is nil: start a langfusetest server first")
	}
	if opts.StorageDir == "" {
		opts.StorageDir = t.TempDir()
	}

	return startUntilReady(t, func() *Collector { return startCollectorProcess(t, binary, opts) })
}

// startUntilReady calls start, which starts a collector on new free ports,
// until the collector's health check returns 200. It retries up to
// startAttempts times when another process took one of the ports first.
func startUntilReady(t testing.TB, start func() *Collector) *Collector {
	t.Helper()
	for attempt := 1; ; attempt++ {
		c := start()
		err := c.waitReady()
		if err == nil {
			return c
		}
		c.Stop()
		if attempt < startAttempts && strings.Contains(c.Output(), "address already in use") {
			t.Logf("collector start %d of %d lost a port race, retrying with new ports: %v", attempt, startAttempts, err)
			continue
		}
		t.Fatalf("%v; collector output:\n%s", err, c.Output())
	}
}

// startAttempts is how often StartCollector starts the binary when another
// process binds one of its ports first.
const startAttempts = 3

func startCollectorProcess(t testing.TB, binary string, opts CollectorOptions) *Collector {
	t.Helper()
	c := &Collector{
		OTLPHTTP:   fmt.Sprintf("http://127.0.0.1:%d", FreePort(t)),
		OTLPGRPC:   fmt.Sprintf("127.0.0.1:%d", FreePort(t)),
		StorageDir: opts.StorageDir,
		t:          t,
		output:     &lockedBuffer{},
		exited:     make(chan struct{}),
	}
	healthPort := FreePort(t)
	metricsPort := FreePort(t)
	c.HealthURL = fmt.Sprintf("http://127.0.0.1:%d/status", healthPort)
	c.MetricsURL = fmt.Sprintf("http://127.0.0.1:%d/metrics", metricsPort)

	cfg := collectorConfig(opts, c, healthPort, metricsPort)
	if opts.Configure != nil {
		opts.Configure(cfg)
	}
	c.ConfigPath = writeConfig(t, cfg)
	c.start(binary, nil)
	return c
}

// start runs the binary with c.ConfigPath and env added to the test's
// environment, and stops it when the test ends.
func (c *Collector) start(binary string, env []string) {
	t := c.t
	t.Helper()
	c.cmd = exec.Command(binary, "--config", c.ConfigPath)
	// Relative paths in component defaults and configurations, such as the
	// exporter's dry-run directory, resolve inside a temporary directory.
	c.cmd.Dir = t.TempDir()
	if env != nil {
		c.cmd.Env = append(os.Environ(), env...)
	}
	c.cmd.Stdout = c.output
	c.cmd.Stderr = c.output
	if err := c.cmd.Start(); err != nil {
		t.Fatalf("start collector %s: %v", binary, err)
	}
	go func() {
		c.err = c.cmd.Wait()
		close(c.exited)
	}()

	t.Cleanup(func() {
		c.Stop()
		if t.Failed() {
			t.Logf("collector (pid %d, config %s) output:\n%s", c.cmd.Process.Pid, c.ConfigPath, c.Output())
		}
	})
}

// collectorConfig builds the configuration as a map; JSON is valid YAML, so
// it is written with encoding/json.
func collectorConfig(opts CollectorOptions, c *Collector, healthPort, metricsPort int) map[string]any {
	publicKey := opts.PublicKey
	if publicKey == "" {
		publicKey = opts.Langfuse.PublicKey()
	}
	secretKey := opts.SecretKey
	if secretKey == "" {
		secretKey = opts.Langfuse.SecretKey()
	}
	protocol := opts.Protocol
	if protocol == "" {
		protocol = ProtocolOTLP
	}

	exporter := map[string]any{
		"endpoint":   opts.Langfuse.URL(),
		"public_key": publicKey,
		"secret_key": secretKey,
		"protocol":   protocol,
		"timeout":    "5s",
		"sending_queue": map[string]any{
			"enabled":       true,
			"storage":       "file_storage/queue",
			"num_consumers": 2,
		},
		"retry_on_failure": map[string]any{
			"enabled":          true,
			"initial_interval": "100ms",
			"max_interval":     "500ms",
			"max_elapsed_time": "0s",
		},
	}
	maps.Copy(exporter, opts.Exporter)

	processor := opts.Processor
	if processor == nil {
		processor = map[string]any{}
	}

	return map[string]any{
		"extensions": map[string]any{
			"file_storage/queue": map[string]any{
				"directory":        opts.StorageDir,
				"create_directory": true,
			},
			"healthcheckv2": map[string]any{
				"use_v2": true,
				"http": map[string]any{
					"endpoint": fmt.Sprintf("127.0.0.1:%d", healthPort),
					"status":   map[string]any{"enabled": true, "path": "/status"},
				},
			},
		},
		"receivers": map[string]any{
			"otlp": map[string]any{
				"protocols": map[string]any{
					"grpc": map[string]any{"endpoint": c.OTLPGRPC},
					"http": map[string]any{"endpoint": strings.TrimPrefix(c.OTLPHTTP, "http://")},
				},
			},
		},
		"processors": map[string]any{"genai": processor},
		"exporters":  map[string]any{"langfuse": exporter},
		"service": map[string]any{
			"extensions": []string{"file_storage/queue", "healthcheckv2"},
			"pipelines": map[string]any{
				"traces": map[string]any{
					"receivers":  []string{"otlp"},
					"processors": []string{"genai"},
					"exporters":  []string{"langfuse"},
				},
			},
			"telemetry": map[string]any{
				"logs": map[string]any{"level": "info"},
				"metrics": map[string]any{
					"readers": []any{map[string]any{
						"pull": map[string]any{"exporter": map[string]any{"prometheus": map[string]any{
							"host": "127.0.0.1",
							"port": metricsPort,
						}}},
					}},
				},
			},
		},
	}
}

func writeConfig(t testing.TB, cfg map[string]any) string {
	t.Helper()
	encoded, err := json.MarshalIndent(cfg, "", "  ")
	if err != nil {
		t.Fatalf("encode collector configuration: %v", err)
	}
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, encoded, 0o600); err != nil {
		t.Fatalf("write collector configuration: %v", err)
	}
	return path
}

// waitReady polls the health check until it returns 200, the process exits
// or collectorStartTimeout passes.
func (c *Collector) waitReady() error {
	client := &http.Client{Timeout: time.Second}
	deadline := time.Now().Add(collectorStartTimeout)
	for time.Now().Before(deadline) {
		select {
		case <-c.exited:
			return fmt.Errorf("collector exited during start-up: %v", c.err)
		default:
		}

		resp, err := client.Get(c.HealthURL)
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(pollInterval)
	}
	return fmt.Errorf("collector not healthy at %s after %v", c.HealthURL, collectorStartTimeout)
}

// Pid returns the process id of the collector.
func (c *Collector) Pid() int { return c.cmd.Process.Pid }

// Running reports whether the process has not exited.
func (c *Collector) Running() bool {
	select {
	case <-c.exited:
		return false
	default:
		return true
	}
}

// Output returns everything the collector wrote to stdout and stderr so far.
func (c *Collector) Output() string { return c.output.String() }

// Stop sends SIGTERM and waits for the process to exit, then sends SIGKILL
// if it is still running after collectorStopTimeout. It is safe to call more
// than once.
func (c *Collector) Stop() {
	if !c.Running() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-c.exited:
		return
	case <-time.After(collectorStopTimeout):
	}
	c.t.Errorf("collector pid %d did not exit %v after SIGTERM; sending SIGKILL", c.Pid(), collectorStopTimeout)
	c.Kill()
}

// Kill sends SIGKILL and waits for the process to exit, as a crash would end
// it: no queue is flushed and no storage is closed.
func (c *Collector) Kill() {
	if !c.Running() {
		return
	}
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.exited
}

// WaitForOutput waits until the collector output contains substr and fails
// the test with the output after timeout.
func (c *Collector) WaitForOutput(substr string, timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if strings.Contains(c.Output(), substr) {
			return
		}
		time.Sleep(pollInterval)
	}
	c.t.Fatalf("collector output has no %q after %v; output:\n%s", substr, timeout, c.Output())
}

// lockedBuffer is a bytes.Buffer that the process writes to while the test
// reads it.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// ManifestSpan is one span a node script ended, as it reported it.
type ManifestSpan struct {
	TraceID      string `json:"traceId"`
	SpanID       string `json:"spanId"`
	ParentSpanID string `json:"parentSpanId"`
	Name         string `json:"name"`
}

// Manifest is the last stdout line of a node script started with RunNode:
// the spans it exported (see js/lib/telemetry.mjs).
type Manifest struct {
	Protocol string         `json:"protocol"`
	Spans    []ManifestSpan `json:"spans"`
}

// SpanIDs returns the ids of every span in the manifest.
func (m Manifest) SpanIDs() []string {
	ids := make([]string, 0, len(m.Spans))
	for _, s := range m.Spans {
		ids = append(ids, s.SpanID)
	}
	return ids
}

// ByName returns the spans with the given name in the order they ended.
func (m Manifest) ByName(name string) []ManifestSpan {
	var out []ManifestSpan
	for _, s := range m.Spans {
		if s.Name == name {
			out = append(out, s)
		}
	}
	return out
}

// RunNode runs `node js/<script>` with env added to the test's environment,
// waits for it to exit and returns the manifest it printed. A non-zero exit,
// a timeout or a missing manifest fails the test with the script's output.
// Scripts that do not use js/lib/telemetry.mjs can call RunNodeOutput.
func RunNode(t testing.TB, script string, env map[string]string) Manifest {
	t.Helper()
	stdout := RunNodeOutput(t, script, env)

	lines := strings.Split(strings.TrimSpace(stdout), "\n")
	last := lines[len(lines)-1]
	var manifest Manifest
	if err := json.Unmarshal([]byte(last), &manifest); err != nil {
		t.Fatalf("node %s: last stdout line is not a span manifest: %v\nstdout:\n%s", script, err, stdout)
	}
	if len(manifest.Spans) == 0 {
		t.Fatalf("node %s ended no span; stdout:\n%s", script, stdout)
	}
	return manifest
}

// RunNodeOutput runs `node js/<script>` like RunNode and returns its stdout.
func RunNodeOutput(t testing.TB, script string, env map[string]string) string {
	t.Helper()
	RequireE2E(t)

	ctx, cancel := context.WithTimeout(context.Background(), nodeScriptTimeout)
	defer cancel()

	cmd := exec.CommandContext(ctx, "node", filepath.Join("js", script))
	cmd.Env = os.Environ()
	for _, key := range slices.Sorted(maps.Keys(env)) {
		cmd.Env = append(cmd.Env, key+"="+env[key])
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout = &stdout
	cmd.Stderr = &stderr

	start := time.Now()
	err := cmd.Run()
	if ctx.Err() != nil {
		t.Fatalf("node %s timed out after %v; stderr:\n%s", script, nodeScriptTimeout, stderr.String())
	}
	if err != nil {
		t.Fatalf("node %s failed: %v\nstdout:\n%s\nstderr:\n%s", script, err, stdout.String(), stderr.String())
	}
	t.Logf("node %s finished in %v", script, time.Since(start).Round(time.Millisecond))
	return stdout.String()
}

// NodeEnv returns the environment that points a script using
// js/lib/telemetry.mjs at the collector, merged with extra.
func NodeEnv(c *Collector, protocol string, extra map[string]string) map[string]string {
	env := map[string]string{
		"E2E_OTLP_ENDPOINT": c.OTLPHTTP,
		"E2E_OTLP_PROTOCOL": protocol,
	}
	maps.Copy(env, extra)
	return env
}

// WaitForSpans polls the test server until a span with every id in spanIDs
// has arrived over OTLP and returns the last received copy of each. After
// timeout it fails the test, naming the missing ids and what did arrive.
func WaitForSpans(t testing.TB, srv *langfusetest.Server, spanIDs []string, timeout time.Duration) map[string]langfusetest.Span {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		received := map[string]langfusetest.Span{}
		for _, span := range srv.Spans() {
			received[span.SpanID] = span
		}
		var missing []string
		for _, id := range spanIDs {
			if _, ok := received[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return received
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %d of %d spans missing at the Langfuse test server: %v\nreceived: %s\nrequests: %s",
				timeout, len(missing), len(spanIDs), missing, describeSpans(srv.Spans()), describeRequests(srv.Requests()))
		}
		time.Sleep(pollInterval)
	}
}

// WaitForEvents polls the test server until an ingestion event whose body id
// is each of ids has arrived and returns the last one of each. After timeout
// it fails the test, naming the missing ids and what did arrive.
func WaitForEvents(t testing.TB, srv *langfusetest.Server, ids []string, timeout time.Duration) map[string]langfusetest.Event {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for {
		received := map[string]langfusetest.Event{}
		for _, event := range srv.Events() {
			if id, ok := event.Body["id"].(string); ok {
				received[id] = event
			}
		}
		var missing []string
		for _, id := range ids {
			if _, ok := received[id]; !ok {
				missing = append(missing, id)
			}
		}
		if len(missing) == 0 {
			return received
		}
		if time.Now().After(deadline) {
			t.Fatalf("after %v, %d of %d ingestion events missing at the Langfuse test server: %v\nreceived: %s\nrequests: %s",
				timeout, len(missing), len(ids), missing, describeEvents(srv.Events()), describeRequests(srv.Requests()))
		}
		time.Sleep(pollInterval)
	}
}

func describeSpans(spans []langfusetest.Span) string {
	if len(spans) == 0 {
		return "no span"
	}
	parts := make([]string, 0, len(spans))
	for _, s := range spans {
		parts = append(parts, fmt.Sprintf("%s %q (type %v)", s.SpanID, s.Name, s.Attributes["langfuse.observation.type"]))
	}
	return strings.Join(parts, ", ")
}

func describeEvents(events []langfusetest.Event) string {
	if len(events) == 0 {
		return "no event"
	}
	parts := make([]string, 0, len(events))
	for _, e := range events {
		parts = append(parts, fmt.Sprintf("%s %v %q", e.Type, e.Body["id"], e.Body["name"]))
	}
	return strings.Join(parts, ", ")
}

func describeRequests(requests []langfusetest.Request) string {
	if len(requests) == 0 {
		return "no request"
	}
	counts := map[string]int{}
	for _, r := range requests {
		counts[fmt.Sprintf("%s %s -> %d", r.Method, r.Path, r.Status)]++
	}
	parts := make([]string, 0, len(counts))
	for _, key := range slices.Sorted(maps.Keys(counts)) {
		parts = append(parts, fmt.Sprintf("%s (x%d)", key, counts[key]))
	}
	return strings.Join(parts, ", ")
}
