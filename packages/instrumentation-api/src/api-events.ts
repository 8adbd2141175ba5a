import type { Attributes, Context } from '@opentelemetry/api';
import type { HttpMetrics } from './http-metrics.js';
import type { Logger } from './logs-api.js';
import { SeverityNumber } from './logs-api.js';
import type { Redactor } from './redactor.js';
import { createLogEmitter } from './sdk-log-emitter.js';

/** Event names (no dynamic values in them; OWASP Logging Vocabulary under `lifeline.security.`). */
export const EVENT_ACCESS = 'lifeline.api.access';
export const EVENT_EXCEPTION = 'http.server.request.exception';
export const EVENT_AUDIT = 'lifeline.audit.data_access';
export const SECURITY_PREFIX = 'lifeline.security.';

export type Severity = 'INFO' | 'WARN' | 'ERROR' | 'FATAL';
const SEVERITY_NUMBER: Record<Severity, SeverityNumber> = {
  INFO: SeverityNumber.INFO,
  WARN: SeverityNumber.WARN,
  ERROR: SeverityNumber.ERROR,
  FATAL: SeverityNumber.FATAL,
};

/**
 * What an event is about: its request's context (undefined: the active one, as in `Logger.emit`)
 * and, for a request that finished, when its response finished (epoch ms), which the event carries
 * as its timestamp and observed timestamp whenever it is emitted (request-reports.ts). A
 * `RequestOutcome` is one; so is a `RequestDescription` of an app-reported event (no end: now).
 */
export interface EventSubject {
  readonly context: Context | undefined;
  readonly endTimeMs?: number;
}

/**
 * The attributes object passed to `emit` or `security` belongs to the event from then on; it
 * passes through the redaction policy there, whatever event it is (access, exception, security,
 * audit), so every attribute of every event meets the same rules in one place. The one exception
 * is `redacted`: attributes the caller already passed through this same policy (the access
 * event's, from the request outcome), which are not passed again unless an audit observer is on.
 */
export interface ApiEvents {
  emit(
    eventName: string,
    severity: Severity,
    body: string,
    attributes: Attributes,
    about: EventSubject,
    redacted?: boolean,
  ): void;
  /** Emits `lifeline.security.<name>` and counts it in `lifeline.security.events`. */
  security(name: string, severity: Severity, body: string, attributes: Attributes, about: EventSubject): void;
}

/** `emitting` false (the `events: false` option): no record is made; security events are still counted. */
export function createApiEvents(
  logger: Logger,
  metrics: HttpMetrics,
  redactor: Redactor,
  emitting = true,
): ApiEvents {
  const emitRecord = createLogEmitter(logger);
  const emit: ApiEvents['emit'] = (eventName, severity, body, attributes, about, redacted = false) => {
    if (!emitting) return;
    if (!redacted || redactor.observed()) redactor.redactAttributes(attributes as Record<string, unknown>);
    // The access line (`GET /users/:id 200 1.2 ms`) is made of the method, the route or the path
    // already redacted, the status and the duration: the detectors are not run on it again, as it
    // is on every request. Every other event's line passes the policy, being rarer.
    const line = eventName === EVENT_ACCESS ? body : String(redactor.redactField('log.body', body) ?? '');
    emitRecord({
      eventName,
      severityNumber: SEVERITY_NUMBER[severity],
      severityText: severity,
      body: line,
      attributes,
      context: about.context,
      timestamp: about.endTimeMs,
    });
  };
  return {
    emit,
    security(name, severity, body, attributes, about) {
      const eventName = SECURITY_PREFIX + name;
      emit(eventName, severity, body, attributes, about);
      metrics.securityEvents.add(1, { 'event.name': eventName }, about.context);
    },
  };
}
