import { randomUUID } from 'node:crypto';
import { OtlpEncodeError } from './errors.js';
import { isHex } from './hex.js';
import { joinSigned, joinUnsigned, split, splitInt64 } from './int64.js';
import { PathError, fail, pathOf } from './json-path-error.js';
import { isDefaultValue } from './message-table.js';
import type { FieldSpec, MessageTable } from './message-table.js';

/**
 * Object model → OTLP-JSON text: the proto3 JSON mapping with the OTLP rules — lowerCamelCase keys,
 * trace/span ids as lowercase hex, enums as integers, 64-bit integers as decimal strings, bytes as
 * base64, non-finite doubles as "NaN"/"Infinity"/"-Infinity". Fields holding their default are
 * left out unless they have presence. The JSON is built as a tree of plain values and serialised
 * by JSON.stringify (much faster than concatenating strings).
 */
/**
 * JSON has no `-0` once JSON.stringify has seen it: the writer puts a marker string in its place
 * and swaps it back for the literal `-0` afterwards (only when one occurred).
 */
const NEGATIVE_ZERO = `\u0000-0:${randomUUID()}\u0000`;
const NEGATIVE_ZERO_JSON = JSON.stringify(NEGATIVE_ZERO);
let sawNegativeZero = false;

export function messageToJson(table: MessageTable, obj: object): string {
  sawNegativeZero = false;
  let tree: Record<string, unknown>;
  try {
    tree = toJsonMessage(table, obj as Record<string, unknown>, 0);
  } catch (error) {
    if (error instanceof PathError) throw new OtlpEncodeError(pathOf(error.segments), error.reason);
    throw error;
  }
  const text = JSON.stringify(tree);
  return sawNegativeZero ? text.replaceAll(NEGATIVE_ZERO_JSON, '-0') : text;
}

/** Deeper (or cyclic) objects are refused, as decoders refuse deeper input. */
const MAX_DEPTH = 100;

function toJsonMessage(
  table: MessageTable,
  obj: Record<string, unknown>,
  depth: number,
): Record<string, unknown> {
  if (depth > MAX_DEPTH) fail(`messages nested deeper than ${MAX_DEPTH}`);
  const out: Record<string, unknown> = {};
  const fields = table.fields;
  let name = '';
  let index = -1;
  try {
    for (let f = 0; f < fields.length; f++) {
      const field = fields[f]!;
      name = field.name;
      index = -1;
      const value = obj[name];
      if (value === undefined || value === null) continue;
      if (field.repeated) {
        if (!Array.isArray(value)) fail('expected an array');
        const list = value as unknown[];
        if (list.length === 0) continue;
        const items = new Array<unknown>(list.length);
        for (index = 0; index < list.length; index++) items[index] = toJsonValue(field, list[index], depth);
        out[name] = items;
      } else {
        if (!field.presence && isDefaultValue(field, value)) continue;
        out[name] = toJsonValue(field, value, depth);
      }
    }
  } catch (error) {
    if (error instanceof PathError) {
      if (index >= 0) error.segments.unshift(name, `[${index}]`);
      else error.segments.unshift(name);
    }
    throw error;
  }
  return out;
}

function toJsonValue(field: FieldSpec, value: unknown, depth: number): unknown {
  switch (field.kind) {
    case 'message':
      if (typeof value !== 'object' || value === null) fail('expected an object');
      return toJsonMessage(field.message!, value as Record<string, unknown>, depth + 1);
    case 'string':
      if (typeof value !== 'string') fail('expected a string');
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail('expected a boolean');
      return value;
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'enum':
      if (typeof value !== 'number' || !Number.isInteger(value)) fail('expected an integer');
      return value;
    case 'int64':
    case 'uint64':
    case 'fixed64':
    case 'sfixed64': {
      const signed = field.kind === 'int64' || field.kind === 'sfixed64';
      const error = splitInt64(value, signed);
      if (error !== undefined) fail(error);
      return signed ? joinSigned(split.lo, split.hi) : joinUnsigned(split.lo, split.hi);
    }
    case 'double':
      if (typeof value !== 'number') fail('expected a number');
      if (Number.isFinite(value)) {
        if (value === 0 && Object.is(value, -0)) {
          sawNegativeZero = true;
          return NEGATIVE_ZERO;
        }
        return value;
      }
      return Number.isNaN(value) ? 'NaN' : value > 0 ? 'Infinity' : '-Infinity';
    case 'bytes':
      if (!(value instanceof Uint8Array)) fail('expected a Uint8Array');
      return Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64');
    case 'hexId':
      if (typeof value !== 'string' || !isHex(value)) fail('expected a hex string');
      return value.toLowerCase();
  }
}
