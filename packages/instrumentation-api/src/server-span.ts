import {
  createContextKey,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { Context, Span, Tracer, TracerProvider } from '@opentelemetry/api';
import type { IncomingMessage, Server } from 'node:http';
import { cachedByKey } from './cached-by-key.js';
import { markSpanRedacted } from './redacting-span-processor.js';
import type { Redactor } from './redactor.js';
import { bindRequestEmitters, runHandlersInRequestContext } from './request-context.js';
import type { RequestRecord } from './request-record.js';
import type { RequestOutcome } from './request-outcome.js';
import { createSpanStarter } from './sdk-span-start.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';

/**
 * The HTTP server span of each request, from the same request capture the access event comes
 * from, instead of a second instrumentation walking the same request:
 *
 *   request.start ──► parent from the propagators (traceparent), span started, record.span,
 *                     record.context = parent + span
 *   server.emit('request') ──► runs inside record.context; the request and response emitters are
 *                     bound to it (request-context.ts: listeners added by body parsers and
 *                     loggers see the span)
 *   response finished or closed ──► RequestOutcome ──► the outcome's attributes, status, name, end
 *
 * The span has the stable semantic conventions of an HTTP server span: named `GET /users/:id`
 * (the method alone without a route), kind SERVER, the method, scheme and path at its start (for
 * samplers), everything the access event carries at its end, status ERROR for a 5xx or an
 * aborted exchange. Exceptions are reported once, as the `http.server.request.exception` event
 * linked to this span.
 *
 * Redaction: the outcome's attributes passed the policy once, for the span and the access event
 * alike. At the end, what the app set on the span meanwhile and the name pass it here, and the span
 * is marked so that a redacting span processor with the same redactor does not redo them.
 */
export interface ServerSpans {
  start(request: IncomingMessage, server: Server, record: RequestRecord): void;
  end(outcome: RequestOutcome): void;
}

/**
 * Span names by method, then route. A name is looked up by its text downstream (the span name's
 * redaction is cached by name), and a string made afresh for every request is flattened and hashed
 * afresh: that lookup took 1% of a Fastify server's CPU in a profile of bench:http, and 130 ns
 * against 30 ns in a loop of its own. Kept per pair, the same string comes back, hash and all.
 */
const spanNames = cachedByKey((name) => cachedByKey((route) => `${name} ${route}`, 1024), 64);

/** `GET /users/:id`; the method alone without a route; `HTTP` for a method outside the known set. */
function serverSpanName(method: string, route: string | undefined): string {
  const name = method === '_OTHER' ? 'HTTP' : method;
  return route === undefined ? name : spanNames(name)(route);
}

/**
 * Without server spans of our own: names the span another http instrumentation made active after
 * the route, and sets `http.route` on it.
 */
export function enrichServerSpan(outcome: RequestOutcome): void {
  const { context, facts } = outcome;
  if (facts.route === undefined) return;
  const span = trace.getSpan(context);
  if (span === undefined || !span.isRecording()) return;
  span.setAttribute('http.route', facts.route);
  span.updateName(serverSpanName(facts.method, facts.route));
}

/** The key `trace.setSpan` stores the span under (`createContextKey` is `Symbol.for`). */
const SPAN_KEY = createContextKey('OpenTelemetry Context Key SPAN');

/**
 * The request's context: the parent's (the propagators' result) with the server span. What
 * `trace.setSpan(parent, span)` makes, without the API's context object, which copies the
 * parent's Map and makes three closures for each request (105–124 ns against 19–22 ns here, in a
 * loop of their own). It answers `getValue` as that object would; `setValue` and `deleteValue`
 * (an app or library deriving a context of its own, far rarer than reading this one) return the
 * API's own context, made then, so no chain of these grows.
 */
class ServerSpanContext implements Context {
  constructor(
    private readonly parent: Context,
    private readonly span: Span,
  ) {}

  getValue(key: symbol): unknown {
    return key === SPAN_KEY ? this.span : this.parent.getValue(key);
  }

  setValue(key: symbol, value: unknown): Context {
    return trace.setSpan(this.parent, this.span).setValue(key, value);
  }

  deleteValue(key: symbol): Context {
    return trace.setSpan(this.parent, this.span).deleteValue(key);
  }
}

/** The SDK span's own fields, which a span processor's `onEnd` sees as `ReadableSpan`. */
interface EndingSpan {
  name: string;
  attributes: Record<string, unknown>;
}

export function createServerSpans(tracerProvider: TracerProvider, redactor: Redactor): ServerSpans {
  const tracer: Tracer = tracerProvider.getTracer(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const spans = createSpanStarter(tracer);
  bindRequestEmitters();
  return {
    start(request, server, record) {
      const parent = propagation.extract(ROOT_CONTEXT, request.headers);
      const method = record.active.method;
      const url = record.url;
      const q = url.indexOf('?');
      const span = spans.start(
        serverSpanName(method, undefined),
        SpanKind.SERVER,
        {
          'http.request.method': method,
          'url.scheme': record.active.scheme,
          'url.path': q === -1 ? url : url.slice(0, q),
        },
        parent,
      );
      record.span = span;
      record.context = new ServerSpanContext(parent, span);
      runHandlersInRequestContext(server);
    },
    end(outcome) {
      const span: Span | undefined = outcome.record.span;
      if (span === undefined) return;
      if (span.isRecording()) {
        const { facts } = outcome;
        const passed = outcome.attributes;
        // Exactly the outcome's attributes (nothing the app set): they passed the policy already.
        const onlyPassed = spans.setAttributes(span, passed) && !redactor.observed();
        if (facts.route !== undefined) span.updateName(serverSpanName(facts.method, facts.route));
        if (outcome.aborted || facts.status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
        const ending = span as unknown as Partial<EndingSpan>;
        if (typeof ending.name === 'string' && typeof ending.attributes === 'object') {
          if (!onlyPassed) redactor.redactAttributes(ending.attributes, passed);
          ending.name = redactor.redactSpanName(ending.name);
          markSpanRedacted(span, redactor);
        }
      }
      // When the response finished (a performance timestamp, as the SDK takes it), also when the
      // span is ended later, with the requests reported in one batch (request-reports.ts).
      span.end(outcome.endPerfMs);
    },
  };
}
