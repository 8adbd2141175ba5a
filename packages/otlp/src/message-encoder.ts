import { OtlpEncodeError } from './errors.js';
import { split, splitInt64 } from './int64.js';
import { isDefaultValue } from './message-table.js';
import type { FieldSpec, MessageTable } from './message-table.js';
import type { ProtobufWriter } from './protobuf-writer.js';

/**
 * Table-driven protobuf encoder for the object model. Fields are written in field-number order;
 * scalars holding their proto3 default are left out unless the field has presence (oneof members,
 * proto3 `optional`, messages); repeated scalar numbers are packed. A value of the wrong type throws
 * OtlpEncodeError naming the field path.
 */
/** Deeper (or cyclic) objects are refused, as decoders refuse deeper input. */
const MAX_DEPTH = 100;

export function encodeMessage(writer: ProtobufWriter, table: MessageTable, obj: object, depth = 0): void {
  if (depth > MAX_DEPTH)
    throw new OtlpEncodeError(table.fullName, `messages nested deeper than ${MAX_DEPTH}`);
  const record = obj as Record<string, unknown>;
  for (const field of table.fields) {
    const value = record[field.name];
    if (value === undefined || value === null) continue;
    if (field.repeated) {
      if (!Array.isArray(value)) throw new OtlpEncodeError(field.name, 'expected an array');
      if (value.length === 0) continue;
      if (field.packed) {
        writer.varint32(field.tag);
        const start = writer.fork(1);
        for (let i = 0; i < value.length; i++) writeScalar(writer, field, value[i], i);
        writer.join(start, 1);
      } else {
        for (let i = 0; i < value.length; i++) {
          const item: unknown = value[i];
          if (item === undefined || item === null)
            throw new OtlpEncodeError(`${field.name}[${i}]`, 'missing element');
          writer.varint32(field.tag);
          writeValue(writer, field, item, i, depth);
        }
      }
      continue;
    }
    if (!field.presence && isDefaultValue(field, value)) continue;
    writer.varint32(field.tag);
    writeValue(writer, field, value, -1, depth);
  }
}

function writeValue(
  writer: ProtobufWriter,
  field: FieldSpec,
  value: unknown,
  index: number,
  depth: number,
): void {
  if (field.kind === 'message') {
    if (typeof value !== 'object') throw fieldError(field, index, `expected an object, got ${typeof value}`);
    const start = writer.fork(1);
    try {
      encodeMessage(writer, field.message!, value as object, depth + 1);
    } catch (error) {
      if (error instanceof OtlpEncodeError) {
        throw new OtlpEncodeError(
          `${pathOf(field, index)}.${error.path}`,
          error.message.slice(error.path.length + 2),
        );
      }
      throw error;
    }
    writer.join(start, 1);
    return;
  }
  writeScalar(writer, field, value, index);
}

function writeScalar(writer: ProtobufWriter, field: FieldSpec, value: unknown, index: number): void {
  switch (field.kind) {
    case 'string':
      if (typeof value !== 'string') throw fieldError(field, index, `expected a string, got ${typeof value}`);
      writer.string(value);
      return;
    case 'bool':
      if (typeof value !== 'boolean')
        throw fieldError(field, index, `expected a boolean, got ${typeof value}`);
      writer.varint32(value ? 1 : 0);
      return;
    case 'int32':
    case 'enum':
      writer.int32(checkInt(field, index, value, -0x80000000, 0x7fffffff));
      return;
    case 'uint32':
      writer.varint32(checkInt(field, index, value, 0, 0xffffffff));
      return;
    case 'fixed32':
      writer.fixed32(checkInt(field, index, value, 0, 0xffffffff));
      return;
    case 'sint32':
      writer.sint32(checkInt(field, index, value, -0x80000000, 0x7fffffff));
      return;
    case 'int64':
    case 'uint64': {
      const error = splitInt64(value, field.kind === 'int64');
      if (error !== undefined) throw fieldError(field, index, error);
      writer.varint64(split.lo, split.hi);
      return;
    }
    case 'fixed64':
    case 'sfixed64': {
      const error = splitInt64(value, field.kind === 'sfixed64');
      if (error !== undefined) throw fieldError(field, index, error);
      writer.fixed64(split.lo, split.hi);
      return;
    }
    case 'double':
      if (typeof value !== 'number') throw fieldError(field, index, `expected a number, got ${typeof value}`);
      writer.double(value);
      return;
    case 'bytes':
      if (!(value instanceof Uint8Array)) throw fieldError(field, index, 'expected a Uint8Array');
      writer.bytes(value);
      return;
    case 'hexId':
      if (typeof value !== 'string' || !writer.hex(value)) {
        throw fieldError(field, index, `expected an even-length hex string, got ${JSON.stringify(value)}`);
      }
      return;
    case 'message':
      throw fieldError(field, index, 'a message cannot be packed');
  }
}

function checkInt(field: FieldSpec, index: number, value: unknown, min: number, max: number): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < min || value > max) {
    throw fieldError(field, index, `expected an integer in [${min}, ${max}], got ${String(value)}`);
  }
  return value;
}

function pathOf(field: FieldSpec, index: number): string {
  return index < 0 ? field.name : `${field.name}[${index}]`;
}

function fieldError(field: FieldSpec, index: number, message: string): OtlpEncodeError {
  return new OtlpEncodeError(pathOf(field, index), message);
}
