import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ExportLogsServiceRequest, LogRecord } from './logs-types.js';
import { groupByResourceAndScope, toResource, toScope } from './sdk-grouping.js';
import type { ScopeLike } from './sdk-grouping.js';
import { compact, hrTimeToNanos, toAnyValue, toHexId, toKeyValues } from './sdk-value-converter.js';

/** SDK log records → an ExportLogsServiceRequest object (for JSON and tests; the same content as `encodeLogRecords`). */
export function logRecordsToOtlp(records: readonly ReadableLogRecord[]): ExportLogsServiceRequest {
  const groups = groupByResourceAndScope(
    records,
    (record) => record.resource,
    (record) => record.instrumentationScope as ScopeLike,
  );
  return {
    resourceLogs: groups.map((group) => ({
      resource: toResource(group.resource),
      scopeLogs: group.scopes.map((scopeGroup) => ({
        scope: toScope(scopeGroup.scope),
        logRecords: scopeGroup.items.map(toLogRecord),
        ...(scopeGroup.scope.schemaUrl ? { schemaUrl: scopeGroup.scope.schemaUrl } : {}),
      })),
      ...(group.resource.schemaUrl ? { schemaUrl: group.resource.schemaUrl } : {}),
    })),
  };
}

function toLogRecord(record: ReadableLogRecord): LogRecord {
  const spanContext = record.spanContext;
  return compact<LogRecord>({
    timeUnixNano: hrTimeToNanos(record.hrTime),
    severityNumber: record.severityNumber || undefined,
    severityText: record.severityText || undefined,
    body: record.body === undefined ? undefined : toAnyValue(record.body),
    attributes: toKeyValues(record.attributes),
    droppedAttributesCount: record.droppedAttributesCount || undefined,
    flags: (spanContext?.traceFlags ?? 0) & 0xff || undefined,
    traceId: toHexId(spanContext?.traceId),
    spanId: toHexId(spanContext?.spanId),
    observedTimeUnixNano: hrTimeToNanos(record.hrTimeObserved),
    eventName: record.eventName || undefined,
  });
}
