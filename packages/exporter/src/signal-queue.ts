import path from 'node:path';
import type { DiskQueue } from '@otel-lifeline/disk-queue';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import type { Signal } from '@otel-lifeline/otlp';
import { codecFor } from '@otel-lifeline/otlp';
import type { BurstReporter } from './burst-reporter.js';
import { createBurstReporter } from './burst-reporter.js';
import { realSleep, systemClock } from './clock.js';
import { createDeadLetterWriter } from './dead-letter.js';
import { channels, publish } from './diagnostics.js';
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
  readonly metrics: SelfMetrics;
  readonly reporter: BurstReporter;
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
  readonly metrics: SelfMetrics;
  readonly reporter: BurstReporter;
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
  #flushTimer: NodeJS.Timeout | undefined;

  readonly #fsyncIntervalMs: number;

  constructor(signal: Signal, options: ResilienceOptions, componentType: string, encodeDelayMs: number) {
    validateResilienceOptions(options);
    this.signal = signal;
    this.#options = options;
    // The user's fsyncIntervalMs bounds emit → durable as a whole. A group commit starts at most
    // half the interval after a record was emitted (the encoder's wait included), which leaves the
    // other half for the write, the fdatasync and a busy event loop. The signalQueue starts that flush
    // itself (see #appendToQueue): the queue's own timer may wait a whole interval after a flush
    // that was still in progress.
    const interval = options.queue?.fsyncIntervalMs ?? 100;
    this.#fsyncIntervalMs = Math.max(1, Math.floor(interval / 2) - encodeDelayMs);
    const clock = options.clock ?? systemClock;
    this.reporter = createBurstReporter({ clock });
    this.metrics = createSelfMetrics({
      signal,
      componentType,
      ...(options.meterProvider ? { meterProvider: options.meterProvider } : {}),
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
          Math.floor((o.queue?.maxBytes ?? 256 * 1024 * 1024) / 2),
        ),
        ...o.queue,
        fsyncIntervalMs: this.#fsyncIntervalMs,
        directory: o.queueDir,
        cursors: cursorNames(o),
        onDrop: (event) => {
          this.metrics.dropped(event.reason, event.records);
          publish(channels.drop, { signal: this.signal, ...event });
          this.reporter.report(
            `drop:${event.reason}`,
            'warn',
            `lifeline ${this.signal} queue: dropped ${event.records} record(s), ${event.bytes} bytes (${event.reason})`,
          );
          o.queue?.onDrop?.(event);
        },
      });
      this.#queue = queue;
      const stats = queue.stats();
      for (const name of cursorNames(o)) this.#backlog.set(name, stats.cursors[name]?.pendingRecords ?? 0);
      publish(channels.queueOpen, {
        signal: this.signal,
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
            this.reporter.report(
              'dead-letter',
              'error',
              `lifeline ${this.signal} dead-letter: ${error.message}`,
            ),
        }),
        clock,
        metrics: this.metrics,
        reporter: this.reporter,
      });
      this.metrics.observeQueue(() => {
        const s = queue.stats();
        return { pendingBytes: s.pendingBytes, pendingRecords: s.pendingRecords, oldestAgeMs: s.oldestAgeMs };
      });
      for (const failover of this.#chain.failovers) this.metrics.observeEndpoints(() => failover.status());
    } catch (error) {
      this.#openFailed = true;
      const dropped = this.#pending.length;
      this.#pending = [];
      this.#pendingBytes = 0;
      this.#countDrop('io_error', dropped, 0);
      this.reporter.report(
        'open',
        'error',
        `lifeline ${this.signal}: cannot open the queue in ${o.queueDir} (${(error as Error).message}); records are dropped and counted`,
      );
    }
  }

  #appendToQueue(queue: DiskQueue, fragment: Uint8Array): boolean {
    const accepted = queue.append(fragment);
    if (accepted) {
      this.#appended++;
      // Durable within the budget of the first fragment appended since the last flush started.
      if (this.#flushTimer === undefined) {
        this.#flushTimer = setTimeout(() => {
          this.#flushTimer = undefined;
          void queue.flush();
        }, this.#fsyncIntervalMs);
        this.#flushTimer.unref();
      }
    }
    return accepted;
  }

  #countDrop(reason: string, records: number, bytes: number): void {
    if (records === 0) return;
    this.metrics.dropped(reason, records);
    publish(channels.drop, { signal: this.signal, reason, records, bytes });
    this.reporter.report(
      `drop:${reason}`,
      'warn',
      `lifeline ${this.signal}: dropped ${records} record(s) (${reason})`,
    );
  }

  append(fragment: Uint8Array): boolean {
    if (this.#shutdown) {
      this.#countDrop('shutdown', 1, fragment.byteLength);
      return false;
    }
    if (this.#queue) return this.#appendToQueue(this.#queue, fragment);
    if (this.#openFailed || this.#pendingBytes + fragment.byteLength > MAX_PENDING_BYTES) {
      this.#countDrop(this.#openFailed ? 'io_error' : 'buffer_full', 1, fragment.byteLength);
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
      this.reporter.report(
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
      this.reporter.report(
        'shutdown',
        'error',
        `lifeline ${this.signal}: shutdown failed: ${(error as Error).message}`,
      );
    });
    return this.#shutdown;
  }

  async #close(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    if (this.#flushTimer !== undefined) clearTimeout(this.#flushTimer);
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
    this.metrics.shutdown();
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

/** `encodeDelayMs`: how long records may wait before they are appended (the durable processors' encoder). */
export function createSignalQueue(
  signal: Signal,
  options: ResilienceOptions,
  componentType: string,
  encodeDelayMs = 0,
): SignalQueue {
  return new SignalQueueImpl(signal, options, componentType, encodeDelayMs);
}
