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
// exporterhelper reports for the queue and for sent and failed items. Like those, each carries
// `exporter` (the component ID) and `data_type` (logs, traces, metrics): one exporter ID serves
// every signal's pipeline, each with its own fail-over state.
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
	// identity is the exporter and data_type attributes every measurement carries.
	identity []attribute.KeyValue
}

func newTelemetry(settings component.TelemetrySettings, id component.ID, sig signal) (*telemetry, error) {
	meter := settings.MeterProvider.Meter(scopeName)
	t := telemetry{identity: []attribute.KeyValue{
		attribute.String("exporter", id.String()),
		attribute.String("data_type", sig.name),
	}}
	counters := []struct {
		into              *metric.Int64Counter
		name, description string
		unit              string
	}{
		{&t.attempts, "otelcol_lifeline_endpoint_attempts",
			"Attempts to send a batch to an endpoint, by outcome (ok, partial, retryable, rejected).", "{attempts}"},
		{&t.failovers, "otelcol_lifeline_failovers",
			"Batches moved to the next endpoint after a retryable failure.", "{batches}"},
		{&t.partialRejected, "otelcol_lifeline_partial_rejected_items",
			"Items an endpoint refused inside a 2xx answer (partial success); not retried.", "{items}"},
		{&t.deadLetters, "otelcol_lifeline_dead_letter_items",
			"Items rejected for good by an endpoint; kept=true when written to the dead-letter directory.", "{items}"},
	}
	errs := make([]error, 0, len(counters)+1)
	for _, c := range counters {
		var err error
		*c.into, err = meter.Int64Counter(c.name, metric.WithDescription(c.description), metric.WithUnit(c.unit))
		errs = append(errs, err)
	}
	var err error
	t.usable, err = meter.Int64ObservableGauge("otelcol_lifeline_endpoint_usable",
		metric.WithDescription("1 when the next batch may go to the endpoint, 0 while it is skipped after a failure (until its probe)."),
		metric.WithUnit("{state}"))
	errs = append(errs, err)
	return &t, errors.Join(errs...)
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
				observer.ObserveInt64(t.usable, value, t.with(attribute.String("endpoint", sender.endpoints[i].name)))
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

// with is the identity plus a measurement's own attributes.
func (t *telemetry) with(attributes ...attribute.KeyValue) metric.MeasurementOption {
	return metric.WithAttributes(append(append([]attribute.KeyValue{}, t.identity...), attributes...)...)
}

func (t *telemetry) recordAttempt(ctx context.Context, endpoint string, kind outcomeKind) {
	t.attempts.Add(ctx, 1, t.with(attribute.String("endpoint", endpoint), attribute.String("outcome", kind.String())))
}

func (t *telemetry) recordFailover(ctx context.Context, from, to string) {
	t.failovers.Add(ctx, 1, t.with(attribute.String("from", from), attribute.String("to", to)))
}

func (t *telemetry) recordPartialRejected(ctx context.Context, endpoint string, items int64) {
	t.partialRejected.Add(ctx, items, t.with(attribute.String("endpoint", endpoint)))
}

func (t *telemetry) recordDeadLetter(ctx context.Context, endpoint string, items int64, kept bool) {
	t.deadLetters.Add(ctx, items, t.with(attribute.String("endpoint", endpoint), attribute.Bool("kept", kept)))
}
