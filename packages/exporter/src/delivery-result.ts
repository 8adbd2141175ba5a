import type { Signal } from '@otel-lifeline/otlp';

/**
 * What forceFlush() and shutdown() resolve with, once everything queued was sent or the deadline
 * passed, whichever came first. What was not sent stays in the queue directory; the next start
 * (or `lifeline queue drain`) sends it.
 */
export interface DeliveryResult {
  readonly signal: Signal;
  /** Everything queued before the call, the previous run's backlog included, was answered by an endpoint. */
  readonly delivered: boolean;
  /** Queue records left on disk (each holds one group commit of log records, spans or metric points). */
  readonly pendingRecords: number;
  readonly pendingBytes: number;
  readonly queueDir: string;
}

/**
 * Keeps the process alive until released. The pipelines' own timers are unref'd (they must never
 * hold an app open), so without this an app that closed its server and awaits shutdown() would exit
 * with its last records still queued.
 */
export function holdProcessOpen(): () => void {
  const handle = setInterval(() => undefined, 60_000);
  return () => clearInterval(handle);
}

/**
 * What the SDK-facing forceFlush() and shutdown() resolve with. The `& void` lets their
 * Promise still satisfy the OpenTelemetry interfaces (which declare Promise<void>) while callers
 * read the result's fields.
 */
export type Delivered = DeliveryResult & void;
