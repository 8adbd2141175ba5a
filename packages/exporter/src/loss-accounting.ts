import { diag } from '@opentelemetry/api';
import type { Signal } from '@otel-lifeline/otlp';
import { channels, publish } from './diagnostics.js';
import type { SelfMetrics } from './self-metrics.js';

const UNIT: Record<Signal, string> = { logs: 'log records', traces: 'spans', metrics: 'data points' };
const SUMMARY_EVERY_MS = 10_000;

/**
 * One signal's books, in the user's unit (log records, spans, data points):
 *
 *   processed = exported (answered: accepted or rejected) + dropped (by reason) + queued
 *
 * `queued` counts items appended to the queue (disk or memory fallback) and not yet answered for
 * or dropped; it is what lets an operator reconcile the counters at any moment. Drops are logged
 * at once after a quiet spell, then summarised every 10 s while they continue:
 * "dropped 12,345 log records in the last 10 s: io_error 12,000, queue_full 345".
 */
export class LossAccounting {
  #queued = 0;
  #window = new Map<string, number>();
  #timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly signal: Signal,
    private readonly metrics: SelfMetrics,
    private readonly log: (message: string) => void = (message) => diag.warn(message),
    private readonly summaryEveryMs = SUMMARY_EVERY_MS,
  ) {}

  /** Items waiting in the queue (disk or memory). */
  get queued(): number {
    return this.#queued;
  }

  accepted(items: number): void {
    this.#queued += items;
  }

  /** Items that left the queue: answered for by an endpoint, or dropped (see drop). */
  settled(items: number): void {
    this.#queued = Math.max(0, this.#queued - items);
  }

  /**
   * Counts a loss of `items` for `reason`; `wasQueued` when they had been accepted into the queue
   * (so they leave `queued`). `records` and `bytes` describe the queue records for the event.
   */
  drop(reason: string, items: number, detail: { records: number; bytes: number; wasQueued: boolean }): void {
    if (detail.wasQueued) this.settled(items);
    if (items === 0) return;
    this.metrics.dropped(reason, items);
    publish(channels.drop, {
      signal: this.signal,
      reason,
      items,
      records: detail.records,
      bytes: detail.bytes,
    });
    const quiet = this.#timer === undefined;
    if (quiet) {
      this.log(
        `lifeline ${this.signal}: dropped ${items.toLocaleString('en-US')} ${UNIT[this.signal]} (${reason})`,
      );
      this.#timer = setInterval(() => this.#summarise(), this.summaryEveryMs);
      this.#timer.unref();
      return;
    }
    this.#window.set(reason, (this.#window.get(reason) ?? 0) + items);
  }

  #summarise(): void {
    const window = this.#window;
    this.#window = new Map();
    let total = 0;
    for (const n of window.values()) total += n;
    if (total === 0) {
      clearInterval(this.#timer);
      this.#timer = undefined;
      return;
    }
    const byReason = [...window.entries()]
      .sort((a, b) => b[1] - a[1])
      .map(([reason, n]) => `${reason} ${n.toLocaleString('en-US')}`)
      .join(', ');
    this.log(
      `lifeline ${this.signal}: dropped ${total.toLocaleString('en-US')} ${UNIT[this.signal]} in the last ${this.summaryEveryMs / 1000} s: ${byReason}`,
    );
  }

  stop(): void {
    if (this.#timer !== undefined) this.#summarise();
    clearInterval(this.#timer);
    this.#timer = undefined;
  }
}
