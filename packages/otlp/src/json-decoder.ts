import { OtlpDecodeError } from './errors.js';
import { isHex } from './hex.js';
import { joinSigned, joinUnsigned, split, splitInt64 } from './int64.js';
import { PathError, fail, pathOf } from './json-path-error.js';
import { isDefaultValue } from './message-table.js';
import type { FieldSpec, MessageTable } from './message-table.js';

/**
 * OTLP-JSON text → object model (canonical form, as the protobuf decoder produces). Unknown keys
 * are ignored. Beyond the OTLP rules it accepts what proto3 JSON allows: proto (snake_case) key
 * names, numbers for 64-bit integers, strings for 32-bit integers and doubles, enum names,
 * base64url, upper-case hex, and null for "not set". Errors are OtlpDecodeError naming the key path
 * (and the character offset of a JSON syntax error when the parser reports one).
 */
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
      if (value.length !== 0 && value.length !== 2 * field.idBytes!) {
        fail(`expected ${2 * field.idBytes!} hex digits (or none), got ${value.length}`);
      }
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
