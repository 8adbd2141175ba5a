import type { MeterProvider } from '@opentelemetry/api';
import type { DiskQueueOptions } from '@otel-lifeline/disk-queue';
import type { Clock } from './clock.js';
import { configError } from './errors.js';
import type { EndpointOptions } from './http-transport.js';
import { validateCompression } from './zstd-acceptance.js';

/** Options shared by every durable processor and resilient exporter. */
export interface ResilienceOptions {
  /** Endpoints in priority order (fail-over) or all of them (mirror); two or more recommended. */
  endpoints: EndpointOptions[];
  /** Default 'failover'. */
  mode?: 'failover' | 'mirror';
  /** One queue directory per signal, e.g. <dir>/logs. */
  queueDir: string;
  /** Disk-queue options: maxBytes, whenFull, maxAgeMs, fsyncIntervalMs, encryption... */
  queue?: Partial<DiskQueueOptions>;
  /** Backoff between rounds in which every endpoint failed: default 1_000 ms initial, 30_000 ms cap. */
  retry?: { initialBackoffMs?: number; maxBackoffMs?: number };
  /** How long a failed endpoint is skipped before live traffic probes it, default 30_000 ms. */
  probeIntervalMs?: number;
  /** Largest request body before compression, default 2 MiB (a single larger fragment still goes alone). */
  maxBatchBytes?: number;
  /** Most queue records (fragments) concatenated into one request, default 4_096. */
  maxBatchRecords?: number;
  /** Default <queueDir>/dead-letter. */
  deadLetterDir?: string;
  /** Bytes the dead-letter directory may hold, default 64 MiB. */
  maxDeadLetterBytes?: number;
  /**
   * forceFlush(): how long to try sending after the flush to disk; default shutdownTimeoutMs less
   * the share a shutdown keeps for closing (a quarter, up to 500 ms), and a shutdown right after
   * such a flush counts from its start: the SDK's flush-then-shutdown ends within
   * shutdownTimeoutMs. When set, forceFlush and shutdown each get their own budget.
   */
  flushTimeoutMs?: number;
  /** shutdown(): how long to try sending before leaving the rest on disk, default 5_000 ms. */
  shutdownTimeoutMs?: number;
  /** Log one line when shutdown() leaves records on disk, default true (false: the caller reports the result). */
  reportUnsent?: boolean;
  clock?: Clock;
  random?: () => number;
  /** Self-metrics go here, default the global MeterProvider. */
  meterProvider?: MeterProvider;
}

/** Checks the options a user can get wrong and names the key, the value and what was expected. */
export function validateResilienceOptions(options: ResilienceOptions): void {
  if (typeof options !== 'object' || options === null)
    throw configError('options', options, 'an options object');
  if (!Array.isArray(options.endpoints) || options.endpoints.length === 0) {
    throw configError(
      'endpoints',
      options.endpoints,
      'a non-empty array of { url } objects in priority order',
    );
  }
  options.endpoints.forEach((endpoint, i) => {
    if (typeof endpoint !== 'object' || endpoint === null)
      throw configError(`endpoints[${i}]`, endpoint, 'an object with a url');
    if (typeof endpoint.url !== 'string' || !/^https?:\/\//.test(endpoint.url)) {
      throw configError(
        `endpoints[${i}].url`,
        endpoint.url,
        'an http:// or https:// URL such as http://127.0.0.1:4318/v1/logs',
      );
    }
    if (endpoint.timeoutMs !== undefined) duration(`endpoints[${i}].timeoutMs`, endpoint.timeoutMs);
    validateCompression(`endpoints[${i}].compression`, endpoint.compression);
    // Mirror onto the same endpoint sends everything twice to one backend; fail-over onto it
    // fails over onto the endpoint that just failed.
    const first = options.endpoints.findIndex((e) => e?.url === endpoint.url);
    if (first !== i) {
      throw configError(`endpoints[${i}].url`, endpoint.url, `a different endpoint than endpoints[${first}]`);
    }
  });
  if (options.mode !== undefined && options.mode !== 'failover' && options.mode !== 'mirror') {
    throw configError('mode', options.mode, "'failover' or 'mirror'");
  }
  if (typeof options.queueDir !== 'string' || options.queueDir === '') {
    throw configError('queueDir', options.queueDir, 'a directory path (one per signal)');
  }
  for (const key of ['maxBatchBytes', 'maxBatchRecords', 'maxDeadLetterBytes'] as const) {
    if (options[key] !== undefined) positive(key, options[key]);
  }
  for (const key of ['probeIntervalMs', 'flushTimeoutMs', 'shutdownTimeoutMs'] as const) {
    if (options[key] !== undefined) duration(key, options[key]);
  }
  if (options.retry?.initialBackoffMs !== undefined)
    duration('retry.initialBackoffMs', options.retry.initialBackoffMs);
  if (options.retry?.maxBackoffMs !== undefined) duration('retry.maxBackoffMs', options.retry.maxBackoffMs);
}

/** The longest a Node.js timer can wait: a longer one fires at once (every time, for an interval). */
const MAX_TIMER_MS = 2 ** 31 - 1;

function duration(key: string, value: unknown): void {
  positive(key, value);
  if ((value as number) > MAX_TIMER_MS) {
    throw configError(
      key,
      value,
      `at most ${MAX_TIMER_MS} ms (about 24.8 days, the longest a Node.js timer can wait)`,
    );
  }
}

function positive(key: string, value: unknown): void {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0)
    throw configError(key, value, 'a positive number');
}
