import { isUtf8 } from 'node:buffer';
import { OtlpDecodeError } from './errors.js';
import { bytesToHex } from './hex.js';
import { joinSigned, joinUnsigned } from './int64.js';
import { isDefaultValue } from './message-table.js';
import type { FieldSpec, MessageTable } from './message-table.js';

/**
 * Table-driven protobuf decoder into the object model (see common-types.ts for the conventions).
 *
 * Spec behaviour: unknown fields (and known fields with an unexpected wire type) are skipped,
 * groups included; repeated scalars are read packed or unpacked; a singular message field seen
 * twice is merged; the last oneof member wins; strings must be valid UTF-8. Every failure is an
 * OtlpDecodeError carrying the byte offset where it was detected. Nesting is capped at 100 levels
 * so hostile input cannot exhaust the stack.
 */
const MAX_DEPTH = 100;
const TWO_32 = 4294967296;

/** Node's Buffer string slicers (what `buffer.toString(encoding, start, end)` calls). */
interface BufferSlicers {
  latin1Slice(start: number, end: number): string;
  utf8Slice(start: number, end: number): string;
}

/** Reader state: module-level so the hot loop reads plain variables, not object fields. */
const EMPTY = new Uint8Array(0);
let buf: Uint8Array = EMPTY;
/** `buf` as a Buffer (same memory) for native string slicing. */
let bufView: BufferSlicers = Buffer.from(EMPTY.buffer) as unknown as BufferSlicers;
let pos = 0;
let lo = 0;
let hi = 0;

export function decodeMessage<T>(table: MessageTable, bytes: Uint8Array): T {
  buf = bytes;
  bufView = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength) as unknown as BufferSlicers;
  pos = 0;
  try {
    return decodeInto(table, bytes.length, newObject(table), 0) as T;
  } finally {
    buf = EMPTY;
    bufView = Buffer.from(EMPTY.buffer) as unknown as BufferSlicers;
  }
}

function newObject(table: MessageTable): Record<string, unknown> {
  const obj: Record<string, unknown> = {};
  for (const name of table.alwaysPresent) obj[name] = [];
  for (const { name, value } of table.requiredScalars) obj[name] = value;
  return obj;
}

function fail(message: string, offset: number): never {
  throw new OtlpDecodeError(message, offset);
}

function decodeInto(
  table: MessageTable,
  end: number,
  obj: Record<string, unknown>,
  depth: number,
): Record<string, unknown> {
  if (depth > MAX_DEPTH) fail(`${table.fullName}: messages nested deeper than ${MAX_DEPTH}`, pos);
  while (pos < end) {
    const tagOffset = pos;
    const tag = readVarint32(end);
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (id === 0) fail(`${table.fullName}: invalid field number 0`, tagOffset);
    const field = table.byId[id];
    if (field !== undefined) {
      if (wireType === field.wireType) {
        const value = readValue(field, end, depth, obj);
        if (field.repeated) {
          const list = obj[field.name] as unknown[] | undefined;
          if (list === undefined) obj[field.name] = [value];
          else list.push(value);
        } else {
          setSingular(obj, field, value);
        }
        continue;
      }
      if (wireType === 2 && field.packed) {
        readPacked(field, end, obj);
        continue;
      }
    }
    skipField(wireType, id, end, tagOffset, table);
  }
  if (pos !== end) fail(`${table.fullName}: field overruns its enclosing message`, end);
  return obj;
}

/**
 * Sets a singular field. `delete` is only used when the property exists (a oneof member replaced,
 * a field repeated with its default value): deleting turns V8 objects into slow dictionaries.
 */
function setSingular(obj: Record<string, unknown>, field: FieldSpec, value: unknown): void {
  const siblings = field.oneofSiblings;
  for (let i = 0; i < siblings.length; i++) {
    if (obj[siblings[i]!] !== undefined) delete obj[siblings[i]!];
  }
  if (!field.presence && !field.required && isDefaultValue(field, value)) {
    if (obj[field.name] !== undefined) delete obj[field.name];
  } else {
    obj[field.name] = value;
  }
}

function readValue(field: FieldSpec, end: number, depth: number, parent: Record<string, unknown>): unknown {
  switch (field.kind) {
    case 'string':
      return readString(end);
    case 'bool':
      readVarint64(end);
      return lo !== 0 || hi !== 0;
    case 'int32':
    case 'enum':
      readVarint64(end);
      return lo | 0;
    case 'uint32':
      readVarint64(end);
      return lo >>> 0;
    case 'sint32':
      readVarint64(end);
      return (lo >>> 1) ^ -(lo & 1);
    case 'int64':
      readVarint64(end);
      return joinSigned(lo, hi);
    case 'uint64':
      readVarint64(end);
      return joinUnsigned(lo, hi);
    case 'fixed64':
      readFixed64(end);
      return joinUnsigned(lo, hi);
    case 'sfixed64':
      readFixed64(end);
      return joinSigned(lo, hi);
    case 'fixed32':
      return readFixed32(end);
    case 'double':
      return readDouble(end);
    case 'bytes': {
      const len = readLength(end);
      const out = new Uint8Array(len);
      out.set(buf.subarray(pos, pos + len));
      pos += len;
      return out;
    }
    case 'hexId': {
      const at = pos;
      const len = readLength(end);
      if (len !== 0 && len !== field.idBytes) {
        fail(`${field.protoName}: expected ${field.idBytes} bytes (or none), got ${len}`, at);
      }
      const hex = bytesToHex(buf, pos, pos + len);
      pos += len;
      return hex;
    }
    case 'message': {
      const table = field.message!;
      const len = readLength(end);
      const msgEnd = pos + len;
      // A singular message seen again merges into the first (protobuf semantics).
      const existing = field.repeated ? undefined : parent[field.name];
      const target = existing !== undefined ? (existing as Record<string, unknown>) : newObject(table);
      return decodeInto(table, msgEnd, target, depth + 1);
    }
  }
}

function readPacked(field: FieldSpec, end: number, obj: Record<string, unknown>): void {
  const len = readLength(end);
  const packedEnd = pos + len;
  let list = obj[field.name] as unknown[] | undefined;
  if (list === undefined) obj[field.name] = list = [];
  while (pos < packedEnd) list.push(readValue(field, packedEnd, 0, obj));
}

function skipField(wireType: number, id: number, end: number, tagOffset: number, table: MessageTable): void {
  switch (wireType) {
    case 0:
      readVarint64(end);
      return;
    case 1:
      need(8, end);
      pos += 8;
      return;
    case 2: {
      const len = readLength(end);
      pos += len;
      return;
    }
    case 5:
      need(4, end);
      pos += 4;
      return;
    case 3:
      skipGroup(id, end, 0);
      return;
    default:
      fail(`${table.fullName}: invalid wire type ${wireType} for field ${id}`, tagOffset);
  }
}

function skipGroup(groupId: number, end: number, depth: number): void {
  if (depth > MAX_DEPTH) fail(`groups nested deeper than ${MAX_DEPTH}`, pos);
  for (;;) {
    if (pos >= end) fail(`unterminated group ${groupId}`, pos);
    const tagOffset = pos;
    const tag = readVarint32(end);
    const id = tag >>> 3;
    const wireType = tag & 7;
    if (wireType === 4) {
      if (id !== groupId) fail(`end of group ${id} does not match group ${groupId}`, tagOffset);
      return;
    }
    if (wireType === 3) skipGroup(id, end, depth + 1);
    else if (wireType === 0) readVarint64(end);
    else if (wireType === 1) {
      need(8, end);
      pos += 8;
    } else if (wireType === 2) pos += readLength(end);
    else if (wireType === 5) {
      need(4, end);
      pos += 4;
    } else fail(`invalid wire type ${wireType} in group ${groupId}`, tagOffset);
  }
}

function need(n: number, end: number): void {
  if (pos + n > end) fail(`truncated: ${n} bytes needed, ${end - pos} left`, pos);
}

/** A tag: field numbers go up to 2^29 - 1, so the value fits 32 unsigned bits. */
function readVarint32(end: number): number {
  const start = pos;
  readVarint64(end);
  if (hi !== 0) fail('tag out of range', start);
  return lo;
}

/** Reads a varint into `lo`/`hi`. */
function readVarint64(end: number): void {
  const start = pos;
  let b = 0;
  let l = 0;
  let h = 0;
  for (let shift = 0; shift < 28; shift += 7) {
    if (pos >= end) fail('truncated varint', start);
    b = buf[pos++]!;
    l |= (b & 0x7f) << shift;
    if (b < 0x80) {
      lo = l >>> 0;
      hi = 0;
      return;
    }
  }
  // Byte 5 holds bits 28..34: four bits for lo, three for hi.
  if (pos >= end) fail('truncated varint', start);
  b = buf[pos++]!;
  l |= (b & 0x0f) << 28;
  h = (b & 0x7f) >> 4;
  if (b >= 0x80) {
    for (let shift = 3; shift < 32; shift += 7) {
      if (pos >= end) fail('truncated varint', start);
      b = buf[pos++]!;
      h |= (b & 0x7f) << shift;
      if (b < 0x80) break;
      if (shift + 7 >= 32) fail('varint longer than 10 bytes', start);
    }
  }
  lo = l >>> 0;
  hi = h >>> 0;
}

function readLength(end: number): number {
  const start = pos;
  readVarint64(end);
  if (hi !== 0 || lo > end - pos) {
    fail(`length ${hi === 0 ? lo : hi * TWO_32 + lo} exceeds the ${end - pos} bytes left`, start);
  }
  return lo;
}

function readFixed32(end: number): number {
  need(4, end);
  const v = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
  pos += 4;
  return v;
}

function readFixed64(end: number): void {
  need(8, end);
  lo = (buf[pos]! | (buf[pos + 1]! << 8) | (buf[pos + 2]! << 16) | (buf[pos + 3]! << 24)) >>> 0;
  hi = (buf[pos + 4]! | (buf[pos + 5]! << 8) | (buf[pos + 6]! << 16) | (buf[pos + 7]! << 24)) >>> 0;
  pos += 8;
}

const f64 = new Float64Array(1);
const f64Bytes = new Uint8Array(f64.buffer);

function readDouble(end: number): number {
  need(8, end);
  for (let i = 0; i < 8; i++) f64Bytes[i] = buf[pos + i]!;
  pos += 8;
  return f64[0]!;
}

/**
 * ASCII (the common case) is sliced natively as latin1 after a byte check; anything else must be
 * valid UTF-8 (checked natively) and is sliced as UTF-8.
 */
function readString(end: number): string {
  const len = readLength(end);
  const start = pos;
  pos += len;
  if (len === 0) return '';
  let i = start;
  while (i < pos && buf[i]! < 0x80) i++;
  if (i === pos) return bufView.latin1Slice(start, pos);
  if (!isUtf8(buf.subarray(start, pos))) fail('string field is not valid UTF-8', start);
  return bufView.utf8Slice(start, pos);
}
