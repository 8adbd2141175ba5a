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

func createLogs(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Logs, error) {
	return build(set, cfg, logsSignal,
		func(set exporter.Settings, sender *failoverSender, options []exporterhelper.Option) (exporter.Logs, error) {
			return exporterhelper.NewLogs(ctx, set, cfg, func(ctx context.Context, ld plog.Logs) error {
				body, err := plogotlp.NewExportRequestFromLogs(ld).MarshalProto()
				if err != nil {
					return consumererror.NewPermanent(err)
				}
				return sender.send(ctx, body, ld.LogRecordCount())
			}, options...)
		},
		func(m *mirror, parts []exporter.Logs) exporter.Logs { return &mirrorLogs{mirror: m, parts: parts} })
}

func createTraces(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Traces, error) {
	return build(set, cfg, tracesSignal,
		func(set exporter.Settings, sender *failoverSender, options []exporterhelper.Option) (exporter.Traces, error) {
			return exporterhelper.NewTraces(ctx, set, cfg, func(ctx context.Context, td ptrace.Traces) error {
				body, err := ptraceotlp.NewExportRequestFromTraces(td).MarshalProto()
				if err != nil {
					return consumererror.NewPermanent(err)
				}
				return sender.send(ctx, body, td.SpanCount())
			}, options...)
		},
		func(m *mirror, parts []exporter.Traces) exporter.Traces {
			return &mirrorTraces{mirror: m, parts: parts}
		})
}

func createMetrics(ctx context.Context, set exporter.Settings, cfg component.Config) (exporter.Metrics, error) {
	return build(set, cfg, metricsSignal,
		func(set exporter.Settings, sender *failoverSender, options []exporterhelper.Option) (exporter.Metrics, error) {
			return exporterhelper.NewMetrics(ctx, set, cfg, func(ctx context.Context, md pmetric.Metrics) error {
				body, err := pmetricotlp.NewExportRequestFromMetrics(md).MarshalProto()
				if err != nil {
					return consumererror.NewPermanent(err)
				}
				return sender.send(ctx, body, md.DataPointCount())
			}, options...)
		},
		func(m *mirror, parts []exporter.Metrics) exporter.Metrics {
			return &mirrorMetrics{mirror: m, parts: parts}
		})
}

// Each mirror part gets its own copy of the data (all but the last): the parts' queues hold
// it independently, and an in-memory queue keeps a reference.
func fanOut[T, P any](ctx context.Context, parts []P, data T, clone func(T) T, consume func(P, context.Context, T) error) error {
	errs := make([]error, len(parts))
	for i, part := range parts {
		own := data
		if i < len(parts)-1 {
			own = clone(data)
		}
		errs[i] = consume(part, ctx, own)
	}
	return errors.Join(errs...)
}

type mirrorLogs struct {
	*mirror
	parts []exporter.Logs
}

func (m *mirrorLogs) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (m *mirrorLogs) ConsumeLogs(ctx context.Context, ld plog.Logs) error {
	return fanOut(ctx, m.parts, ld, func(in plog.Logs) plog.Logs {
		out := plog.NewLogs()
		in.CopyTo(out)
		return out
	}, exporter.Logs.ConsumeLogs)
}

type mirrorTraces struct {
	*mirror
	parts []exporter.Traces
}

func (m *mirrorTraces) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (m *mirrorTraces) ConsumeTraces(ctx context.Context, td ptrace.Traces) error {
	return fanOut(ctx, m.parts, td, func(in ptrace.Traces) ptrace.Traces {
		out := ptrace.NewTraces()
		in.CopyTo(out)
		return out
	}, exporter.Traces.ConsumeTraces)
}

type mirrorMetrics struct {
	*mirror
	parts []exporter.Metrics
}

func (m *mirrorMetrics) Capabilities() consumer.Capabilities { return consumer.Capabilities{} }

func (m *mirrorMetrics) ConsumeMetrics(ctx context.Context, md pmetric.Metrics) error {
	return fanOut(ctx, m.parts, md, func(in pmetric.Metrics) pmetric.Metrics {
		out := pmetric.NewMetrics()
		in.CopyTo(out)
		return out
	}, exporter.Metrics.ConsumeMetrics)
}
