import fc from 'fast-check';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { logsCodec, metricsCodec, tracesCodec } from '@otel-lifeline/otlp';
import type { SignalCodec } from '@otel-lifeline/otlp';
import { otlpDescriptor } from '../src/schema.js';
import { logsRequest, metricsRequest, traceRequest } from './fixtures/otlp-arbitraries.js';

const otlpRoot = protobuf.Root.fromJSON(otlpDescriptor as protobuf.INamespace);
otlpRoot.resolveAll();

/**
 * A second, independent wire implementation checks ours: protobufjs's own reflection codec (with
 * the `long` package for exact 64-bit values) decodes our bytes, and encodes requests that our
 * decoder must read back. Its objects use proto field names and bytes for ids; `normalise` maps
 * both sides to one shape (camelCase keys, hex ids, no empty lists, no empty `key`).
 */
const HEX_FIELDS = new Set(['trace_id', 'span_id', 'parent_span_id', 'traceId', 'spanId', 'parentSpanId']);

function normalise(value: unknown): unknown {
  if (value instanceof Uint8Array) return new Uint8Array(value);
  if (Array.isArray(value)) return value.map(normalise);
  if (typeof value !== 'object' || value === null) return value;
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    if (field === undefined || (Array.isArray(field) && field.length === 0)) continue;
    if (key === 'key' && field === '') continue;
    const name = protobuf.util.camelCase(key);
    out[name] =
      HEX_FIELDS.has(key) && field instanceof Uint8Array
        ? Buffer.from(field).toString('hex')
        : normalise(field);
  }
  return out;
}

/** Our object form → the object protobufjs.fromObject takes (hex ids as bytes; strings for 64-bit work as they are). */
function toProtobufjsInput(value: unknown): unknown {
  if (value instanceof Uint8Array || typeof value !== 'object' || value === null) return value;
  if (Array.isArray(value)) return value.map(toProtobufjsInput);
  const out: Record<string, unknown> = {};
  for (const [key, field] of Object.entries(value as Record<string, unknown>)) {
    const name = key.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
    out[name] =
      HEX_FIELDS.has(key) && typeof field === 'string' ? Buffer.from(field, 'hex') : toProtobufjsInput(field);
  }
  return out;
}

const signals: Array<[string, SignalCodec<object>, fc.Arbitrary<object>, string]> = [
  [
    'logs',
    logsCodec as SignalCodec<object>,
    logsRequest,
    'opentelemetry.proto.collector.logs.v1.ExportLogsServiceRequest',
  ],
  [
    'traces',
    tracesCodec as SignalCodec<object>,
    traceRequest,
    'opentelemetry.proto.collector.trace.v1.ExportTraceServiceRequest',
  ],
  [
    'metrics',
    metricsCodec as SignalCodec<object>,
    metricsRequest,
    'opentelemetry.proto.collector.metrics.v1.ExportMetricsServiceRequest',
  ],
];

describe.each(signals)('%s bytes against protobufjs reflection', (_name, codec, request, typeName) => {
  const type = otlpRoot.lookupType(typeName);

  it('protobufjs decodes our bytes to the same request', () => {
    fc.assert(
      fc.property(request, (req) => {
        const decoded = type.toObject(type.decode(codec.encode(req)), { longs: String });
        expect(normalise(decoded)).toEqual(normalise(req));
      }),
      { numRuns: 100 },
    );
  });

  it('we decode protobufjs bytes to the same request', () => {
    fc.assert(
      fc.property(request, (req) => {
        const bytes = type
          .encode(type.fromObject(toProtobufjsInput(req) as Record<string, unknown>))
          .finish();
        expect(normalise(codec.decode(bytes))).toEqual(normalise(req));
      }),
      { numRuns: 100 },
    );
  });
});
