package lifelineotlphttpexporter

import (
	"context"
	"testing"
	"time"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/component/componenttest"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/sdk/metric/metricdata"
	"go.uber.org/zap"
)

func TestTelemetryReportsFailoversAndEndpointStatePerExporterAndSignal(t *testing.T) {
	tt := componenttest.NewTelemetry()
	t.Cleanup(func() { _ = tt.Shutdown(context.Background()) })
	settings := tt.NewTelemetrySettings()
	tel, err := newTelemetry(settings, component.MustNewIDWithName("lifelineotlphttp", "agent"), tracesSignal)
	if err != nil {
		t.Fatal(err)
	}
	secondary := newBackend(t)
	endpoints := []*endpoint{
		newEndpoint(endpointConfig(refusingURL(t), time.Second), 0, tracesSignal, "test"),
		newEndpoint(endpointConfig(secondary.server.URL, time.Second), 1, tracesSignal, "test"),
	}
	for _, e := range endpoints {
		if err := e.start(context.Background(), componenttest.NewNopHost(), settings); err != nil {
			t.Fatal(err)
		}
	}
	sender := newFailoverSender(tracesSignal, endpoints, time.Minute, nil, tel, zap.NewNop())
	if err := tel.observe(settings, []*failoverSender{sender}); err != nil {
		t.Fatal(err)
	}
	if err := sender.send(context.Background(), batch, 1); err != nil {
		t.Fatal(err)
	}

	identity := []attribute.KeyValue{attribute.String("exporter", "lifelineotlphttp/agent"), attribute.String("data_type", "traces")}
	failovers := valuesOf(t, tt, "otelcol_lifeline_failovers")
	if got := failovers[attribute.NewSet(append(identity, attribute.String("from", "0"), attribute.String("to", "1"))...)]; got != 1 {
		t.Errorf("failovers from 0 to 1 = %d, want 1 (all: %v)", got, failovers)
	}
	attempts := valuesOf(t, tt, "otelcol_lifeline_endpoint_attempts")
	if got := attempts[attribute.NewSet(append(identity, attribute.String("endpoint", "0"), attribute.String("outcome", "retryable"))...)]; got != 1 {
		t.Errorf("retryable attempts on 0 = %d, want 1 (all: %v)", got, attempts)
	}
	usable := valuesOf(t, tt, "otelcol_lifeline_endpoint_usable")
	if usable[attribute.NewSet(append(identity, attribute.String("endpoint", "0"))...)] != 0 ||
		usable[attribute.NewSet(append(identity, attribute.String("endpoint", "1"))...)] != 1 {
		t.Errorf("usable = %v, want endpoint 0 skipped (0) and endpoint 1 usable (1)", usable)
	}
}

// valuesOf reads an int64 sum or gauge by its points' attributes.
func valuesOf(t *testing.T, tt *componenttest.Telemetry, name string) map[attribute.Set]int64 {
	t.Helper()
	m, err := tt.GetMetric(name)
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	var points []metricdata.DataPoint[int64]
	switch data := m.Data.(type) {
	case metricdata.Sum[int64]:
		points = data.DataPoints
	case metricdata.Gauge[int64]:
		points = data.DataPoints
	default:
		t.Fatalf("%s: %T, want an int64 sum or gauge", name, m.Data)
	}
	result := map[attribute.Set]int64{}
	for _, point := range points {
		result[point.Attributes] = point.Value
	}
	return result
}
