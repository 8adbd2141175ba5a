import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { logsCodec, metricsCodec, tracesCodec } from '@otel-lifeline/otlp';
import type { SignalCodec } from '@otel-lifeline/otlp';
import { logsRequest, metricsRequest, traceRequest } from './fixtures/otlp-arbitraries.js';

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length);
  out.set(a);
  out.set(b, a.length);
  return out;
}

const RUNS = 300;

const signals: Array<[string, SignalCodec<object>, fc.Arbitrary<object>, string]> = [
  ['logs', logsCodec as SignalCodec<object>, logsRequest, 'resourceLogs'],
  ['traces', tracesCodec as SignalCodec<object>, traceRequest, 'resourceSpans'],
  ['metrics', metricsCodec as SignalCodec<object>, metricsRequest, 'resourceMetrics'],
];

describe.each(signals)('%s codec properties', (_name, codec, request, listField) => {
  it('decodes what it encodes to the same request (protobuf)', () => {
    fc.assert(
      fc.property(request, (req) => {
        expect(codec.decode(codec.encode(req))).toEqual(req);
      }),
      { numRuns: RUNS },
    );
  });

  it('parses what it writes to the same request (OTLP-JSON)', () => {
    fc.assert(
      fc.property(request, (req) => {
        expect(codec.fromJson(codec.toJson(req))).toEqual(req);
      }),
      { numRuns: RUNS },
    );
  });

  it('decodes two concatenated requests as one request holding both', () => {
    fc.assert(
      fc.property(request, request, (a, b) => {
        const both = codec.decode(concat(codec.encode(a), codec.encode(b))) as Record<string, unknown[]>;
        const left = (a as Record<string, unknown[]>)[listField]!;
        const right = (b as Record<string, unknown[]>)[listField]!;
        expect(both).toEqual({ [listField]: [...left, ...right] });
        expect(codec.countEncodedItems(concat(codec.encode(a), codec.encode(b)))).toBe(
          codec.countItems(a) + codec.countItems(b),
        );
      }),
      { numRuns: RUNS / 2 },
    );
  });

  it('counts the same items in encoded bytes as in the request', () => {
    fc.assert(
      fc.property(request, (req) => {
        expect(codec.countEncodedItems(codec.encode(req))).toBe(codec.countItems(req));
      }),
      { numRuns: RUNS },
    );
  });
});

describe('empty ids', () => {
  it('are the default: an empty traceId or spanId is not written and decodes as absent', () => {
    fc.assert(
      fc.property(logsRequest, (req) => {
        const withEmptyIds = structuredClone(req);
        for (const rl of withEmptyIds.resourceLogs) {
          for (const sl of rl.scopeLogs) {
            for (const record of sl.logRecords) {
              record.traceId = '';
              record.spanId = '';
            }
          }
        }
        const expected = structuredClone(withEmptyIds);
        for (const rl of expected.resourceLogs) {
          for (const sl of rl.scopeLogs) {
            for (const record of sl.logRecords) {
              delete record.traceId;
              delete record.spanId;
            }
          }
        }
        expect(logsCodec.decode(logsCodec.encode(withEmptyIds))).toEqual(expected);
        expect(logsCodec.fromJson(logsCodec.toJson(withEmptyIds))).toEqual(expected);
      }),
      { numRuns: 100 },
    );
  });
});
