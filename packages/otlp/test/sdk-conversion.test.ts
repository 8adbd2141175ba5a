import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import type { HrTime } from '@opentelemetry/api';
import type { ReadableLogRecord } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { encodeLogRecords, encodeResourceMetrics, logsCodec, metricsCodec } from '@otel-lifeline/otlp';
import { logRecordsToOtlp } from '../src/log-records-converter.js';
import { resourceMetricsToOtlp } from '../src/resource-metrics-converter.js';

const resource = { attributes: { 'service.name': 'api' }, asyncAttributesPending: false };
const scope = { name: 'lifeline', version: '1.0.0' };

function record(fields: Partial<Record<keyof ReadableLogRecord, unknown>>): ReadableLogRecord {
  return {
    hrTime: [0, 0],
    hrTimeObserved: [0, 0],
    attributes: {},
    droppedAttributesCount: 0,
    resource,
    instrumentationScope: scope,
    ...fields,
  } as unknown as ReadableLogRecord;
}

function onlyRecord(records: ReadableLogRecord[]) {
  const decoded = logsCodec.decode(encodeLogRecords(records));
  expect(decoded).toEqual(logRecordsToOtlp(records));
  return decoded.resourceLogs[0]!.scopeLogs[0]!.logRecords[0]!;
}

describe('SDK record conversion', () => {
  it('turns HrTime into exact nanoseconds, up to the uint64 limit', () => {
    const cases: Array<[HrTime, string]> = [
      [[1_700_000_000, 123_456_789], '1700000000123456789'],
      [[0, 1], '1'],
      [[4_294_967_296, 999_999_999], '4294967296999999999'],
      [[18_446_744_073, 709_551_615], '18446744073709551615'],
    ];
    for (const [hrTime, nanos] of cases) {
      expect(onlyRecord([record({ hrTime })]).timeUnixNano).toBe(nanos);
    }
    expect(onlyRecord([record({})]).timeUnixNano).toBeUndefined();
  });

  it('maps every attribute value kind, integers beyond 2^53 included', () => {
    const converted = onlyRecord([
      record({
        attributes: {
          s: 'text',
          b: false,
          i: -42,
          big: 2 ** 62,
          d: 0.5,
          bytes: new Uint8Array([1, 2]),
          list: ['a', null],
          map: { inner: { deeper: [true] } },
          tooBig: 2 ** 64,
        },
      }),
    ]);
    expect(converted.attributes).toEqual([
      { key: 's', value: { stringValue: 'text' } },
      { key: 'b', value: { boolValue: false } },
      { key: 'i', value: { intValue: '-42' } },
      { key: 'big', value: { intValue: '4611686018427387904' } },
      { key: 'd', value: { doubleValue: 0.5 } },
      { key: 'bytes', value: { bytesValue: new Uint8Array([1, 2]) } },
      { key: 'list', value: { arrayValue: { values: [{ stringValue: 'a' }, {}] } } },
      {
        key: 'map',
        value: {
          kvlistValue: {
            values: [
              {
                key: 'inner',
                value: {
                  kvlistValue: {
                    values: [{ key: 'deeper', value: { arrayValue: { values: [{ boolValue: true }] } } }],
                  },
                },
              },
            ],
          },
        },
      },
      { key: 'tooBig', value: { doubleValue: 2 ** 64 } },
    ]);
  });

  it('cuts values nested deeper than 24 levels, so a cyclic log body still encodes and decodes', () => {
    const cyclic: Record<string, unknown> = { name: 'loop' };
    cyclic['self'] = cyclic;
    const list: unknown[] = [];
    list.push(list);
    const converted = onlyRecord([record({ body: cyclic, attributes: { list } })]);
    let depth = 0;
    let value = converted.body;
    while (value?.kvlistValue) {
      depth++;
      value = value.kvlistValue.values.find((kv) => kv.key === 'self')?.value;
    }
    expect(depth).toBe(24);
    expect(value).toEqual({});
    // The same request also fits the decoders' nesting limit when written by the object codec.
    const request = logRecordsToOtlp([record({ body: cyclic })]);
    expect(logsCodec.decode(logsCodec.encode(request))).toEqual(request);
  });

  it('leaves out empty or malformed ids and keeps the trace flags', () => {
    const withContext = onlyRecord([
      record({ spanContext: { traceId: 'ABCDEF0123456789ABCDEF0123456789', spanId: '', traceFlags: 1 } }),
    ]);
    expect(withContext).toEqual({ traceId: 'abcdef0123456789abcdef0123456789', flags: 1 });
    expect(
      onlyRecord([record({ spanContext: { traceId: 'not hex', spanId: 'zz', traceFlags: 0 } })]),
    ).toEqual({});
    // Past ASCII (U+0100, U+0130): not hex, though their codes' low bits are a digit's.
    const wide = { traceId: `${'0'.repeat(31)}\u0130`, spanId: `\u0100${'0'.repeat(15)}`, traceFlags: 0 };
    expect(onlyRecord([record({ spanContext: wide })])).toEqual({});
    // The object model behaves the same: an empty id is the default and is not written.
    const bytes = logsCodec.encode({
      resourceLogs: [{ scopeLogs: [{ logRecords: [{ traceId: '', spanId: '' }] }] }],
    });
    expect(logsCodec.decode(bytes)).toEqual({ resourceLogs: [{ scopeLogs: [{ logRecords: [{}] }] }] });
  });

  it('groups records by resource and scope content, in order of first appearance', () => {
    const sameResource = { attributes: { 'service.name': 'api' }, asyncAttributesPending: false };
    const otherScope = { name: 'other' };
    const records = [
      record({ body: 1 }),
      record({ body: 2, instrumentationScope: otherScope }),
      record({ body: 3, resource: sameResource, instrumentationScope: { ...scope } }),
      record({ body: 4, resource: { attributes: { 'service.name': 'billing' } } }),
    ];
    const decoded = logsCodec.decode(encodeLogRecords(records));
    expect(decoded).toEqual(logRecordsToOtlp(records));
    expect(
      decoded.resourceLogs.map((rl) => rl.scopeLogs.map((sl) => sl.logRecords.map((r) => r.body?.intValue))),
    ).toEqual([[['1', '3'], ['2']], [['4']]]);
  });

  it('keeps an INT instrument value as a double when it does not fit int64', () => {
    const point = (value: number) => ({ startTime: [1, 0], endTime: [2, 0], attributes: {}, value });
    const rm = {
      resource,
      scopeMetrics: [
        {
          scope,
          metrics: [
            {
              descriptor: { name: 'n', description: '', unit: '', valueType: 0 },
              aggregationTemporality: 1,
              dataPointType: 3,
              isMonotonic: true,
              dataPoints: [point(7), point(-(2 ** 63)), point(2 ** 70), point(NaN)],
            },
          ],
        },
      ],
    } as unknown as ResourceMetrics;
    const decoded = metricsCodec.decode(encodeResourceMetrics(rm));
    expect(decoded).toEqual(resourceMetricsToOtlp(rm));
    const sum = decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.sum!;
    expect(sum.aggregationTemporality).toBe(2);
    expect(sum.isMonotonic).toBe(true);
    expect(sum.dataPoints.map((p) => p.asInt ?? p.asDouble)).toEqual([
      '7',
      '-9223372036854775808',
      2 ** 70,
      NaN,
    ]);
  });
});

describe('SDK histogram counts', () => {
  it('writes counts as non-negative integers', () => {
    const rm = {
      resource,
      scopeMetrics: [
        {
          scope,
          metrics: [
            {
              descriptor: { name: 'h', description: '', unit: 's', valueType: 1 },
              aggregationTemporality: 0,
              dataPointType: 0,
              dataPoints: [
                {
                  startTime: [1, 0],
                  endTime: [2, 0],
                  attributes: {},
                  value: {
                    buckets: { boundaries: [1], counts: [2.7, -1] },
                    count: -3,
                    sum: 0,
                    min: 0,
                    max: 0,
                  },
                },
              ],
            },
          ],
        },
      ],
    } as unknown as ResourceMetrics;
    const decoded = metricsCodec.decode(encodeResourceMetrics(rm));
    expect(decoded).toEqual(resourceMetricsToOtlp(rm));
    const histogram = decoded.resourceMetrics[0]!.scopeMetrics[0]!.metrics[0]!.histogram!;
    expect(histogram.aggregationTemporality).toBe(1);
    expect(histogram.dataPoints[0]).toEqual({
      startTimeUnixNano: '1000000000',
      timeUnixNano: '2000000000',
      sum: 0,
      bucketCounts: ['2', '0'],
      explicitBounds: [1],
      min: 0,
      max: 0,
    });
  });
});

describe('package example', () => {
  it('runs and prints the concatenated request', async () => {
    const script = fileURLToPath(new URL('../examples/round-trip.mjs', import.meta.url));
    const { stdout } = await promisify(execFile)(process.execPath, [script]);
    expect(stdout).toContain('items by scanning the bytes: 2');
    expect(stdout).toContain('bodies: first, second');
    expect(stdout).toContain('second timeUnixNano: 1700000000123456789');
  });
});
