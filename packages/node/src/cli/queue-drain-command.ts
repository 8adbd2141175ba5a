import { resolve } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { SingleBar } from 'cli-progress';
import { inspectQueue, openDiskQueue } from '@otel-lifeline/disk-queue';
import {
  createHttpTransport,
  createRetryingTransport,
  drainCursor,
  type HttpTransport,
  type Transport,
} from '@otel-lifeline/exporter';
import type { Compression } from '@otel-lifeline/exporter';
import { codecFor } from '@otel-lifeline/otlp';
import type { Signal } from '../config/config-types.js';
import { appendSignalPath } from '../config/resolve-endpoints.js';
import type { CliIo } from './cli-io.js';
import { print } from './cli-io.js';
import { findSignalQueues } from './signal-queues.js';

export interface DrainOptions {
  endpoint: URL;
  headers: Record<string, string>;
  protocol: 'http/protobuf' | 'http/json';
  compression: Compression;
  timeoutMs: number;
  cursor?: string;
  signal?: Signal;
  maxAttempts: number;
  /** Largest request before compression, in bytes (a single larger record still goes alone). */
  maxRequestBytes: number;
  keys?: Record<string, Uint8Array>;
  keyId?: string;
  json?: boolean;
  progress?: boolean;
}

export interface DrainReport {
  signals: Array<{
    signal: Signal;
    directory: string;
    url: string;
    cursor: string;
    records: number;
    items: number;
    requests: number;
    rejectedItems: number;
    remaining: number;
    /** Records passed over without being sent, by reason (corrupt, max_age, io_error, ...). */
    skipped: Record<string, number>;
  }>;
  records: number;
  items: number;
  failed?: string;
}

const BATCH_RECORDS = 512;

/**
 * Replays a queue left behind (a crashed pod's volume) to an OTLP endpoint. Each batch is
 * acknowledged in the queue only after the endpoint answered 2xx, so an interrupted drain can be
 * run again and sends only what was not acknowledged. Exit 0 when everything was delivered.
 */
export async function runQueueDrain(directory: string, options: DrainOptions, io: CliIo): Promise<number> {
  const report: DrainReport = { signals: [], records: 0, items: 0 };
  const queues = findSignalQueues(directory, options.signal);
  const bar =
    options.progress !== false && io.stderr.isTTY === true
      ? new SingleBar({
          format: 'draining {signal} [{bar}] {value}/{total} records | {items} items | {requests} requests',
          stream: io.stderr,
          hideCursor: true,
        })
      : undefined;
  try {
    for (const queue of queues) {
      const entry = await drainOne(queue.signal, queue.directory, options, bar, io);
      report.signals.push(entry);
      report.records += entry.records;
      report.items += entry.items;
      if (entry.remaining > 0) {
        report.failed = `${queue.signal}: ${entry.remaining} records were not delivered`;
        break;
      }
      const skipped = Object.entries(entry.skipped).filter(([, n]) => n > 0);
      if (skipped.length > 0) {
        report.failed = `${queue.signal}: skipped ${skipped.map(([reason, n]) => `${n} record(s) (${reason})`).join(', ')} in ${queue.directory}`;
      }
    }
  } catch (error) {
    report.failed = error instanceof Error ? error.message : String(error);
  } finally {
    bar?.stop();
  }
  if (options.json) print(io.stdout, JSON.stringify(report, null, 2));
  else {
    for (const s of report.signals) {
      print(
        io.stdout,
        `${s.signal}: delivered ${s.records} records (${s.items} ${itemName(s.signal)}) in ${s.requests} requests to ${s.url}${s.rejectedItems > 0 ? `, ${s.rejectedItems} rejected by the endpoint` : ''}${s.remaining > 0 ? `, ${s.remaining} left in the queue` : ''}${skippedText(s.skipped)}`,
      );
    }
    print(io.stdout, `drained ${report.records} records (${report.items} items)`);
  }
  if (report.failed) print(io.stderr, `lifeline queue drain: ${report.failed}`);
  return report.failed ? 1 : 0;
}

/** `http`, counting its requests in `entry`; the parts (stored fragments) go out as they are, never joined. */
function countingRequests(http: HttpTransport, entry: { requests: number }): Transport {
  return {
    send: (body, sendOptions) => {
      entry.requests += 1;
      return http.send(body, sendOptions);
    },
    sendParts: (parts, sendOptions) => {
      entry.requests += 1;
      return http.sendParts(parts, sendOptions);
    },
  };
}

async function drainOne(
  signal: Signal,
  directory: string,
  options: DrainOptions,
  bar: SingleBar | undefined,
  io: CliIo,
): Promise<DrainReport['signals'][number]> {
  // Owner and cursor names only: opening the queue scans its last segment, once is enough.
  const before = await inspectQueue(directory, { scanTail: false });
  if (before.owner?.alive === true) {
    throw new Error(
      `${directory} is owned by a running process (pid ${before.owner.pid}); stop it first (it drains its own queue)`,
    );
  }
  const cursorNames = Object.keys(before.cursors);
  const cursor =
    options.cursor ??
    (cursorNames.includes('default') || cursorNames.length === 0 ? 'default' : cursorNames[0]!);
  const url = appendSignalPath(options.endpoint, signal);
  const key = options.keys && options.keyId ? options.keys[options.keyId] : undefined;
  const skipped: Record<string, number> = {};
  const problems: string[] = [];
  const queue = await openDiskQueue({
    onDrop: (e) => (skipped[e.reason] = (skipped[e.reason] ?? 0) + e.records),
    onError: (e) => problems.push(e.message),
    directory,
    cursors: cursorNames.includes(cursor) ? cursorNames : [...cursorNames, cursor],
    ...(key && options.keyId
      ? { encryption: { keyId: options.keyId, key, previousKeys: options.keys ?? {} } }
      : {}),
  });
  const entry = {
    signal,
    directory,
    url,
    cursor,
    records: 0,
    items: 0,
    requests: 0,
    rejectedItems: 0,
    remaining: 0,
    skipped,
  };
  if (before.segments > 0 && queue.stats().segments === 0) {
    // The directory could not be used (read-only, permissions): nothing was read, nothing deleted.
    const pending = (await inspectQueue(directory)).pendingRecords;
    if (pending > 0) {
      await queue.close();
      throw new Error(
        `cannot drain ${directory}: ${pending} records pending but the queue cannot be opened for writing (${problems[0] ?? 'unknown error'}); nothing was sent or deleted`,
      );
    }
  }
  for (const p of problems) print(io.stderr, `lifeline queue drain: ${directory}: ${p}`);
  if (resolve(queue.directory) !== resolve(directory)) {
    await queue.close();
    throw new Error(`${directory} is owned by a running process; stop it first (it drains its own queue)`);
  }
  // The exporter's own chain: HTTP wrapped by the retrying transport (full-jitter backoff from
  // 500 ms, capped at 10 s, at least the endpoint's Retry-After), bounded by --max-attempts.
  const http = createHttpTransport({
    url,
    signal,
    headers: options.headers,
    protocol: options.protocol,
    compression: options.compression,
    timeoutMs: options.timeoutMs,
  });
  const countingHttp = countingRequests(http, entry);
  const transport = createRetryingTransport(countingHttp, {
    initialBackoffMs: 500,
    maxBackoffMs: 10_000,
    maxAttempts: options.maxAttempts,
    // A timer that holds the process open: the exporter's are unref'd (they never keep an app
    // alive), and here the wait is all the command does.
    sleep: (ms) => sleep(ms),
    onRetry: ({ attempt, delayMs, reason }) =>
      print(
        io.stderr,
        `${url}: ${reason}; retrying in ${delayMs}ms (attempt ${attempt} of ${options.maxAttempts})`,
      ),
  });
  const codec = codecFor(signal);
  const total = queue.stats().cursors[cursor]?.pendingRecords ?? queue.stats().pendingRecords;
  bar?.start(total, 0, { signal, items: 0, requests: 0 });
  try {
    // The exporter's read -> parts -> send -> ack path (fragments are sent as stored: no
    // decode, no re-encode, no recompression); it stops at the first batch no endpoint took.
    const drained = await drainCursor({
      cursor: queue.cursor(cursor),
      transport,
      countItems: (fragment) => codec.countEncodedItems(fragment),
      maxBatchRecords: BATCH_RECORDS,
      maxBatchBytes: options.maxRequestBytes,
      onAcked: (progress) =>
        bar?.update(progress.records, { signal, items: progress.items, requests: entry.requests }),
    });
    entry.records = drained.records;
    entry.items = drained.items;
    entry.rejectedItems = drained.rejectedItems;
    if (drained.stopped?.kind === 'rejected') {
      const { status, reason } = drained.stopped;
      throw new Error(
        `${url} rejected a batch${status ? ` with HTTP ${status}` : ''}: ${reason}; the batch stays in the queue${status === 413 ? `; its requests were up to ${options.maxRequestBytes} bytes before compression: a lower --max-request-bytes fits the endpoint's limit` : ''}`,
      );
    }
    if (drained.stopped?.kind === 'retryable') {
      print(io.stderr, `${url}: ${drained.stopped.reason}; giving up after ${options.maxAttempts} attempts`);
    }
  } finally {
    entry.remaining = queue.stats().cursors[cursor]?.pendingRecords ?? 0;
    await http.close?.();
    await queue.close();
  }
  return entry;
}

function itemName(signal: Signal): string {
  return signal === 'logs' ? 'log records' : signal === 'traces' ? 'spans' : 'data points';
}

function skippedText(skipped: Record<string, number>): string {
  const parts = Object.entries(skipped).filter(([, n]) => n > 0);
  return parts.length === 0 ? '' : `, skipped ${parts.map(([reason, n]) => `${n} (${reason})`).join(', ')}`;
}
