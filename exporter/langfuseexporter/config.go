package langfuseexporter

import (
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configopaque"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Protocol selects how spans reach Langfuse.
type Protocol string

const (
	// ProtocolOTLP sends OTLP/HTTP protobuf to /api/public/otel/v1/traces.
	ProtocolOTLP Protocol = "otlp"
	// ProtocolIngestion sends trace-create and observation events to the
	// batch endpoint /api/public/ingestion (Langfuse v3 servers).
	ProtocolIngestion Protocol = "ingestion"
)

// Limits from Langfuse's server (github.com/langfuse/langfuse at commit
// 62751446): the batch endpoint's body parser rejects bodies over 4.5 MB and
// its documentation recommends batches of at most 3.5 MB. ClickHouse rejects
// string fields over 1,048,576 characters.
const (
	defaultMaxBatchBytes = 3_500_000
	maxBatchBytesLimit   = 4_500_000
	defaultMaxFieldBytes = 1_000_000
	minMaxFieldBytes     = 1024
)

// Config is the configuration of the langfuse exporter.
type Config struct {
	// ClientConfig holds endpoint (the Langfuse base URL, such as
	// https://cloud.langfuse.com), headers, tls, compression and timeout.
	ClientConfig confighttp.ClientConfig                                  `mapstructure:",squash"`
	QueueConfig  configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig  configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`

	// PublicKey and SecretKey are the Langfuse project's API key pair, sent
	// as Basic auth.
	PublicKey string              `mapstructure:"public_key"`
	SecretKey configopaque.String `mapstructure:"secret_key"`

	Protocol Protocol `mapstructure:"protocol"`

	// Environment is the Langfuse environment of observations that carry
	// none of their own.
	Environment string `mapstructure:"environment"`

	// MaxFieldBytes is the size above which a string field is cut and
	// marked with the number of bytes removed.
	MaxFieldBytes int `mapstructure:"max_field_bytes"`

	// MaxBatchBytes is the largest ingestion request body the exporter
	// builds; larger event lists are split over several requests.
	MaxBatchBytes int `mapstructure:"max_batch_bytes"`

	TraceState TraceStateConfig `mapstructure:"trace_state"`
	DryRun     DryRunConfig     `mapstructure:"dry_run"`
}

// TraceStateConfig bounds the per-trace memory used to copy trace-level
// attributes onto spans that arrive in later batches.
type TraceStateConfig struct {
	// MaxTraces is the number of traces remembered; the least recently
	// used one is evicted first.
	MaxTraces int `mapstructure:"max_traces"`
	// TTL is how long a trace is remembered after its last span.
	TTL time.Duration `mapstructure:"ttl"`
}

// DryRunConfig controls the file written when no endpoint or keys are
// configured.
type DryRunConfig struct {
	// Directory receives langfuse-dry-run-<date>.jsonl files.
	Directory string `mapstructure:"directory"`
	// MaxFileBytes starts a new numbered file once the current one is
	// larger.
	MaxFileBytes int64 `mapstructure:"max_file_bytes"`
}

var _ component.Config = (*Config)(nil)

// Validate rejects configurations the exporter cannot run with.
func (cfg *Config) Validate() error {
	var errs []error

	switch cfg.Protocol {
	case ProtocolOTLP, ProtocolIngestion:
	default:
		errs = append(errs, fmt.Errorf("invalid protocol %q: use %q or %q", cfg.Protocol, ProtocolOTLP, ProtocolIngestion))
	}

	if cfg.ClientConfig.Endpoint != "" {
		if err := validateEndpoint(cfg.ClientConfig.Endpoint); err != nil {
			errs = append(errs, err)
		}
	}

	if cfg.Environment != "" {
		if fixed, ok := normalizeEnvironment(cfg.Environment); !ok || fixed != cfg.Environment {
			errs = append(errs, fmt.Errorf("invalid environment %q: Langfuse stores only 1 to 40 "+
				"characters of a-z, 0-9, _ and - without a langfuse prefix", cfg.Environment))
		}
	}

	if cfg.MaxFieldBytes < minMaxFieldBytes {
		errs = append(errs, fmt.Errorf("max_field_bytes %d is too small: use at least %d", cfg.MaxFieldBytes, minMaxFieldBytes))
	}
	if cfg.MaxBatchBytes <= 0 || cfg.MaxBatchBytes > maxBatchBytesLimit {
		errs = append(errs, fmt.Errorf("max_batch_bytes %d is out of range: use 1 to %d, the body limit of "+
			"Langfuse's ingestion endpoint", cfg.MaxBatchBytes, maxBatchBytesLimit))
	}

	if cfg.TraceState.MaxTraces <= 0 {
		errs = append(errs, fmt.Errorf("trace_state.max_traces %d must be positive", cfg.TraceState.MaxTraces))
	}
	if cfg.TraceState.TTL <= 0 {
		errs = append(errs, fmt.Errorf("trace_state.ttl %s must be positive", cfg.TraceState.TTL))
	}

	if cfg.DryRun.Directory == "" {
		errs = append(errs, errors.New("dry_run.directory must not be empty"))
	}
	if cfg.DryRun.MaxFileBytes <= 0 {
		errs = append(errs, fmt.Errorf("dry_run.max_file_bytes %d must be positive", cfg.DryRun.MaxFileBytes))
	}

	return errors.Join(errs...)
}

func validateEndpoint(endpoint string) error {
	redacted := redactEndpoint(endpoint)
	parsed, err := url.Parse(endpoint)
	if err != nil {
		// url.Error repeats the whole URL, password included.
		var urlErr *url.Error
		if errors.As(err, &urlErr) {
			err = urlErr.Err
		}
		return fmt.Errorf("invalid endpoint %q: %w", redacted, err)
	}
	if parsed.Scheme != "http" && parsed.Scheme != "https" {
		return fmt.Errorf("invalid endpoint %q: use an http:// or https:// base URL such as https://cloud.langfuse.com", redacted)
	}
	if parsed.Host == "" {
		return fmt.Errorf("invalid endpoint %q: the URL has no host", redacted)
	}
	if parsed.User != nil {
		return fmt.Errorf("invalid endpoint %q: remove the user name and password from the URL, because the "+
			"exporter authenticates with public_key and secret_key", redacted)
	}
	return nil
}

// redactEndpoint replaces the user information of a URL, which may hold a
// password, with "[redacted]". It works on text that url.Parse rejects too.
func redactEndpoint(endpoint string) string {
	start := 0
	if i := strings.Index(endpoint, "://"); i >= 0 {
		start = i + len("://")
	}
	authority := endpoint[start:]
	if end := strings.IndexAny(authority, "/?#"); end >= 0 {
		authority = authority[:end]
	}
	at := strings.LastIndex(authority, "@")
	if at < 0 {
		return endpoint
	}
	return endpoint[:start] + "[redacted]" + endpoint[start+at:]
}

// dryRun reports whether the exporter writes to a file instead of sending,
// because the endpoint or a key is missing after environment expansion.
func (cfg *Config) dryRun() bool {
	return cfg.ClientConfig.Endpoint == "" || cfg.PublicKey == "" || cfg.SecretKey == ""
}
