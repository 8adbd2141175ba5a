import { diag } from '@opentelemetry/api';
import type { RequestOutcome } from './request-outcome.js';

/**
 * When the finished requests are reported (server span ended, metrics recorded, events emitted):
 *
 *   batched: false   each in its response's finish callback, as it finishes
 *   batched: true    response.finish ──► outcome (the facts, read there and then) ──► pending
 *                    end of the event-loop turn (setImmediate) ──► every pending one, in order
 *
 * A server under load finishes several responses in one turn of the event loop (one poll of the
 * sockets). Batched, their reports run one after another in one place instead of each between
 * the framework's and Node's own work for the next response, so the code and data of both stay
 * warm in the CPU's caches (bench:http runs the distribution with and without it side by side).
 * The reports carry the time the response finished (the span's end, the events' timestamps), not
 * the time they ran, and the request's own context.
 *
 * What waits is at most one turn of the event loop; `flush()` reports it at once (before the
 * providers are flushed or shut down, so that a flush includes every request already finished).
 */
export interface RequestReports {
  add(outcome: RequestOutcome): void;
  /** Reports every pending outcome now. */
  flush(): void;
}

export function createRequestReports(
  report: (outcome: RequestOutcome) => void,
  batched: boolean,
): RequestReports {
  // At once: in the finish callback, whose caller (request-capture.ts) catches what a report throws.
  if (!batched) return { add: report, flush: () => undefined };

  let pending: RequestOutcome[] = [];
  const flush = (): void => {
    // Taken first: a report that finishes another response (a test's fake one, say) starts a new batch.
    const batch = pending;
    pending = [];
    for (let i = 0; i < batch.length; i++) {
      try {
        report(batch[i]!);
      } catch (error) {
        // One request's failure leaves the others of its batch reported.
        diag.error('lifeline instrumentation-api: failed to report a request', error);
      }
    }
  };
  return {
    add(outcome) {
      if (pending.length === 0) setImmediate(flush);
      pending.push(outcome);
    },
    flush,
  };
}
