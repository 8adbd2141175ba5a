import type { AnyValue, InstrumentationScope, KeyValue, Resource } from './common-types.js';

export interface ExportLogsServiceRequest {
  resourceLogs: ResourceLogs[];
}

export interface ResourceLogs {
  resource?: Resource;
  scopeLogs: ScopeLogs[];
  schemaUrl?: string;
}

export interface ScopeLogs {
  scope?: InstrumentationScope;
  logRecords: LogRecord[];
  schemaUrl?: string;
}

export interface LogRecord {
  /** fixed64 nanoseconds since the Unix epoch, as a decimal string. */
  timeUnixNano?: string;
  observedTimeUnixNano?: string;
  /** SeverityNumber enum (0..24). */
  severityNumber?: number;
  severityText?: string;
  body?: AnyValue;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  /** fixed32 LogRecordFlags: the low 8 bits are the W3C trace flags. */
  flags?: number;
  /** 16 bytes as 32 lowercase hex characters. */
  traceId?: string;
  /** 8 bytes as 16 lowercase hex characters. */
  spanId?: string;
  eventName?: string;
}
