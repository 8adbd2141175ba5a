import path from 'node:path';
import type { DiskQueue } from '@otel-lifeline/disk-queue';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import type { Signal } from '@otel-lifeline/otlp';
import { codecFor } from '@otel-lifeline/otlp';
import { createBurstReporter } from './burst-reporter.js';
import { realSleep, systemClock } from './clock.js';
import { createDeadLetterWriter } from './dead-letter.js';
import { durabilityBudget } from './durability-budget.js';
import type { DurabilityBudget } from './durability-budget.js';
import { createExportOutcomes } from './export-outcomes.js';
import type { ExportOutcomes } from './export-outcomes.js';
import type { TransportChain } from './transport-chain.js';
import { assembleTransportChain, cursorNames } from './transport-chain.js';
import type { ResilienceOptions } from './resilience-options.js';
import { validateResilienceOptions } from './resilience-options.js';
import type { SelfMetrics } from './self-metrics.js';
import { createSelfMetrics } from './self-metrics.js';

/**
 * What every durable processor and resilient exporter is built on: a disk queue for one signal and
 * the transport chain that drains it.
 *
 *   append(fragment) ─► disk queue (group commit, fdatasync) ─► transport chain ─► endpoints
 *
 * The queue opens asynchronously; fragments appended meanwhile wait in a bounded list.
 */
export interface SignalQueue {
  readonly signal: Signal;
  /** Where every outcome of this signal's export is counted, published and logged. */
  readonly outcomes: ExportOutcomes;
  /** Synchronous, never throws, never blocks: false means dropped (and counted). */
  append(fragment: Uint8Array): boolean;
  /** Resolves when everything appended before the call is durable (or dropped and counted). */
  flush(): Promise<void>;
  /** Flush to disk, then try to send everything queued so far until `timeoutMs` passes. */
  forceFlush(timeoutMs?: number): Promise<void>;
  /** Flush to disk, send until the deadline, leave the rest on disk for the next start. Idempotent. */
  shutdown(timeoutMs?: number): Promise<void>;
  readonly isShutdown: boolean;
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
  #pending: Uint8Array[] = [];
  #pendingBytes = 0;
  #openFailed = false;
  #appended = 0;
  /** Per cursor: queue records pending when the queue opened (the previous run's backlog). */
  readonly #backlog = new Map<string, number>();
  #shutdown: Promise<void> | undefined;
  readonly #groupCommitMs: number;

  constructor(signal: Signal, options: ResilienceOptions, componentType: string, budget: DurabilityBudget) {
    validateResilienceOptions(options);
    this.signal = signal;
    this.#options = options;
    this.#groupCommitMs = budget.groupCommitMs;
    const clock = options.clock ?? systemClock;
    this.#metrics = createSelfMetrics({
      signal,
      componentType,
      ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}),
    });
    this.outcomes = createExportOutcomes(signal, this.#metrics, createBurstReporter({ clock }));
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
          Math.floor((o.queue?.maxBytes ?? 256 * 1024 * 1024) / 2),
        ),
        ...o.queue,
        fsyncIntervalMs: this.#groupCommitMs,
        directory: o.queueDir,
        cursors: cursorNames(o),
        onDrop: (event) => {
          this.outcomes.dropped(event, 'queue');
          o.queue?.onDrop?.(event);
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
      for (const fragment of this.#pending) this.#appendToQueue(queue, fragment);
      this.#pending = [];
      this.#pendingBytes = 0;
      const codec = codecFor(this.signal);
      this.#chain = assembleTransportChain(queue, {
        signal: this.signal,
        options: o,
        countItems: (body) => codec.countEncodedItems(body),
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
      });
      this.#metrics.observeQueue(() => {
        const s = queue.stats();
        return { pendingBytes: s.pendingBytes, pendingRecords: s.pendingRecords, oldestAgeMs: s.oldestAgeMs };
      });
      for (const failover of this.#chain.failovers) this.#metrics.observeEndpoints(() => failover.status());
    } catch (error) {
      this.#openFailed = true;
      const dropped = this.#pending.length;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.outcomes.dropped({ reason: 'io_error', records: dropped, bytes: 0 });
      this.outcomes.problem(
        'open',
        'error',
        `lifeline ${this.signal}: cannot open the queue in ${o.queueDir} (${(error as Error).message}); records are dropped and counted`,
      );
    }
  }

  #appendToQueue(queue: DiskQueue, fragment: Uint8Array): boolean {
    // The queue's group commit makes it durable within the budget (see durability-budget.ts).
    const accepted = queue.append(fragment);
    if (accepted) this.#appended++;
    return accepted;
  }

  append(fragment: Uint8Array): boolean {
    if (this.#shutdown) {
      this.outcomes.dropped({ reason: 'shutdown', records: 1, bytes: fragment.byteLength });
      return false;
    }
    if (this.#queue) return this.#appendToQueue(this.#queue, fragment);
    if (this.#openFailed || this.#pendingBytes + fragment.byteLength > MAX_PENDING_BYTES) {
      const reason = this.#openFailed ? 'io_error' : 'buffer_full';
      this.outcomes.dropped({ reason, records: 1, bytes: fragment.byteLength });
      return false;
    }
    this.#pending.push(fragment);
    this.#pendingBytes += fragment.byteLength;
    return true;
  }

  async flush(): Promise<void> {
    await this.#ready;
    await this.#queue?.flush();
  }

  async forceFlush(timeoutMs = this.#options.flushTimeoutMs ?? 10_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    try {
      if (!(await beforeDeadline(this.flush(), deadline))) return;
      await this.#sendUntil(deadline);
    } catch (error) {
      // Never a rejection into the app: the records are on disk (or counted as dropped).
      this.outcomes.problem(
        'flush',
        'error',
        `lifeline ${this.signal}: forceFlush failed: ${(error as Error).message}`,
      );
    }
  }

  /** Waits until every cursor has sent what was queued when called, or the deadline passes. */
  async #sendUntil(deadline: number): Promise<void> {
    const queue = this.#queue;
    const chain = this.#chain;
    if (!queue || !chain) return;
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
  }

  shutdown(timeoutMs = this.#options.shutdownTimeoutMs ?? 5_000): Promise<void> {
    this.#shutdown ??= this.#close(timeoutMs).catch((error: unknown) => {
      this.outcomes.problem(
        'shutdown',
        'error',
        `lifeline ${this.signal}: shutdown failed: ${(error as Error).message}`,
      );
    });
    return this.#shutdown;
  }

  async #close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    // Keep a quarter of the budget (up to 500 ms) for stopping the senders, closing the queue
    // (writing its ledger, releasing its lock) and the sockets: a queue left open keeps its lock.
    const sendDeadline = deadline - Math.min(500, timeoutMs / 4);
    if (await beforeDeadline(this.flush(), sendDeadline)) await this.#sendUntil(sendDeadline);
    const chain = this.#chain;
    const queue = this.#queue;
    await beforeDeadline(
      (async () => {
        if (chain) await Promise.all(chain.senders.map((sender) => sender.stop()));
        await queue?.close();
        if (chain) await Promise.all(chain.transports.map((transport) => transport.close?.()));
      })(),
      deadline,
    );
    this.#metrics.shutdown();
  }
}

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
