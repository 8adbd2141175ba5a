import type { QueueBatch, QueueCursor } from '@otel-lifeline/disk-queue';
import type { Clock } from './clock.js';
import { realSleep } from './clock.js';
import type { DeadLetterWriter } from './dead-letter.js';
import type { ExportOutcomes } from './export-outcomes.js';
import { createBatchReader, type BatchReader, type Part } from './batch-reader.js';
import { plainFragment } from './fragment-format.js';
import { joinParts, sendInParts, type SendResult, type Transport } from './transport.js';

/*
 * Drains one queue cursor through a transport, up to MAX_SENDS_IN_FLIGHT requests at a time, each
 * batch acknowledged in the order it was read:
 *
 *   read fragments ─► parts (≤ maxBatchRecords, ≤ maxBatchBytes before compression) ─► one body
 *   = one OTLP request per part, its fragments written one after the other (never joined in memory;
 *     they are views of the queue's read buffers, reused once the batch is acknowledged)
 *   (stored gzip members concatenate into one gzip body: fragment-format.ts; nothing is recompressed)
 *   (after an idle spell, new data is given 100 ms to gather before the first read)
 *        ▲                                                        │ send (retries inside the transport)
 *        │                                                        ▼
 *        │   ok ─────────────────────────────────────────────► ack ─┐
 *        │   partial ─► count the rejected items ──────────────► ack ─┤
 *        │   rejected ─► write the dead-letter file, count ────► ack ─┤
 *        │   retryable after maxAge ─► count as max_age drop ──► ack ─┤
 *        │   retryable after stop ─► rewind (the batch stays on disk) │  stop
 *   (a batch is acknowledged after every part of it and of the batches before it was answered)
 *        └────────────────────────────────────────────────────────────┘
 *
 * A fragment is acknowledged only after an endpoint answered for it (or it was dead-lettered or
 * expired, both counted): at-least-once, duplicates only for the batches in flight at a crash.
 */
const LINGER_MS = 100;
/** Requests in flight per cursor (the HTTP agent keeps 4 connections per endpoint). */
export const MAX_SENDS_IN_FLIGHT = 4;

type Verdict = 'done' | 'rewind';

export interface QueuedSenderOptions {
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
  outcomes: ExportOutcomes;
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
  /** The last acknowledgement being made durable. */
  #acking: Promise<void> = Promise.resolve();
  readonly #batches: BatchReader;

  constructor(options: QueuedSenderOptions) {
    this.#o = options;
    this.name = options.name;
    this.cursorName = options.cursor.name;
    this.#batches = createBatchReader(options.cursor, options, options.countItems);
    this.#loop = this.#run();
  }

  acked(): number {
    return this.#acked;
  }

  async #run(): Promise<void> {
    const stop = this.#stop.signal;
    // Parts sent, in the order they were read; a batch is acknowledged with its last part.
    const inFlight: Array<{ part: Part; verdict: Promise<Verdict | Error> }> = [];
    let parts: Part[] = [];
    let answered = true;
    while (!stop.aborted) {
      try {
        while (inFlight.length < MAX_SENDS_IN_FLIGHT && !stop.aborted) {
          if (parts.length === 0) {
            const read = await this.#batches.readParts(MAX_SENDS_IN_FLIGHT);
            if (read === undefined) break;
            parts = read;
          }
          const part = parts.shift() as Part;
          const verdict = this.#deliver(part, stop).catch((error: unknown) => error as Error);
          inFlight.push({ part, verdict });
        }
        const first = inFlight.shift();
        if (first === undefined) {
          if (stop.aborted) break;
          // Idle: once data arrives, give it LINGER_MS to gather, so a trickle of group commits
          // goes out as a few larger requests (each costs a read, a request and an ack).
          await this.#o.cursor.waitForData(stop);
          await realSleep(LINGER_MS, stop);
          continue;
        }
        const verdict = await first.verdict;
        if (verdict instanceof Error) throw verdict;
        if (verdict === 'rewind') {
          answered = false;
          break;
        }
        if (first.part.ack) this.#ack(first.part.ack);
      } catch (error) {
        // Everything read and not acknowledged is read again, once the sends in flight have ended.
        await Promise.all(inFlight.splice(0).map((f) => f.verdict));
        parts = [];
        this.#o.cursor.rewind();
        if (stop.aborted) break;
        const { outcomes } = this.#o;
        outcomes.problem(
          `queue-read:${this.name}`,
          'error',
          `lifeline ${outcomes.signal} export: reading the queue failed: ${(error as Error).message}`,
        );
        await realSleep(1_000, stop);
      }
    }
    // Stopping: the sends in flight give up at once; those answered before that are acknowledged
    // in order, up to the first that was not; the rest stays on disk.
    for (const f of inFlight.splice(0)) {
      const verdict = await f.verdict;
      answered &&= verdict === 'done';
      if (answered && f.part.ack) this.#ack(f.part.ack);
    }
    this.#o.cursor.rewind();
    await this.#acking;
    this.#wake();
  }

  /** Sends one part and counts the outcome; 'rewind' when the send gave up because of stop. */
  async #deliver(part: Part, stop: AbortSignal): Promise<Verdict> {
    const { parts, encoding, items } = this.#batches.join(part);
    const ageLeftMs = part.oldestAppendedAtMs + this.#o.maxAgeMs - this.#o.clock.now();
    // Shutdown gives up on the batch at once. Passing maxAge ends its retries, but not an attempt
    // under way: cutting that short would count as lost a batch the endpoint may already hold.
    const expired = new AbortController();
    const expiry = setTimeout(() => expired.abort(), Math.max(0, Math.min(ageLeftMs, 2 ** 31 - 1)));
    expiry.unref();
    let result: SendResult;
    try {
      result = await sendInParts(this.#o.transport, parts, {
        signal: stop,
        retryUntil: expired.signal,
        encoding,
        items,
      });
    } finally {
      clearTimeout(expiry);
    }
    const o = this.#o;
    switch (result.kind) {
      case 'ok':
        break;
      case 'partial':
        o.outcomes.partial(o.name, result.rejected, result.message);
        break;
      case 'rejected': {
        // Dead letters hold plain protobuf, whatever the queue stores.
        const body = joinParts(parts);
        const file = await o.deadLetter.write(encoding !== 'identity' ? plainFragment(body) : body, {
          signal: o.outcomes.signal,
          endpoint: o.name,
          ...(result.status !== undefined ? { status: result.status } : {}),
          reason: result.reason,
          items,
        });
        const rejected = {
          status: result.status,
          reason: result.reason,
          items,
          records: part.records.length,
        };
        o.outcomes.rejected(o.name, rejected, file);
        break;
      }
      case 'retryable':
        if (stop.aborted) return 'rewind';
        // Only the age limit ends retries of a batch that is safe on disk.
        o.outcomes.expired(
          o.name,
          { records: part.records.length, bytes: part.bytes, items },
          o.maxAgeMs,
          result.reason,
        );
        break;
    }
    return 'done';
  }

  /**
   * The acknowledgement moves the cursor at once; making it durable (a ledger write and
   * fdatasync) overlaps the next reads and sends, and concurrent ones share one ledger write.
   */
  #ack(batch: QueueBatch): void {
    const o = this.#o;
    const records = batch.records.length;
    this.#acking = o.cursor.ack(batch).then(
      () => {
        this.#acked += records;
        this.#wake();
      },
      (error: unknown) =>
        o.outcomes.problem(
          `queue-ack:${this.name}`,
          'error',
          `lifeline ${o.outcomes.signal} export: acknowledging a batch failed (it may be sent again after a restart): ${(error as Error).message}`,
        ),
    );
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

export function createQueuedSender(options: QueuedSenderOptions): QueuedSender {
  return new QueuedSenderImpl(options);
}
