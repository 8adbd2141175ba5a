import { context as contextApi, diag } from '@opentelemetry/api';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { captureRequestBody, captureResponseBody, isTextContentType } from './body-capture.js';
import type { HttpMetrics } from './http-metrics.js';
import type { ResolvedOptions } from './options.js';
import { requestMethod, requestScheme } from './request-attributes.js';
import { requestRecords } from './request-record.js';
import type { RequestRecord } from './request-record.js';
import type { ServerSpans } from './server-span.js';

const START_CHANNEL = 'http.server.request.start';
const FINISH_CHANNEL = 'http.server.response.finish';

/**
 * The request lifecycle, from `node:diagnostics_channel`:
 *
 *   http.server.request.start ──► RequestRecord on the request, active-requests +1, body capture,
 *                                 the server span when `spans` is given (server-span.ts)
 *   otherwise, server 'request' listener (first one) ──► record.context
 *   http.server.response.finish, or the response's 'close' first ──► onDone(…, aborted) once
 */
export interface RequestCapture {
  /** Unsubscribes from the channels; requests in flight are not reported. */
  stop(): void;
}

export type RequestDone = (
  request: IncomingMessage,
  response: ServerResponse,
  record: RequestRecord,
  aborted: boolean,
) => void;

/**
 * Marks a server given our context-capturing 'request' listener (each server once): a symbol
 * property, as request records are, so the per-request check is a property load.
 */
const CONTEXT_LISTENER: unique symbol = Symbol('lifeline.contextListener');
type MarkedServer = Server & { [CONTEXT_LISTENER]?: true };

/**
 * Runs first among a server's 'request' listeners. Listeners run inside `server.emit('request')`,
 * which is where `@opentelemetry/instrumentation-http` activates the server span's context, so
 * the context seen here is the request's own — unlike the context inside the diagnostics-channel
 * callbacks, which is whatever was active when the parser or the socket write fired.
 */
function captureRequestContext(request: IncomingMessage): void {
  const record = requestRecords.get(request);
  if (record !== undefined && record.context === undefined) record.context = contextApi.active();
}

/** Subscribes to every `node:http`/`node:https` server of the process; `onDone` runs once per request. */
export function startRequestCapture(
  config: ResolvedOptions,
  metrics: HttpMetrics,
  onDone: RequestDone,
  spans?: ServerSpans,
): RequestCapture {
  function onStart(message: unknown): void {
    const { request, response, server } = message as {
      request: IncomingMessage;
      response: ServerResponse;
      server: Server;
    };
    const active = metrics.activeRequests.entry(requestMethod(request), requestScheme(request));
    active.count++;
    const record: RequestRecord = {
      startMs: performance.now(),
      url: request.url ?? '/',
      context: undefined,
      span: undefined,
      route: undefined,
      resolveRoute: undefined,
      error: undefined,
      done: false,
      active,
      requestBody: undefined,
      responseBody: undefined,
      replyHeaders: undefined,
    };
    requestRecords.set(request, record);
    // Our own listener first: it needs no context, so it is added before the response is bound.
    response.on('close', onResponseClose);
    if (spans !== undefined) spans.start(request, server, record);
    else if ((server as MarkedServer)[CONTEXT_LISTENER] !== true) {
      (server as MarkedServer)[CONTEXT_LISTENER] = true;
      server.prependListener('request', captureRequestContext);
    }
    if (config.captureRequestBody && isTextContentType(request.headers['content-type'])) {
      record.requestBody = captureRequestBody(request, config.maxBodyBytes);
    }
    if (config.captureResponseBody) record.responseBody = captureResponseBody(response, config.maxBodyBytes);
  }

  function onFinish(message: unknown): void {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    done(request, response, false);
  }

  function onResponseClose(this: ServerResponse): void {
    done(this.req, this, true);
  }

  function done(request: IncomingMessage, response: ServerResponse, aborted: boolean): void {
    const record = requestRecords.get(request);
    if (record === undefined || record.done) return;
    record.done = true;
    try {
      onDone(request, response, record, aborted);
    } catch (error) {
      diag.error('lifeline instrumentation-api: failed to report a request', error);
    }
  }

  subscribe(START_CHANNEL, onStart);
  subscribe(FINISH_CHANNEL, onFinish);
  return {
    stop(): void {
      unsubscribe(START_CHANNEL, onStart);
      unsubscribe(FINISH_CHANNEL, onFinish);
    },
  };
}
