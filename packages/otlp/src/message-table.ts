import { otlpDescriptor } from './schema.js';
import type { DescriptorField, DescriptorNamespace } from './schema.js';

/**
 * A flat, precomputed view of a message type of the OTLP descriptor that the wire and JSON codecs walk.
 *
 *   MessageTable ──fields (ascending id)──► FieldSpec { id, name, jsonName, kind, repeated, presence, ... }
 *        └──byId[id] ─────────────────────► the same FieldSpec (sparse array, ids are small)
 *
 * `kind` folds the proto type and the OTLP-JSON special cases: `hexId` is a bytes field holding a
 * trace or span id (hex in OTLP JSON and in this package's object model).
 */
export type FieldKind =
  | 'string'
  | 'bool'
  | 'int32'
  | 'uint32'
  | 'sint32'
  | 'enum'
  | 'int64'
  | 'uint64'
  | 'fixed64'
  | 'sfixed64'
  | 'fixed32'
  | 'double'
  | 'bytes'
  | 'hexId'
  | 'message';

export interface FieldSpec {
  readonly id: number;
  /** Object-model and JSON name (lowerCamelCase). */
  readonly name: string;
  /** Proto name (snake_case), also accepted when parsing JSON. */
  readonly protoName: string;
  readonly kind: FieldKind;
  /** Protobuf wire type of one element (a packed repeated field is read as wire type 2 too). */
  readonly wireType: 0 | 1 | 2 | 5;
  readonly repeated: boolean;
  /** Repeated scalar numbers are written packed. */
  readonly packed: boolean;
  /** Present even when holding the default (message fields, oneof members, proto3 `optional`). */
  readonly presence: boolean;
  /** The other members of this field's oneof (cleared when this one is set). */
  readonly oneofSiblings: readonly string[];
  /** A repeated field the object model always carries, as an empty list when absent. */
  readonly alwaysPresent: boolean;
  /** A scalar the object model always carries, holding its default when absent on the wire. */
  readonly required: boolean;
  /** For a `hexId` field: the only non-zero length in bytes (16 for a trace id, 8 for a span id). */
  readonly idBytes: number | undefined;
  /** Enum name → number, for JSON input that uses names. */
  readonly enumValues: Readonly<Record<string, number>> | undefined;
  readonly message: MessageTable | undefined;
  /** Precomputed tag varint value `(id << 3) | wireType` (wire type 2 when packed). */
  readonly tag: number;
}

export interface MessageTable {
  readonly fullName: string;
  readonly fields: readonly FieldSpec[];
  readonly byId: readonly (FieldSpec | undefined)[];
  readonly byJsonName: ReadonlyMap<string, FieldSpec>;
  /** Names of repeated fields that are always present in decoded objects. */
  readonly alwaysPresent: readonly string[];
  /** Scalar fields the object model declares as required: present, with their default, when absent on the wire. */
  readonly requiredScalars: readonly { readonly name: string; readonly value: unknown }[];
}

/** Structural lists that the object model types declare as required. */
const ALWAYS_PRESENT = new Set([
  'resource_logs',
  'resource_spans',
  'resource_metrics',
  'scope_logs',
  'scope_spans',
  'scope_metrics',
  'log_records',
  'spans',
  'metrics',
  'data_points',
  'values',
]);

/** Scalars typed as required in the object model (`KeyValue.key`), by full field name. */
const REQUIRED_SCALARS = new Set(['opentelemetry.proto.common.v1.KeyValue.key']);

/** Id fields and their length in bytes; an id is that long or empty (unset), as the Collector requires. */
const HEX_ID_FIELDS = new Map([
  ['trace_id', 16],
  ['span_id', 8],
  ['parent_span_id', 8],
]);

const SCALAR_KIND: Record<string, FieldKind> = {
  string: 'string',
  bool: 'bool',
  int32: 'int32',
  uint32: 'uint32',
  sint32: 'sint32',
  int64: 'int64',
  uint64: 'uint64',
  fixed64: 'fixed64',
  sfixed64: 'sfixed64',
  fixed32: 'fixed32',
  double: 'double',
  bytes: 'bytes',
};

const WIRE_TYPE: Record<FieldKind, 0 | 1 | 2 | 5> = {
  string: 2,
  bool: 0,
  int32: 0,
  uint32: 0,
  sint32: 0,
  enum: 0,
  int64: 0,
  uint64: 0,
  fixed64: 1,
  sfixed64: 1,
  fixed32: 5,
  double: 1,
  bytes: 2,
  hexId: 2,
  message: 2,
};

const tables = new Map<string, MessageTable>();

/**
 * Every message and enum of the descriptor by full name. Built by hand instead of with protobufjs's
 * Root.fromJSON/resolveAll: those generate a constructor per type with `new Function`, which
 * hardened runtimes (`--disallow-code-generation-from-strings`) refuse.
 */
const types = new Map<string, DescriptorNamespace>();
(function index(namespace: DescriptorNamespace, prefix: string): void {
  for (const [name, node] of Object.entries(namespace.nested ?? {})) {
    const fullName = prefix === '' ? name : `${prefix}.${name}`;
    if (node.fields !== undefined || node.values !== undefined) types.set(fullName, node);
    index(node, fullName);
  }
})(otlpDescriptor, '');

/** Resolves a type reference as protobufjs does: from the referring message outwards, then from the root. */
function resolveType(reference: string, scope: string): { fullName: string; node: DescriptorNamespace } {
  if (reference.startsWith('.')) {
    const node = types.get(reference.slice(1));
    if (node) return { fullName: reference.slice(1), node };
  } else {
    const parts = scope.split('.');
    for (let i = parts.length; i >= 0; i--) {
      const fullName = [...parts.slice(0, i), reference].join('.');
      const node = types.get(fullName);
      if (node) return { fullName, node };
    }
  }
  throw new Error(`unresolved type ${reference} in ${scope}`);
}

/** protobufjs's camelCase (the OTLP JSON names). */
function camelCase(name: string): string {
  return name.slice(0, 1) + name.slice(1).replace(/_([a-z])/g, (_, c: string) => c.toUpperCase());
}

/** The table for a fully qualified message name, e.g. `opentelemetry.proto.logs.v1.LogRecord`. */
export function messageTable(fullName: string): MessageTable {
  const key = fullName.startsWith('.') ? fullName.slice(1) : fullName;
  const cached = tables.get(key);
  if (cached) return cached;
  const type = types.get(key);
  if (type?.fields === undefined) throw new Error(`no message type ${key}`);
  const fields: FieldSpec[] = [];
  const byId: (FieldSpec | undefined)[] = [];
  const byJsonName = new Map<string, FieldSpec>();
  const table: MessageTable = {
    fullName: key,
    fields,
    byId,
    byJsonName,
    alwaysPresent: [],
    requiredScalars: [],
  };
  tables.set(key, table);
  const entries = Object.entries(type.fields).sort(([, a], [, b]) => a.id - b.id);
  for (const [name, field] of entries) {
    const spec = fieldSpec(key, type, name, field);
    fields.push(spec);
    byId[spec.id] = spec;
    byJsonName.set(spec.name, spec);
    byJsonName.set(spec.protoName, spec);
  }
  (table.alwaysPresent as string[]).push(...fields.filter((f) => f.alwaysPresent).map((f) => f.name));
  for (const field of fields) {
    if (field.required) {
      (table.requiredScalars as { name: string; value: unknown }[]).push({
        name: field.name,
        value: field.kind === 'string' ? '' : 0,
      });
    }
  }
  return table;
}

function fieldSpec(
  parent: string,
  type: DescriptorNamespace,
  name: string,
  field: DescriptorField,
): FieldSpec {
  let kind: FieldKind;
  let enumValues: Record<string, number> | undefined;
  let messageName: string | undefined;
  const scalar = SCALAR_KIND[field.type];
  if (scalar) {
    kind = scalar === 'bytes' && HEX_ID_FIELDS.has(name) ? 'hexId' : scalar;
  } else {
    const resolved = resolveType(field.type, parent);
    if (resolved.node.values !== undefined) {
      kind = 'enum';
      enumValues = { ...resolved.node.values };
    } else {
      kind = 'message';
      messageName = resolved.fullName;
    }
  }
  const repeated = field.rule === 'repeated';
  const wireType = WIRE_TYPE[kind];
  const packed = repeated && kind !== 'message' && wireType !== 2;
  const oneof = Object.values(type.oneofs ?? {}).find((o) => o.oneof.includes(name));
  return {
    id: field.id,
    name: camelCase(name),
    protoName: name,
    kind,
    wireType,
    repeated,
    packed,
    presence: kind === 'message' || oneof !== undefined,
    oneofSiblings: oneof ? oneof.oneof.filter((n) => n !== name).map(camelCase) : [],
    alwaysPresent: repeated && ALWAYS_PRESENT.has(name),
    required: REQUIRED_SCALARS.has(`${parent}.${name}`),
    idBytes: kind === 'hexId' ? HEX_ID_FIELDS.get(name) : undefined,
    enumValues,
    // A cycle (AnyValue → KeyValueList → KeyValue → AnyValue) gets the table being built, which is
    // complete once the outermost messageTable() call returns.
    message: messageName === undefined ? undefined : messageTable(messageName),
    tag: (field.id << 3) | (packed ? 2 : wireType),
  };
}

/**
 * Whether a scalar value is the proto3 default for its field (such fields are absent from encoded
 * bytes and from decoded objects unless the field has presence). -0 is not the default: it is a
 * distinct double.
 */
export function isDefaultValue(field: FieldSpec, value: unknown): boolean {
  switch (field.kind) {
    case 'string':
    case 'hexId':
      return value === '';
    case 'bool':
      return value === false;
    case 'int64':
    case 'uint64':
    case 'fixed64':
    case 'sfixed64':
      return value === '0' || value === 0 || value === 0n;
    case 'bytes':
      return value instanceof Uint8Array && value.length === 0;
    case 'message':
      return false;
    default:
      return Object.is(value, 0);
  }
}
