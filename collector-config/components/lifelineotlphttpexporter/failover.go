package lifelineotlphttpexporter

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"go.opentelemetry.io/collector/consumer/consumererror"
	"go.opentelemetry.io/collector/exporter/exporterhelper"
	"go.uber.org/zap"
)

// endpointState is what the fail-over sender remembers of one endpoint.
//
//	         retryable outcome: skipUntil = now + probe_interval
//	         (429/503 with Retry-After: skipUntil = now + Retry-After, throttled)
//	usable ──────────────────────────────────────────────────────────► skipped
//	  ▲                                                                   │
//	  │ any answer (ok, partial, rejected)          now ≥ skipUntil: the  │
//	  └────────────────────────────── next batch tries it first (probe) ◄─┘
//
// Invariant: batches go to usable endpoints in priority order. Only when no endpoint is usable
// are the skipped ones that are not throttled tried, in priority order: every endpoint is down,
// and the retry backoff above this sender paces the rounds.
type endpointState struct {
	skipUntil time.Time
	throttled bool
}

// failoverSender sends one batch to the first endpoint that answers. It sits below the
// exporterhelper queue and retry sender, so a batch is already durable when it gets here, and a
// retryable error it returns is retried (with backoff) by the retry sender.
type failoverSender struct {
	signal        signal
	endpoints     []*endpoint
	probeInterval time.Duration
	now           func() time.Time
	deadLetters   *deadLetterWriter
	telemetry     *telemetry
	logger        *zap.Logger

	mu     sync.Mutex
	states []endpointState
}

func newFailoverSender(sig signal, endpoints []*endpoint, probeInterval time.Duration, deadLetters *deadLetterWriter, tel *telemetry, logger *zap.Logger) *failoverSender {
	return &failoverSender{
		signal:        sig,
		endpoints:     endpoints,
		probeInterval: probeInterval,
		now:           time.Now,
		deadLetters:   deadLetters,
		telemetry:     tel,
		logger:        logger,
		states:        make([]endpointState, len(endpoints)),
	}
}

// candidates are the endpoints to try for the next batch, in order; when every endpoint is
// throttled, none, and how long until the first throttle ends.
func (f *failoverSender) candidates() ([]int, time.Duration) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	var usable, unthrottled []int
	earliest := time.Duration(-1)
	for i, state := range f.states {
		if !now.Before(state.skipUntil) {
			usable = append(usable, i)
			continue
		}
		if !state.throttled {
			unthrottled = append(unthrottled, i)
			continue
		}
		if wait := state.skipUntil.Sub(now); earliest < 0 || wait < earliest {
			earliest = wait
		}
	}
	if len(usable) > 0 {
		return usable, 0
	}
	return unthrottled, earliest
}

// usable reports, per endpoint, whether the next batch would try it (for the state gauge).
func (f *failoverSender) usable() []bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	result := make([]bool, len(f.states))
	for i, state := range f.states {
		result[i] = !now.Before(state.skipUntil)
	}
	return result
}

func (f *failoverSender) markAnswered(i int) {
	f.mu.Lock()
	wasSkipped := !f.states[i].skipUntil.IsZero()
	f.states[i] = endpointState{}
	f.mu.Unlock()
	if wasSkipped {
		f.logger.Info("Endpoint answers again: traffic is back on it",
			zap.String("endpoint", f.endpoints[i].name), zap.String("url", f.endpoints[i].url))
	}
}

func (f *failoverSender) markFailed(i int, result outcome) {
	f.mu.Lock()
	defer f.mu.Unlock()
	now := f.now()
	if result.retryAfter > 0 {
		f.states[i] = endpointState{skipUntil: now.Add(result.retryAfter), throttled: true}
		return
	}
	f.states[i] = endpointState{skipUntil: now.Add(f.probeInterval)}
}

// send delivers body (items items) to one endpoint. nil: an endpoint took it (ok or partial).
// A permanent error: an endpoint refused it for good; it is in the dead-letter directory.
// Any other error: every endpoint tried failed; the retry sender tries again later.
func (f *failoverSender) send(ctx context.Context, body []byte, items int) error {
	order, wait := f.candidates()
	if len(order) == 0 {
		return exporterhelper.NewThrottleRetry(
			fmt.Errorf("every endpoint asked to wait (Retry-After); next attempt in %s", wait.Round(time.Millisecond)), wait)
	}
	var failures []error
	shortestRetryAfter := time.Duration(-1)
	for n, i := range order {
		target := f.endpoints[i]
		result := target.send(ctx, body, f.signal)
		if ctx.Err() != nil {
			// Shutdown or a caller's deadline, not the endpoint's fault: no verdict on it.
			return fmt.Errorf("sending %s to endpoint %s: %w", f.signal.name, target.name, ctx.Err())
		}
		f.telemetry.recordAttempt(ctx, target.name, result.kind)
		switch result.kind {
		case outcomeOK:
			f.markAnswered(i)
			return nil
		case outcomePartial:
			f.markAnswered(i)
			f.telemetry.recordPartialRejected(ctx, target.name, result.rejected)
			f.logger.Warn("Partial success: the endpoint rejected some items (not retried)",
				zap.String("endpoint", target.name), zap.Int64("rejected", result.rejected), zap.String("reason", result.reason))
			return nil
		case outcomeRejected:
			f.markAnswered(i)
			return consumererror.NewPermanent(f.deadLetter(ctx, target, result, body, items))
		}
		f.markFailed(i, result)
		failures = append(failures, fmt.Errorf("endpoint %s: %s", target.name, result.reason))
		if result.retryAfter <= 0 {
			shortestRetryAfter = 0
		} else if shortestRetryAfter < 0 || result.retryAfter < shortestRetryAfter {
			shortestRetryAfter = result.retryAfter
		}
		if n+1 < len(order) {
			next := f.endpoints[order[n+1]]
			f.telemetry.recordFailover(ctx, target.name, next.name)
			f.logger.Warn("Endpoint failed: sending the same batch to the next endpoint",
				zap.String("from", target.name), zap.String("to", next.name), zap.String("reason", result.reason))
		}
	}
	err := fmt.Errorf("no endpoint took the %s batch: %w", f.signal.name, errors.Join(failures...))
	if shortestRetryAfter > 0 {
		return exporterhelper.NewThrottleRetry(err, shortestRetryAfter)
	}
	return err
}

func (f *failoverSender) deadLetter(ctx context.Context, target *endpoint, result outcome, body []byte, items int) error {
	rejection := fmt.Errorf("endpoint %s rejected %d %s for good: %s", target.name, items, f.signal.items, result.reason)
	if f.deadLetters == nil {
		f.telemetry.recordDeadLetter(ctx, target.name, int64(items), false)
		return fmt.Errorf("%w (dropped: no dead_letter.directory configured)", rejection)
	}
	file, err := f.deadLetters.write(body, deadLetterMetadata{
		Signal:   f.signal.name,
		Endpoint: target.config.Endpoint,
		Status:   result.status,
		Reason:   result.reason,
		Items:    items,
	})
	if err != nil {
		f.telemetry.recordDeadLetter(ctx, target.name, int64(items), false)
		return fmt.Errorf("%w (dropped: %w)", rejection, err)
	}
	f.telemetry.recordDeadLetter(ctx, target.name, int64(items), true)
	return fmt.Errorf("%w (kept in %s)", rejection, file)
}
