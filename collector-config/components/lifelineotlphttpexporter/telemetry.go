package lifelineotlphttpexporter

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/metric"
)

const scopeName = "github.com/otel-lifeline/lifeline/collector-config/components/lifelineotlphttpexporter"

// telemetry holds the fail-over metrics, next to the otelcol_exporter_* metrics that
// exporterhelper reports for the queue and for sent and failed items. The Collector adds the
// component's identity (otelcol.component.id, otelcol.signal) to each.
//
//	otelcol_lifeline_endpoint_attempts_total{endpoint, outcome}   one per attempt: ok|partial|retryable|rejected
//	otelcol_lifeline_failovers_total{from, to}                    a batch moved to the next endpoint
//	otelcol_lifeline_endpoint_usable{endpoint}                    1: the next batch may go there; 0: skipped until its probe
//	otelcol_lifeline_partial_rejected_items_total{endpoint}       items refused inside a 2xx (partial success)
//	otelcol_lifeline_dead_letter_items_total{endpoint, kept}      items rejected for good; kept="false" when they could not be written
type telemetry struct {
	attempts        metric.Int64Counter
	failovers       metric.Int64Counter
	partialRejected metric.Int64Counter
	deadLetters     metric.Int64Counter
	usable          metric.Int64ObservableGauge
	registration    metric.Registration
}

func newTelemetry(settings component.TelemetrySettings) (*telemetry, error) {
	meter := settings.MeterProvider.Meter(scopeName)
	var t telemetry
	var errs [5]error
	t.attempts, errs[0] = meter.Int64Counter("otelcol_lifeline_endpoint_attempts",
		metric.WithDescription("Attempts to send a batch to an endpoint, by outcome (ok, partial, retryable, rejected)."),
		metric.WithUnit("{attempts}"))
	t.failovers, errs[1] = meter.Int64Counter("otelcol_lifeline_failovers",
		metric.WithDescription("Batches moved to the next endpoint after a retryable failure."),
		metric.WithUnit("{batches}"))
	t.partialRejected, errs[2] = meter.Int64Counter("otelcol_lifeline_partial_rejected_items",
		metric.WithDescription("Items an endpoint refused inside a 2xx answer (partial success); not retried."),
		metric.WithUnit("{items}"))
	t.deadLetters, errs[3] = meter.Int64Counter("otelcol_lifeline_dead_letter_items",
		metric.WithDescription("Items rejected for good by an endpoint; kept=true when written to the dead-letter directory."),
		metric.WithUnit("{items}"))
	t.usable, errs[4] = meter.Int64ObservableGauge("otelcol_lifeline_endpoint_usable",
		metric.WithDescription("1 when the next batch may go to the endpoint, 0 while it is skipped after a failure (until its probe)."),
		metric.WithUnit("{state}"))
	return &t, errors.Join(errs[:]...)
}

// observe reports the senders' endpoint states until stop is called.
func (t *telemetry) observe(settings component.TelemetrySettings, senders []*failoverSender) error {
	meter := settings.MeterProvider.Meter(scopeName)
	registration, err := meter.RegisterCallback(func(_ context.Context, observer metric.Observer) error {
		for _, sender := range senders {
			for i, usable := range sender.usable() {
				value := int64(0)
				if usable {
					value = 1
				}
				observer.ObserveInt64(t.usable, value, metric.WithAttributes(attribute.String("endpoint", sender.endpoints[i].name)))
			}
		}
		return nil
	}, t.usable)
	t.registration = registration
	return err
}

func (t *telemetry) stop() error {
	if t.registration == nil {
		return nil
	}
	return t.registration.Unregister()
}

func (t *telemetry) recordAttempt(ctx context.Context, endpoint string, kind outcomeKind) {
	t.attempts.Add(ctx, 1, metric.WithAttributes(attribute.String("endpoint", endpoint), attribute.String("outcome", kind.String())))
}

func (t *telemetry) recordFailover(ctx context.Context, from, to string) {
	t.failovers.Add(ctx, 1, metric.WithAttributes(attribute.String("from", from), attribute.String("to", to)))
}

func (t *telemetry) recordPartialRejected(ctx context.Context, endpoint string, items int64) {
	t.partialRejected.Add(ctx, items, metric.WithAttributes(attribute.String("endpoint", endpoint)))
}

func (t *telemetry) recordDeadLetter(ctx context.Context, endpoint string, items int64, kept bool) {
	t.deadLetters.Add(ctx, items, metric.WithAttributes(attribute.String("endpoint", endpoint), attribute.Bool("kept", kept)))
}
