import { context as contextApi } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import type { ConsumerAttributes } from './consumer-identity.js';
import type { HttpServerSample } from './http-metrics-producer.js';
import {
  baseAttributes,
  contentLength,
  exceptionType,
  isArtificialHttpError,
  requestFacts,
  responseContentLength,
} from './request-attributes.js';
import type { FactsPolicy, RequestFacts } from './request-attributes.js';
import { requestRecords } from './request-record.js';
import type { RequestRecord } from './request-record.js';

/**
 * Everything the events and metrics about one finished request read, computed once:
 *
 *   RequestRecord + response ──► RequestOutcome ──► metrics, exception, security, audit, access
 *
 * `attributes` are the ones every event about the request shares (semantic conventions,
 * `error.type`, the consumer), after the redaction policy; each event copies them, except the
 * access event, which comes last and takes them over. The server span and the access event use
 * them without passing them through the policy again.
 */
export interface RequestOutcome extends HttpServerSample {
  readonly request: IncomingMessage;
  readonly response: ServerResponse;
  readonly record: RequestRecord;
  readonly facts: RequestFacts;
  /**
   * The request's own context (the server span's) when one was captured, else the context active
   * when the response finished: what its events link to, whenever they are reported.
   */
  readonly context: Context;
  /** The connection closed before the response finished. */
  readonly aborted: boolean;
  readonly durationMs: number;
  /** When the response finished: `performance.now()` (the server span's end) and `Date.now()` (the events' time). */
  readonly endPerfMs: number;
  readonly endTimeMs: number;
  /** An exception to report as `http.server.request.exception` (undefined when there is none to report). */
  readonly exception: unknown;
  readonly exceptionRecorded: boolean;
  readonly attributes: Attributes;
}

/** Attributes and context of an app-reported event about a request (no status: the response may not be decided yet). */
export interface RequestDescription {
  attributes: Attributes;
  context: Context | undefined;
}

export interface RequestOutcomes {
  outcome(
    request: IncomingMessage,
    response: ServerResponse,
    record: RequestRecord,
    aborted: boolean,
  ): RequestOutcome;
  describe(request: IncomingMessage | undefined): RequestDescription;
}

export function createRequestOutcomes(policy: FactsPolicy, consumer: ConsumerAttributes): RequestOutcomes {
  return {
    outcome(request, response, record, aborted) {
      const endPerfMs = performance.now();
      const durationMs = endPerfMs - record.startMs;
      record.active.count--;
      const route = record.route ?? record.resolveRoute?.();
      // Method and scheme as counted when the request started (a method-override middleware
      // rewrites request.method on the way; the event keeps what the client sent).
      const facts = requestFacts(
        request,
        {
          url: record.url,
          status: response.statusCode,
          route,
          method: record.active.method,
          scheme: record.active.scheme,
        },
        policy,
      );
      const status = facts.status;
      const error = record.error;
      // An exception event is for a 5xx or an error that ended the exchange without an answer: an
      // error the app turned into a 4xx (a 401 after a failed login) was handled, not thrown.
      const exceptionRecorded =
        error !== undefined &&
        (status >= 500 || (aborted && !response.headersSent && !isArtificialHttpError(error)));
      let errorType: string | undefined;
      if (aborted) errorType = 'aborted';
      else if (status >= 500) errorType = exceptionRecorded ? exceptionType(error) : String(status);

      const attributes = baseAttributes(request, facts);
      if (aborted && !response.headersSent) delete attributes['http.response.status_code'];
      if (errorType !== undefined) attributes['error.type'] = errorType;
      const identity = consumer(request);
      if (identity !== undefined) Object.assign(attributes, identity);
      policy.redactor.redactAttributes(attributes);
      return {
        request,
        response,
        record,
        facts,
        context: record.context ?? contextApi.active(),
        aborted,
        durationMs,
        endPerfMs,
        endTimeMs: Date.now(),
        durationS: durationMs / 1000,
        method: facts.method,
        scheme: facts.scheme,
        protocolVersion: request.httpVersion,
        status: !aborted || response.headersSent ? status : undefined,
        route,
        errorType,
        requestSize: record.requestBody?.total ?? contentLength(request.headers['content-length']),
        responseSize: record.responseBody?.total ?? responseContentLength(response, record.replyHeaders),
        exception: exceptionRecorded ? error : undefined,
        exceptionRecorded,
        attributes,
      };
    },
    describe(request) {
      if (request === undefined) return { attributes: {}, context: contextApi.active() };
      const record = requestRecords.get(request);
      const facts = requestFacts(
        request,
        {
          url: record?.url ?? request.url ?? '/',
          status: 0,
          route: record?.route ?? record?.resolveRoute?.(),
        },
        policy,
      );
      const attributes = baseAttributes(request, facts);
      delete attributes['http.response.status_code'];
      const identity = consumer(request);
      if (identity !== undefined) Object.assign(attributes, identity);
      return { attributes, context: record?.context ?? contextApi.active() };
    },
  };
}
