import { OtlpDecodeError, OtlpEncodeError } from './errors.js';
import { hexDigit } from './hex.js';
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
 */
export function messageToJson(table: MessageTable, obj: object): string {
  return writeMessage(table, obj as Record<string, unknown>, '');
}

function writeMessage(table: MessageTable, obj: Record<string, unknown>, path: string): string {
  let out = '{';
  let first = true;
  for (const field of table.fields) {
    const value = obj[field.name];
    if (value === undefined || value === null) continue;
    let json: string;
    const fieldPath = path === '' ? field.name : `${path}.${field.name}`;
    if (field.repeated) {
      if (!Array.isArray(value)) throw new OtlpEncodeError(fieldPath, 'expected an array');
      if (value.length === 0) continue;
      json = '[';
      for (let i = 0; i < value.length; i++) {
        if (i > 0) json += ',';
        json += writeValue(field, value[i], `${fieldPath}[${i}]`);
      }
      json += ']';
    } else {
      if (!field.presence && isDefaultValue(field, value)) continue;
      json = writeValue(field, value, fieldPath);
    }
    out += `${first ? '' : ','}"${field.name}":${json}`;
    first = false;
  }
  return `${out}}`;
}

function writeValue(field: FieldSpec, value: unknown, path: string): string {
  switch (field.kind) {
    case 'message':
      if (typeof value !== 'object' || value === null) throw new OtlpEncodeError(path, 'expected an object');
      return writeMessage(field.message!, value as Record<string, unknown>, path);
    case 'string':
      if (typeof value !== 'string') throw new OtlpEncodeError(path, 'expected a string');
      return JSON.stringify(value);
    case 'bool':
      if (typeof value !== 'boolean') throw new OtlpEncodeError(path, 'expected a boolean');
      return value ? 'true' : 'false';
    case 'int32':
    case 'uint32':
    case 'sint32':
    case 'fixed32':
    case 'enum':
      if (typeof value !== 'number' || !Number.isInteger(value))
        throw new OtlpEncodeError(path, 'expected an integer');
      return String(value);
    case 'int64':
    case 'uint64':
    case 'fixed64':
    case 'sfixed64': {
      const signed = field.kind === 'int64' || field.kind === 'sfixed64';
      const error = splitInt64(value, signed);
      if (error !== undefined) throw new OtlpEncodeError(path, error);
      return `"${signed ? joinSigned(split.lo, split.hi) : joinUnsigned(split.lo, split.hi)}"`;
    }
    case 'double':
      if (typeof value !== 'number') throw new OtlpEncodeError(path, 'expected a number');
      if (Number.isFinite(value)) return Object.is(value, -0) ? '-0' : String(value);
      return Number.isNaN(value) ? '"NaN"' : value > 0 ? '"Infinity"' : '"-Infinity"';
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw new OtlpEncodeError(path, 'expected a Uint8Array');
      return `"${Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('base64')}"`;
    case 'hexId':
      if (typeof value !== 'string' || !isHexString(value))
        throw new OtlpEncodeError(path, 'expected a hex string');
      return `"${value.toLowerCase()}"`;
  }
}

function isHexString(s: string): boolean {
  if ((s.length & 1) !== 0) return false;
  for (let i = 0; i < s.length; i++) if (hexDigit(s.charCodeAt(i)) < 0) return false;
  return true;
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
  return readMessage(table, json as Record<string, unknown>, '', 0) as T;
}

function jsonFail(path: string, message: string): never {
  throw new OtlpDecodeError(`${path === '' ? '(root)' : path}: ${message}`);
}

/** As in the protobuf decoder: deeper nesting is refused rather than risking the stack. */
const MAX_DEPTH = 100;

function readMessage(
  table: MessageTable,
  json: Record<string, unknown>,
  path: string,
  depth: number,
): Record<string, unknown> {
  if (depth > MAX_DEPTH) jsonFail(path, `messages nested deeper than ${MAX_DEPTH}`);
  const obj: Record<string, unknown> = {};
  for (const name of table.alwaysPresent) obj[name] = [];
  for (const { name, value } of table.requiredScalars) obj[name] = value;
  for (const key in json) {
    if (!Object.prototype.hasOwnProperty.call(json, key)) continue;
    const field = table.byJsonName.get(key);
    if (field === undefined) continue; // unknown fields are ignored
    const value = json[key];
    if (value === null || value === undefined) continue;
    const fieldPath = path === '' ? key : `${path}.${key}`;
    if (field.repeated) {
      if (!Array.isArray(value)) jsonFail(fieldPath, 'expected an array');
      const list: unknown[] = [];
      for (let i = 0; i < value.length; i++)
        list.push(readValue(field, value[i], `${fieldPath}[${i}]`, depth));
      if (list.length > 0 || field.alwaysPresent) obj[field.name] = list;
      continue;
    }
    for (const sibling of field.oneofSiblings) {
      if (obj[sibling] !== undefined)
        jsonFail(fieldPath, `only one of ${field.name} and ${sibling} may be set`);
    }
    const parsed = readValue(field, value, fieldPath, depth);
    if (field.presence || field.required || !isDefaultValue(field, parsed)) obj[field.name] = parsed;
  }
  return obj;
}

const BASE64 = /^[A-Za-z0-9+/_-]*={0,2}$/;
const NUMERIC = /^-?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;

function readValue(field: FieldSpec, value: unknown, path: string, depth: number): unknown {
  switch (field.kind) {
    case 'message':
      if (typeof value !== 'object' || value === null || Array.isArray(value))
        jsonFail(path, 'expected an object');
      return readMessage(field.message!, value as Record<string, unknown>, path, depth + 1);
    case 'string':
      if (typeof value !== 'string') jsonFail(path, `expected a string, got ${describe(value)}`);
      return value;
    case 'bool':
      if (typeof value !== 'boolean') jsonFail(path, `expected true or false, got ${describe(value)}`);
      return value;
    case 'enum':
      if (typeof value === 'string' && field.enumValues && value in field.enumValues)
        return field.enumValues[value];
      return readInt32(value, path, -0x80000000, 0x7fffffff);
    case 'int32':
    case 'sint32':
      return readInt32(value, path, -0x80000000, 0x7fffffff);
    case 'uint32':
    case 'fixed32':
      return readInt32(value, path, 0, 0xffffffff);
    case 'int64':
    case 'uint64':
    case 'fixed64':
    case 'sfixed64': {
      const signed = field.kind === 'int64' || field.kind === 'sfixed64';
      if (typeof value !== 'string' && typeof value !== 'number') {
        jsonFail(path, `expected a decimal integer string, got ${describe(value)}`);
      }
      const error = splitInt64(value, signed);
      if (error !== undefined) jsonFail(path, error);
      return signed ? joinSigned(split.lo, split.hi) : joinUnsigned(split.lo, split.hi);
    }
    case 'double':
      if (typeof value === 'number') return value;
      if (value === 'NaN') return NaN;
      if (value === 'Infinity') return Infinity;
      if (value === '-Infinity') return -Infinity;
      if (typeof value === 'string' && NUMERIC.test(value)) return Number(value);
      return jsonFail(path, `expected a number, got ${describe(value)}`);
    case 'bytes':
      if (typeof value !== 'string' || !BASE64.test(value))
        jsonFail(path, `expected base64, got ${describe(value)}`);
      return new Uint8Array(
        Buffer.from(value, value.includes('-') || value.includes('_') ? 'base64url' : 'base64'),
      );
    case 'hexId':
      if (typeof value !== 'string' || !isHexString(value))
        jsonFail(path, `expected a hex id, got ${describe(value)}`);
      return value.toLowerCase();
  }
}

function readInt32(value: unknown, path: string, min: number, max: number): number {
  const n = typeof value === 'string' && NUMERIC.test(value) ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < min || n > max) {
    jsonFail(path, `expected an integer in [${min}, ${max}], got ${describe(value)}`);
  }
  return n;
}

function describe(value: unknown): string {
  const text = JSON.stringify(value) ?? String(value);
  return text.length > 40 ? `${text.slice(0, 40)}…` : text;
}
