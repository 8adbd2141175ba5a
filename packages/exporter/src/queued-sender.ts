import type { QueueBatch, QueueCursor } from '@otel-lifeline/disk-queue';
import type { Signal } from '@otel-lifeline/otlp';
import type { BurstReporter } from './burst-reporter.js';
import type { Clock } from './clock.js';
import { realSleep } from './clock.js';
import type { DeadLetterWriter } from './dead-letter.js';
import { channels, publish } from './diagnostics.js';
import type { SelfMetrics } from './self-metrics.js';
import type { SendResult, Transport } from './transport.js';

/*
 * Drains one queue cursor through a transport, one request at a time:
 *
 *   read fragments (≤ maxBatchRecords, ≤ maxBatchBytes) ─► concatenate = one OTLP request
 *   (after an idle spell, new data is given 100 ms to gather before the first read)
 *        ▲                                                        │ send (retries inside the transport)
 *        │                                                        ▼
 *        │   ok ─────────────────────────────────────────────► ack ─┐
 *        │   partial ─► count the rejected items ──────────────► ack ─┤
 *        │   rejected ─► write the dead-letter file, count ────► ack ─┤
 *        │   retryable after maxAge ─► count as max_age drop ──► ack ─┤
 *        │   retryable after stop ─► rewind (the batch stays on disk) │  stop
 *        └────────────────────────────────────────────────────────────┘
 *
 * A fragment is acknowledged only after an endpoint answered for it (or it was dead-lettered or
 * expired, both counted): at-least-once, duplicates only for the batch in flight at a crash.
 */
const LINGER_MS = 100;

export interface QueuedSenderOptions {
  signal: Signal;
  /** Where this sender sends, for events and reports ('failover' chains name their endpoints). */
  name: string;
  cursor: QueueCursor;
  transport: Transport;
  countItems: (body: Uint8Array) => number;
  deadLetter: DeadLetterWriter;
  maxBatchBytes: number;
  maxBatchRecords: number;
  maxAgeMs: number;
  clock: Clock;
  metrics: SelfMetrics;
  reporter: BurstReporter;
}

export interface QueuedSender {
  readonly name: string;
  readonly cursorName: string;
  /** Queue records (fragments) acknowledged since start. */
  acked(): number;
  /** Resolves once acked() reaches `count`, or false at `deadline` (epoch ms) or stop. */
  waitForAcked(count: number, deadline: number): Promise<boolean>;
  /** Abandons the batch in flight (it stays on disk) and ends the loop. */
  stop(): Promise<void>;
}

class QueuedSenderImpl implements QueuedSender {
  readonly name: string;
  readonly cursorName: string;
  readonly #o: QueuedSenderOptions;
  readonly #stop = new AbortController();
  readonly #waiters = new Set<() => void>();
  readonly #loop: Promise<void>;
  #acked = 0;

  constructor(options: QueuedSenderOptions) {
    this.#o = options;
    this.name = options.name;
    this.cursorName = options.cursor.name;
    this.#loop = this.#run();
  }

  acked(): number {
    return this.#acked;
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    while (!stop.aborted) {
      try {
        const batch = await this.#o.cursor.read({
          maxRecords: this.#o.maxBatchRecords,
          maxBytes: this.#o.maxBatchBytes,
        });
        if (batch === undefined) {
          // Idle: once data arrives, give it LINGER_MS to gather, so a trickle of group commits
          // goes out as a few larger requests (each costs a read, a request and an ack).
          await this.#o.cursor.waitForData(stop);
          await realSleep(LINGER_MS, stop);
          continue;
        }
        await this.#deliver(batch, stop);
      } catch (error) {
        if (stop.aborted) break;
        this.#o.reporter.report(
          `queue-read:${this.name}`,
          'error',
          `lifeline ${this.#o.signal} export: reading the queue failed: ${(error as Error).message}`,
        );
        this.#o.cursor.rewind();
        await realSleep(1_000, stop);
      }
    }
    this.#wake();
  }

  async #deliver(batch: QueueBatch, stop: AbortSignal): Promise<void> {
    const body = concatenate(batch.records);
    const ageLeftMs = batch.oldestAppendedAtMs + this.#o.maxAgeMs - this.#o.clock.now();
    // Give up on the batch at shutdown or when it passes maxAge; the timer and the listener are
    // released as soon as the send ends.
    const giveUp = new AbortController();
    const onStop = (): void => giveUp.abort();
    stop.addEventListener('abort', onStop, { once: true });
    const expiry = setTimeout(onStop, Math.max(0, Math.min(ageLeftMs, 2 ** 31 - 1)));
    expiry.unref();
    let result: SendResult;
    try {
      result = await this.#o.transport.send(body, { signal: giveUp.signal });
    } finally {
      clearTimeout(expiry);
      stop.removeEventListener('abort', onStop);
    }
    const o = this.#o;
    switch (result.kind) {
      case 'ok':
        break;
      case 'partial':
        publish(channels.partial, {
          signal: o.signal,
          endpoint: o.name,
          rejected: result.rejected,
          message: result.message,
        });
        o.reporter.report(
          `partial:${o.name}`,
          'warn',
          `lifeline ${o.signal} export: ${o.name} rejected ${result.rejected} item(s): ${result.message}`,
        );
        break;
      case 'rejected': {
        const items = this.#count(body);
        const file = await o.deadLetter.write(body, {
          signal: o.signal,
          endpoint: o.name,
          ...(result.status !== undefined ? { status: result.status } : {}),
          reason: result.reason,
          items,
        });
        if (file === undefined) o.metrics.dropped('dead_letter_failed', batch.records.length);
        publish(channels.rejected, {
          signal: o.signal,
          endpoint: o.name,
          status: result.status,
          reason: result.reason,
          items,
          deadLetterFile: file,
        });
        o.reporter.report(
          `rejected:${o.name}`,
          'error',
          `lifeline ${o.signal} export: ${o.name} permanently rejected a batch of ${items} item(s) (${result.reason}); ${file ? `kept in ${file}` : 'it could not be kept and was dropped'}`,
        );
        break;
      }
      case 'retryable':
        if (stop.aborted) {
          o.cursor.rewind();
          return;
        }
        // Only the age limit ends retries of a batch that is safe on disk.
        o.metrics.dropped('max_age', batch.records.length);
        publish(channels.drop, {
          signal: o.signal,
          reason: 'max_age',
          records: batch.records.length,
          bytes: batch.bytes,
        });
        o.reporter.report(
          `max-age:${o.name}`,
          'error',
          `lifeline ${o.signal} export: dropped a batch older than maxAge ${o.maxAgeMs} ms (${result.reason})`,
        );
        break;
    }
    await o.cursor.ack(batch);
    this.#acked += batch.records.length;
    this.#wake();
  }

  #count(body: Uint8Array): number {
    try {
      return this.#o.countItems(body);
    } catch {
      return 0;
    }
  }

  #wake(): void {
    for (const wake of this.#waiters) wake();
  }

  waitForAcked(count: number, deadline: number): Promise<boolean> {
    return new Promise((resolve) => {
      const check = (): void => {
        if (this.#acked >= count) finish(true);
        else if (this.#stop.signal.aborted || Date.now() >= deadline) finish(false);
      };
      const finish = (reached: boolean): void => {
        clearTimeout(timer);
        this.#waiters.delete(check);
        resolve(reached);
      };
      // The timer ends the wait by itself: timers may fire a millisecond before Date.now() reaches the deadline.
      const timer = setTimeout(() => finish(this.#acked >= count), Math.max(0, deadline - Date.now()));
      timer.unref();
      this.#waiters.add(check);
      check();
    });
  }

  async stop(): Promise<void> {
    this.#stop.abort();
    await this.#loop;
  }
}

function concatenate(records: readonly Uint8Array[]): Uint8Array {
  if (records.length === 1) return records[0] as Uint8Array;
  // Protobuf messages of one type concatenate into one message holding both: no decode, no re-encode.
  return Buffer.concat(records as Uint8Array[]);
}

export function createQueuedSender(options: QueuedSenderOptions): QueuedSender {
  return new QueuedSenderImpl(options);
}
