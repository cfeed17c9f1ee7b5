package langfusereceiver

import (
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
)

const (
	defaultEndpoint = "127.0.0.1:3000"
	// defaultMaxIngestionBodySize is Langfuse's body-parser limit of "4.5mb"
	// (4.5 × 1024 × 1024 bytes) on the batch and score endpoints.
	defaultMaxIngestionBodySize = 4_718_592
	defaultMergeTimeout         = 15 * time.Second
	defaultMaxPending           = 10_000
	defaultMaxPendingBytes      = 256 << 20
	defaultProjectID            = "otelcol-genai"
	defaultProjectName          = "otelcol-genai"
	defaultPassthroughTimeout   = 10 * time.Second
)

// Config is the langfuse receiver configuration.
type Config struct {
	// ServerConfig is the HTTP listener. The endpoint defaults to
	// 127.0.0.1:3000, the port of a self-hosted Langfuse, and
	// max_request_body_size (20 MiB by default) bounds every request,
	// compressed and decompressed.
	ServerConfig confighttp.ServerConfig `mapstructure:",squash"`

	// Keys are the key pairs that clients must send as HTTP Basic auth. They
	// belong to the collector and are not the keys of a Langfuse project.
	Keys []KeyPair `mapstructure:"keys"`

	// MaxIngestionBodySize is the largest decompressed body in bytes that the
	// batch and score endpoints accept. Larger bodies get 413.
	MaxIngestionBodySize int64 `mapstructure:"max_ingestion_body_size"`

	// MergeTimeout is how long an observation or trace waits for the rest of
	// its create and update events before it is sent as it is.
	MergeTimeout time.Duration `mapstructure:"merge_timeout"`

	// MaxPending bounds the observations and the traces held for merging;
	// beyond it the oldest observation is sent at once.
	MaxPending int `mapstructure:"max_pending"`

	// MaxPendingBytes bounds the raw JSON bytes of input, output, metadata
	// and model parameters held for merging. Beyond it the oldest
	// observations, then traces, are sent at once.
	MaxPendingBytes int64 `mapstructure:"max_pending_bytes"`

	// Project is the project that GET /api/public/projects returns to SDKs
	// that check their keys.
	Project ProjectConfig `mapstructure:"project"`

	// Passthrough forwards an allow-list of read requests to a real Langfuse.
	Passthrough configoptional.Optional[PassthroughConfig] `mapstructure:"passthrough"`
}

// KeyPair is one Langfuse-style API key pair accepted by the receiver.
type KeyPair struct {
	PublicKey string              `mapstructure:"public_key"`
	SecretKey configopaque.String `mapstructure:"secret_key"`
}

// ProjectConfig is the project that the receiver reports to SDKs.
type ProjectConfig struct {
	ID   string `mapstructure:"id"`
	Name string `mapstructure:"name"`
}

// PassthroughConfig is the upstream Langfuse that receives allowed read
// requests, such as the prompt fetches of the SDKs.
type PassthroughConfig struct {
	// ClientConfig is the upstream client. Its endpoint is the Langfuse base URL,
	// for example https://cloud.langfuse.com.
	ClientConfig confighttp.ClientConfig `mapstructure:",squash"`
	// PublicKey and SecretKey are the upstream Langfuse project keys. They
	// replace the client's Authorization header.
	PublicKey string              `mapstructure:"public_key"`
	SecretKey configopaque.String `mapstructure:"secret_key"`
	// Paths are net/http ServeMux patterns of the requests to forward, such
	// as "GET /api/public/v2/prompts/{name}". A pattern without a method
	// matches GET and HEAD only.
	Paths []string `mapstructure:"paths"`
}

// Validate checks the configuration and reports every invalid field.
func (c *Config) Validate() error {
	var errs []error
	if len(c.Keys) == 0 {
		errs = append(errs, errors.New("keys: at least one key pair is required, "+
			"because clients authenticate with Basic auth"))
	}
	seen := map[string]bool{}
	for i, key := range c.Keys {
		if key.PublicKey == "" || key.SecretKey == "" {
			errs = append(errs, fmt.Errorf("keys[%d]: public_key and secret_key must both be set",
				i))
		}
		if strings.Contains(key.PublicKey, ":") {
			errs = append(errs, fmt.Errorf("keys[%d]: public_key %q contains ':', "+
				"which Basic auth cannot carry", i, key.PublicKey))
		}
		if seen[key.PublicKey] {
			errs = append(errs, fmt.Errorf("keys[%d]: public_key %q is listed twice", i,
				key.PublicKey))
		}
		seen[key.PublicKey] = true
	}
	if c.MaxIngestionBodySize <= 0 {
		errs = append(errs, fmt.Errorf("max_ingestion_body_size: must be positive, got %d",
			c.MaxIngestionBodySize))
	}
	if c.MergeTimeout <= 0 {
		errs = append(errs, fmt.Errorf("merge_timeout: must be positive, got %s", c.MergeTimeout))
	}
	if c.MaxPending <= 0 {
		errs = append(errs, fmt.Errorf("max_pending: must be positive, got %d", c.MaxPending))
	}
	if c.MaxPendingBytes <= 0 {
		errs = append(errs, fmt.Errorf("max_pending_bytes: must be positive, got %d",
			c.MaxPendingBytes))
	}
	if c.Project.ID == "" || c.Project.Name == "" {
		errs = append(errs, errors.New("project: id and name must both be set"))
	}
	if c.Passthrough.HasValue() {
		if err := c.Passthrough.Get().Validate(); err != nil {
			errs = append(errs, fmt.Errorf("passthrough: %w", err))
		}
	}
	return errors.Join(errs...)
}

// Validate checks the upstream URL, the keys and every path pattern.
func (p *PassthroughConfig) Validate() error {
	var errs []error
	u, err := url.Parse(p.ClientConfig.Endpoint)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		errs = append(errs, fmt.Errorf("endpoint: %q is not an http or https URL; "+
			"set the Langfuse base URL, such as https://cloud.langfuse.com",
			p.ClientConfig.Endpoint))
	}
	if p.PublicKey == "" || p.SecretKey == "" {
		errs = append(errs,
			errors.New("public_key and secret_key of the upstream Langfuse project must both be set"))
	}
	if len(p.Paths) == 0 {
		errs = append(errs, errors.New("paths: at least one pattern is required"))
	}
	if _, err := newPathMatcher(p.Paths); err != nil {
		errs = append(errs, fmt.Errorf("paths: %w", err))
	}
	return errors.Join(errs...)
}

// newPathMatcher compiles path patterns into a ServeMux whose handler only
// marks a match. A pattern without a method is registered for GET, which
// ServeMux also matches for HEAD.
func newPathMatcher(patterns []string) (mux *http.ServeMux, err error) {
	mux = http.NewServeMux()
	matched := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for _, pattern := range patterns {
		full := pattern
		if strings.HasPrefix(pattern, "/") {
			full = http.MethodGet + " " + pattern
		}
		if err := registerPattern(mux, full, matched); err != nil {
			return nil, fmt.Errorf("invalid pattern %q: %w", pattern, err)
		}
		if !strings.Contains(full, " /api/public/") {
			return nil, fmt.Errorf("invalid pattern %q: the path must start with /api/public/",
				pattern)
		}
	}
	return mux, nil
}

// registerPattern adds one pattern to mux and turns the panic ServeMux raises
// for an invalid or conflicting pattern into an error.
func registerPattern(mux *http.ServeMux, pattern string, handler http.Handler) (err error) {
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("%v", r)
		}
	}()
	mux.Handle(pattern, handler)
	return nil
}
