import type {
  ExportLogsServiceRequest,
  ExportMetricsServiceRequest,
  ExportTraceServiceRequest,
} from '@otel-lifeline/otlp';
import { describe, expect, it } from 'vitest';
import { toJsonLines } from '../src/json-lines.js';

const resource = {
  attributes: [
    { key: 'service.name', value: { stringValue: 'checkout' } },
    { key: 'host.cpus', value: { intValue: '8' } },
  ],
};
const scope = {
  name: 'lifeline',
  version: '1.2.3',
  attributes: [{ key: 'tier', value: { stringValue: 'api' } }],
};
const parse = (lines: string[]): Array<Record<string, unknown>> => lines.map((line) => JSON.parse(line));

describe('JSON lines', () => {
  it('writes one line per log record with every kind of value made plain and resource and scope flattened', () => {
    const request: ExportLogsServiceRequest = {
      resourceLogs: [
        {
          resource,
          scopeLogs: [
            {
              scope,
              logRecords: [
                {
                  timeUnixNano: '1700000000123456789',
                  observedTimeUnixNano: '1700000000200000000',
                  severityNumber: 9,
                  severityText: 'INFO',
                  eventName: 'lifeline.api.access',
                  body: { stringValue: 'GET /users 200' },
                  attributes: [
                    { key: 's', value: { stringValue: 'x' } },
                    { key: 'b', value: { boolValue: false } },
                    { key: 'i', value: { intValue: '-42' } },
                    { key: 'big', value: { intValue: '9223372036854775807' } },
                    { key: 'd', value: { doubleValue: 1.5 } },
                    { key: 'nan', value: { doubleValue: Number.NaN } },
                    { key: 'bytes', value: { bytesValue: new Uint8Array([1, 2, 255]) } },
                    {
                      key: 'arr',
                      value: { arrayValue: { values: [{ intValue: '1' }, { stringValue: 'two' }] } },
                    },
                    {
                      key: 'kv',
                      value: { kvlistValue: { values: [{ key: 'inner', value: { boolValue: true } }] } },
                    },
                    { key: 'empty' },
                  ],
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  flags: 1,
                },
                { body: { kvlistValue: { values: [{ key: 'structured', value: { intValue: '1' } }] } } },
              ],
            },
          ],
        },
      ],
    };
    const [first, second] = parse(toJsonLines('logs', request));
    expect(first).toEqual({
      signal: 'logs',
      time: '2023-11-14T22:13:20.123456789Z',
      observedTime: '2023-11-14T22:13:20.200000000Z',
      severityNumber: 9,
      severityText: 'INFO',
      eventName: 'lifeline.api.access',
      body: 'GET /users 200',
      attributes: {
        s: 'x',
        b: false,
        i: -42,
        big: '9223372036854775807',
        d: 1.5,
        nan: 'NaN',
        bytes: { base64: 'AQL/' },
        arr: [1, 'two'],
        kv: { inner: true },
        empty: null,
      },
      traceId: '5b8efff798038103d269b633813fc60c',
      spanId: 'eee19b7ec3c1b174',
      flags: 1,
      resource: { 'service.name': 'checkout', 'host.cpus': 8 },
      scope: { name: 'lifeline', version: '1.2.3', attributes: { tier: 'api' } },
    });
    expect(second).toEqual({
      signal: 'logs',
      body: { structured: 1 },
      resource: first!['resource'],
      scope: first!['scope'],
    });
  });

  it('writes one line per span with readable kind and status, duration, events and links', () => {
    const request: ExportTraceServiceRequest = {
      resourceSpans: [
        {
          resource,
          scopeSpans: [
            {
              spans: [
                {
                  traceId: '5b8efff798038103d269b633813fc60c',
                  spanId: 'eee19b7ec3c1b174',
                  parentSpanId: 'eee19b7ec3c1b173',
                  name: 'GET /users',
                  kind: 2,
                  startTimeUnixNano: '1700000000000000000',
                  endTimeUnixNano: '1700000000012000345',
                  attributes: [{ key: 'http.response.status_code', value: { intValue: '500' } }],
                  events: [{ timeUnixNano: '1700000000001000000', name: 'exception', attributes: [] }],
                  links: [{ traceId: '00000000000000000000000000000001', spanId: '0000000000000002' }],
                  status: { code: 2, message: 'boom' },
                },
              ],
            },
          ],
        },
      ],
    };
    expect(parse(toJsonLines('traces', request))).toEqual([
      {
        signal: 'traces',
        name: 'GET /users',
        kind: 'server',
        traceId: '5b8efff798038103d269b633813fc60c',
        spanId: 'eee19b7ec3c1b174',
        parentSpanId: 'eee19b7ec3c1b173',
        start: '2023-11-14T22:13:20.000000000Z',
        end: '2023-11-14T22:13:20.012000345Z',
        durationMs: 12.000345,
        status: { code: 'error', message: 'boom' },
        attributes: { 'http.response.status_code': 500 },
        events: [{ time: '2023-11-14T22:13:20.001000000Z', name: 'exception' }],
        links: [{ traceId: '00000000000000000000000000000001', spanId: '0000000000000002' }],
        resource: { 'service.name': 'checkout', 'host.cpus': 8 },
      },
    ]);
  });

  it('writes one line per data point of every metric type', () => {
    const point = { startTimeUnixNano: '1700000000000000000', timeUnixNano: '1700000001000000000' };
    const request: ExportMetricsServiceRequest = {
      resourceMetrics: [
        {
          scopeMetrics: [
            {
              scope: { name: 'm' },
              metrics: [
                { name: 'g', gauge: { dataPoints: [{ ...point, asDouble: 0.5 }] } },
                {
                  name: 'c',
                  unit: '{request}',
                  sum: {
                    aggregationTemporality: 2,
                    isMonotonic: true,
                    dataPoints: [
                      { ...point, asInt: '3', attributes: [{ key: 'route', value: { stringValue: '/a' } }] },
                      { ...point, asInt: '4', attributes: [{ key: 'route', value: { stringValue: '/b' } }] },
                    ],
                  },
                },
                {
                  name: 'h',
                  histogram: {
                    aggregationTemporality: 1,
                    dataPoints: [
                      {
                        ...point,
                        count: '3',
                        sum: 7,
                        min: 1,
                        max: 4,
                        explicitBounds: [1, 5],
                        bucketCounts: ['1', '2', '0'],
                        exemplars: [
                          { asDouble: 4, timeUnixNano: '1700000000500000000', traceId: 'ab', spanId: 'cd' },
                        ],
                      },
                    ],
                  },
                },
                {
                  name: 'e',
                  exponentialHistogram: {
                    aggregationTemporality: 2,
                    dataPoints: [
                      {
                        ...point,
                        count: '2',
                        scale: 3,
                        zeroCount: '1',
                        positive: { offset: -2, bucketCounts: ['1'] },
                      },
                    ],
                  },
                },
                {
                  name: 's',
                  summary: {
                    dataPoints: [
                      { ...point, count: '5', sum: 10, quantileValues: [{ quantile: 0.5, value: 2 }] },
                    ],
                  },
                },
              ],
            },
          ],
        },
      ],
    };
    const times = { start: '2023-11-14T22:13:20.000000000Z', time: '2023-11-14T22:13:21.000000000Z' };
    const lines = parse(toJsonLines('metrics', request));
    expect(lines).toEqual([
      { signal: 'metrics', metric: 'g', type: 'gauge', ...times, value: 0.5, scope: { name: 'm' } },
      {
        signal: 'metrics',
        metric: 'c',
        unit: '{request}',
        type: 'sum',
        temporality: 'cumulative',
        monotonic: true,
        ...times,
        attributes: { route: '/a' },
        value: 3,
        scope: { name: 'm' },
      },
      {
        signal: 'metrics',
        metric: 'c',
        unit: '{request}',
        type: 'sum',
        temporality: 'cumulative',
        monotonic: true,
        ...times,
        attributes: { route: '/b' },
        value: 4,
        scope: { name: 'm' },
      },
      {
        signal: 'metrics',
        metric: 'h',
        type: 'histogram',
        temporality: 'delta',
        ...times,
        count: 3,
        sum: 7,
        min: 1,
        max: 4,
        explicitBounds: [1, 5],
        bucketCounts: [1, 2, 0],
        exemplars: [{ time: '2023-11-14T22:13:20.500000000Z', value: 4, traceId: 'ab', spanId: 'cd' }],
        scope: { name: 'm' },
      },
      {
        signal: 'metrics',
        metric: 'e',
        type: 'exponentialHistogram',
        temporality: 'cumulative',
        ...times,
        count: 2,
        scale: 3,
        zeroCount: 1,
        positive: { offset: -2, bucketCounts: [1] },
        negative: { offset: 0, bucketCounts: [] },
        scope: { name: 'm' },
      },
      {
        signal: 'metrics',
        metric: 's',
        type: 'summary',
        ...times,
        count: 5,
        sum: 10,
        quantiles: [{ quantile: 0.5, value: 2 }],
        scope: { name: 'm' },
      },
    ]);
  });
});
