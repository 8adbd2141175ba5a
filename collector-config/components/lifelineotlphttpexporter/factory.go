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
		exporter.WithLogs(createLogs, stability),
		exporter.WithTraces(createTraces, stability),
		exporter.WithMetrics(createMetrics, stability),
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

// build makes the exporter for one signal: one exporterhelper exporter over the fail-over sender,
// or in mirror mode one per endpoint under a mirror.
func build[E component.Component](set exporter.Settings, cfg component.Config, sig signal,
	create func(exporter.Settings, *failoverSender, []exporterhelper.Option) (E, error),
	combine func(*mirror, []E) E,
) (E, error) {
	var zero E
	config := cfg.(*Config)
	c, err := newCore(set, config, sig)
	if err != nil {
		return zero, err
	}
	if config.Mode != ModeMirror {
		return create(set, c.senders[0], helperOptions(config, c.start, c.shutdown))
	}
	m := &mirror{core: c}
	parts := make([]E, 0, len(c.senders))
	for i, sender := range c.senders {
		partSet := set
		partSet.ID = mirrorID(set.ID, c.endpoints[i].name)
		part, err := create(partSet, sender, helperOptions(config, nil, nil))
		if err != nil {
			return zero, err
		}
		parts = append(parts, part)
		m.parts = append(m.parts, part)
	}
	return combine(m, parts), nil
}

// pushTo is the push function of one signal's exporterhelper exporter: marshal the batch into an
// OTLP request and send it through the fail-over sender. A batch that cannot be marshalled will
// never be, so it is a permanent error.
func pushTo[T any](sender *failoverSender, marshal func(T) ([]byte, error), count func(T) int) func(context.Context, T) error {
	return func(ctx context.Context, data T) error {
		body, err := marshal(data)
		if err != nil {
			return consumererror.NewPermanent(err)
		}
		return sender.send(ctx, body, count(data))
	}
}

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	marshal := func(ld plog.Logs) ([]byte, error) { return plogotlp.NewExportRequestFromLogs(ld).MarshalProto() }
	return build(set, cfg, logsSignal,
		func(set exporter.Settings, sender *failoverSender, options []exporterhelper.Option) (exporter.Logs, error) {
			return exporterhelper.NewLogs(ctx, set, cfg, pushTo(sender, marshal, plog.Logs.LogRecordCount), options...)
		},
		func(m *mirror, parts []exporter.Logs) exporter.Logs {
			return &mirrorLogs{newMirrorOf(m, parts, plog.NewLogs, exporter.Logs.ConsumeLogs)}
		})
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	marshal := func(td ptrace.Traces) ([]byte, error) {
		return ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
	}
	return build(set, cfg, tracesSignal,
		func(set exporter.Settings, sender *failoverSender, options []exporterhelper.Option) (exporter.Traces, error) {
			return exporterhelper.NewTraces(ctx, set, cfg, pushTo(sender, marshal, ptrace.Traces.SpanCount), options...)
		},
		func(m *mirror, parts []exporter.Traces) exporter.Traces {
			return &mirrorTraces{newMirrorOf(m, parts, ptrace.NewTraces, exporter.Traces.ConsumeTraces)}
		})
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	marshal := func(md pmetric.Metrics) ([]byte, error) {
		return pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
	}
	return build(set, cfg, metricsSignal,
		func(set exporter.Settings, sender *failoverSender, options []exporterhelper.Option) (exporter.Metrics, error) {
			return exporterhelper.NewMetrics(ctx, set, cfg, pushTo(sender, marshal, pmetric.Metrics.DataPointCount), options...)
		},
		func(m *mirror, parts []exporter.Metrics) exporter.Metrics {
			return &mirrorMetrics{newMirrorOf(m, parts, pmetric.NewMetrics, exporter.Metrics.ConsumeMetrics)}
		})
}

// mirrorOf hands each batch to one exporter per endpoint. Each part gets its own copy of the data
// (all but the last): the parts' queues hold it independently, and an in-memory queue keeps a
// reference.
type mirrorOf[E any, T interface{ CopyTo(T) }] struct {
	*mirror
	parts   []E
	empty   func() T
	consume func(E, context.Context, T) error
}

func newMirrorOf[E any, T interface{ CopyTo(T) }](m *mirror, parts []E, empty func() T, consume func(E, context.Context, T) error) mirrorOf[E, T] {
	return mirrorOf[E, T]{mirror: m, parts: parts, empty: empty, consume: consume}
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
