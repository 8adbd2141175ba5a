import type { Context } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { createRedactor } from './redactor.js';
import type { RedactionOptions, Redactor } from './redactor.js';
import { INSTRUMENTATION_SCOPE } from './scope.js';

export interface RedactingProcessorOptions extends RedactionOptions {
  /** A redactor to share (its options win over the ones above). */
  redactor?: Redactor;
}

/**
 * A LogRecordProcessor that redacts each record in `onEmit`, mutating its attributes and body
 * before the processors registered after it see the record. It must come BEFORE the processor
 * that exports or stores records:
 *
 *   new LoggerProvider({ processors: [createRedactingLogRecordProcessor(), new BatchLogRecordProcessor(exporter)] })
 *
 * Records of this package's own events are redacted when they are built, so they pass through untouched.
 */
export function createRedactingLogRecordProcessor(
  options: RedactingProcessorOptions = {},
): LogRecordProcessor {
  const redactor = options.redactor ?? createRedactor(options);
  return {
    onEmit(record: ReadWriteLogRecord, _context?: Context): void {
      if (record.instrumentationScope.name === INSTRUMENTATION_SCOPE) return;
      redactor.redactAttributes(record.attributes as Record<string, unknown>);
      const body = record.body;
      if (body !== undefined && body !== null) {
        const clean = redactor.redactField('log.body', body);
        if (clean !== body) record.setBody(clean === undefined ? '' : (clean as typeof body));
      }
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}
