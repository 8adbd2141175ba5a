package lifelineotlphttpexporter

import (
	"context"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/collector/config/configcompression"
	"go.uber.org/zap"
)

// backend is a real OTLP/HTTP endpoint on loopback whose answer a test scripts.
type backend struct {
	server *httptest.Server

	mu       sync.Mutex
	answer   func(w http.ResponseWriter) // nil: 200 with an empty body
	requests int
	paths    []string
	release  chan struct{}
}

func newBackend(t *testing.T) *backend {
	t.Helper()
	b := &backend{release: make(chan struct{})}
	b.server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		b.mu.Lock()
		b.requests++
		b.paths = append(b.paths, r.URL.Path)
		answer := b.answer
		b.mu.Unlock()
		if answer == nil {
			w.WriteHeader(http.StatusOK)
			return
		}
		answer(w)
	}))
	t.Cleanup(func() {
		close(b.release)
		b.server.Close()
	})
	return b
}

func (b *backend) script(answer func(w http.ResponseWriter)) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.answer = answer
}

// hang makes the backend accept requests and never answer (until the test ends).
func (b *backend) hang() {
	b.script(func(http.ResponseWriter) { <-b.release })
}

func (b *backend) status(code int, headers ...string) {
	b.script(func(w http.ResponseWriter) {
		for i := 0; i+1 < len(headers); i += 2 {
			w.Header().Set(headers[i], headers[i+1])
		}
		w.WriteHeader(code)
	})
}

func (b *backend) seenPaths() []string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]string(nil), b.paths...)
}

func (b *backend) count() int {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.requests
}

// refusingURL is an address where nothing listens: connections are refused.
func refusingURL(t *testing.T) string {
	t.Helper()
	listener, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	address := listener.Addr().String()
	_ = listener.Close()
	return "http://" + address
}

func endpointConfig(url string, timeout time.Duration) EndpointConfig {
	config := defaultEndpointConfig()
	config.Endpoint = url
	config.Timeout = timeout
	config.Compression = configcompression.TypeGzip
	return config
}

// fakeClock is a clock the test moves by hand.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
}

// newTestSender starts endpoints for the given URLs (each with its attempt timeout) and returns
// a fail-over sender over them with a hand-moved clock.
func newTestSender(t *testing.T, deadLetterDir string, urls []string, timeout time.Duration) (*failoverSender, *fakeClock) {
	t.Helper()
	settings := componenttest.NewNopTelemetrySettings()
	tel, err := newTelemetry(settings, component.NewID(Type), logsSignal)
	if err != nil {
		t.Fatal(err)
	}
	endpoints := make([]*endpoint, len(urls))
	for i, url := range urls {
		endpoints[i] = newEndpoint(endpointConfig(url, timeout), i, logsSignal, "test")
		if err := endpoints[i].start(context.Background(), componenttest.NewNopHost(), settings); err != nil {
			t.Fatal(err)
		}
	}
	sender := newFailoverSender(logsSignal, endpoints, 30*time.Second,
		newDeadLetterWriter(DeadLetterConfig{Directory: deadLetterDir, MaxBytes: 1 << 20}), tel, zap.NewNop())
	clock := &fakeClock{now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	sender.now = clock.Now
	return sender, clock
}
