import type { Context } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { BodyCapture } from './body-capture.js';
import type { ActiveEntry } from './http-metrics.js';

/**
 * What is known about one in-flight request. Created when `http.server.request.start` is
 * published, filled in by the framework adapters, read when the response finishes.
 *
 *   request.start ──► record { startMs, url, active }
 *   server 'request' listener (first one) ──► record.context = active context (the server span's)
 *   adapter ──► record.route / record.resolveRoute / record.error
 *   response.finish (or 'close' first) ──► events + metrics, record.done = true
 *
 * Records are keyed by the IncomingMessage in a WeakMap: nothing global holds a request, and a
 * record goes away with its request.
 */
export interface RequestRecord {
  readonly startMs: number;
  /** `request.url` as received (frameworks rewrite it while routing). */
  readonly url: string;
  context: Context | undefined;
  route: string | undefined;
  resolveRoute: (() => string | undefined) | undefined;
  error: unknown;
  done: boolean;
  active: ActiveEntry;
  requestBody: BodyCapture | undefined;
  responseBody: BodyCapture | undefined;
}

export const requestRecords = new WeakMap<IncomingMessage, RequestRecord>();

/**
 * Sets `http.route` (a low-cardinality template such as `/users/:id`) for a request, for servers
 * without a framework adapter. Ignored when the instrumentation is not active.
 */
export function setHttpRoute(request: IncomingMessage, route: string): void {
  const record = requestRecords.get(request);
  if (record !== undefined) record.route = route;
}

/**
 * Records an exception caught while handling `request`: an `http.server.request.exception`
 * event is emitted when the response finishes with a 5xx status (or the error carries no 4xx status).
 */
export function recordRequestError(request: IncomingMessage, error: unknown): void {
  const record = requestRecords.get(request);
  if (record !== undefined && record.error === undefined) record.error = error;
}
