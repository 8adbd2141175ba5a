package lifelineotlphttpexporter

import (
	"context"
	"errors"
	"fmt"
	"runtime"

	"go.opentelemetry.io/collector/component"
	"go.opentelemetry.io/collector/exporter"
)

// core is everything below the exporterhelper queue for one signal:
//
//	exporterhelper: sending_queue (file_storage) ─► retry_on_failure (configretry, Retry-After)
//	  └─► failoverSender: endpoints[0] ─retryable─► endpoints[1] ─► ...   (same batch, at once)
//	        └─ rejected ─► dead-letter directory
//
// In failover mode there is one sender over every endpoint. In mirror mode there is one sender,
// one queue and one retry loop per endpoint, so a dead or slow endpoint never holds back another.
type core struct {
	settings  component.TelemetrySettings
	endpoints []*endpoint
	senders   []*failoverSender
	telemetry *telemetry
}

func newCore(set exporter.Settings, cfg *Config, sig signal) (*core, error) {
	tel, err := newTelemetry(set.TelemetrySettings, set.ID, sig)
	if err != nil {
		return nil, err
	}
	userAgent := fmt.Sprintf("%s/%s (%s/%s)", set.BuildInfo.Description, set.BuildInfo.Version, runtime.GOOS, runtime.GOARCH)
	deadLetters := newDeadLetterWriter(cfg.DeadLetter)
	c := &core{settings: set.TelemetrySettings, telemetry: tel}
	for i, config := range cfg.Endpoints {
		c.endpoints = append(c.endpoints, newEndpoint(config, i, sig, userAgent))
	}
	newSender := func(endpoints []*endpoint) *failoverSender {
		return newFailoverSender(sig, endpoints, cfg.ProbeInterval, deadLetters, tel, set.Logger)
	}
	if cfg.Mode == ModeMirror {
		for _, e := range c.endpoints {
			c.senders = append(c.senders, newSender([]*endpoint{e}))
		}
	} else {
		c.senders = []*failoverSender{newSender(c.endpoints)}
	}
	return c, nil
}

func (c *core) start(ctx context.Context, host component.Host) error {
	for _, e := range c.endpoints {
		if err := e.start(ctx, host, c.settings); err != nil {
			return err
		}
	}
	return c.telemetry.observe(c.settings, c.senders)
}

func (c *core) shutdown(context.Context) error {
	for _, e := range c.endpoints {
		e.shutdown()
	}
	return c.telemetry.stop()
}

// mirrorID names the queue of one mirror endpoint. The persistent queue's storage is keyed by
// this ID, so it must stay the same across restarts: it is built from the endpoint's name.
func mirrorID(id component.ID, endpoint string) component.ID {
	if id.Name() == "" {
		return component.NewIDWithName(id.Type(), "mirror_"+endpoint)
	}
	return component.NewIDWithName(id.Type(), id.Name()+"_mirror_"+endpoint)
}

// mirror starts the core, then one exporterhelper exporter per endpoint; it shuts them down
// (each drains or keeps its queue) before the core.
type mirror struct {
	core  *core
	parts []component.Component
}

func (m *mirror) Start(ctx context.Context, host component.Host) error {
	if err := m.core.start(ctx, host); err != nil {
		return err
	}
	for _, part := range m.parts {
		if err := part.Start(ctx, host); err != nil {
			return err
		}
	}
	return nil
}

func (m *mirror) Shutdown(ctx context.Context) error {
	var errs []error
	for _, part := range m.parts {
		errs = append(errs, part.Shutdown(ctx))
	}
	errs = append(errs, m.core.shutdown(ctx))
	return errors.Join(errs...)
}
