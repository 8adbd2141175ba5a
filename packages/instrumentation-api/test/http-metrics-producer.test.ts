import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { AggregationTemporality } from '@opentelemetry/sdk-metrics';
import type { HistogramMetricData, ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { afterEach, describe, expect, it } from 'vitest';
import {
  createHttpMetricsProducer,
  DURATION_BUCKETS_S,
  instrumentApi,
  INSTRUMENTATION_SCOPE,
  setHttpRoute,
} from '@otel-lifeline/instrumentation-api';
import type { HttpMetricsProducer, HttpServerSample } from '@otel-lifeline/instrumentation-api';
import { createTestPipeline, eventually } from './support/pipeline.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server and the instrumentation, the HTTP histograms in the SDK or in `producer`. */
async function setup(
  producer: HttpMetricsProducer | undefined,
  temporality = AggregationTemporality.CUMULATIVE,
) {
  const pipeline = createTestPipeline([], { producers: producer ? [producer] : [], temporality });
  const api = instrumentApi({
    loggerProvider: pipeline.loggerProvider,
    meterProvider: pipeline.meterProvider,
    bodySizeMetrics: true,
    ...(producer ? { metricsProducer: producer } : {}),
  });
  cleanups.push(
    () => api.shutdown(),
    () => pipeline.shutdown(),
  );
  const server = createServer((req, res) => {
    const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
    if (req.url?.startsWith('/items/')) setHttpRoute(req, '/items/:id');
    const body = JSON.stringify({ ok: status < 400, pad: 'x'.repeat(status % 7) });
    res.statusCode = status;
    res.setHeader('content-type', 'application/json');
    res.setHeader('content-length', Buffer.byteLength(body));
    res.end(body);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const send = async (requests: Array<[string, string?]>) => {
    const before = pipeline.events('lifeline.api.access').length;
    for (const [path, body] of requests) {
      await (await fetch(`${base}${path}`, body === undefined ? {} : { method: 'POST', body })).text();
    }
    await eventually(() => pipeline.events('lifeline.api.access').length === before + requests.length);
  };
  return { pipeline, send };
}

const REQUESTS: Array<[string, string?]> = [
  ['/items/1'],
  ['/items/2'],
  ['/items/3?status=404'],
  ['/items/4?status=503'],
  ['/other'],
  ['/items/5', 'a body of 20 bytes..'],
];

/** The histograms of a collection as comparable data: times and measured durations left out. */
function histograms(rm: ResourceMetrics) {
  const metrics = rm.scopeMetrics
    .filter((s) => s.scope.name === INSTRUMENTATION_SCOPE)
    .flatMap((s) => s.metrics)
    .filter(
      (m): m is HistogramMetricData =>
        m.descriptor.name !== 'http.server.active_requests' && 'dataPoints' in m,
    )
    .filter(
      (m) =>
        m.descriptor.name.startsWith('http.server.') && m.descriptor.name !== 'http.server.active_requests',
    );
  return Object.fromEntries(
    metrics.map((m) => [
      m.descriptor.name,
      {
        unit: m.descriptor.unit,
        description: m.descriptor.description,
        valueType: m.descriptor.valueType,
        temporality: m.aggregationTemporality,
        dataPointType: m.dataPointType,
        points: m.dataPoints
          .map((p) => ({
            attributes: p.attributes,
            boundaries: p.value.buckets.boundaries,
            count: p.value.count,
            // Durations differ from run to run; sizes must match exactly.
            ...(m.descriptor.unit === 'By' ? { counts: p.value.buckets.counts, sum: p.value.sum } : {}),
          }))
          .sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes))),
      },
    ]),
  );
}

describe('HTTP metrics producer', () => {
  it('exports the same histograms as the Metrics SDK path: names, units, attributes, buckets, counts', async () => {
    const sdk = await setup(undefined);
    await sdk.send(REQUESTS);
    const expected = histograms(await sdk.pipeline.collect());
    for (const c of cleanups.splice(0).reverse()) await c();

    const producer = createHttpMetricsProducer();
    const ours = await setup(producer);
    await ours.send(REQUESTS);
    const collected = await ours.pipeline.collect();
    const actual = histograms(collected);
    expect(Object.keys(expected).sort()).toEqual([
      'http.server.request.body.size',
      'http.server.request.duration',
      'http.server.response.body.size',
    ]);
    expect(actual).toEqual(expected);
    // The active-requests gauge and the rest stay in the SDK, once: no duplicate duration histogram.
    const names = collected.scopeMetrics.flatMap((s) => s.metrics.map((m) => m.descriptor.name));
    expect(names.filter((n) => n === 'http.server.request.duration')).toHaveLength(1);
    expect(names).toContain('http.server.active_requests');
  });

  it('puts each duration in the semconv bucket, with count, sum, min and max', async () => {
    const producer = createHttpMetricsProducer();
    producer.recordRequest(sample(0.003), false);
    producer.recordRequest(sample(0.005), false);
    producer.recordRequest(sample(0.2), false);
    producer.recordRequest(sample(12), false);
    const { resourceMetrics } = await producer.collect();
    const metric = resourceMetrics.scopeMetrics[0]!.metrics[0] as HistogramMetricData;
    const point = metric.dataPoints[0]!;
    expect(point.value.buckets.boundaries).toEqual(DURATION_BUCKETS_S);
    const counts = new Array<number>(DURATION_BUCKETS_S.length + 1).fill(0);
    counts[0] = 2; // 0.003 and 0.005 (bounds are inclusive above)
    counts[DURATION_BUCKETS_S.indexOf(0.25)] = 1;
    counts[DURATION_BUCKETS_S.length] = 1; // above 10 s
    expect(point.value.buckets.counts).toEqual(counts);
    expect(point.value).toMatchObject({ count: 4, min: 0.003, max: 12 });
    expect(point.value.sum).toBeCloseTo(12.208, 9);
    expect(point.attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'network.protocol.version': '1.1',
      'http.response.status_code': 200,
      'http.route': '/a',
    });
  });

  it('with delta temporality reports only what was recorded since the previous collection', async () => {
    const producer = createHttpMetricsProducer({ temporality: 'delta' });
    const { pipeline, send } = await setup(producer, AggregationTemporality.DELTA);
    await send([['/items/1'], ['/items/2']]);
    const first = histograms(await pipeline.collect())['http.server.request.duration']!;
    expect(first.temporality).toBe(AggregationTemporality.DELTA);
    expect(first.points.map((p) => p.count)).toEqual([2]);
    await send([['/items/3']]);
    const second = histograms(await pipeline.collect())['http.server.request.duration']!;
    expect(second.points.map((p) => p.count)).toEqual([1]);
    expect(histograms(await pipeline.collect())['http.server.request.duration']).toBeUndefined();
  });

  it('rejects bad options and a bad producer with the key and what was expected', () => {
    expect(() => createHttpMetricsProducer({ temporality: 'sometimes' as 'delta' })).toThrow(
      /temporality.*'cumulative' or 'delta'/,
    );
    expect(() => instrumentApi({ metricsProducer: {} as HttpMetricsProducer })).toThrow(/metricsProducer/);
  });
});

/** A finished GET /a answered 200 in `durationS`. */
function sample(durationS: number): HttpServerSample {
  return {
    durationS,
    method: 'GET',
    scheme: 'http',
    protocolVersion: '1.1',
    status: 200,
    route: '/a',
    errorType: undefined,
    requestSize: undefined,
    responseSize: undefined,
  };
}
