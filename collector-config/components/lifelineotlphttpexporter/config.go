package lifelineotlphttpexporter

import (
	"errors"
	"fmt"
	"net/url"
	"regexp"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/config/confighttp"
	"go.opentelemetry.io/collector/config/configoptional"
	"go.opentelemetry.io/collector/config/configretry"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/xconfmap"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
)

// Mode says what the exporter does with a batch when it has several endpoints.
type Mode string

const (
	// ModeFailover sends each batch to the first endpoint that answers, in priority order.
	ModeFailover Mode = "failover"
	// ModeMirror sends every batch to every endpoint, each through its own queue and retries.
	ModeMirror Mode = "mirror"
)

// EndpointConfig is one OTLP/HTTP backend: every confighttp client setting (endpoint, headers,
// TLS, auth, compression, timeout = the attempt timeout) plus a name for logs and metrics.
type EndpointConfig struct {
	confighttp.ClientConfig `mapstructure:",squash"`
	// Name labels the endpoint in logs and metrics. Default: its position in the list ("0", "1", ...).
	Name string `mapstructure:"name"`
}

// DeadLetterConfig says where permanently rejected batches are kept.
type DeadLetterConfig struct {
	// Directory receives one file per rejected batch. Empty: rejected batches are logged,
	// counted and dropped, as the stock otlp_http exporter does.
	Directory string `mapstructure:"directory"`
	// MaxBytes bounds the directory; past it batches are dropped and counted instead.
	MaxBytes int64 `mapstructure:"max_bytes"`
}

// Config is the lifelineotlphttp exporter's configuration.
type Config struct {
	// Endpoints in priority order: the first is the primary.
	Endpoints []EndpointConfig `mapstructure:"endpoints"`
	// Mode is "failover" (default) or "mirror".
	Mode Mode `mapstructure:"mode"`
	// ProbeInterval is how long an endpoint that failed is skipped; after it, the next batch tries
	// it first (live traffic is the probe) and traffic fails back when it answers.
	ProbeInterval time.Duration `mapstructure:"probe_interval"`
	// DeadLetter keeps permanently rejected batches.
	DeadLetter DeadLetterConfig `mapstructure:"dead_letter"`

	QueueConfig configoptional.Optional[exporterhelper.QueueBatchConfig] `mapstructure:"sending_queue"`
	RetryConfig configretry.BackOffConfig                                `mapstructure:"retry_on_failure"`
}

var (
	_ component.Config    = (*Config)(nil)
	_ confmap.Unmarshaler = (*Config)(nil)
	_ xconfmap.Validator  = (*Config)(nil)
)

const (
	defaultAttemptTimeout = 10 * time.Second
	defaultProbeInterval  = 30 * time.Second
	defaultDeadLetterSize = 64 << 20
)

func defaultEndpointConfig() EndpointConfig {
	client := confighttp.NewDefaultClientConfig()
	client.Timeout = defaultAttemptTimeout
	client.Compression = configcompression.TypeGzip
	client.WriteBufferSize = 512 * 1024
	return EndpointConfig{ClientConfig: client}
}

func createDefaultConfig() component.Config {
	retry := configretry.NewDefaultBackOffConfig()
	// The stock default gives up (and deletes the batch) after 300 s. A batch in a persistent
	// queue is safe on disk, so it is retried until an endpoint takes it.
	retry.MaxElapsedTime = 0
	return &Config{
		Mode:          ModeFailover,
		ProbeInterval: defaultProbeInterval,
		DeadLetter:    DeadLetterConfig{MaxBytes: defaultDeadLetterSize},
		QueueConfig:   configoptional.Some(exporterhelper.NewDefaultQueueConfig()),
		RetryConfig:   retry,
	}
}

// Unmarshal gives every endpoint the defaults of a stock otlp_http client (gzip, attempt
// timeout) before its own keys are applied: the Collector cannot default a list's elements.
func (cfg *Config) Unmarshal(conf *confmap.Conf) error {
	if err := conf.Unmarshal(cfg); err != nil {
		return err
	}
	raw, ok := conf.Get("endpoints").([]any)
	if !ok {
		return nil
	}
	endpoints := make([]EndpointConfig, len(raw))
	for i, element := range raw {
		fields, isMap := element.(map[string]any)
		if !isMap {
			return fmt.Errorf("endpoints[%d]: expected a mapping with at least `endpoint`, got %T", i, element)
		}
		endpoints[i] = defaultEndpointConfig()
		if err := confmap.NewFromStringMap(fields).Unmarshal(&endpoints[i]); err != nil {
			return fmt.Errorf("endpoints[%d]: %w", i, err)
		}
	}
	cfg.Endpoints = endpoints
	return nil
}

// Validate names the key and what was expected.
func (cfg *Config) Validate() error {
	var errs []error
	if len(cfg.Endpoints) == 0 {
		errs = append(errs, errors.New("endpoints: at least one endpoint must be specified"))
	}
	names := map[string]int{}
	for i, endpoint := range cfg.Endpoints {
		if err := validateEndpointURL(endpoint.Endpoint); err != nil {
			errs = append(errs, fmt.Errorf("endpoints[%d].endpoint: %w", i, err))
		}
		if endpoint.Timeout <= 0 {
			errs = append(errs, fmt.Errorf("endpoints[%d].timeout: must be positive (the attempt timeout), got %s", i, endpoint.Timeout))
		}
		name := endpointName(endpoint, i)
		if !validName.MatchString(name) {
			errs = append(errs, fmt.Errorf("endpoints[%d].name: expected letters, digits, '.', '_' or '-', got %q", i, name))
		}
		if previous, taken := names[name]; taken {
			errs = append(errs, fmt.Errorf("endpoints[%d].name: %q is already the name of endpoints[%d]", i, name, previous))
		}
		names[name] = i
	}
	if cfg.Mode != ModeFailover && cfg.Mode != ModeMirror {
		errs = append(errs, fmt.Errorf("mode: expected %q or %q, got %q", ModeFailover, ModeMirror, cfg.Mode))
	}
	if cfg.ProbeInterval <= 0 {
		errs = append(errs, fmt.Errorf("probe_interval: must be positive, got %s", cfg.ProbeInterval))
	}
	if cfg.DeadLetter.Directory != "" && cfg.DeadLetter.MaxBytes <= 0 {
		errs = append(errs, fmt.Errorf("dead_letter.max_bytes: must be positive, got %d", cfg.DeadLetter.MaxBytes))
	}
	return errors.Join(errs...)
}

func validateEndpointURL(raw string) error {
	if raw == "" {
		return errors.New("must be set, e.g. https://otlp.example.com")
	}
	parsed, err := url.Parse(raw)
	if err != nil {
		return fmt.Errorf("not a URL: %w", err)
	}
	if parsed.Scheme != "http" && parsed.Scheme != "https" {
		return fmt.Errorf("expected an http:// or https:// URL, got %q", raw)
	}
	if parsed.Host == "" {
		return fmt.Errorf("expected a host in %q", raw)
	}
	return nil
}

// validName keeps endpoint names usable in metric attributes and in the mirror queues' IDs.
var validName = regexp.MustCompile(`^[A-Za-z0-9._-]+$`)

func endpointName(endpoint EndpointConfig, index int) string {
	if endpoint.Name != "" {
		return endpoint.Name
	}
	return fmt.Sprint(index)
}
