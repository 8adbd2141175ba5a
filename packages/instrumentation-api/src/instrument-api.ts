import { context as contextApi, diag, metrics as metricsApi, trace } from '@opentelemetry/api';
import type { Attributes, Context } from '@opentelemetry/api';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { performance } from 'node:perf_hooks';
import { EVENT_ACCESS, EVENT_AUDIT, EVENT_EXCEPTION, createApiEvents } from './api-events.js';
import type { Severity } from './api-events.js';
import { captureRequestBody, captureResponseBody, capturedText, isTextContentType } from './body-capture.js';
import { createBruteForceDetector } from './brute-force-detector.js';
import { InstrumentationError, argumentError } from './errors.js';
import { createHttpMetrics } from './http-metrics.js';
import { resolveOptions } from './options.js';
import type { InstrumentApiOptions } from './options.js';
import { createRedactor, pseudonym } from './redactor.js';
import type { Redactor } from './redactor.js';
import {
  baseAttributes,
  contentLength,
  responseContentLength,
  responseHeader,
  exceptionType,
  formatMillis,
  isArtificialHttpError,
  requestFacts,
  requestMethod,
  requestScheme,
} from './request-attributes.js';
import type { RequestFacts } from './request-attributes.js';
import { recordRequestError, requestRecords, setHttpRoute } from './request-record.js';
import { expressAdapter } from './adapters/express-adapter.js';
import { fastifyPlugin } from './adapters/fastify-plugin.js';
import { honoMiddleware } from './adapters/hono-middleware.js';
import { koaMiddleware } from './adapters/koa-middleware.js';
import { nestExceptionFilter, nestInterceptor } from './adapters/nest-interceptor.js';
import type { ReplyHeaders, RequestRecord } from './request-record.js';
import { compileRoutePatterns } from './route-pattern.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
import { globalLoggerProvider } from './logs-api.js';

export interface SecurityEventInput {
  /** OWASP Logging Vocabulary name, e.g. `authn_login_fail`, `authz_fail`, `input_validation_fail`; emitted as `lifeline.security.<name>`. */
  name: string;
  /** The request it concerns: adds the request's attributes, client and trace context. */
  request?: IncomingMessage;
  /** Default WARN. */
  severity?: Severity;
  /** Short display line; default the event name. */
  message?: string;
  attributes?: Attributes;
}

export interface AuditEventInput {
  /** What was done: `read`, `export`, `delete`… */
  action: string;
  /** What it was done to (a route, a record type: no personal data). */
  resource: string;
  outcome: 'success' | 'failure';
  /** Who did it; default from `identify(request)`. */
  userId?: string;
  request?: IncomingMessage;
  attributes?: Attributes;
}

export interface InstrumentApiHandle {
  /** Emits a security event the app detected itself (counted in `lifeline.security.events`). */
  reportSecurityEvent(event: SecurityEventInput): void;
  /** Emits a `lifeline.audit.data_access` event the app decided on itself. */
  reportAudit(event: AuditEventInput): void;
  /** The redactor the instrumentation uses (share it with the redacting processors). */
  readonly redactor: Redactor;
  /** The framework adapters (also exported on their own, for apps that do not hold the handle). */
  readonly expressAdapter: typeof expressAdapter;
  readonly fastifyPlugin: typeof fastifyPlugin;
  readonly koaMiddleware: typeof koaMiddleware;
  readonly honoMiddleware: typeof honoMiddleware;
  readonly nestInterceptor: typeof nestInterceptor;
  readonly nestExceptionFilter: typeof nestExceptionFilter;
  /** For servers without an adapter: the route template, and an exception caught while handling. */
  readonly setHttpRoute: typeof setHttpRoute;
  readonly recordRequestError: typeof recordRequestError;
  /** Stops capturing; requests in flight are not reported. Does not shut the providers down. */
  shutdown(): Promise<void>;
}

const START_CHANNEL = 'http.server.request.start';
const FINISH_CHANNEL = 'http.server.response.finish';
const ACTION_BY_METHOD: Record<string, string> = {
  GET: 'read',
  HEAD: 'read',
  POST: 'create',
  PUT: 'update',
  PATCH: 'update',
  DELETE: 'delete',
};

let active: object | undefined;

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

/**
 * Starts capturing every `node:http`/`node:https` server of the process through
 * `node:diagnostics_channel`, under ESM and CommonJS alike. One handle may be active at a time.
 */
export function instrumentApi(options: InstrumentApiOptions = {}): InstrumentApiHandle {
  if (active !== undefined) {
    throw new InstrumentationError(
      'LIFELINE_ERR_CONFIG',
      'instrumentApi is already active in this process: shut the previous handle down first',
    );
  }
  const config = resolveOptions(options);
  const redactor = createRedactor(options.redaction);
  const loggerProvider = options.loggerProvider ?? globalLoggerProvider();
  const meterProvider = options.meterProvider ?? metricsApi.getMeterProvider();
  const logger = loggerProvider.getLogger(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION);
  const producer = options.metricsProducer;
  const metrics = createHttpMetrics(meterProvider.getMeter(INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION), {
    bodySize: config.bodySizeMetrics,
    histogramsElsewhere: producer !== undefined,
  });
  const events = createApiEvents(logger, metrics);
  const isIgnored = compileRoutePatterns('ignorePaths', config.ignorePaths);
  const isLoginRoute = compileRoutePatterns('loginRoutes', options.loginRoutes ?? []);
  const auditRules = (options.audit ?? []).map((rule, i) => {
    if (rule === null || typeof rule !== 'object')
      throw argumentError(`audit[${i}]`, rule, '{ route, action? }');
    return { matches: compileRoutePatterns(`audit[${i}].route`, [rule.route]), action: rule.action };
  });
  const bruteForce = config.bruteForce === false ? undefined : createBruteForceDetector(config.bruteForce);
  const clock = options.clock ?? Date;
  const random = options.random ?? Math.random;
  const identify = options.identify;
  let warnedNoHashKey = false;
  let warnedIdentify = false;

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
    if ((server as MarkedServer)[CONTEXT_LISTENER] !== true) {
      (server as MarkedServer)[CONTEXT_LISTENER] = true;
      server.prependListener('request', captureRequestContext);
    }
    response.on('close', onResponseClose);
    if (config.captureRequestBody && isTextContentType(request.headers['content-type'])) {
      record.requestBody = captureRequestBody(request, config.maxBodyBytes);
    }
    if (config.captureResponseBody) record.responseBody = captureResponseBody(response, config.maxBodyBytes);
  }

  function onFinish(message: unknown): void {
    const { request, response } = message as { request: IncomingMessage; response: ServerResponse };
    const record = requestRecords.get(request);
    if (record === undefined || record.done) return;
    record.done = true;
    complete(request, response, record, false);
  }

  function onResponseClose(this: ServerResponse): void {
    const request = this.req;
    const record = requestRecords.get(request);
    if (record === undefined || record.done) return;
    record.done = true;
    complete(request, this, record, true);
  }

  function complete(
    request: IncomingMessage,
    response: ServerResponse,
    record: RequestRecord,
    aborted: boolean,
  ): void {
    try {
      report(request, response, record, aborted);
    } catch (error) {
      diag.error('lifeline instrumentation-api: failed to report a request', error);
    }
  }

  function report(
    request: IncomingMessage,
    response: ServerResponse,
    record: RequestRecord,
    aborted: boolean,
  ): void {
    const durationMs = performance.now() - record.startMs;
    record.active.count--;
    const route = record.route ?? record.resolveRoute?.();
    // Method and scheme as counted when the request started (a method-override middleware
    // rewrites request.method on the way; the event keeps what the client sent).
    const facts = requestFacts(
      request,
      record.url,
      response,
      route,
      redactor,
      config.trustProxy,
      record.active.method,
      record.active.scheme,
    );
    const status = facts.status;
    const context = record.context;
    enrichServerSpan(context, facts);

    const error = record.error;
    const exceptionRecorded = error !== undefined && (status >= 500 || !isArtificialHttpError(error));
    let errorType: string | undefined;
    if (aborted) errorType = 'aborted';
    else if (status >= 500) errorType = exceptionRecorded ? exceptionType(error) : String(status);

    const base = baseAttributes(request, facts);
    if (aborted && !response.headersSent) delete base['http.response.status_code'];
    if (errorType !== undefined) base['error.type'] = errorType;
    const identity = consumerAttributes(request);
    if (identity !== undefined) Object.assign(base, identity);

    const requestSize = record.requestBody?.total ?? contentLength(request.headers['content-length']);
    const responseSize = record.responseBody?.total ?? responseContentLength(response, record.replyHeaders);

    // Metrics: every request, sampled or not.
    const statusSent = !aborted || response.headersSent ? status : undefined;
    if (producer !== undefined) {
      producer.recordRequest(
        durationMs / 1000,
        facts.method,
        base['url.scheme'] as string,
        request.httpVersion,
        statusSent,
        route,
        errorType,
        requestSize,
        responseSize,
        config.bodySizeMetrics,
      );
    } else {
      const metricAttributes: Attributes = {
        'http.request.method': facts.method,
        'url.scheme': base['url.scheme'],
        'network.protocol.version': request.httpVersion,
      };
      if (statusSent !== undefined) metricAttributes['http.response.status_code'] = statusSent;
      if (route !== undefined) metricAttributes['http.route'] = route;
      if (errorType !== undefined) metricAttributes['error.type'] = errorType;
      metrics.duration?.record(durationMs / 1000, metricAttributes);
      if (requestSize !== undefined) metrics.requestBodySize?.record(requestSize, metricAttributes);
      if (responseSize !== undefined) metrics.responseBodySize?.record(responseSize, metricAttributes);
    }

    if (exceptionRecorded) {
      const exceptionAttributes: Attributes = { ...base };
      exceptionAttributes['exception.type'] = exceptionType(error);
      exceptionAttributes['exception.message'] = redactor.scrubText(
        error instanceof Error ? error.message : String(error),
      );
      if (error instanceof Error && typeof error.stack === 'string')
        exceptionAttributes['exception.stacktrace'] = redactor.scrubText(error.stack);
      events.emit(
        EVENT_EXCEPTION,
        'ERROR',
        `${facts.method} ${route ?? facts.path}: ${String(exceptionAttributes['exception.type'])}`,
        exceptionAttributes,
        context,
      );
    }

    securityEvents(facts, base, context);
    auditEvents(facts, base, context);

    // Access event: 4xx/5xx/aborted always; 1xx–3xx sampled; health checks left out unless 5xx.
    const failed = aborted || status >= 400;
    if (status < 500 && isIgnored(facts.method, route, facts.path)) return;
    if (!failed && config.accessSampleRatio < 1 && random() >= config.accessSampleRatio) return;
    const access: Attributes = base;
    access['lifeline.http.duration_ms'] = Math.round(durationMs * 1000) / 1000;
    if (requestSize !== undefined) access['http.request.body.size'] = requestSize;
    if (responseSize !== undefined) access['http.response.body.size'] = responseSize;
    if (config.requestHeaders.length > 0 || config.responseHeaders.length > 0)
      captureHeaders(request, response, record.replyHeaders, access);
    if (record.requestBody !== undefined && record.requestBody.kept > 0) {
      addBody(access, 'request', record.requestBody, request.headers['content-type']);
    }
    if (record.responseBody !== undefined && record.responseBody.kept > 0) {
      const type = responseHeader(response, 'content-type', record.replyHeaders);
      if (typeof type === 'string' && isTextContentType(type))
        addBody(access, 'response', record.responseBody, type);
    }
    const severity: Severity = status >= 500 || aborted ? 'ERROR' : status >= 400 ? 'WARN' : 'INFO';
    const line = `${facts.method} ${route ?? facts.path} ${aborted ? 'aborted' : status} ${formatMillis(durationMs)} ms`;
    events.emit(EVENT_ACCESS, severity, line, access, context);
  }

  function enrichServerSpan(context: Context | undefined, facts: RequestFacts): void {
    if (context === undefined || facts.route === undefined) return;
    const span = trace.getSpan(context);
    if (span === undefined || !span.isRecording()) return;
    span.setAttribute('http.route', facts.route);
    span.updateName(`${facts.method === '_OTHER' ? 'HTTP' : facts.method} ${facts.route}`);
  }

  function securityEvents(facts: RequestFacts, base: Attributes, context: Context | undefined): void {
    const status = facts.status;
    if (status < 400 || status >= 500) return;
    if (status === 401 || isLoginRoute(facts.method, facts.route, facts.path)) {
      events.security(
        'authn_login_fail',
        'WARN',
        `authentication failed: ${facts.method} ${facts.route ?? facts.path} ${status}`,
        { ...base },
        context,
      );
      loginFailure(facts.clientAddress, base, context);
    } else if (status === 403) {
      events.security(
        'authz_fail',
        'WARN',
        `authorization failed: ${facts.method} ${facts.route ?? facts.path}`,
        { ...base },
        context,
      );
    } else if (status === 429) {
      events.security(
        'excess_rate_limit_exceeded',
        'WARN',
        `rate limit exceeded: ${facts.method} ${facts.route ?? facts.path}`,
        { ...base },
        context,
      );
    }
  }

  function loginFailure(client: string | undefined, base: Attributes, context: Context | undefined): void {
    if (bruteForce === undefined || client === undefined || config.bruteForce === false) return;
    const failures = bruteForce.fail(client, clock.now());
    if (failures === 0) return;
    const attributes: Attributes = {
      'client.address': client,
      'lifeline.security.failure_count': failures,
      'lifeline.security.window_ms': config.bruteForce.windowMs,
    };
    if (base['user.id'] !== undefined) attributes['user.id'] = base['user.id'];
    events.security(
      'authn_login_fail_max',
      'ERROR',
      `${failures} authentication failures from one client within ${config.bruteForce.windowMs} ms`,
      attributes,
      context,
    );
  }

  function auditEvents(facts: RequestFacts, base: Attributes, context: Context | undefined): void {
    for (const rule of auditRules) {
      if (!rule.matches(facts.method, facts.route, facts.path)) continue;
      const action = rule.action ?? ACTION_BY_METHOD[facts.method] ?? 'access';
      const resource = facts.route ?? facts.path;
      const outcome = facts.status < 400 ? 'success' : 'failure';
      const attributes: Attributes = {
        ...base,
        'lifeline.audit.action': action,
        'lifeline.audit.resource': resource,
        'lifeline.audit.outcome': outcome,
      };
      events.emit(
        EVENT_AUDIT,
        'INFO',
        `${String(base['user.id'] ?? 'anonymous')} ${action} ${resource}: ${outcome}`,
        attributes,
        context,
      );
      return;
    }
  }

  function consumerAttributes(request: IncomingMessage): Attributes | undefined {
    if (identify === undefined) return undefined;
    let identity;
    try {
      identity = identify(request);
    } catch (error) {
      if (!warnedIdentify)
        diag.warn('lifeline instrumentation-api: identify() threw; consumer left out', error);
      warnedIdentify = true;
      return undefined;
    }
    if (identity === undefined || identity === null) return undefined;
    const out: Attributes = {};
    if (typeof identity.userId === 'string' && identity.userId.length > 0) out['user.id'] = identity.userId;
    if (typeof identity.tenantId === 'string' && identity.tenantId.length > 0)
      out['lifeline.consumer.tenant_id'] = identity.tenantId;
    if (typeof identity.apiKey === 'string' && identity.apiKey.length > 0) {
      if (config.consumerHashKey !== undefined)
        out['lifeline.consumer.api_key_hash'] = pseudonym(config.consumerHashKey, identity.apiKey);
      else if (!warnedNoHashKey) {
        warnedNoHashKey = true;
        diag.warn(
          'lifeline instrumentation-api: identify() returned an apiKey but no consumerHashKey is set; the key is left out',
        );
      }
    }
    return out;
  }

  function captureHeaders(
    request: IncomingMessage,
    response: ServerResponse,
    replyHeaders: ReplyHeaders | undefined,
    attributes: Attributes,
  ): void {
    for (const name of config.requestHeaders) {
      const value = request.headers[name];
      if (value === undefined) continue;
      const values = redactor.redactHeader(name, Array.isArray(value) ? value : [value]);
      if (values !== undefined) attributes[`http.request.header.${name}`] = values;
    }
    for (const name of config.responseHeaders) {
      const value = responseHeader(response, name, replyHeaders);
      if (value === undefined) continue;
      const values = redactor.redactHeader(name, Array.isArray(value) ? value : [String(value)]);
      if (values !== undefined) attributes[`http.response.header.${name}`] = values;
    }
  }

  function addBody(
    attributes: Attributes,
    side: 'request' | 'response',
    capture: NonNullable<RequestRecord['requestBody']>,
    contentType: string | undefined,
  ): void {
    const { text, truncated } = capturedText(capture);
    attributes[`http.${side}.body.content`] = redactor.redactBody(text, contentType);
    if (truncated) attributes[`lifeline.http.${side}.body.truncated`] = true;
  }

  /** Attributes of an app-reported event about `request` (no status: the response may not be decided yet). */
  function requestEventAttributes(request: IncomingMessage | undefined): {
    attributes: Attributes;
    context: Context | undefined;
  } {
    if (request === undefined) return { attributes: {}, context: contextApi.active() };
    const record = requestRecords.get(request);
    const noResponse = { statusCode: 0 } as ServerResponse;
    const facts = requestFacts(
      request,
      record?.url ?? request.url ?? '/',
      noResponse,
      record?.route ?? record?.resolveRoute?.(),
      redactor,
      config.trustProxy,
    );
    const attributes = baseAttributes(request, facts);
    delete attributes['http.response.status_code'];
    const identity = consumerAttributes(request);
    if (identity !== undefined) Object.assign(attributes, identity);
    return { attributes, context: record?.context ?? contextApi.active() };
  }

  const handle: InstrumentApiHandle = {
    redactor,
    expressAdapter,
    fastifyPlugin,
    koaMiddleware,
    honoMiddleware,
    nestInterceptor,
    nestExceptionFilter,
    setHttpRoute,
    recordRequestError,
    reportSecurityEvent(event: SecurityEventInput): void {
      if (event === null || typeof event !== 'object')
        throw argumentError('event', event, '{ name, request?, severity?, message?, attributes? }');
      if (typeof event.name !== 'string' || !/^[a-z][a-z0-9_]{0,63}$/.test(event.name)) {
        throw argumentError(
          'event.name',
          event.name,
          'an OWASP vocabulary name in snake_case, such as authn_login_fail (no user data in it)',
        );
      }
      const severity = event.severity ?? 'WARN';
      const { attributes, context } = requestEventAttributes(event.request);
      Object.assign(attributes, redactAttributes(event.attributes));
      // Read before emitting: the attributes belong to the event from then on.
      const client = attributes['client.address'] as string | undefined;
      const identity: Attributes =
        attributes['user.id'] === undefined ? {} : { 'user.id': attributes['user.id'] };
      events.security(
        event.name,
        severity,
        redactor.scrubText(event.message ?? event.name),
        attributes,
        context,
      );
      if (event.name === 'authn_login_fail') loginFailure(client, identity, context);
    },
    reportAudit(event: AuditEventInput): void {
      if (event === null || typeof event !== 'object')
        throw argumentError('event', event, '{ action, resource, outcome, userId?, request?, attributes? }');
      if (typeof event.action !== 'string' || event.action.length === 0)
        throw argumentError('event.action', event.action, 'a non-empty string');
      if (typeof event.resource !== 'string' || event.resource.length === 0)
        throw argumentError('event.resource', event.resource, 'a non-empty string');
      if (event.outcome !== 'success' && event.outcome !== 'failure')
        throw argumentError('event.outcome', event.outcome, "'success' or 'failure'");
      const { attributes, context } = requestEventAttributes(event.request);
      Object.assign(attributes, redactAttributes(event.attributes));
      if (event.userId !== undefined) attributes['user.id'] = event.userId;
      attributes['lifeline.audit.action'] = event.action;
      attributes['lifeline.audit.resource'] = event.resource;
      attributes['lifeline.audit.outcome'] = event.outcome;
      events.emit(
        EVENT_AUDIT,
        'INFO',
        `${String(attributes['user.id'] ?? 'anonymous')} ${event.action} ${event.resource}: ${event.outcome}`,
        attributes,
        context,
      );
    },
    async shutdown(): Promise<void> {
      if (active !== handle) return;
      unsubscribe(START_CHANNEL, onStart);
      unsubscribe(FINISH_CHANNEL, onFinish);
      active = undefined;
    },
  };

  function redactAttributes(attributes: Attributes | undefined): Attributes {
    if (attributes === undefined) return {};
    const copy: Record<string, unknown> = { ...attributes };
    redactor.redactAttributes(copy);
    return copy as Attributes;
  }

  subscribe(START_CHANNEL, onStart);
  subscribe(FINISH_CHANNEL, onFinish);
  active = handle;
  return handle;
}
