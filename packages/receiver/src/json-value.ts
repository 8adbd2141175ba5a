import type { AnyValue, InstrumentationScope, KeyValue, Resource } from '@otel-lifeline/otlp';

/** A plain JSON value, as written to JSON lines. */
export type JsonValue = string | number | boolean | null | JsonValue[] | { [key: string]: JsonValue };
export type JsonObject = { [key: string]: JsonValue };

/**
 * An OTLP AnyValue as the plain JSON a person expects to read:
 * string → string, bool → bool, int → number (a decimal string past ±2^53), double → number
 * ("NaN", "Infinity", "-Infinity" as strings), bytes → { "base64": "..." }, array → array,
 * kvlist → object. An empty AnyValue is null.
 */
export function plainValue(value: AnyValue | undefined): JsonValue {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return value.stringValue;
  if (value.boolValue !== undefined) return value.boolValue;
  if (value.intValue !== undefined) return plainInteger(value.intValue);
  if (value.doubleValue !== undefined) return plainDouble(value.doubleValue);
  if (value.bytesValue !== undefined) return { base64: Buffer.from(value.bytesValue).toString('base64') };
  if (value.arrayValue !== undefined) return value.arrayValue.values.map(plainValue);
  if (value.kvlistValue !== undefined) return plainAttributes(value.kvlistValue.values);
  return null;
}

/** Key-value list → object (a repeated key keeps its last value). */
export function plainAttributes(attributes: readonly KeyValue[] | undefined): { [key: string]: JsonValue } {
  const result: { [key: string]: JsonValue } = {};
  for (const attribute of attributes ?? []) result[attribute.key] = plainValue(attribute.value);
  return result;
}

export function plainInteger(decimal: string): number | string {
  const number = Number(decimal);
  return Number.isSafeInteger(number) ? number : decimal;
}

export function plainDouble(value: number): number | string {
  return Number.isFinite(value) ? value : String(value);
}

/** Nanoseconds since the epoch (decimal string) → ISO 8601 with all nine fractional digits. */
export function isoTime(unixNano: string | undefined): string | undefined {
  if (unixNano === undefined || unixNano === '0' || unixNano === '') return undefined;
  let nanos: bigint;
  try {
    nanos = BigInt(unixNano);
  } catch {
    return unixNano;
  }
  const seconds = nanos / 1_000_000_000n;
  const fraction = nanos % 1_000_000_000n;
  const date = new Date(Number(seconds) * 1000);
  if (nanos < 0n || Number.isNaN(date.getTime())) return unixNano;
  return `${date.toISOString().slice(0, 19)}.${fraction.toString().padStart(9, '0')}Z`;
}

/** Milliseconds between two nanosecond timestamps, exact to the nanosecond (e.g. 12.000345). */
export function durationMs(
  startUnixNano: string | undefined,
  endUnixNano: string | undefined,
): number | undefined {
  if (startUnixNano === undefined || endUnixNano === undefined) return undefined;
  try {
    return Number(BigInt(endUnixNano) - BigInt(startUnixNano)) / 1e6;
  } catch {
    return undefined;
  }
}

/** Resource attributes as one flat object: `{ "service.name": "checkout", ... }`. */
export function plainResource(resource: Resource | undefined): { [key: string]: JsonValue } {
  return plainAttributes(resource?.attributes);
}

/** `{ "name", "version", "attributes" }`, leaving out what is empty. */
export function plainScope(scope: InstrumentationScope | undefined): { [key: string]: JsonValue } {
  const result: { [key: string]: JsonValue } = {};
  if (scope?.name) result['name'] = scope.name;
  if (scope?.version) result['version'] = scope.version;
  if (scope?.attributes !== undefined && scope.attributes.length > 0) {
    result['attributes'] = plainAttributes(scope.attributes);
  }
  return result;
}

/** Sets `key` only when `value` carries something (not undefined, '' or an empty list/object). */
export function setIfPresent(
  target: { [key: string]: JsonValue },
  key: string,
  value: JsonValue | undefined,
): void {
  if (value === undefined || value === '') return;
  if (Array.isArray(value) && value.length === 0) return;
  if (value !== null && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 0)
    return;
  target[key] = value;
}

/** An attribute list as an object, or undefined when there is no list. */
export function attributesOf(attributes: readonly KeyValue[] | undefined): JsonObject | undefined {
  return attributes === undefined ? undefined : plainAttributes(attributes);
}

/** Appends the flattened `resource` and `scope` to a line (they come last, for reading). */
export function withContext(
  line: JsonObject,
  resource: Resource | undefined,
  scope: InstrumentationScope | undefined,
): JsonObject {
  setIfPresent(line, 'resource', plainResource(resource));
  setIfPresent(line, 'scope', plainScope(scope));
  return line;
}
