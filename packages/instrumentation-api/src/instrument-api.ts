import { metrics as metricsApi } from '@opentelemetry/api';
import { createAccessEvent } from './access-event.js';
import { createApiEvents } from './api-events.js';
import { createAuditEvents } from './audit-events.js';
import type { AuditEventInput } from './audit-events.js';
import { createConsumerAttributes } from './consumer-identity.js';
import { InstrumentationError } from './errors.js';
import { createExceptionEvent } from './exception-event.js';
import { createHttpMetrics } from './http-metrics.js';
import { resolveOptions } from './options.js';
import type { InstrumentApiOptions } from './options.js';
import { createRedactor } from './redactor.js';
import type { Redactor } from './redactor.js';
import { startRequestCapture } from './request-capture.js';
import { createRequestMetrics } from './request-metrics.js';
import { createRequestOutcomes } from './request-outcome.js';
import { createRequestReports } from './request-reports.js';
import { recordRequestError, setHttpRoute } from './request-record.js';
import { compileRoutePatterns } from './route-pattern.js';
import { globalLoggerProvider } from './logs-api.js';
import { INSTRUMENTATION_SCOPE, INSTRUMENTATION_VERSION } from './scope.js';
import { createSecurityEvents } from './security-events.js';
import { createServerSpans, enrichServerSpan } from './server-span.js';
import type { SecurityEventInput } from './security-events.js';

export interface InstrumentApiHandle {
  /** Emits a security event the app detected itself (counted in `lifeline.security.events`). */
  reportSecurityEvent(event: SecurityEventInput): void;
  /** Emits a `lifeline.audit.data_access` event the app decided on itself. */
  reportAudit(event: AuditEventInput): void;
  /** The redactor the instrumentation uses (share it with the redacting processors). */
  readonly redactor: Redactor;
  /** For servers without an adapter: the route template, and an exception caught while handling. */
  readonly setHttpRoute: typeof setHttpRoute;
  readonly recordRequestError: typeof recordRequestError;
  /**
   * Reports at once the requests that finished and wait for the end of the event-loop turn
   * (`batchReports`): call it before flushing the providers. Nothing to do without `batchReports`.
   */
  flushReports(): void;
  /**
   * Stops capturing and reports what finished; requests in flight are not reported. Does not shut
   * the providers down.
   */
  shutdown(): Promise<void>;
}

// One capture per process, even when two copies of this package are loaded (the register entry of
// @otel-lifeline/node carries one in its bundle, the app may import another): the mark is global.
const ACTIVE = Symbol.for('@otel-lifeline/instrumentation-api.active');
const processWide = globalThis as { [ACTIVE]?: object };

/**
 * Starts capturing every `node:http`/`node:https` server of the process through
 * `node:diagnostics_channel`, under ESM and CommonJS alike. One handle may be active at a time.
 *
 *   request capture (server span) ──► RequestOutcome ──► reports (at once, or at the turn's end
 *     with `batchReports`): span end ─► metrics ─► exception ─► security ─► audit ─► access
 */
export function instrumentApi(options: InstrumentApiOptions = {}): InstrumentApiHandle {
  if (processWide[ACTIVE] !== undefined) {
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
  const events = createApiEvents(logger, metrics, redactor, config.events);
  const isIgnored = compileRoutePatterns('ignorePaths', config.ignorePaths);
  const isLoginRoute = compileRoutePatterns('loginRoutes', options.loginRoutes ?? []);
  const outcomes = createRequestOutcomes(
    { redactor, trustProxy: config.trustProxy },
    createConsumerAttributes(options.identify, config.consumerHashKey),
  );
  const describe = outcomes.describe;
  const audit = createAuditEvents({ events, redactor, rules: options.audit, describe });
  const security = createSecurityEvents({
    events,
    redactor,
    isLoginRoute,
    bruteForce: config.bruteForce,
    clock: options.clock ?? Date,
    describe,
  });
  const recordMetrics = createRequestMetrics(metrics, producer, config.bodySizeMetrics);
  // With `events: false` the two events of every request are not even put together.
  const exceptionEvent = config.events ? createExceptionEvent(events) : undefined;
  const accessEvent = config.events
    ? createAccessEvent({
        config,
        events,
        redactor,
        isIgnored,
        random: options.random ?? Math.random,
      })
    : undefined;

  const spans =
    options.tracerProvider === undefined ? undefined : createServerSpans(options.tracerProvider, redactor);
  const endSpan = spans?.end;
  // The events about a request carry the time its response finished (the outcome's endTimeMs).
  const reports = createRequestReports((outcome) => {
    endSpan?.(outcome);
    recordMetrics(outcome);
    exceptionEvent?.(outcome);
    security.fromOutcome(outcome);
    audit.fromOutcome(outcome);
    accessEvent?.(outcome);
  }, config.batchReports);
  const capture = startRequestCapture(
    config,
    metrics,
    (request, response, record, aborted) => {
      const outcome = outcomes.outcome(request, response, record, aborted);
      // Another instrumentation's span ends in its own finish listener, right after this one:
      // named after the route now, whenever the reports run.
      if (spans === undefined) enrichServerSpan(outcome);
      reports.add(outcome);
    },
    spans,
  );

  const handle: InstrumentApiHandle = {
    redactor,
    setHttpRoute,
    recordRequestError,
    reportSecurityEvent: security.report,
    reportAudit: audit.report,
    flushReports: reports.flush,
    async shutdown(): Promise<void> {
      if (processWide[ACTIVE] !== handle) return;
      capture.stop();
      reports.flush();
      processWide[ACTIVE] = undefined;
    },
  };
  processWide[ACTIVE] = handle;
  return handle;
}
