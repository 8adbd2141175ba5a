import path from 'node:path';
import type { DiskQueue } from '@otel-lifeline/disk-queue';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import type { Signal } from '@otel-lifeline/otlp';
import { codecFor } from '@otel-lifeline/otlp';
import type { DeliveryResult } from './delivery-result.js';
import { holdProcessOpen } from './delivery-result.js';
import { createBurstReporter } from './burst-reporter.js';
import { realSleep, systemClock } from './clock.js';
import { compressFragment, plainFragment, storedItems } from './fragment-format.js';
import { createDeadLetterWriter } from './dead-letter.js';
import { stageEnd, stageStart } from './diagnostics.js';
import { durabilityBudget, type DurabilityBudget } from './durability-budget.js';
import { createExportOutcomes, type ExportOutcomes } from './export-outcomes.js';
import { assembleTransportChain, cursorNames, type TransportChain } from './transport-chain.js';
import type { ResilienceOptions } from './resilience-options.js';
import { validateResilienceOptions } from './resilience-options.js';
import { createSelfMetrics, type SelfMetrics } from './self-metrics.js';
import { storedFormFor, type StoredFormChoice } from './zstd-acceptance.js';

/**
 * What every durable processor and resilient exporter is built on: a disk queue for one signal and
 * the transport chain that drains it.
 *
 *   append(fragment) ─► gzip member or zstd (fragment-format.ts) ─► disk queue (group commit, fdatasync)
 *                    ─► transport chain ─► endpoints
 *
 * The queue opens asynchronously; fragments appended meanwhile wait in a bounded list.
 */
export interface SignalQueue {
  readonly signal: Signal;
  /** Where every outcome of this signal's export is counted, published and logged. */
  readonly outcomes: ExportOutcomes;
  /**
   * Synchronous, never throws, never blocks: false means dropped (and counted). `items`: the log
   * records, spans or data points the fragment holds (counted from its bytes when absent).
   */
  append(fragment: Uint8Array, items?: number): boolean;
  /** Resolves when everything appended before the call is durable (or dropped and counted). */
  flush(): Promise<void>;
  /** Flush to disk, then send all queued until answered or `timeoutMs` passes; keeps the process alive. */
  forceFlush(timeoutMs?: number): Promise<DeliveryResult>;
  /**
   * Flush to disk, send until the deadline, leave the rest on disk for the next start (one log
   * line says how much). Keeps the process alive meanwhile. Idempotent.
   */
  shutdown(timeoutMs?: number): Promise<DeliveryResult>;
  readonly isShutdown: boolean;
  /** Why the latest refused append was refused (queue_full, buffer_full, io_error, shutdown). */
  readonly lastRefusal: string;
}

const MAX_PENDING_BYTES = 16 * 1024 * 1024;
const DEFAULT_MAX_BUFFER_BYTES = 32 * 1024 * 1024;

class SignalQueueImpl implements SignalQueue {
  readonly signal: Signal;
  readonly outcomes: ExportOutcomes;
  readonly #metrics: SelfMetrics;
  readonly #options: ResilienceOptions;
  readonly #ready: Promise<void>;
  #queue: DiskQueue | undefined;
  #chain: TransportChain | undefined;
  #pending: Array<{ fragment: Uint8Array; items: number }> = [];
  readonly #countItems: (fragment: Uint8Array) => number;
  #pendingBytes = 0;
  #openFailed = false;
  #appended = 0;
  /** Per cursor: queue records pending when the queue opened (the previous run's backlog). */
  readonly #backlog = new Map<string, number>();
  #shutdown: Promise<DeliveryResult> | undefined;
  lastRefusal = 'queue_full';
  readonly #groupCommitMs: number;
  /** zstd when the primary endpoint takes zstd (set, or found with 'auto'), else gzip: shipped as stored. */
  readonly #atRest: StoredFormChoice;
  /** The latest forceFlush, for a shutdown that follows it. */
  #lastFlush: { startedAt: number; endedAt: number | undefined } | undefined;

  constructor(signal: Signal, options: ResilienceOptions, componentType: string, budget: DurabilityBudget) {
    validateResilienceOptions(options);
    this.signal = signal;
    this.#options = options;
    this.#groupCommitMs = budget.groupCommitMs;
    this.#atRest = storedFormFor(options.endpoints[0]?.compression);
    const clock = options.clock ?? systemClock;
    this.#metrics = createSelfMetrics({
      signal,
      componentType,
      ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}),
    });
    this.outcomes = createExportOutcomes(signal, this.#metrics, createBurstReporter({ clock }));
    const codec = codecFor(signal);
    this.#countItems = (fragment) => {
      try {
        return storedItems(fragment) ?? codec.countEncodedItems(plainFragment(fragment));
      } catch {
        return 0;
      }
    };
    // Observed from the start: items wait (and count as queued) while the queue is still opening.
    this.#metrics.observeQueue(() => {
      const s = this.#queue?.stats();
      return {
        pendingBytes: s?.pendingBytes ?? this.#pendingBytes,
        pendingRecords: s?.pendingRecords ?? this.#pending.length,
        oldestAgeMs: s?.oldestAgeMs ?? 0,
        queuedItems: this.outcomes.queuedItems,
        durable: this.outcomes.durable && !this.#openFailed,
      };
    });
    this.#ready = this.#open(clock);
  }

  get isShutdown(): boolean {
    return this.#shutdown !== undefined;
  }

  async #open(clock: NonNullable<ResilienceOptions['clock']>): Promise<void> {
    const o = this.#options;
    try {
      const openedAt = Date.now();
      const queue = await openDiskQueue({
        // Room for about a second and a half of records at 20 MB/s while a write or fdatasync is slow.
        maxBufferBytes: Math.min(
          DEFAULT_MAX_BUFFER_BYTES,
          Math.floor((o.queue?.maxBytes ?? 1024 * 1024 * 1024) / 2),
        ),
        ...o.queue,
        fsyncIntervalMs: this.#groupCommitMs,
        directory: o.queueDir,
        cursors: cursorNames(o),
        countItems: this.#countItems,
        onDrop: (event) => {
          // Every fragment counts as queued before it is appended (see #appendToQueue), so a
          // refused append leaves `queued` here too.
          this.lastRefusal = event.reason;
          this.outcomes.dropped({ ...event, items: event.items ?? event.records });
          o.queue?.onDrop?.(event);
        },
        onDurabilityChange: (event) => {
          this.outcomes.durability(event);
          o.queue?.onDurabilityChange?.(event);
        },
      });
      this.#queue = queue;
      const stats = queue.stats();
      for (const name of cursorNames(o)) this.#backlog.set(name, stats.cursors[name]?.pendingRecords ?? 0);
      this.outcomes.queueOpened({
        directory: queue.directory,
        adopted: queue.adopted,
        pendingRecords: stats.pendingRecords,
        openMs: Date.now() - openedAt,
      });
      for (const p of this.#pending) this.#appendToQueue(queue, p.fragment, p.items, false);
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#chain = assembleTransportChain(queue, {
        signal: this.signal,
        options: o,
        countItems: this.#countItems,
        deadLetter: createDeadLetterWriter({
          directory: o.deadLetterDir ?? path.join(o.queueDir, 'dead-letter'),
          ...(o.maxDeadLetterBytes !== undefined ? { maxBytes: o.maxDeadLetterBytes } : {}),
          onError: (error) =>
            this.outcomes.problem(
              'dead-letter',
              'error',
              `lifeline ${this.signal} dead-letter: ${error.message}`,
            ),
        }),
        clock,
        outcomes: this.outcomes,
        primaryZstd: this.#atRest.acceptance,
      });
      for (const failover of this.#chain.failovers) this.#metrics.observeEndpoints(() => failover.status());
    } catch (error) {
      this.#openFailed = true;
      const dropped = this.#pending;
      this.#pending = [];
      this.#pendingBytes = 0;
      let items = 0;
      for (const p of dropped) items += p.items;
      this.outcomes.dropped({ reason: 'io_error', records: dropped.length, bytes: 0, items });
      this.outcomes.problem(
        'open',
        'error',
        `lifeline ${this.signal}: cannot open the queue in ${o.queueDir} (${(error as Error).message}); records are dropped and counted`,
      );
    }
  }

  #appendToQueue(queue: DiskQueue, fragment: Uint8Array, items: number, count = true): boolean {
    // Queued before the append: the queue reports a refusal as a drop with its items, which takes
    // them out again. (Fragments that waited for the queue to open were counted when they came.)
    if (count) this.outcomes.queued(items);
    // The queue's group commit makes it durable within the budget (see durability-budget.ts).
    const accepted = queue.append(fragment, items);
    if (accepted) this.#appended++;
    return accepted;
  }

  append(encoded: Uint8Array, items = this.#countItems(encoded)): boolean {
    const refuse = (reason: string): false => {
      this.lastRefusal = reason;
      this.outcomes.dropped({ reason, records: 1, bytes: encoded.byteLength, items, wasQueued: false });
      return false;
    };
    if (this.#shutdown) return refuse('shutdown');
    // Compressed once, here (gzip, or zstd): the sender ships the stored fragments as they are.
    const started = stageStart();
    const fragment = compressFragment(encoded, items, this.#atRest.form());
    stageEnd('compress', started, items, fragment.byteLength);
    if (this.#queue) return this.#appendToQueue(this.#queue, fragment, items);
    if (this.#openFailed || this.#pendingBytes + fragment.byteLength > MAX_PENDING_BYTES) {
      return refuse(this.#openFailed ? 'io_error' : 'buffer_full');
    }
    this.outcomes.queued(items);
    this.#pending.push({ fragment, items });
    this.#pendingBytes += fragment.byteLength;
    return true;
  }

  async flush(): Promise<void> {
    await this.#ready;
    await this.#queue?.flush();
  }

  async forceFlush(timeoutMs?: number): Promise<DeliveryResult> {
    const release = holdProcessOpen();
    const flush = { startedAt: Date.now(), endedAt: undefined as number | undefined };
    // Only a flush on the default budget is sized to leave a following shutdown its closing share.
    const byDefault = timeoutMs === undefined && this.#options.flushTimeoutMs === undefined;
    this.#lastFlush = byDefault ? flush : undefined;
    const deadline = flush.startedAt + (timeoutMs ?? this.#defaultFlushTimeoutMs());
    let delivered = false;
    try {
      if (await beforeDeadline(this.flush(), deadline)) delivered = await this.#sendUntil(deadline);
    } catch (error) {
      // Never a rejection into the app: the records are on disk (or counted as dropped).
      this.outcomes.problem(
        'flush',
        'error',
        `lifeline ${this.signal}: forceFlush failed: ${(error as Error).message}`,
      );
    } finally {
      flush.endedAt = Date.now();
      release();
    }
    return this.#result(delivered);
  }

  /** Leaves a shutdown that follows (as in the SDK's readers and processors) its share for closing. */
  #defaultFlushTimeoutMs(): number {
    if (this.#options.flushTimeoutMs !== undefined) return this.#options.flushTimeoutMs;
    const shutdownMs = this.#options.shutdownTimeoutMs ?? 5_000;
    return shutdownMs - closingShare(shutdownMs);
  }

  /** Waits until every cursor has sent what was queued when called, or the deadline passes; true when sent. */
  async #sendUntil(deadline: number): Promise<boolean> {
    const queue = this.#queue;
    const chain = this.#chain;
    if (!queue || !chain) return false;
    const targets = chain.senders.map(
      (sender) => (this.#backlog.get(sender.cursorName) ?? 0) + this.#appended,
    );
    const done = (): boolean =>
      chain.senders.every(
        (sender, i) =>
          sender.acked() >= (targets[i] ?? 0) ||
          (queue.stats().cursors[sender.cursorName]?.pendingRecords ?? 0) === 0,
      );
    while (!done() && Date.now() < deadline) {
      // Woken by every acknowledgement; the short cap also notices records the queue dropped itself.
      await Promise.all(
        chain.senders.map((sender, i) =>
          sender.waitForAcked(targets[i] ?? 0, Math.min(deadline, Date.now() + 50)),
        ),
      );
    }
    return done();
  }

  #result(delivered: boolean): DeliveryResult {
    let stats: { pendingRecords: number; pendingBytes: number } = { pendingRecords: 0, pendingBytes: 0 };
    try {
      if (this.#queue) stats = this.#queue.stats();
    } catch {
      // A closed or broken queue has no stats; what it held is on disk.
    }
    return {
      signal: this.signal,
      delivered: delivered && !this.#openFailed,
      pendingRecords: stats.pendingRecords,
      pendingBytes: stats.pendingBytes,
      queueDir: this.#options.queueDir,
    };
  }

  shutdown(timeoutMs?: number): Promise<DeliveryResult> {
    if (!this.#shutdown) {
      const release = holdProcessOpen();
      this.#shutdown = this.#close(this.#shutdownDeadline(timeoutMs))
        .catch((error: unknown) => {
          this.outcomes.problem(
            'shutdown',
            'error',
            `lifeline ${this.signal}: shutdown failed: ${(error as Error).message}`,
          );
          return this.#result(false);
        })
        .finally(release);
    }
    return this.#shutdown;
  }

  /**
   * With the default budgets, a shutdown that follows a forceFlush (in progress, or ended just
   * before: the SDK's metric reader and batch processors flush, then shut down) counts from that
   * flush's start, so that the SDK's shutdown() as a whole ends by shutdownTimeoutMs; it still gets
   * its closing share.
   */
  #shutdownDeadline(timeoutMs: number | undefined): number {
    const now = Date.now();
    if (timeoutMs !== undefined) return now + timeoutMs;
    const budget = this.#options.shutdownTimeoutMs ?? 5_000;
    const flush = this.#lastFlush;
    const chained = flush && (flush.endedAt === undefined || now - flush.endedAt <= CHAINED_FLUSH_MS);
    if (!chained) return now + budget;
    return Math.max(flush.startedAt + budget, now + closingShare(budget));
  }

  async #close(deadline: number): Promise<DeliveryResult> {
    const timeoutMs = Math.max(0, deadline - Date.now());
    // Keep a share of the budget for stopping the senders, closing the queue (writing its ledger,
    // releasing its lock) and the sockets: a queue left open keeps its lock.
    const sendDeadline = deadline - closingShare(timeoutMs);
    let delivered = false;
    if (await beforeDeadline(this.flush(), sendDeadline)) delivered = await this.#sendUntil(sendDeadline);
    const chain = this.#chain;
    const queue = this.#queue;
    if (chain) await beforeDeadline(Promise.all(chain.senders.map((sender) => sender.stop())), deadline);
    // Counted after the senders stopped: a batch in flight was rewound and is pending again.
    const result = this.#result(delivered);
    await beforeDeadline(
      (async () => {
        await queue?.close();
        if (chain) await Promise.all(chain.transports.map((transport) => transport.close?.()));
      })(),
      deadline,
    );
    this.outcomes.stop();
    this.#metrics.shutdown();
    if (result.pendingRecords > 0 && this.#options.reportUnsent !== false) {
      this.outcomes.problem(
        'unsent',
        'warn',
        `lifeline ${this.signal}: ${result.pendingRecords} queue record(s), ${result.pendingBytes} bytes, not sent by the shutdown deadline; they stay in ${result.queueDir} and the next start sends them`,
      );
    }
    return result;
  }
}

/** A shutdown keeps a quarter of its budget, up to 500 ms, for closing the queue and the sockets. */
function closingShare(budgetMs: number): number {
  return Math.min(500, budgetMs / 4);
}

/** A shutdown this soon after a forceFlush ended is taken as the second half of one SDK shutdown. */
const CHAINED_FLUSH_MS = 100;

/** Resolves true when `work` settles before `deadline`, false otherwise (work keeps running). Never rejects. */
async function beforeDeadline(work: Promise<unknown>, deadline: number): Promise<boolean> {
  const timeout = new AbortController();
  const timer = realSleep(Math.max(0, deadline - Date.now()), timeout.signal).then(() => false);
  try {
    return await Promise.race([
      work.then(
        () => true,
        () => true,
      ),
      timer,
    ]);
  } finally {
    timeout.abort();
  }
}

/** `budget`: the durable processors pass theirs (an encoder holds records first); exporters append at once. */
export function createSignalQueue(
  signal: Signal,
  options: ResilienceOptions,
  componentType: string,
  budget: DurabilityBudget = durabilityBudget(options.queue?.fsyncIntervalMs ?? 100, false),
): SignalQueue {
  return new SignalQueueImpl(signal, options, componentType, budget);
}
