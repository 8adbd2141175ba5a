/**
 * OTLP common and resource messages as OTLP-JSON-shaped plain objects.
 *
 * Conventions shared by every message type of this package:
 * - field names are lowerCamelCase exactly as in OTLP JSON;
 * - every 64-bit integer (fixed64, sfixed64, int64, uint64) is a decimal string;
 * - enums are numbers; `bytesValue` is a Uint8Array; trace and span ids are lowercase hex;
 * - a field holding its default (0, '', false, empty list) may be omitted; the decoders omit it,
 *   except the structural lists (`resourceLogs`, `scopeLogs`, `logRecords`, `values`, `dataPoints`, ...)
 *   which are always present.
 */
export interface AnyValue {
  stringValue?: string;
  boolValue?: boolean;
  /** int64 as a decimal string. */
  intValue?: string;
  doubleValue?: number;
  arrayValue?: ArrayValue;
  kvlistValue?: KeyValueList;
  bytesValue?: Uint8Array;
}

export interface ArrayValue {
  values: AnyValue[];
}

export interface KeyValueList {
  values: KeyValue[];
}

export interface KeyValue {
  key: string;
  value?: AnyValue;
}

export interface InstrumentationScope {
  name?: string;
  version?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

/** A reference from a Resource to an Entity (development status in OTLP). */
export interface EntityRef {
  schemaUrl?: string;
  type?: string;
  idKeys?: string[];
  descriptionKeys?: string[];
}

export interface Resource {
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  entityRefs?: EntityRef[];
}
