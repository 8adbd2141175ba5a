import type { Attributes } from '@opentelemetry/api';
import { EVENT_EXCEPTION } from './api-events.js';
import type { ApiEvents } from './api-events.js';
import { exceptionType } from './request-attributes.js';
import type { RequestOutcome } from './request-outcome.js';

/** Emits `http.server.request.exception` for an outcome that carries an exception to report. */
export function createExceptionEvent(events: ApiEvents): (outcome: RequestOutcome) => void {
  return (outcome) => {
    if (!outcome.exceptionRecorded) return;
    const error = outcome.exception;
    const attributes: Attributes = { ...outcome.attributes };
    attributes['exception.type'] = exceptionType(error);
    // Message and stack pass through the redaction policy with the rest, in `events.emit`.
    attributes['exception.message'] = error instanceof Error ? error.message : String(error);
    if (error instanceof Error && typeof error.stack === 'string')
      attributes['exception.stacktrace'] = error.stack;
    const { facts } = outcome;
    events.emit(
      EVENT_EXCEPTION,
      'ERROR',
      `${facts.method} ${outcome.route ?? facts.path}: ${String(attributes['exception.type'])}`,
      attributes,
      outcome,
    );
  };
}
