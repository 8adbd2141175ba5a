import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ProtobufWriter } from './protobuf-writer.js';
import { withWriter } from './protobuf-writer.js';
import { envelopeOf, groupByResourceAndScope, writeResourceEnvelope } from './sdk-grouping.js';
import type { ScopeLike } from './sdk-grouping.js';
import {
  isZeroHrTime,
  writeAnyValueBody,
  writeAttributes,
  writeHexField,
  writeHrTime,
} from './sdk-value-writer.js';

/**
 * SDK log records → ExportLogsServiceRequest protobuf bytes, written directly (the export hot path).
 * `logRecordsToOtlp` gives the same content as objects.
 */
export function encodeLogRecords(records: readonly ReadableLogRecord[]): Uint8Array {
  const groups = groupByResourceAndScope(
    records,
    (record) => record.resource,
    (record) => record.instrumentationScope as ScopeLike,
  );
  return withWriter((w) => {
    for (const group of groups) {
      const { resource, scopes } = envelopeOf(group);
      writeResourceEnvelope(w, resource, scopes, writeLogRecord); // ExportLogsServiceRequest.resource_logs
    }
  });
}

export function writeLogRecord(w: ProtobufWriter, record: ReadableLogRecord): void {
  w.varint32(0x12); // ScopeLogs.log_records
  const start = w.fork(2);
  if (!isZeroHrTime(record.hrTime)) {
    w.varint32(0x09); // time_unix_nano, fixed64
    writeHrTime(w, record.hrTime);
  }
  const severityNumber = record.severityNumber;
  if (severityNumber) {
    w.varint32(0x10);
    w.int32(severityNumber);
  }
  if (record.severityText) {
    w.varint32(0x1a);
    w.string(record.severityText);
  }
  if (record.body !== undefined) {
    w.varint32(0x2a);
    const body = w.fork(1);
    writeAnyValueBody(w, record.body);
    w.join(body, 1);
  }
  writeAttributes(w, 0x32, record.attributes);
  if (record.droppedAttributesCount) {
    w.varint32(0x38);
    w.varint32(record.droppedAttributesCount);
  }
  const spanContext = record.spanContext;
  if (spanContext !== undefined) {
    const flags = spanContext.traceFlags & 0xff;
    if (flags) {
      w.varint32(0x45); // flags, fixed32
      w.fixed32(flags);
    }
    writeHexField(w, 0x4a, spanContext.traceId);
    writeHexField(w, 0x52, spanContext.spanId);
  }
  if (!isZeroHrTime(record.hrTimeObserved)) {
    w.varint32(0x59); // observed_time_unix_nano, fixed64
    writeHrTime(w, record.hrTimeObserved);
  }
  if (record.eventName) {
    w.varint32(0x62);
    w.string(record.eventName);
  }
  w.join(start, 2);
}
