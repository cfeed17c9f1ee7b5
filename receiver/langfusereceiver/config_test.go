package langfusereceiver

import (
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/confmaptest"
)

func TestLoadConfig(t *testing.T) {
	cm, err := confmaptest.LoadConf(filepath.Join("testdata", "config.yaml"))
	require.NoError(t, err)

	tests := []struct {
		id        component.ID
		check     func(t *testing.T, cfg *Config)
		wantError string
	}{
		{
			id: component.NewID(componentType),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "127.0.0.1:3000", cfg.ServerConfig.NetAddr.Endpoint)
				assert.Equal(t, int64(4_718_592), cfg.MaxIngestionBodySize)
				assert.Equal(t, 15*time.Second, cfg.MergeTimeout)
				assert.Equal(t, 10_000, cfg.MaxPending)
				assert.Equal(t, "otelcol-genai", cfg.Project.ID)
				assert.False(t, cfg.Passthrough.HasValue())
				require.Len(t, cfg.Keys, 1)
				assert.Equal(t, "pk-lf-collector", cfg.Keys[0].PublicKey)
				assert.Equal(t, "sk-lf-collector", string(cfg.Keys[0].SecretKey))
			},
		},
		{
			id: component.NewIDWithName(componentType, "custom"),
			check: func(t *testing.T, cfg *Config) {
				assert.Equal(t, "127.0.0.1:3100", cfg.ServerConfig.NetAddr.Endpoint)
				assert.Equal(t, int64(10_485_760), cfg.ServerConfig.MaxRequestBodySize)
				assert.Equal(t, int64(1_048_576), cfg.MaxIngestionBodySize)
				assert.Equal(t, 5*time.Second, cfg.MergeTimeout)
				assert.Equal(t, 500, cfg.MaxPending)
				assert.Len(t, cfg.Keys, 2)
				assert.Equal(t, ProjectConfig{ID: "proj-local", Name: "Local gateway"}, cfg.Project)
				require.True(t, cfg.Passthrough.HasValue())
				pt := cfg.Passthrough.Get()
				assert.Equal(t, "https://cloud.langfuse.com", pt.ClientConfig.Endpoint)
				assert.Equal(t, 5*time.Second, pt.ClientConfig.Timeout)
				assert.Equal(t, "pk-lf-upstream", pt.PublicKey)
				assert.Len(t, pt.Paths, 2)
			},
		},
		{
			id:        component.NewIDWithName(componentType, "no_keys"),
			wantError: "keys: at least one key pair is required",
		},
	}
	for _, tt := range tests {
		t.Run(tt.id.String(), func(t *testing.T) {
			cfg := NewFactory().CreateDefaultConfig()
			sub, err := cm.Sub(tt.id.String())
			require.NoError(t, err)
			require.NoError(t, sub.Unmarshal(cfg))
			err = confmap.Validate(cfg)
			if tt.wantError != "" {
				require.Error(t, err)
				assert.Contains(t, err.Error(), tt.wantError)
				return
			}
			require.NoError(t, err)
			tt.check(t, cfg.(*Config))
		})
	}
}

func TestConfigValidate(t *testing.T) {
	valid := func() *Config {
		cfg := NewFactory().CreateDefaultConfig().(*Config)
		cfg.Keys = []KeyPair{{PublicKey: "pk", SecretKey: "sk"}}
		return cfg
	}
	withPassthrough := func(mutate func(*PassthroughConfig)) func(*Config) {
		return func(cfg *Config) {
			pt := cfg.Passthrough.GetOrInsertDefault()
			pt.ClientConfig.Endpoint = "https://cloud.langfuse.com"
			pt.PublicKey = "pk-up"
			pt.SecretKey = "sk-up"
			pt.Paths = []string{"/api/public/v2/prompts/{name}"}
			mutate(pt)
		}
	}
	tests := []struct {
		name      string
		mutate    func(*Config)
		wantError string
	}{
		{name: "valid", mutate: func(*Config) {}},
		{name: "valid passthrough", mutate: withPassthrough(func(*PassthroughConfig) {})},
		{name: "empty secret", mutate: func(c *Config) { c.Keys[0].SecretKey = "" }, wantError: "keys[0]: public_key and secret_key must both be set"},
		{name: "colon in public key", mutate: func(c *Config) { c.Keys[0].PublicKey = "pk:1" }, wantError: "contains ':'"},
		{name: "duplicate public key", mutate: func(c *Config) { c.Keys = append(c.Keys, c.Keys[0]) }, wantError: "listed twice"},
		{name: "zero body size", mutate: func(c *Config) { c.MaxIngestionBodySize = 0 }, wantError: "max_ingestion_body_size"},
		{name: "zero merge timeout", mutate: func(c *Config) { c.MergeTimeout = 0 }, wantError: "merge_timeout"},
		{name: "zero max pending", mutate: func(c *Config) { c.MaxPending = 0 }, wantError: "max_pending"},
		{name: "zero max pending bytes", mutate: func(c *Config) { c.MaxPendingBytes = 0 },
			wantError: "max_pending_bytes: must be positive, got 0"},
		{name: "empty project", mutate: func(c *Config) { c.Project.ID = "" }, wantError: "project: id and name"},
		{name: "passthrough bad URL", mutate: withPassthrough(func(p *PassthroughConfig) { p.ClientConfig.Endpoint = "cloud.langfuse.com" }),
			wantError: "is not an http or https URL"},
		{name: "passthrough no keys", mutate: withPassthrough(func(p *PassthroughConfig) { p.SecretKey = "" }),
			wantError: "public_key and secret_key of the upstream"},
		{name: "passthrough no paths", mutate: withPassthrough(func(p *PassthroughConfig) { p.Paths = nil }),
			wantError: "paths: at least one pattern"},
		{name: "passthrough invalid pattern", mutate: withPassthrough(func(p *PassthroughConfig) { p.Paths = []string{"/api/public/{"} }),
			wantError: "invalid pattern"},
		{name: "passthrough outside public API", mutate: withPassthrough(func(p *PassthroughConfig) { p.Paths = []string{"/admin/{x}"} }),
			wantError: "must start with /api/public/"},
		{name: "passthrough conflicting patterns", mutate: withPassthrough(func(p *PassthroughConfig) {
			p.Paths = []string{"/api/public/{a}/x", "/api/public/y/{b}"}
		}), wantError: "invalid pattern"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := valid()
			tt.mutate(cfg)
			err := cfg.Validate()
			if tt.wantError == "" {
				assert.NoError(t, err)
				return
			}
			require.Error(t, err)
			assert.Contains(t, err.Error(), tt.wantError)
		})
	}
}

func TestFactorySharesReceiver(t *testing.T) {
	tr := startReceiver(t, receiverOptions{})
	shared, ok := receivers.byConfig[tr.receiver.cfg]
	require.True(t, ok)
	assert.Equal(t, 2, shared.created, "the traces and logs pipelines share one receiver")
	assert.NotNil(t, tr.receiver.nextTraces)
	assert.NotNil(t, tr.receiver.nextLogs)
}
