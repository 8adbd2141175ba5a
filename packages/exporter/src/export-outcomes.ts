import { diag } from '@opentelemetry/api';
import type { DurabilityEvent } from '@otel-lifeline/disk-queue';
import type { Signal } from '@otel-lifeline/otlp';
import type { BurstReporter } from './burst-reporter.js';
import { channels, publish } from './diagnostics.js';
import { LossAccounting } from './loss-accounting.js';
import type { SelfMetrics } from './self-metrics.js';
import type { SendResult } from './transport.js';
import type { ZstdVerdict } from './zstd-acceptance.js';

/**
 * The one place where an outcome of one signal's export becomes visible. Each outcome updates the
 * self-metrics, publishes on `node:diagnostics_channel` and logs through the burst reporter (once
 * per burst), as it applies:
 *
 *   outcome                 metric                           channel                    log
 *   processed/notQueued     processed(error.type)²           —                          —
 *   encodeFailed            processed, dropped(encode_error) lifeline:queue:drop        error
 *   bufferFull              processed, dropped(buffer_full)  lifeline:queue:drop        summary³
 *   dropped                 lifeline.queue.dropped           lifeline:queue:drop        summary³
 *   durability              lifeline.queue.durable           lifeline:queue:durability  one line per change
 *   attempt                 operation.duration, exported     lifeline:export:ok (ok)    —
 *   retry                   lifeline.export.retries          lifeline:export:retry      warn
 *   partial                 —  (counted by attempt)          lifeline:export:partial    warn
 *   rejected                dropped(dead_letter_failed)¹     lifeline:export:rejected   error
 *   expired                 lifeline.queue.dropped(max_age)  lifeline:queue:drop        error
 *   failover / failback     lifeline.failover.switches       lifeline:failover:*        warn / info
 *   endpointState           —  (observed gauge)              lifeline:endpoint:state    —
 *   compression             —                                lifeline:export:compression info, one per change
 *   queueOpened             —                                lifeline:queue:open        —
 *   problem                 —                                —                          as given
 *
 *   ¹ only when the dead-letter file could not be written (the items are already counted as
 *     exported with an error.type, so this count stands outside the books below).
 *   ² notQueued also counts the items as dropped, except when `countedByQueue`: an append the
 *     queue refused was counted by the queue (or signal queue) with its own reason, which is the
 *     error.type here too (queue_full, buffer_full, io_error, ...).
 *   ³ the first drop after a quiet spell at once, then a summary per 10 s while drops continue.
 *
 * The books, in items (log records, spans, data points), hold at every moment (see LossAccounting):
 *
 *   processed = exported (attempt: ok, partial, rejected) + dropped (by reason) + queued
 */
export interface ExportOutcomes {
  readonly signal: Signal;
  readonly metrics: SelfMetrics;
  /** Items queued (disk or memory fallback), not yet answered for or dropped. */
  readonly queuedItems: number;
  /** Items taken by a durable processor or exporter and queued. */
  processed(items: number): void;
  /** Items handed to the queue (before the append: a refusal comes back as `dropped`). */
  queued(items: number): void;
  /** The queue stopped or resumed writing to disk. */
  durability(event: DurabilityEvent): void;
  /** Items taken but not queued, by `error.type` (queue_full, shutdown, encode_error, ...). */
  notQueued(items: number, errorType: string, countedByQueue?: boolean): void;
  encodeFailed(items: number, error: unknown): void;
  /** One item refused because `maxItems` are in the fragment not yet closed. */
  bufferFull(maxItems: number): void;
  /**
   * `items` (queue records: `records`) dropped for `reason`. `wasQueued` (default true): they had
   * been counted as queued and leave it.
   */
  dropped(event: {
    reason: string;
    records: number;
    bytes: number;
    items: number;
    wasQueued?: boolean;
  }): void;
  inflight(endpoint: string, items: number): void;
  /** One attempt at one endpoint answered (or failed) after `seconds`. */
  attempt(endpoint: string, items: number, seconds: number, result: SendResult): void;
  retry(event: { endpoint: string; attempt: number; delayMs: number; reason: string }): void;
  partial(endpoint: string, rejected: number, message: string): void;
  rejected(
    endpoint: string,
    event: { status: number | undefined; reason: string; items: number; records: number },
    deadLetterFile: string | undefined,
  ): void;
  /** A batch older than maxAge given up on (it stayed retryable until then). */
  expired(
    endpoint: string,
    batch: { records: number; bytes: number; items: number },
    maxAgeMs: number,
    reason: string,
  ): void;
  failover(event: { from: string; to: string; reason: string }): void;
  failback(event: { from: string; to: string }): void;
  endpointState(event: { endpoint: string; state: string; until: number | undefined }): void;
  /** With compression 'auto': what an endpoint settled on (zstd-acceptance.ts). */
  compression(event: { endpoint: string } & ZstdVerdict): void;
  queueOpened(event: {
    directory: string;
    adopted: readonly string[];
    pendingRecords: number;
    openMs: number;
  }): void;
  /** false while the queue is degraded. */
  readonly durable: boolean;
  /** Ends the periodic loss summary (a last one if drops are pending). */
  stop(): void;
  /** Something went wrong that is neither a drop nor an export outcome (a read, a flush, the dead-letter directory). */
  problem(kind: string, level: 'error' | 'warn', message: string): void;
}

export function createExportOutcomes(
  signal: Signal,
  metrics: SelfMetrics,
  reporter: BurstReporter,
): ExportOutcomes {
  const books = new LossAccounting(signal, metrics);
  let durable = true;
  return {
    signal,
    metrics,
    get queuedItems() {
      return books.queued;
    },
    get durable() {
      return durable;
    },
    processed(items) {
      metrics.processed(items);
    },
    queued(items) {
      books.accepted(items);
    },
    durability(event) {
      durable = event.state === 'durable';
      publish(channels.durability, { signal, ...event });
      // One line per transition: rare, and an operator needs both ends of the spell.
      if (event.state === 'degraded') {
        diag.warn(
          `lifeline ${signal} queue: the disk refuses writes (${event.reason}); records go to the endpoint through memory (not durable) until a probe finds it writable`,
        );
      } else {
        diag.info(`lifeline ${signal} queue: the disk takes writes again; records are durable again`);
      }
    },
    notQueued(items, errorType, countedByQueue = false) {
      metrics.processed(items, errorType);
      if (!countedByQueue) books.drop(errorType, items, { records: 0, bytes: 0, wasQueued: false });
    },
    encodeFailed(items, error) {
      metrics.processed(items, 'encode_error');
      books.drop('encode_error', items, { records: 0, bytes: 0, wasQueued: false });
      reporter.report(
        'encode',
        'error',
        `lifeline ${signal}: could not encode ${items} item(s): ${(error as Error).message}`,
      );
    },
    bufferFull(maxItems) {
      metrics.processed(1, 'buffer_full');
      books.drop('buffer_full', 1, { records: 0, bytes: 0, wasQueued: false });
      reporter.report(
        'buffer-full',
        'warn',
        `lifeline ${signal}: ${maxItems} items wait for their fragment to close; dropping (buffer_full)`,
      );
    },
    dropped({ reason, records, bytes, items, wasQueued }) {
      books.drop(reason, items, { records, bytes, wasQueued: wasQueued ?? true });
    },
    ...deliveryOutcomes(signal, metrics, reporter, books),
    queueOpened(event) {
      publish(channels.queueOpen, { signal, ...event });
    },
    problem(kind, level, message) {
      reporter.report(kind, level, message);
    },
    stop() {
      books.stop();
    },
  };
}

type DeliveryOutcome =
  | 'inflight'
  | 'attempt'
  | 'retry'
  | 'partial'
  | 'rejected'
  | 'expired'
  | 'failover'
  | 'failback'
  | 'endpointState'
  | 'compression';

/** Batches sent: attempts, retries, partial and permanent rejections, expiry, fail-over. */
function deliveryOutcomes(
  signal: Signal,
  metrics: SelfMetrics,
  reporter: BurstReporter,
  books: LossAccounting,
): Pick<ExportOutcomes, DeliveryOutcome> {
  return {
    inflight(endpoint, items) {
      metrics.inflight(items, endpoint);
    },
    attempt(endpoint, items, seconds, result) {
      // Answered for: out of `queued` in the same turn as it is counted exported.
      if (result.kind !== 'retryable') books.settled(items);
      switch (result.kind) {
        case 'ok':
          metrics.operation(seconds, endpoint, 200);
          metrics.exported(items, endpoint);
          publish(channels.exported, { signal, endpoint, items, durationMs: seconds * 1000 });
          break;
        case 'partial':
          metrics.operation(seconds, endpoint, 200);
          metrics.exported(Math.max(0, items - result.rejected), endpoint);
          metrics.exported(Math.min(items, result.rejected), endpoint, 'partial_rejected');
          break;
        case 'rejected': {
          const errorType = result.status === undefined ? 'rejected' : String(result.status);
          metrics.operation(seconds, endpoint, result.status, errorType);
          metrics.exported(items, endpoint, errorType);
          break;
        }
        case 'retryable':
          metrics.operation(seconds, endpoint, statusOf(result.reason), errorClass(result.reason));
          break;
      }
    },
    retry({ endpoint, attempt, delayMs, reason }) {
      metrics.retry(endpoint, errorClass(reason));
      publish(channels.retry, { signal, endpoint, attempt, delayMs, reason });
      reporter.report(
        `retry:${endpoint}`,
        'warn',
        `lifeline ${signal} export: ${endpoint} failed (${reason}); retrying in ${delayMs} ms, records stay on disk`,
      );
    },
    partial(endpoint, rejected, message) {
      publish(channels.partial, { signal, endpoint, rejected, message });
      reporter.report(
        `partial:${endpoint}`,
        'warn',
        `lifeline ${signal} export: ${endpoint} rejected ${rejected} item(s): ${message}`,
      );
    },
    rejected(endpoint, { status, reason, items, records }, deadLetterFile) {
      if (deadLetterFile === undefined) metrics.dropped('dead_letter_failed', records);
      publish(channels.rejected, { signal, endpoint, status, reason, items, deadLetterFile });
      reporter.report(
        `rejected:${endpoint}`,
        'error',
        `lifeline ${signal} export: ${endpoint} permanently rejected a batch of ${items} item(s) (${reason}); ${deadLetterFile ? `kept in ${deadLetterFile}` : 'it could not be kept and was dropped'}`,
      );
    },
    expired(endpoint, batch, maxAgeMs, reason) {
      books.drop('max_age', batch.items, { records: batch.records, bytes: batch.bytes, wasQueued: true });
      reporter.report(
        `max-age:${endpoint}`,
        'error',
        `lifeline ${signal} export: dropped a batch older than maxAge ${maxAgeMs} ms (${reason})`,
      );
    },
    failover({ from, to, reason }) {
      metrics.failover('switch', from, to);
      publish(channels.failoverSwitch, { signal, from, to, reason });
      reporter.report(
        `switch:${to}`,
        'warn',
        `lifeline ${signal} export: failed over from ${from} to ${to} (${reason})`,
      );
    },
    failback({ from, to }) {
      metrics.failover('failback', from, to);
      publish(channels.failoverFailback, { signal, from, to });
      reporter.report(
        `failback:${to}`,
        'info',
        `lifeline ${signal} export: failed back from ${from} to ${to}`,
      );
    },
    endpointState({ endpoint, state, until }) {
      publish(channels.endpointState, { signal, endpoint, state, until });
    },
    compression(event) {
      publish(channels.compression, { signal, ...event });
      diag.info(
        event.compression === 'zstd'
          ? `lifeline ${signal} export: ${event.endpoint} takes zstd; requests go as zstd from here on`
          : `lifeline ${signal} export: ${event.endpoint} does not take zstd (${event.reason}); requests go as gzip for the rest of the process`,
      );
    },
  };
}

function statusOf(reason: string): number | undefined {
  const match = /^HTTP (\d{3})/.exec(reason);
  return match ? Number(match[1]) : undefined;
}

/** `HTTP 503: ...` → `503`, `connection_refused: ...` → `connection_refused`. */
export function errorClass(reason: string): string {
  const status = statusOf(reason);
  if (status !== undefined) return String(status);
  const colon = reason.indexOf(':');
  return colon > 0 ? reason.slice(0, colon) : reason;
}
