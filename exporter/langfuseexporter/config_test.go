package langfuseexporter

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func loadConfig(t *testing.T, name string) *Config {
	t.Helper()
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)
	sub, err := cm.Sub(component.NewIDWithName(componentType, name).String())
	require.NoError(t, err)

	cfg := createDefaultConfig().(*Config)
	require.NoError(t, sub.Unmarshal(cfg))
	return cfg
}

func TestConfigDefaults(t *testing.T) {
	cfg := loadConfig(t, "")

	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, ProtocolOTLP, cfg.Protocol)
	assert.Equal(t, defaultMaxTraces, cfg.TraceState.MaxTraces)
	assert.Equal(t, 10*time.Minute, cfg.TraceState.TTL)
	assert.Equal(t, "./data", cfg.DryRun.Directory)
	assert.Equal(t, defaultMaxFieldBytes, cfg.MaxFieldBytes)
	assert.Equal(t, configcompression.TypeGzip, cfg.ClientConfig.Compression)
	assert.True(t, cfg.QueueConfig.HasValue())
	assert.True(t, cfg.dryRun(), "no endpoint and no keys means dry run")
}

func TestConfigFull(t *testing.T) {
	cfg := loadConfig(t, "full")

	require.NoError(t, confmap.Validate(cfg))
	assert.Equal(t, "https://cloud.langfuse.com", cfg.ClientConfig.Endpoint)
	assert.Equal(t, "pk-lf-1234", cfg.PublicKey)
	assert.Equal(t, "sk-lf-5678", string(cfg.SecretKey))
	assert.Equal(t, ProtocolIngestion, cfg.Protocol)
	assert.Equal(t, "production", cfg.Environment)
	assert.Equal(t, 200000, cfg.MaxFieldBytes)
	assert.Equal(t, 2000000, cfg.MaxBatchBytes)
	assert.Equal(t, 10*time.Second, cfg.ClientConfig.Timeout)
	assert.Equal(t, 5000, cfg.TraceState.MaxTraces)
	assert.Equal(t, 2*time.Minute, cfg.TraceState.TTL)
	assert.Equal(t, "/var/lib/otelcol/langfuse", cfg.DryRun.Directory)
	assert.Equal(t, 2*time.Second, cfg.RetryConfig.InitialInterval)
	require.True(t, cfg.QueueConfig.HasValue())
	assert.Equal(t, 4, cfg.QueueConfig.Get().NumConsumers)
	require.NotNil(t, cfg.QueueConfig.Get().StorageID)
	assert.Equal(t, "file_storage", cfg.QueueConfig.Get().StorageID.String())
	assert.False(t, cfg.dryRun())
}

func TestConfigValidateErrors(t *testing.T) {
	tests := []struct {
		name    string
		mutate  func(*Config)
		message string
	}{
		{"protocol", func(c *Config) { c.Protocol = "grpc" }, `invalid protocol "grpc"`},
		{"environment prefix", func(c *Config) { c.Environment = "Langfuse-Prod" }, `invalid environment "Langfuse-Prod"`},
		{"environment characters", func(c *Config) { c.Environment = "prod env" }, `invalid environment "prod env"`},
		{"endpoint scheme", func(c *Config) { c.ClientConfig.Endpoint = "cloud.langfuse.com" }, "http:// or https://"},
		{"endpoint host", func(c *Config) { c.ClientConfig.Endpoint = "https://" }, "has no host"},
		{"max field bytes", func(c *Config) { c.MaxFieldBytes = 10 }, "max_field_bytes 10 is too small"},
		{"max batch bytes", func(c *Config) { c.MaxBatchBytes = 5_000_000 }, "max_batch_bytes 5000000 is out of range"},
		{"max traces", func(c *Config) { c.TraceState.MaxTraces = 0 }, "trace_state.max_traces 0"},
		{"ttl", func(c *Config) { c.TraceState.TTL = 0 }, "trace_state.ttl 0s"},
		{"dry run directory", func(c *Config) { c.DryRun.Directory = "" }, "dry_run.directory"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := createDefaultConfig().(*Config)
			tt.mutate(cfg)
			err := cfg.Validate()
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.message)
		})
	}
}

func TestConfigFileRejectsBadValues(t *testing.T) {
	for _, name := range []string{"bad_protocol", "bad_environment", "bad_endpoint"} {
		t.Run(name, func(t *testing.T) {
			assert.Error(t, confmap.Validate(loadConfig(t, name)))
		})
	}
}
