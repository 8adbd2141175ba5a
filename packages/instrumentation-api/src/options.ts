import type { MeterProvider, TracerProvider } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { BruteForceOptions } from './brute-force-detector.js';
import type { TrustProxy } from './client-address.js';
import type { LoggerProvider } from './logs-api.js';
import type { HttpMetricsProducer } from './http-metrics-producer.js';
import { configError } from './errors.js';
import type { RedactionOptions } from './redactor.js';
import type { RoutePattern } from './route-pattern.js';

/** Who made a request, as the app knows it (after its authentication ran). */
export interface ConsumerIdentity {
  /** Recorded as `user.id`. */
  userId?: string;
  /** Never recorded raw: `lifeline.consumer.api_key_hash` holds its HMAC-SHA256 under `consumerHashKey`. */
  apiKey?: string;
  /** Recorded as `lifeline.consumer.tenant_id`. */
  tenantId?: string;
}

export interface AuditRule {
  /** Which requests are audited (see RoutePattern). */
  route: RoutePattern;
  /** `lifeline.audit.action`; default from the method: read, create, update, delete. */
  action?: string;
}

export interface InstrumentApiOptions {
  /** Where events go. Default: the global LoggerProvider (`logs.getLoggerProvider()`). */
  loggerProvider?: LoggerProvider;
  /**
   * Emit the events: access, exception, security and audit log records. Default true. With
   * `false` no log record is made (not even handed to a no-op logger) while the server span and
   * the HTTP metrics stay as they are: for an app that exports traces and metrics but no logs.
   * `captureBodies` is then ignored (bodies are only ever recorded on the access event).
   */
  events?: boolean;
  /**
   * Starts the HTTP server span of each request here, from the same capture as the access event
   * (server-span.ts). Without it no server span is started: the events link to the span another
   * http instrumentation made active, and name it after the route.
   */
  tracerProvider?: TracerProvider;
  /** Where HTTP metrics go. Default: the global MeterProvider. */
  meterProvider?: MeterProvider;
  /**
   * Aggregate the HTTP server histograms here instead of through the Metrics SDK's histograms:
   * a producer from `createHttpMetricsProducer()` that was also given to the metric reader
   * (`metricProducers: [producer]`). Same exported data, a fraction of the cost per request.
   * The other instruments (active requests, security events) stay on `meterProvider`.
   */
  metricsProducer?: HttpMetricsProducer;
  /** Trust in `Forwarded` / `X-Forwarded-For` for `client.address`. Default false (socket address). */
  trustProxy?: TrustProxy;
  /** Fraction (0–1) of 1xx–3xx access events kept. 4xx, 5xx, security and audit events are always kept. Default 1. */
  accessSampleRatio?: number;
  /** Paths whose access events are not emitted unless the status is 5xx (metrics still count them). */
  ignorePaths?: readonly RoutePattern[];
  /** Header names captured as `http.request.header.<name>` / `http.response.header.<name>`. Default none. */
  captureHeaders?: { request?: readonly string[]; response?: readonly string[] };
  /** Opt-in body capture of textual bodies, cut at `maxBytes` (default 4096) on a character boundary. */
  captureBodies?: { request?: boolean; response?: boolean; maxBytes?: number };
  redaction?: RedactionOptions;
  /**
   * Also record the `http.server.request.body.size` and `http.server.response.body.size`
   * histograms (optional in the semantic conventions). Default false: through the Metrics SDK
   * each costs one more attribute-set hash per request (little with `metricsProducer`). The access
   * event carries the sizes either way.
   */
  bodySizeMetrics?: boolean;
  /**
   * Report the requests that finished in one turn of the event loop together, at its end
   * (`setImmediate`), instead of each in its response's finish callback: less CPU per request
   * under load (request-reports.ts; bench:http measures both). The span's end and the events' timestamps are still
   * the response's finish. A request's events reach the providers up to one turn later, so flush
   * with `handle.flushReports()` before flushing the providers yourself (shutdown() does it).
   * Default false; @otel-lifeline/node turns it on and flushes first.
   */
  batchReports?: boolean;
  /** Resolves the consumer when the response finishes. */
  identify?: (request: IncomingMessage) => ConsumerIdentity | undefined;
  /** HMAC key for API keys returned by `identify`; default `redaction.hashKey`. At least 16 bytes. */
  consumerHashKey?: string | Uint8Array;
  /** Routes where any 4xx counts as a failed login (401 always does). */
  loginRoutes?: readonly RoutePattern[];
  /** `authn_login_fail_max` detection; `false` turns it off. */
  bruteForce?: BruteForceOptions | false;
  /** Requests that produce `lifeline.audit.data_access` events. */
  audit?: readonly AuditRule[];
  /** Injected for tests: wall clock in ms (brute-force windows) and randomness (sampling). */
  clock?: { now(): number };
  random?: () => number;
}

export const DEFAULT_IGNORE_PATHS: readonly string[] = [
  '/health',
  '/healthz',
  '/ready',
  '/readyz',
  '/livez',
  '/ping',
];

export interface ResolvedOptions {
  trustProxy: TrustProxy;
  accessSampleRatio: number;
  ignorePaths: readonly RoutePattern[];
  requestHeaders: readonly string[];
  responseHeaders: readonly string[];
  captureRequestBody: boolean;
  captureResponseBody: boolean;
  maxBodyBytes: number;
  bodySizeMetrics: boolean;
  batchReports: boolean;
  events: boolean;
  bruteForce: Required<BruteForceOptions> | false;
  consumerHashKey: Uint8Array | undefined;
}

export function resolveOptions(options: InstrumentApiOptions): ResolvedOptions {
  if (options === null || typeof options !== 'object') throw configError('options', options, 'an object');
  const trustProxy = options.trustProxy ?? false;
  if (typeof trustProxy !== 'boolean' && !(Number.isInteger(trustProxy) && trustProxy >= 0)) {
    throw configError(
      'trustProxy',
      trustProxy,
      'false, true or a non-negative integer (proxies in front of the server)',
    );
  }
  const ratio = options.accessSampleRatio ?? 1;
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) {
    throw configError('accessSampleRatio', ratio, 'a number from 0 to 1');
  }
  const headers = (key: string, list: readonly string[] | undefined): string[] => {
    if (list === undefined) return [];
    if (!Array.isArray(list)) throw configError(key, list, 'an array of header names');
    return list.map((h, i) => {
      if (typeof h !== 'string' || !/^[!#$%&'*+.^_`|~0-9A-Za-z-]+$/.test(h))
        throw configError(`${key}[${i}]`, h, 'a header name');
      return h.toLowerCase();
    });
  };
  const maxBodyBytes = options.captureBodies?.maxBytes ?? 4096;
  if (!Number.isInteger(maxBodyBytes) || maxBodyBytes < 1 || maxBodyBytes > 1 << 20) {
    throw configError('captureBodies.maxBytes', maxBodyBytes, 'an integer from 1 to 1048576');
  }
  let bruteForce: Required<BruteForceOptions> | false = false;
  if (options.bruteForce !== false) {
    const b = options.bruteForce ?? {};
    bruteForce = {
      threshold: b.threshold ?? 10,
      windowMs: b.windowMs ?? 60_000,
      maxClients: b.maxClients ?? 10_000,
    };
    for (const k of ['threshold', 'windowMs', 'maxClients'] as const) {
      if (!Number.isInteger(bruteForce[k]) || bruteForce[k] < 1)
        throw configError(`bruteForce.${k}`, bruteForce[k], 'a positive integer');
    }
  }
  const rawKey = options.consumerHashKey ?? options.redaction?.hashKey;
  const consumerHashKey =
    rawKey === undefined ? undefined : typeof rawKey === 'string' ? Buffer.from(rawKey) : Buffer.from(rawKey);
  if (consumerHashKey !== undefined && consumerHashKey.length < 16) {
    throw configError('consumerHashKey', `${consumerHashKey.length} bytes`, 'at least 16 bytes');
  }
  const producer = options.metricsProducer;
  if (producer !== undefined && (producer === null || typeof producer.recordRequest !== 'function')) {
    throw configError('metricsProducer', producer, 'a producer from createHttpMetricsProducer()');
  }
  const bodySizeMetrics = options.bodySizeMetrics ?? false;
  if (typeof bodySizeMetrics !== 'boolean')
    throw configError('bodySizeMetrics', bodySizeMetrics, 'true or false');
  const batchReports = options.batchReports ?? false;
  if (typeof batchReports !== 'boolean') throw configError('batchReports', batchReports, 'true or false');
  const events = options.events ?? true;
  if (typeof events !== 'boolean') throw configError('events', events, 'true or false');
  if (options.identify !== undefined && typeof options.identify !== 'function') {
    throw configError(
      'identify',
      options.identify,
      'a function (request) => { userId?, apiKey?, tenantId? }',
    );
  }
  return {
    trustProxy,
    accessSampleRatio: ratio,
    ignorePaths: options.ignorePaths ?? DEFAULT_IGNORE_PATHS,
    requestHeaders: headers('captureHeaders.request', options.captureHeaders?.request),
    responseHeaders: headers('captureHeaders.response', options.captureHeaders?.response),
    // Bodies go on the access event only: with no events, nothing is captured.
    captureRequestBody: events && options.captureBodies?.request === true,
    captureResponseBody: events && options.captureBodies?.response === true,
    maxBodyBytes,
    bodySizeMetrics,
    batchReports,
    events,
    bruteForce,
    consumerHashKey,
  };
}
