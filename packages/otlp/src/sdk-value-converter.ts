import type { HrTime } from '@opentelemetry/api';
import type { AnyValue, KeyValue } from './common-types.js';
import { isHex } from './hex.js';
import { joinSigned, split, splitInt64 } from './int64.js';
import { MAX_VALUE_DEPTH } from './sdk-value-writer.js';

/**
 * OpenTelemetry SDK values → OTLP objects, in the canonical form the decoder produces: the same
 * result as decoding what sdk-value-writer.ts writes.
 */

const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;

/** KeyValues of an attribute map, or undefined when it has no keys (the field is then absent). */
export function toKeyValues(attributes: object | undefined, depth = 0): KeyValue[] | undefined {
  if (attributes === undefined || attributes === null) return undefined;
  const record = attributes as Record<string, unknown>;
  const out: KeyValue[] = [];
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    out.push({ key, value: toAnyValue(record[key], depth) });
  }
  return out.length > 0 ? out : undefined;
}

/** Mirrors `writeAnyValueBody`, including the cut at MAX_VALUE_DEPTH. */
export function toAnyValue(value: unknown, depth = 0): AnyValue {
  switch (typeof value) {
    case 'string':
      return { stringValue: value };
    case 'boolean':
      return { boolValue: value };
    case 'number':
      if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_LIMIT) {
        return {
          intValue: Math.abs(value) <= Number.MAX_SAFE_INTEGER ? String(value + 0) : BigInt(value).toString(),
        };
      }
      return { doubleValue: value };
    case 'bigint':
      if (splitInt64(value, true) === undefined) return { intValue: joinSigned(split.lo, split.hi) };
      return {};
    case 'object': {
      if (value === null) return {};
      if (value instanceof Uint8Array) return { bytesValue: new Uint8Array(value) };
      if (depth >= MAX_VALUE_DEPTH) return {};
      if (Array.isArray(value))
        return { arrayValue: { values: value.map((item) => toAnyValue(item, depth + 1)) } };
      return { kvlistValue: { values: toKeyValues(value, depth + 1) ?? [] } };
    }
    default:
      return {};
  }
}

/** Exact decimal nanoseconds of an HrTime (wrapping to uint64 like the wire form), or undefined for 0. */
export function hrTimeToNanos(t: HrTime): string | undefined {
  const s = t[0];
  const ns = t[1];
  if (s === 0 && ns === 0) return undefined;
  if (s >= 0 && s < 4_600_000_000 && ns >= 0 && ns < 1e9 && Number.isInteger(s) && Number.isInteger(ns)) {
    return s === 0 ? String(ns) : `${s}${String(ns).padStart(9, '0')}`;
  }
  const total = BigInt.asUintN(64, BigInt(Math.trunc(s)) * 1_000_000_000n + BigInt(Math.trunc(ns)));
  return total === 0n ? undefined : total.toString();
}

/** A lowercase hex id, or undefined when empty or not hex (the encoder leaves such ids out). */
export function toHexId(id: string | undefined): string | undefined {
  if (!id || !isHex(id)) return undefined;
  return id.toLowerCase();
}

/** Copies the defined entries of `fields` onto a fresh object (optional fields stay absent). */
export function compact<T extends object>(fields: { [K in keyof T]: T[K] | undefined }): T {
  const out: Record<string, unknown> = {};
  for (const key in fields) {
    const value = (fields as Record<string, unknown>)[key];
    if (value !== undefined) out[key] = value;
  }
  return out as T;
}
