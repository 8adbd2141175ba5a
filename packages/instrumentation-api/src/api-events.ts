import type { Attributes, Context } from '@opentelemetry/api';
import type { AnyValueMap, Logger } from '@opentelemetry/api-logs';
import { SeverityNumber } from '@opentelemetry/api-logs';
import type { HttpMetrics } from './http-metrics.js';

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

export interface ApiEvents {
  emit(
    eventName: string,
    severity: Severity,
    body: string,
    attributes: Attributes,
    context: Context | undefined,
  ): void;
  /** Emits `lifeline.security.<name>` and counts it in `lifeline.security.events`. */
  security(
    name: string,
    severity: Severity,
    body: string,
    attributes: Attributes,
    context: Context | undefined,
  ): void;
}

export function createApiEvents(logger: Logger, metrics: HttpMetrics): ApiEvents {
  const emit: ApiEvents['emit'] = (eventName, severity, body, attributes, context) => {
    // `context` undefined means the active one (Logger.emit falls back to context.active()).
    logger.emit({
      eventName,
      severityNumber: SEVERITY_NUMBER[severity],
      severityText: severity,
      body,
      attributes: attributes as AnyValueMap,
      context,
    });
  };
  return {
    emit,
    security(name, severity, body, attributes, context) {
      const eventName = SECURITY_PREFIX + name;
      emit(eventName, severity, body, attributes, context);
      metrics.securityEvents.add(1, { 'event.name': eventName });
    },
  };
}
