package lifelineotlphttpexporter

import (
	"context"
	"errors"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/consumer"
	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.opentelemetry.io/collector/pdata/plog"
	"go.opentelemetry.io/collector/pdata/plog/plogotlp"
	"go.opentelemetry.io/collector/pdata/pmetric"
	"go.opentelemetry.io/collector/pdata/pmetric/pmetricotlp"
	"go.opentelemetry.io/collector/pdata/ptrace"
	"go.opentelemetry.io/collector/pdata/ptrace/ptraceotlp"
)

// Type is the component's name in a Collector configuration.
var Type = component.MustNewType("lifelineotlphttp")

const stability = component.StabilityLevelAlpha

// NewFactory creates the factory of the lifelineotlphttp exporter.
func NewFactory() exporter.Factory {
	return exporter.NewFactory(
		Type,
		createDefaultConfig,
		exporter.WithLogs(create(logs), stability),
		exporter.WithTraces(create(traces), stability),
		exporter.WithMetrics(create(metrics), stability),
	)
}

// helperOptions are the stock exporterhelper layers above the fail-over sender: the queue
// (persistent with `storage`) and the retry sender. The exporterhelper timeout is off because
// each attempt has its own (the endpoint's `timeout`), as in otlp_http.
func helperOptions(cfg *Config, start component.StartFunc, shutdown component.ShutdownFunc) []exporterhelper.Option {
	options := []exporterhelper.Option{
		exporterhelper.WithCapabilities(consumer.Capabilities{MutatesData: false}),
		exporterhelper.WithTimeout(exporterhelper.TimeoutConfig{Timeout: 0}),
		exporterhelper.WithRetry(cfg.RetryConfig),
		exporterhelper.WithQueue(cfg.QueueConfig),
	}
	if start != nil {
		options = append(options, exporterhelper.WithStart(start), exporterhelper.WithShutdown(shutdown))
	}
	return options
}

// data is one signal's pdata batch (plog.Logs, ptrace.Traces, pmetric.Metrics).
type data[T any] interface{ CopyTo(T) }

// kind is what differs between logs, traces and metrics above the queue: the batch (its empty
// value, its item count and its OTLP request), the exporterhelper constructor and the exporter's
// consume method, and the mirror that fans a batch out to one such exporter per endpoint.
type kind[T data[T], E component.Component, P ~func(context.Context, T) error] struct {
	signal      signal
	empty       func() T
	count       func(T) int
	marshal     func(T) ([]byte, error)
	newExporter func(context.Context, exporter.Settings, component.Config, P, ...exporterhelper.Option) (E, error)
	consume     func(E, context.Context, T) error
	mirrored    func(mirrorOf[E, T]) E
}

func newKind[T data[T], E component.Component, P ~func(context.Context, T) error, R interface{ MarshalProto() ([]byte, error) }](
	sig signal, empty func() T, count func(T) int, request func(T) R,
	newExporter func(context.Context, exporter.Settings, component.Config, P, ...exporterhelper.Option) (E, error),
	consume func(E, context.Context, T) error, mirrored func(mirrorOf[E, T]) E,
) kind[T, E, P] {
	marshal := func(batch T) ([]byte, error) { return request(batch).MarshalProto() }
	return kind[T, E, P]{sig, empty, count, marshal, newExporter, consume, mirrored}
}

var (
	logs = newKind(logsSignal, plog.NewLogs, plog.Logs.LogRecordCount, plogotlp.NewExportRequestFromLogs,
		exporterhelper.NewLogs, exporter.Logs.ConsumeLogs, newMirrorLogs)
	traces = newKind(tracesSignal, ptrace.NewTraces, ptrace.Traces.SpanCount, ptraceotlp.NewExportRequestFromTraces,
		exporterhelper.NewTraces, exporter.Traces.ConsumeTraces, newMirrorTraces)
	metrics = newKind(metricsSignal, pmetric.NewMetrics, pmetric.Metrics.DataPointCount, pmetricotlp.NewExportRequestFromMetrics,
		exporterhelper.NewMetrics, exporter.Metrics.ConsumeMetrics, newMirrorMetrics)
)

// create is the factory function of one signal: one exporterhelper exporter over the fail-over
// sender, or in mirror mode one per endpoint under a mirror.
func create[T data[T], E component.Component, P ~func(context.Context, T) error](k kind[T, E, P]) func(context.Context, exporter.Settings, component.Config) (E, error) {
	return func(ctx context.Context, set exporter.Settings, cfg component.Config) (E, error) {
		var zero E
		config := cfg.(*Config)
		c, err := newCore(set, config, k.signal)
		if err != nil {
			return zero, err
		}
		if config.Mode != ModeMirror {
			return k.newExporter(ctx, set, cfg, k.pushTo(c.senders[0]), helperOptions(config, c.start, c.shutdown)...)
		}
		m := &mirror{core: c}
		parts := make([]E, 0, len(c.senders))
		for i, sender := range c.senders {
			partSet := set
			partSet.ID = mirrorID(set.ID, c.endpoints[i].name)
			part, err := k.newExporter(ctx, partSet, cfg, k.pushTo(sender), helperOptions(config, nil, nil)...)
			if err != nil {
				return zero, err
			}
			parts = append(parts, part)
			m.parts = append(m.parts, part)
		}
		return k.mirrored(mirrorOf[E, T]{mirror: m, parts: parts, empty: k.empty, consume: k.consume}), nil
	}
}

// pushTo is the push function of one signal's exporterhelper exporter: marshal the batch into an
// OTLP request and send it through the fail-over sender. A batch that cannot be marshalled will
// never be, so it is a permanent error.
func (k kind[T, E, P]) pushTo(sender *failoverSender) P {
	return func(ctx context.Context, batch T) error {
		body, err := k.marshal(batch)
		if err != nil {
			return consumererror.NewPermanent(err)
		}
		return sender.send(ctx, body, k.count(batch))
	}
}

// mirrorOf hands each batch to one exporter per endpoint. Each part gets its own copy of the data
// (all but the last): the parts' queues hold it independently, and an in-memory queue keeps a
// reference.
type mirrorOf[E any, T data[T]] struct {
	*mirror
	parts   []E
	empty   func() T
	consume func(E, context.Context, T) error
}

func (m *mirrorOf[E, T]) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (m *mirrorOf[E, T]) fanOut(ctx context.Context, data T) error {
	errs := make([]error, len(m.parts))
	for i, part := range m.parts {
		own := data
		if i < len(m.parts)-1 {
			own = m.empty()
			data.CopyTo(own)
		}
		errs[i] = m.consume(part, ctx, own)
	}
	return errors.Join(errs...)
}

// The mirror of each signal, as its kind makes it.
func newMirrorLogs(m mirrorOf[exporter.Logs, plog.Logs]) exporter.Logs { return &mirrorLogs{m} }

func newMirrorTraces(m mirrorOf[exporter.Traces, ptrace.Traces]) exporter.Traces {
	return &mirrorTraces{m}
}

func newMirrorMetrics(m mirrorOf[exporter.Metrics, pmetric.Metrics]) exporter.Metrics {
	return &mirrorMetrics{m}
}

type mirrorLogs struct {
	mirrorOf[exporter.Logs, plog.Logs]
}

func (m *mirrorLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error { return m.fanOut(ctx, ld) }

type mirrorTraces struct {
	mirrorOf[exporter.Traces, ptrace.Traces]
}

func (m *mirrorTraces) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	return m.fanOut(ctx, td)
}

type mirrorMetrics struct {
	mirrorOf[exporter.Metrics, pmetric.Metrics]
}

func (m *mirrorMetrics) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	return m.fanOut(ctx, md)
}
