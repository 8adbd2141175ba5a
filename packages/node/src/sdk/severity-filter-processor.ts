import type { Context } from '@opentelemetry/api';
import { SeverityNumber } from '@opentelemetry/api';
import type { LogRecordProcessor, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import type { Severity } from '../config/config-types.js';

const MINIMUM: Record<Severity, SeverityNumber> = {
  trace: SeverityNumber.TRACE,
  debug: SeverityNumber.DEBUG,
  info: SeverityNumber.INFO,
  warn: SeverityNumber.WARN,
  error: SeverityNumber.ERROR,
  fatal: SeverityNumber.FATAL,
};

/**
 * Passes a record to `next` only when its severity is at least `minimum` (LIFELINE_MIN_SEVERITY).
 * A record without a severity passes: it was not classified, so it is not dropped by this rule.
 */
export function createSeverityFilterProcessor(
  minimum: Severity,
  next: readonly LogRecordProcessor[],
): LogRecordProcessor {
  const floor = MINIMUM[minimum];
  return {
    onEmit(record: ReadWriteLogRecord, context?: Context) {
      const severity = record.severityNumber;
      if (severity !== undefined && severity !== SeverityNumber.UNSPECIFIED && severity < floor) return;
      for (const processor of next) processor.onEmit(record, context);
    },
    forceFlush: async () => {
      await Promise.all(next.map((p) => p.forceFlush()));
    },
    shutdown: async () => {
      await Promise.all(next.map((p) => p.shutdown()));
    },
  };
}
