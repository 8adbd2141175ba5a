import type { Context, Span } from '@opentelemetry/api';
import type { IncomingMessage } from 'node:http';
import type { BodyCapture } from './body-capture.js';
import type { ActiveEntry } from './http-metrics.js';

/**
 * What is known about one in-flight request. Created when `http.server.request.start` is
 * published, filled in by the framework adapters, read when the response finishes.
 *
 *   request.start ──► record { startMs, url, active }; with server spans on, record.span and
 *                     record.context (parent + span, server-span.ts)
 *   otherwise, server 'request' listener (first one) ──► record.context = active context (the
 *                     span another http instrumentation started, if any)
 *   adapter ──► record.route / record.resolveRoute / record.error / record.replyHeaders
 *   response.finish (or 'close' first) ──► events + metrics, record.done = true
 *
 * A record lives on its IncomingMessage under a symbol property: nothing global holds a request,
 * and a record goes away with its request. A symbol property costs a plain property store and
 * load; a WeakMap keyed by the request cost about 0.5 µs per request (set, lookups and the
 * garbage collector's ephemeron work), a tenth of the instrumentation's whole budget. The trade:
 * the property is visible to `Object.getOwnPropertySymbols(request)` (and copied by
 * `Object.assign`), never to `Object.keys`, `for…in` or `JSON.stringify`.
 */
export interface RequestRecord {
  readonly startMs: number;
  /** `request.url` as received (frameworks rewrite it while routing). */
  readonly url: string;
  context: Context | undefined;
  /** The server span this instrumentation started (server spans on), ended with the outcome. */
  span: Span | undefined;
  route: string | undefined;
  resolveRoute: (() => string | undefined) | undefined;
  error: unknown;
  done: boolean;
  active: ActiveEntry;
  requestBody: BodyCapture | undefined;
  responseBody: BodyCapture | undefined;
  /**
   * The framework's own copy of the response headers, for frameworks that pass them straight to
   * `writeHead(status, headers)`, where `ServerResponse.getHeader` cannot see them (Fastify's
   * reply). Read instead of searching the header block Node sent.
   */
  replyHeaders: ReplyHeaders | undefined;
}

/** A framework response object that keeps its headers (Fastify's reply has this method). */
export interface ReplyHeaders {
  getHeader(name: string): unknown;
}

// A registered symbol, so that an adapter from another copy of this package (the app's, next to
// the one bundled in @otel-lifeline/node's register entry) fills in the same record.
const RECORD: unique symbol = Symbol.for('@otel-lifeline/instrumentation-api.requestRecord');
type Recorded = IncomingMessage & { [RECORD]?: RequestRecord };

/** The record of each in-flight request (a symbol property on the request, see above). */
export const requestRecords = {
  get(request: IncomingMessage): RequestRecord | undefined {
    return (request as Recorded)[RECORD];
  },
  set(request: IncomingMessage, record: RequestRecord): void {
    (request as Recorded)[RECORD] = record;
  },
};

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
