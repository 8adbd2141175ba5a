package lifelineotlphttpexporter

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"go.opentelemetry.io/collector/component"
)

// maxResponseBytes is how much of an answer is read: enough for a partial_success or a
// google.rpc.Status, never an unbounded body.
const maxResponseBytes = 64 * 1024

// endpoint is one OTLP/HTTP backend for one signal: its confighttp client and its URL.
type endpoint struct {
	name      string
	url       string
	config    EndpointConfig
	client    *http.Client
	userAgent string
}

func newEndpoint(config EndpointConfig, index int, sig signal, userAgent string) *endpoint {
	base := config.Endpoint
	if !strings.HasSuffix(base, "/") {
		base += "/"
	}
	return &endpoint{
		name:      endpointName(config, index),
		url:       base + sig.path,
		config:    config,
		userAgent: userAgent,
	}
}

// start builds the client: confighttp needs the host's extensions (auth, middleware).
func (e *endpoint) start(ctx context.Context, host component.Host, settings component.TelemetrySettings) error {
	client, err := e.config.ToClient(ctx, host.GetExtensions(), settings)
	if err != nil {
		return fmt.Errorf("endpoint %s (%s): %w", e.name, e.config.Endpoint, err)
	}
	e.client = client
	return nil
}

func (e *endpoint) shutdown() {
	if e.client != nil {
		e.client.CloseIdleConnections()
	}
}

// send makes one attempt, bounded by the client's timeout (the attempt timeout), and classifies
// the answer. It never returns an error: every answer is an outcome.
func (e *endpoint) send(ctx context.Context, body []byte, sig signal) outcome {
	request, err := http.NewRequestWithContext(ctx, http.MethodPost, e.url, bytes.NewReader(body))
	if err != nil {
		return outcome{kind: outcomeRejected, reason: err.Error()}
	}
	request.Header.Set("Content-Type", "application/x-protobuf")
	request.Header.Set("User-Agent", e.userAgent)
	response, err := e.client.Do(request)
	if err != nil {
		return classifyTransportError(err)
	}
	defer response.Body.Close()
	answer, err := io.ReadAll(io.LimitReader(response.Body, maxResponseBytes))
	if err != nil && (response.StatusCode < 200 || response.StatusCode > 299) {
		// The status line came, the body did not: the status still decides.
		answer = nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(response.Body, maxResponseBytes))
	return classifyResponse(response.StatusCode, response.Header, answer, sig.rejectedIn, time.Now())
}
