package langfusereceiver

import (
	"context"
	"sync"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/receiver"
)

const (
	typeStr   = "langfuse"
	stability = component.StabilityLevelAlpha
)

var componentType = component.MustNewType(typeStr)

// NewFactory returns the factory of the langfuse receiver.
func NewFactory() receiver.Factory {
	return receiver.NewFactory(
		componentType,
		createDefaultConfig,
		receiver.WithTraces(createTraces, stability),
		receiver.WithLogs(createLogs, stability),
	)
}

func createDefaultConfig() component.Config {
	server := confighttp.NewDefaultServerConfig()
	server.NetAddr.Endpoint = defaultEndpoint
	upstream := confighttp.NewDefaultClientConfig()
	upstream.Timeout = defaultPassthroughTimeout
	return &Config{
		ServerConfig:         server,
		MaxIngestionBodySize: defaultMaxIngestionBodySize,
		MergeTimeout:         defaultMergeTimeout,
		MaxPending:           defaultMaxPending,
		MaxPendingBytes:      defaultMaxPendingBytes,
		Project:              ProjectConfig{ID: defaultProjectID, Name: defaultProjectName},
		Passthrough:          configoptional.Default(PassthroughConfig{ClientConfig: upstream}),
	}
}

func createTraces(_ context.Context, set receiver.Settings, cfg component.Config,
	next consumer.Traces) (receiver.Traces, error) {
	r, err := receivers.loadOrStore(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	r.receiver.nextTraces = next
	return r, nil
}

func createLogs(_ context.Context, set receiver.Settings, cfg component.Config,
	next consumer.Logs) (receiver.Logs, error) {
	r, err := receivers.loadOrStore(cfg.(*Config), set)
	if err != nil {
		return nil, err
	}
	r.receiver.nextLogs = next
	return r, nil
}

// receivers holds one receiver per configuration, because the traces and the
// logs pipelines of one receiver share its HTTP server. The collector calls
// Start and Shutdown once per pipeline, and the shared receiver starts on the
// first Start and stops on the last Shutdown.
var receivers = &sharedReceivers{byConfig: map[*Config]*sharedReceiver{}}

type sharedReceivers struct {
	mu       sync.Mutex
	byConfig map[*Config]*sharedReceiver
}

type sharedReceiver struct {
	parent   *sharedReceivers
	config   *Config
	receiver *langfuseReceiver

	mu      sync.Mutex
	started int
	created int
}

func (s *sharedReceivers) loadOrStore(cfg *Config, set receiver.Settings) (*sharedReceiver, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if shared, ok := s.byConfig[cfg]; ok {
		shared.created++
		return shared, nil
	}
	r, err := newLangfuseReceiver(cfg, set)
	if err != nil {
		return nil, err
	}
	shared := &sharedReceiver{parent: s, config: cfg, receiver: r, created: 1}
	s.byConfig[cfg] = shared
	return shared, nil
}

// Start starts the HTTP server on the first call.
func (s *sharedReceiver) Start(ctx context.Context, host component.Host) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.started++
	if s.started > 1 {
		return nil
	}
	return s.receiver.Start(ctx, host)
}

// Shutdown stops the HTTP server, flushes held observations and removes the
// configuration once every pipeline that created the receiver has shut down.
func (s *sharedReceiver) Shutdown(ctx context.Context) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.created--
	if s.created > 0 {
		return nil
	}
	s.parent.mu.Lock()
	delete(s.parent.byConfig, s.config)
	s.parent.mu.Unlock()
	return s.receiver.Shutdown(ctx)
}
