import type { HrTime } from '@opentelemetry/api';
import { split, splitInt64 } from './int64.js';
import { ProtobufWriter } from './protobuf-writer.js';

/**
 * Writes OpenTelemetry SDK values (attribute maps, log bodies, HrTime) straight into protobuf,
 * with no intermediate OTLP objects. The object-form twin is sdk-value-converter.ts; the two must
 * agree field for field (the tests decode one and compare it with the other).
 */

const INT64_MIN = -(2 ** 63);
const INT64_LIMIT = 2 ** 63;

/**
 * `repeated KeyValue` under `tag` (the field's one-byte tag, wire type 2) for every own key.
 *
 * The hot loop of every encoder. Per attribute it makes one capacity check for the fixed part,
 * copies the cached key field, and writes both one-byte length placeholders directly; a length
 * that does not fit one byte goes through `join`, which moves the body.
 *
 *   tag │ len │ 0x0a keylen key… │ 0x12 │ len │ AnyValue…
 *         ^kv                              ^value
 */
export function writeAttributes(
  w: ProtobufWriter,
  tag: number,
  attributes: object | undefined,
  depth = 0,
): void {
  if (attributes === undefined || attributes === null) return;
  const record = attributes as Record<string, unknown>;
  for (const key in record) {
    if (!Object.prototype.hasOwnProperty.call(record, key)) continue;
    const field = keyField(key);
    if (field === undefined) {
      w.varint32(tag);
      const start = w.fork(1);
      w.varint32(0x0a); // KeyValue.key
      w.string(key);
      writeValueField(w, record[key], depth);
      w.join(start, 1);
      continue;
    }
    const length = field.length;
    w.ensure(length + 4);
    const buf = w.buf;
    let pos = w.pos;
    buf[pos++] = tag;
    const kv = pos++;
    for (let i = 0; i < length; i++) buf[pos++] = field[i]!;
    w.pos = pos;
    writeValueField(w, record[key], depth);
    const kvLength = w.pos - kv - 1;
    if (kvLength < 0x80) w.buf[kv] = kvLength;
    else w.join(kv, 1);
  }
}

/** `KeyValue.value`: tag, a one-byte length placeholder, the AnyValue. */
function writeValueField(w: ProtobufWriter, value: unknown, depth: number): void {
  w.ensure(2);
  const buf = w.buf;
  const start = w.pos + 1;
  buf[start - 1] = 0x12; // KeyValue.value
  w.pos = start + 1;
  if (typeof value === 'string' && value.length <= 42) {
    // The common case, inlined: string_value with a one-byte length.
    w.ensure(1);
    w.buf[w.pos++] = 0x0a;
    w.string(value);
  } else {
    writeAnyValueBody(w, value, depth);
  }
  const length = w.pos - start - 1;
  if (length < 0x80) w.buf[start] = length;
  else w.join(start, 1);
}

/**
 * Attribute keys repeat on every record: the encoded `KeyValue.key` field (tag, length, UTF-8) of
 * each key seen is kept, up to a bound so that unbounded key sets (ids as keys) cannot grow it.
 */
const keyFieldCache = new Map<string, Uint8Array>();
const KEY_CACHE_LIMIT = 4096;
const keyWriter = new ProtobufWriter(256);

function keyField(key: string): Uint8Array | undefined {
  const cached = keyFieldCache.get(key);
  if (cached !== undefined || keyFieldCache.size >= KEY_CACHE_LIMIT || key.length > 100) return cached;
  keyWriter.reset();
  keyWriter.varint32(0x0a); // KeyValue.key
  keyWriter.string(key);
  const field = keyWriter.finish();
  keyFieldCache.set(key, field);
  return field;
}

/**
 * Arrays and maps nested deeper than this (or cyclic) are cut: the value at this depth is written
 * as an empty AnyValue. It keeps a log body with a cycle from exhausting the stack, and keeps every
 * request we write within the 100-message nesting limit of decoders (ours and protobuf's default).
 */
export const MAX_VALUE_DEPTH = 24;

/** The body of an AnyValue message (no tag, no length); nothing for null/undefined/functions. */
export function writeAnyValueBody(w: ProtobufWriter, value: unknown, depth = 0): void {
  switch (typeof value) {
    case 'string':
      w.varint32(0x0a); // string_value
      w.string(value);
      return;
    case 'boolean':
      w.varint32(0x10); // bool_value
      w.varint32(value ? 1 : 0);
      return;
    case 'number':
      if (Number.isInteger(value) && value >= INT64_MIN && value < INT64_LIMIT) {
        w.varint32(0x18); // int_value
        if (value >= 0 && value <= 0xffffffff) {
          w.varint32(value);
        } else {
          splitInt64(value, true);
          w.varint64(split.lo, split.hi);
        }
      } else {
        w.varint32(0x21); // double_value
        w.double(value);
      }
      return;
    case 'bigint':
      if (splitInt64(value, true) === undefined) {
        w.varint32(0x18);
        w.varint64(split.lo, split.hi);
      }
      return;
    case 'object':
      if (value === null) return;
      if (value instanceof Uint8Array) {
        w.varint32(0x3a); // bytes_value
        w.bytes(value);
      } else if (depth >= MAX_VALUE_DEPTH) {
        return;
      } else if (Array.isArray(value)) {
        w.varint32(0x2a); // array_value
        const start = w.fork(1);
        for (const item of value) {
          w.varint32(0x0a); // ArrayValue.values
          const itemStart = w.fork(1);
          writeAnyValueBody(w, item, depth + 1);
          w.join(itemStart, 1);
        }
        w.join(start, 1);
      } else {
        w.varint32(0x32); // kvlist_value
        const start = w.fork(1);
        writeAttributes(w, 0x0a, value, depth + 1); // KeyValueList.values
        w.join(start, 1);
      }
      return;
    default:
      return;
  }
}

/** Whether an HrTime is the epoch itself (the proto3 default, left out). */
export function isZeroHrTime(t: HrTime): boolean {
  return t[0] === 0 && t[1] === 0;
}

/**
 * Exact nanoseconds of an HrTime as fixed64. seconds × 10^9 is split as seconds × 1953125 × 2^9:
 * the first product stays below 2^53 for any second before the year 2116, and the shift by 9 is
 * exact arithmetic on the two 32-bit halves. Other inputs go through BigInt.
 */
export function writeHrTime(w: ProtobufWriter, t: HrTime): void {
  const s = t[0];
  const ns = t[1];
  if (s >= 0 && s < 4_600_000_000 && ns >= 0 && ns < 1e9 && Number.isInteger(s) && Number.isInteger(ns)) {
    const x = s * 1953125;
    const xLow = x % 8388608; // low 23 bits
    let lo = xLow * 512 + ns;
    let hi = (x - xLow) / 8388608;
    if (lo >= 4294967296) {
      lo -= 4294967296;
      hi += 1;
    }
    w.fixed64(lo, hi);
    return;
  }
  const total = BigInt.asUintN(64, BigInt(Math.trunc(s)) * 1_000_000_000n + BigInt(Math.trunc(ns)));
  w.fixed64(Number(total & 0xffffffffn), Number(total >> 32n));
}

/** An SDK count as an OTLP count: truncated, negative or NaN as 0, at most 2^53 - 1. */
export function countValue(n: number): number {
  return n > 0 ? Math.min(Math.trunc(n), Number.MAX_SAFE_INTEGER) : 0;
}

/** A count as fixed64. */
export function writeCountFixed64(w: ProtobufWriter, n: number): void {
  const v = countValue(n);
  w.fixed64(v >>> 0, Math.floor(v / 4294967296) >>> 0);
}

/** Writes `tag` and the id's bytes; writes nothing when the id is empty or not hex. */
export function writeHexField(w: ProtobufWriter, tag: number, id: string | undefined): void {
  if (!id) return;
  const mark = w.pos;
  w.varint32(tag);
  if (!w.hex(id)) w.pos = mark;
}
