import { randomUUID } from 'node:crypto';
import { OtlpDecodeError, OtlpEncodeError } from './errors.js';
import { isHex } from './hex.js';
import { joinSigned, joinUnsigned, split, splitInt64 } from './int64.js';
import { isDefaultValue } from './message-table.js';
import type { FieldSpec, MessageTable } from './message-table.js';

/**
 * OTLP-JSON for the object model: proto3 JSON mapping with the OTLP rules — lowerCamelCase keys,
 * trace/span ids as hex, enums as integers, 64-bit integers as decimal strings, bytes as base64,
 * non-finite doubles as "NaN"/"Infinity"/"-Infinity", unknown keys ignored.
 *
 * Parsing also accepts what proto3 JSON allows beyond that: proto (snake_case) key names, numbers
 * for 64-bit integers, strings for 32-bit integers and doubles, enum names, base64url, upper-case
 * hex, and null for "not set".
 *
 * Error paths (`resourceLogs[0].scopeLogs[1]...`) are built only when something fails: each level
 * catches a PathError and rethrows it with its own segment in front.
 */

/** A failure at a field, its path growing as it unwinds to the top. */
class PathError extends Error {
  constructor(
    readonly segments: string[],
    readonly reason: string,
  ) {
    super(reason);
  }
}

function pathOf(segments: readonly string[]): string {
  let path = '';
  for (const segment of segments) path += segment.startsWith('[') || path === '' ? segment : `.${segment}`;
  return path === '' ? '(root)' : path;
}

function fail(reason: string): never {
  throw new PathError([], reason);
}

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
    tree = toJsonMessage(table, obj as Record<string, unknown>);
  } catch (error) {
    if (error instanceof PathError) throw new OtlpEncodeError(pathOf(error.segments), error.reason);
    throw error;
  }
  const text = JSON.stringify(tree);
  return sawNegativeZero ? text.replaceAll(NEGATIVE_ZERO_JSON, '-0') : text;
}

function toJsonMessage(table: MessageTable, obj: Record<string, unknown>): Record<string, unknown> {
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
        for (index = 0; index < list.length; index++) items[index] = toJsonValue(field, list[index]);
        out[name] = items;
      } else {
        if (!field.presence && isDefaultValue(field, value)) continue;
        out[name] = toJsonValue(field, value);
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

function toJsonValue(field: FieldSpec, value: unknown): unknown {
  switch (field.kind) {
    case 'message':
      if (typeof value !== 'object' || value === null) fail('expected an object');
      return toJsonMessage(field.message!, value as Record<string, unknown>);
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

/** Parses OTLP-JSON text into the object model. */
export function messageFromJson<T>(table: MessageTable, text: string): T {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    const message = (error as Error).message;
    const position = /position (\d+)/.exec(message);
    throw new OtlpDecodeError(`invalid JSON: ${message}`, position ? Number(position[1]) : undefined);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new OtlpDecodeError(`expected a JSON object for ${table.fullName}`);
  }
  try {
    return readMessage(table, json as Record<string, unknown>, 0) as T;
  } catch (error) {
    if (error instanceof PathError) throw new OtlpDecodeError(`${pathOf(error.segments)}: ${error.reason}`);
    throw error;
  }
}

/** As in the protobuf decoder: deeper nesting is refused rather than risking the stack. */
const MAX_DEPTH = 100;

function readMessage(
  table: MessageTable,
  json: Record<string, unknown>,
  depth: number,
): Record<string, unknown> {
  if (depth > MAX_DEPTH) fail(`messages nested deeper than ${MAX_DEPTH}`);
  const obj: Record<string, unknown> = {};
  for (const name of table.alwaysPresent) obj[name] = [];
  for (const { name, value } of table.requiredScalars) obj[name] = value;
  let key = '';
  let index = -1;
  try {
    for (key in json) {
      index = -1;
      if (!Object.prototype.hasOwnProperty.call(json, key)) continue;
      const field = table.byJsonName.get(key);
      if (field === undefined) continue; // unknown fields are ignored
      const value = json[key];
      if (value === null || value === undefined) continue;
      if (field.repeated) {
        if (!Array.isArray(value)) fail('expected an array');
        const items = value as unknown[];
        const list = new Array<unknown>(items.length);
        for (index = 0; index < items.length; index++) list[index] = readValue(field, items[index], depth);
        if (list.length > 0 || field.alwaysPresent) obj[field.name] = list;
        continue;
      }
      const siblings = field.oneofSiblings;
      for (let i = 0; i < siblings.length; i++) {
        if (obj[siblings[i]!] !== undefined) fail(`only one of ${field.name} and ${siblings[i]!} may be set`);
      }
      const parsed = readValue(field, value, depth);
      if (field.presence || field.required || !isDefaultValue(field, parsed)) obj[field.name] = parsed;
    }
  } catch (error) {
    if (error instanceof PathError) {
      if (index >= 0) error.segments.unshift(key, `[${index}]`);
      else error.segments.unshift(key);
    }
    throw error;
  }
  return obj;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function readValue(field: FieldSpec, value: unknown, depth: number): unknown {
  switch (field.kind) {
    case 'message':
      if (typeof value !== 'object' || value === null || Array.isArray(value)) {
        fail(`expected an object, got ${describe(value)}`);
      }
      return readMessage(field.message!, value as Record<string, unknown>, depth + 1);
    case 'string':
      if (typeof value !== 'string') fail(`expected a string, got ${describe(value)}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') fail(`expected true or false, got ${describe(value)}`);
      return value;
    case 'enum':
      if (typeof value === 'string' && field.enumValues && value in field.enumValues) {
        return field.enumValues[value];
      }
      return readInt32(value, -0x80000000, 0x7fffffff);
    case 'int32':
    case 'sint32':
      return readInt32(value, -0x80000000, 0x7fffffff);
    case 'uint32':
    case 'fixed32':
      return readInt32(value, 0, 0xffffffff);
    case 'int64':
    case 'uint64':
    case 'fixed64':
    case 'sfixed64': {
      const signed = field.kind === 'int64' || field.kind === 'sfixed64';
      if (typeof value !== 'string' && typeof value !== 'number') {
        fail(`expected a decimal integer string, got ${describe(value)}`);
      }
      const error = splitInt64(value, signed);
      if (error !== undefined) fail(error);
      return signed ? joinSigned(split.lo, split.hi) : joinUnsigned(split.lo, split.hi);
    }
    case 'double':
      if (typeof value === 'number') return value;
      if (value === 'NaN') return NaN;
      if (value === 'Infinity') return Infinity;
      if (value === '-Infinity') return -Infinity;
      if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
      return fail(`expected a number, got ${describe(value)}`);
    case 'bytes':
      if (typeof value !== 'string' || !BASE64.test(value)) fail(`expected base64, got ${describe(value)}`);
      return new Uint8Array(
        Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64'),
      );
    case 'hexId':
      if (typeof value !== 'string' || !isHex(value)) fail(`expected a hex id, got ${describe(value)}`);
      return value.toLowerCase();
  }
}

function readInt32(value: unknown, min: number, max: number): number {
  const n = typeof value === 'string' && NUMERIC.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    fail(`expected an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return n;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
