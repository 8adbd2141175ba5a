package lifelineotlphttpexporter

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/exporter/exportertest"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/ptrace"
)

func waitFor(t *testing.T, what string, condition func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !condition() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting until %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func oneLogRecord() plog.Logs {
	logs := plog.NewLogs()
	logs.ResourceLogs().AppendEmpty().ScopeLogs().AppendEmpty().LogRecords().AppendEmpty().Body().SetStr("hello")
	return logs
}

func configFor(mode Mode, urls ...string) *Config {
	cfg := createDefaultConfig().(*Config)
	cfg.Mode = mode
	for _, url := range urls {
		cfg.Endpoints = append(cfg.Endpoints, endpointConfig(url, time.Second))
	}
	cfg.RetryConfig.InitialInterval = 10 * time.Millisecond
	return cfg
}

func TestFactoryBuildsAnExporterThatFailsOverBelowItsQueue(t *testing.T) {
	secondary := newBackend(t)
	factory := NewFactory()
	cfg := configFor(ModeFailover, refusingURL(t), secondary.server.URL)
	exp, err := factory.CreateLogs(context.Background(), exportertest.NewNopSettings(Type), cfg)
	started(t, exp, err)
	if err := exp.ConsumeLogs(context.Background(), oneLogRecord()); err != nil {
		t.Fatalf("the queue must take the batch: %v", err)
	}
	waitFor(t, "the secondary got the batch", func() bool { return secondary.count() == 1 })
	shutDownAndCheckPath(t, exp, secondary, "/v1/logs")
}

func TestFactoryMirrorsEveryBatchToEveryEndpointAndADeadOneHoldsNoneBack(t *testing.T) {
	primary, secondary := newBackend(t), newBackend(t)
	primary.status(503)
	cfg := configFor(ModeMirror, primary.server.URL, secondary.server.URL)
	exp, err := NewFactory().CreateTraces(context.Background(), exportertest.NewNopSettings(Type), cfg)
	started(t, exp, err)
	traces := ptrace.NewTraces()
	traces.ResourceSpans().AppendEmpty().ScopeSpans().AppendEmpty().Spans().AppendEmpty().SetName("GET /users/:id")
	if err := exp.ConsumeTraces(context.Background(), traces); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the live endpoint got the batch", func() bool { return secondary.count() == 1 })
	waitFor(t, "the failing endpoint was retried", func() bool { return primary.count() >= 2 })
	primary.script(nil)
	waitFor(t, "the failing endpoint got the batch once it answered", func() bool { return primary.count() >= 3 })
	if secondary.count() != 1 {
		t.Fatalf("the live endpoint got %d requests, want 1: the other's retries are its own", secondary.count())
	}
	shutDownAndCheckPath(t, exp, secondary, "/v1/traces")
}

func TestFactorySendsMetricsToTheMetricsPath(t *testing.T) {
	backend := newBackend(t)
	exp, err := NewFactory().CreateMetrics(context.Background(), exportertest.NewNopSettings(Type), configFor(ModeFailover, backend.server.URL+"/"))
	started(t, exp, err)
	metrics := pmetric.NewMetrics()
	metrics.ResourceMetrics().AppendEmpty().ScopeMetrics().AppendEmpty().Metrics().AppendEmpty().SetEmptyGauge().DataPoints().AppendEmpty().SetIntValue(1)
	if err := exp.ConsumeMetrics(context.Background(), metrics); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "the backend got the batch", func() bool { return backend.count() == 1 })
	shutDownAndCheckPath(t, exp, backend, "/v1/metrics")
}

func TestMirrorQueuesAreNamedAfterTheirEndpoint(t *testing.T) {
	if got := mirrorID(component.NewID(Type), "primary").String(); got != "lifelineotlphttp/mirror_primary" {
		t.Errorf("got %q", got)
	}
}

// started fails the test if the exporter could not be created or started.
func started(t *testing.T, exp component.Component, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
	if err := exp.Start(context.Background(), componenttest.NewNopHost()); err != nil {
		t.Fatal(err)
	}
}

// shutDownAndCheckPath shuts the exporter down and checks the signal's path on the first request.
func shutDownAndCheckPath(t *testing.T, exp component.Component, b *backend, want string) {
	t.Helper()
	if err := exp.Shutdown(context.Background()); err != nil {
		t.Fatal(err)
	}
	if paths := b.seenPaths(); len(paths) == 0 || paths[0] != want {
		t.Fatalf("paths %q, want the first to be %s", paths, want)
	}
}
