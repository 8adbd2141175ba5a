package lifelineotlphttpexporter

import (
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/collector/config/configcompression"
	"go.opentelemetry.io/collector/confmap"
	"go.opentelemetry.io/collector/confmap/xconfmap"
)

func unmarshal(t *testing.T, raw map[string]any) *Config {
	t.Helper()
	cfg := createDefaultConfig().(*Config)
	if err := cfg.Unmarshal(confmap.NewFromStringMap(raw)); err != nil {
		t.Fatalf("unmarshal: %v", err)
	}
	return cfg
}

func TestConfigGivesEveryEndpointTheClientDefaults(t *testing.T) {
	cfg := unmarshal(t, map[string]any{
		"endpoints": []any{
			map[string]any{"endpoint": "http://primary:4318", "name": "primary"},
			map[string]any{"endpoint": "http://secondary:4318", "timeout": "3s", "compression": "none"},
		},
	})
	if err := xconfmap.Validate(cfg); err != nil {
		t.Fatalf("validate: %v", err)
	}
	primary, secondary := cfg.Endpoints[0], cfg.Endpoints[1]
	if primary.Timeout != defaultAttemptTimeout || primary.Compression != configcompression.TypeGzip {
		t.Errorf("primary: timeout %s, compression %q; want the defaults 10s and gzip", primary.Timeout, primary.Compression)
	}
	if secondary.Timeout != 3*time.Second || secondary.Compression != "none" {
		t.Errorf("secondary: timeout %s, compression %q; want its own 3s and none", secondary.Timeout, secondary.Compression)
	}
	if endpointName(secondary, 1) != "1" {
		t.Errorf("an unnamed endpoint is named by its position, got %q", endpointName(secondary, 1))
	}
}

func TestConfigDefaultsRetryUntilDeliveredWithAProbeEvery30s(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	if cfg.Mode != ModeFailover || cfg.ProbeInterval != 30*time.Second {
		t.Errorf("mode %q, probe_interval %s; want failover and 30s", cfg.Mode, cfg.ProbeInterval)
	}
	if cfg.RetryConfig.MaxElapsedTime != 0 || !cfg.RetryConfig.Enabled {
		t.Errorf("retry_on_failure: enabled %v, max_elapsed_time %s; want enabled and 0 (until delivered)",
			cfg.RetryConfig.Enabled, cfg.RetryConfig.MaxElapsedTime)
	}
	if !cfg.QueueConfig.HasValue() {
		t.Error("sending_queue must be on by default")
	}
}

func TestConfigRejectsBadValuesNamingTheKey(t *testing.T) {
	cases := []struct {
		name string
		raw  map[string]any
		want string
	}{
		{"no endpoints", map[string]any{}, "endpoints: at least one endpoint must be specified"},
		{"an endpoint without a URL", map[string]any{"endpoints": []any{map[string]any{"name": "a"}}}, "endpoints[0].endpoint: must be set"},
		{"a URL without a scheme", map[string]any{"endpoints": []any{map[string]any{"endpoint": "primary:4318"}}}, "endpoints[0].endpoint: expected an http:// or https:// URL"},
		{"two endpoints with one name", map[string]any{"endpoints": []any{
			map[string]any{"endpoint": "http://a:1", "name": "x"}, map[string]any{"endpoint": "http://b:1", "name": "x"},
		}}, `endpoints[1].name: "x" is already the name of endpoints[0]`},
		{"a name with a slash", map[string]any{"endpoints": []any{map[string]any{"endpoint": "http://a:1", "name": "a/b"}}}, "endpoints[0].name: expected letters"},
		{"a zero attempt timeout", map[string]any{"endpoints": []any{map[string]any{"endpoint": "http://a:1", "timeout": "0s"}}}, "endpoints[0].timeout: must be positive"},
		{"an unknown mode", map[string]any{"mode": "both", "endpoints": []any{map[string]any{"endpoint": "http://a:1"}}}, `mode: expected "failover" or "mirror", got "both"`},
		{"a zero probe interval", map[string]any{"probe_interval": "0s", "endpoints": []any{map[string]any{"endpoint": "http://a:1"}}}, "probe_interval: must be positive"},
		{"a dead-letter directory without room", map[string]any{"dead_letter": map[string]any{"directory": "/tmp/x", "max_bytes": 0}, "endpoints": []any{map[string]any{"endpoint": "http://a:1"}}}, "dead_letter.max_bytes: must be positive"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := unmarshal(t, c.raw).Validate()
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("err = %v, want it to contain %q", err, c.want)
			}
		})
	}
}

func TestConfigRejectsAnEndpointThatIsNotAMapping(t *testing.T) {
	cfg := createDefaultConfig().(*Config)
	err := cfg.Unmarshal(confmap.NewFromStringMap(map[string]any{"endpoints": []any{"http://a:1"}}))
	if err == nil || !strings.Contains(err.Error(), "'endpoints[0]' expected a map") {
		t.Fatalf("err = %v, want it to name endpoints[0]", err)
	}
}
