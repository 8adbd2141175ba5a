import { createHash } from 'node:crypto';
import type { DiskQueue } from '@otel-lifeline/disk-queue';
import type { Signal } from '@otel-lifeline/otlp';
import type { Clock } from './clock.js';
import type { DeadLetterWriter } from './dead-letter.js';
import type { ExportOutcomes } from './export-outcomes.js';
import type { FailoverTransport } from './failover-transport.js';
import { createFailoverTransport } from './failover-transport.js';
import { createHttpTransport } from './http-transport.js';
import { createInstrumentedTransport } from './instrumented-transport.js';
import type { QueuedSender } from './queued-sender.js';
import { createQueuedSender } from './queued-sender.js';
import type { ResilienceOptions } from './resilience-options.js';
import { createRetryingTransport } from './retrying-transport.js';
import type { Transport } from './transport.js';
import type { ZstdAcceptance } from './zstd-acceptance.js';

export interface TransportChainContext {
  signal: Signal;
  options: ResilienceOptions;
  countItems: (body: Uint8Array) => number;
  deadLetter: DeadLetterWriter;
  clock: Clock;
  outcomes: ExportOutcomes;
  /** What the primary endpoint takes, with compression 'auto' (the queue stores in that form). */
  primaryZstd?: ZstdAcceptance | undefined;
}

export interface TransportChain {
  readonly senders: readonly QueuedSender[];
  /** Every transport built, outermost first, for close(). */
  readonly transports: readonly Transport[];
  readonly failovers: readonly FailoverTransport[];
}

export const FAILOVER_CURSOR = 'default';

/** Mirror mode gives each endpoint its own cursor, named after its URL so a restart finds it again. */
export function mirrorCursorName(url: string): string {
  return `mirror-${createHash('sha256').update(url).digest('hex').slice(0, 16)}`;
}

/** The cursors a queue must be opened with for these options. */
export function cursorNames(options: ResilienceOptions): string[] {
  return options.mode === 'mirror'
    ? options.endpoints.map((e) => mirrorCursorName(e.url))
    : [FAILOVER_CURSOR];
}

/**
 * The transport chain, top to bottom.
 *
 *   fail-over (default):  queue ─► sender(cursor 'default') ─► retrying ─► failover ─► http(primary)
 *                                                                                  └─► http(secondary) ...
 *   mirror:               queue ─► sender(cursor A) ─► retrying ─► failover-of-one ─► http(A)
 *                              └─► sender(cursor B) ─► retrying ─► failover-of-one ─► http(B)
 *
 * In mirror mode each endpoint drains its own cursor with its own retries and dead letters, so a
 * slow or dead endpoint never holds the others back; only the queue's disk bound ties them.
 */
export function assembleTransportChain(queue: DiskQueue, c: TransportChainContext): TransportChain {
  const { options } = c;
  const endpoints = options.endpoints.map((endpoint, i) =>
    createInstrumentedTransport(
      createHttpTransport({
        ...endpoint,
        signal: c.signal,
        clock: c.clock,
        ...(i === 0 && c.primaryZstd !== undefined ? { zstdAcceptance: c.primaryZstd } : {}),
        onCompression: (event) => c.outcomes.compression(event),
      }),
      c,
    ),
  );

  if (options.mode === 'mirror') {
    const chains = endpoints.map((endpoint) => {
      const failover = failoverOf([endpoint], c);
      const sender = sendFrom(
        queue,
        mirrorCursorName(endpoint.url),
        endpoint.url,
        retrying(failover, endpoint.url, c),
        c,
      );
      return { sender, failover };
    });
    return {
      senders: chains.map((chain) => chain.sender),
      transports: chains.map((chain) => chain.failover),
      failovers: chains.map((chain) => chain.failover),
    };
  }

  const failover = failoverOf(endpoints, c);
  const sender = sendFrom(
    queue,
    FAILOVER_CURSOR,
    endpoints.map((e) => e.url).join(' | '),
    retrying(failover, 'every endpoint', c),
    c,
  );
  return { senders: [sender], transports: [failover], failovers: [failover] };
}

function sendFrom(
  queue: DiskQueue,
  cursor: string,
  name: string,
  transport: Transport,
  c: TransportChainContext,
): QueuedSender {
  return createQueuedSender({
    name,
    cursor: queue.cursor(cursor),
    transport,
    countItems: c.countItems,
    deadLetter: c.deadLetter,
    maxBatchBytes: c.options.maxBatchBytes ?? 2 * 1024 * 1024,
    maxBatchRecords: c.options.maxBatchRecords ?? 4_096,
    maxAgeMs: c.options.queue?.maxAgeMs ?? 48 * 60 * 60 * 1000,
    clock: c.clock,
    outcomes: c.outcomes,
  });
}

function retrying(inner: Transport, name: string, c: TransportChainContext): Transport {
  return createRetryingTransport(inner, {
    initialBackoffMs: c.options.retry?.initialBackoffMs ?? 1_000,
    maxBackoffMs: c.options.retry?.maxBackoffMs ?? 30_000,
    random: c.options.random ?? Math.random,
    onRetry: ({ attempt, delayMs, reason }) => c.outcomes.retry({ endpoint: name, attempt, delayMs, reason }),
  });
}

function failoverOf(
  endpoints: readonly (Transport & { url: string })[],
  c: TransportChainContext,
): FailoverTransport {
  return createFailoverTransport(endpoints, {
    probeIntervalMs: c.options.probeIntervalMs ?? 30_000,
    clock: c.clock,
    onSwitch: (event) => c.outcomes.failover(event),
    onFailback: (event) => c.outcomes.failback(event),
    onStateChange: (status) =>
      c.outcomes.endpointState({ endpoint: status.name, state: status.state, until: status.until }),
  });
}
