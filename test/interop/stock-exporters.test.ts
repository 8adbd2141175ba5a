/**
 * Interop: the stock OpenTelemetry JS OTLP/HTTP exporters (http/protobuf and http/json, gzip on)
 * send to the receiver, and every field that arrives is checked against what was emitted.
 */
import { context, SpanKind, SpanStatusCode, trace, ValueType, type Attributes } from '@opentelemetry/api';
import { SeverityNumber, type AnyValue as LogAnyValue } from '@opentelemetry/api';
import { TraceState } from '@opentelemetry/core';
import { OTLPLogExporter as LogsHttpExporter } from '@opentelemetry/exporter-logs-otlp-http';
import { OTLPLogExporter as LogsProtoExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { OTLPMetricExporter as MetricsHttpExporter } from '@opentelemetry/exporter-metrics-otlp-http';
import { OTLPMetricExporter as MetricsProtoExporter } from '@opentelemetry/exporter-metrics-otlp-proto';
import { OTLPTraceExporter as TracesHttpExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPTraceExporter as TracesProtoExporter } from '@opentelemetry/exporter-trace-otlp-proto';
import { CompressionAlgorithm } from '@opentelemetry/otlp-exporter-base';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { AggregationType, MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import type { AnyValue, KeyValue, Metric } from '@otel-lifeline/otlp';
import { createReceiver, type ExportInfo, type Receiver } from '@otel-lifeline/receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';

type Protocol = 'http/protobuf' | 'http/json';
const PROTOCOLS: readonly Protocol[] = ['http/protobuf', 'http/json'];
const CONTENT_TYPE: Record<Protocol, string> = {
  'http/protobuf': 'application/x-protobuf',
  'http/json': 'application/json',
};

const SCHEMA_URL = 'https://opentelemetry.io/schemas/1.30.0';
const resourceAttributes = {
  'service.name': 'interop-service',
  'service.version': '9.9.9',
  'host.cpus': 8,
  'sample.ratio': 0.25,
  'feature.enabled': true,
  'deployment.regions': ['eu-west-1', 'us-east-1'],
};

/** Canonical, comparable form of OTLP values: key → value, bytes as arrays of numbers. */
type Canonical = null | string | boolean | number | Canonical[] | { [key: string]: Canonical };

function canonicalValue(value: AnyValue | undefined): Canonical {
  if (value === undefined) return null;
  if (value.stringValue !== undefined) return { string: value.stringValue };
  if (value.boolValue !== undefined) return { bool: value.boolValue };
  if (value.intValue !== undefined) return { int: String(value.intValue) };
  if (value.doubleValue !== undefined) return { double: value.doubleValue };
  if (value.bytesValue !== undefined) return { bytes: Array.from(value.bytesValue) };
  if (value.arrayValue !== undefined) return { array: value.arrayValue.values.map(canonicalValue) };
  if (value.kvlistValue !== undefined) return { kvlist: canonical(value.kvlistValue.values) };
  return null;
}

function canonical(attributes: readonly KeyValue[] | undefined): { [key: string]: Canonical } {
  const result: { [key: string]: Canonical } = {};
  for (const { key, value } of attributes ?? []) result[key] = canonicalValue(value);
  return result;
}

/** What the OTLP data model makes of a JavaScript attribute value (integers → int, others → double). */
function expectedValue(value: unknown): Canonical {
  if (typeof value === 'string') return { string: value };
  if (typeof value === 'boolean') return { bool: value };
  if (typeof value === 'number') return Number.isInteger(value) ? { int: String(value) } : { double: value };
  if (value instanceof Uint8Array) return { bytes: Array.from(value) };
  if (Array.isArray(value)) return { array: value.map(expectedValue) };
  if (value !== null && typeof value === 'object')
    return { kvlist: expectedAttributes(value as Record<string, unknown>) };
  return null;
}

function expectedAttributes(attributes: Record<string, unknown>): { [key: string]: Canonical } {
  return Object.fromEntries(Object.entries(attributes).map(([key, value]) => [key, expectedValue(value)]));
}

const hrToNanos = ([seconds, nanos]: [number, number]): string =>
  (BigInt(seconds) * 1_000_000_000n + BigInt(nanos)).toString();

let receiver: Receiver;
let infos: Array<{ signal: string; info: ExportInfo }>;
beforeEach(async () => {
  infos = [];
  receiver = await createReceiver({
    onExport: (signal, _request, info) => void infos.push({ signal, info }),
  });
});
afterEach(async () => {
  await receiver.close();
});

function expectGzipOf(protocol: Protocol, signal: string): void {
  expect(infos.length).toBeGreaterThan(0);
  for (const entry of infos) {
    expect(entry.signal).toBe(signal);
    expect(entry.info.contentType).toBe(CONTENT_TYPE[protocol]);
    expect(entry.info.encoding).toBe('gzip');
  }
}

function expectResource(resource: { attributes?: KeyValue[] } | undefined): void {
  expect(canonical(resource?.attributes)).toEqual(expectedAttributes(resourceAttributes));
}

describe.each(PROTOCOLS)('stock %s exporters → receiver', (protocol) => {
  it('delivers log records with every field intact', async () => {
    const options = { url: `${receiver.url}/v1/logs`, compression: CompressionAlgorithm.GZIP };
    const exporter =
      protocol === 'http/protobuf' ? new LogsProtoExporter(options) : new LogsHttpExporter(options);
    const provider = new LoggerProvider({
      resource: resourceFromAttributes(resourceAttributes),
      processors: [new SimpleLogRecordProcessor({ exporter })],
    });
    const logger = provider.getLogger('interop-logger', '2.0.1', {
      schemaUrl: SCHEMA_URL,
      attributes: { 'scope.kind': 'api', 'scope.level': 3 },
    });
    const attributes: Record<string, LogAnyValue> = {
      string: 'text with ünïcode ✓',
      'empty.string': '',
      'bool.true': true,
      'bool.false': false,
      int: 42,
      'int.zero': 0,
      'int.negative': -7,
      'int.max-safe': Number.MAX_SAFE_INTEGER,
      double: 3.25,
      'double.negative': -0.001,
      'string.array': ['a', 'b', ''],
      'int.array': [1, 2, 3],
      'double.array': [1.5, 2.5],
      'bool.array': [true, false],
      'mixed.array': ['x', 1, 2.5, false],
      map: { nested: 'value', deeper: { count: 2, flags: [true] } },
      bytes: new Uint8Array([0, 1, 2, 254, 255]),
    };
    const spanContext = {
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      traceFlags: 1,
    };
    const emitted = [
      {
        timestamp: [1_700_000_000, 123_456_789] as [number, number],
        observedTimestamp: [1_700_000_001, 987_654_321] as [number, number],
        severityNumber: SeverityNumber.WARN,
        severityText: 'WARN',
        body: 'GET /users/42 returned 404',
        attributes,
        eventName: 'lifeline.api.access',
        context: trace.setSpanContext(context.active(), spanContext),
      },
      {
        timestamp: [1_700_000_002, 1] as [number, number],
        observedTimestamp: [1_700_000_002, 2] as [number, number],
        severityNumber: SeverityNumber.ERROR2,
        severityText: 'error',
        body: { message: 'structured', code: 500, tags: ['a', 'b'], raw: new Uint8Array([9]) },
        attributes: { only: 'one' },
      },
    ];
    for (const record of emitted) logger.emit(record);
    await provider.forceFlush();
    await provider.shutdown();

    expectGzipOf(protocol, 'logs');
    const received = receiver.logRecords();
    expect(received).toHaveLength(2);
    // The batch processor may send the two records in separate requests, which can arrive in
    // either order: find each by its severity text.
    const first = received.find((r) => r.record.severityText === 'WARN');
    const second = received.find((r) => r.record.severityText === 'error');
    for (const { resource, scope } of received) {
      expectResource(resource);
      expect(scope?.name).toBe('interop-logger');
      expect(scope?.version).toBe('2.0.1');
      expect(canonical(scope?.attributes)).toEqual(
        expectedAttributes({ 'scope.kind': 'api', 'scope.level': 3 }),
      );
    }
    const scopeLogs = receiver.received.logs.flatMap((request) =>
      request.resourceLogs.flatMap((r) => r.scopeLogs),
    );
    expect(scopeLogs.every((s) => s.schemaUrl === SCHEMA_URL)).toBe(true);

    expect(first!.record).toMatchObject({
      timeUnixNano: '1700000000123456789',
      observedTimeUnixNano: '1700000001987654321',
      severityNumber: 13,
      severityText: 'WARN',
      eventName: 'lifeline.api.access',
      traceId: '0af7651916cd43dd8448eb211c80319c',
      spanId: 'b7ad6b7169203331',
      flags: 1,
    });
    expect(canonicalValue(first!.record.body)).toEqual({ string: 'GET /users/42 returned 404' });
    expect(canonical(first!.record.attributes)).toEqual(expectedAttributes(attributes));
    expect(first!.record.droppedAttributesCount ?? 0).toBe(0);

    expect(second!.record).toMatchObject({
      timeUnixNano: '1700000002000000001',
      observedTimeUnixNano: '1700000002000000002',
      severityNumber: 18,
      severityText: 'error',
    });
    expect(second!.record.traceId ?? '').toBe('');
    expect(second!.record.spanId ?? '').toBe('');
    expect(second!.record.flags ?? 0).toBe(0);
    expect(second!.record.eventName ?? '').toBe('');
    expect(canonicalValue(second!.record.body)).toEqual(
      expectedValue({ message: 'structured', code: 500, tags: ['a', 'b'], raw: new Uint8Array([9]) }),
    );
    expect(canonical(second!.record.attributes)).toEqual({ only: { string: 'one' } });
  });

  it('delivers spans with ids, timestamps, attributes, events, links and status intact', async () => {
    const options = { url: `${receiver.url}/v1/traces`, compression: CompressionAlgorithm.GZIP };
    const exporter =
      protocol === 'http/protobuf' ? new TracesProtoExporter(options) : new TracesHttpExporter(options);
    const provider = new TracerProvider({
      resource: resourceFromAttributes(resourceAttributes),
      spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })],
    });
    const tracer = provider.getTracer('interop-tracer', '3.1.4', { schemaUrl: SCHEMA_URL });
    const serverAttributes: Attributes = {
      'http.request.method': 'GET',
      'http.route': '/users/:id',
      'http.response.status_code': 500,
      'server.port': 8080,
      'duration.ratio': 0.75,
      retry: false,
      tags: ['x', 'y'],
      codes: [200, 500],
      weights: [0.5, 1.25],
      flags: [true, false, true],
    };
    const server = tracer.startSpan('GET /users/:id', {
      kind: SpanKind.SERVER,
      attributes: serverAttributes,
      startTime: [1_700_000_100, 1],
    });
    const linked = {
      traceId: 'aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa',
      spanId: 'bbbbbbbbbbbbbbbb',
      traceFlags: 1,
      traceState: new TraceState('vendor=value,other=1'),
    };
    const client = tracer.startSpan(
      'SELECT users',
      {
        kind: SpanKind.CLIENT,
        startTime: [1_700_000_100, 100_000_000],
        links: [{ context: linked, attributes: { 'link.reason': 'retry-of', 'link.attempt': 2 } }],
        attributes: { 'db.system.name': 'postgresql' },
      },
      trace.setSpan(context.active(), server),
    );
    client.addEvent(
      'exception',
      { 'exception.type': 'Error', 'exception.message': 'boom', attempt: 3 },
      [1_700_000_100, 250_000_123],
    );
    client.addEvent('no attributes', [1_700_000_100, 260_000_000]);
    client.setStatus({ code: SpanStatusCode.ERROR, message: 'query failed' });
    client.end([1_700_000_100, 300_000_999]);
    server.setStatus({ code: SpanStatusCode.OK });
    server.end([1_700_000_100, 500_000_001]);
    await provider.forceFlush();
    await provider.shutdown();

    expectGzipOf(protocol, 'traces');
    const spans = receiver.spans();
    // Ended client first, then server; the batch processor may send them in two requests whose
    // arrival order is not guaranteed, so each is found by name.
    expect(spans.map(({ span }) => span.name).sort()).toEqual(['GET /users/:id', 'SELECT users']);
    for (const { resource, scope } of spans) {
      expectResource(resource);
      expect(scope).toMatchObject({ name: 'interop-tracer', version: '3.1.4' });
    }
    const scopeSpans = receiver.received.traces.flatMap((request) =>
      request.resourceSpans.flatMap((r) => r.scopeSpans),
    );
    expect(scopeSpans.every((s) => s.schemaUrl === SCHEMA_URL)).toBe(true);

    const receivedClient = spans.find(({ span }) => span.name === 'SELECT users')!.span;
    const receivedServer = spans.find(({ span }) => span.name === 'GET /users/:id')!.span;
    expect(receivedServer).toMatchObject({
      traceId: server.spanContext().traceId,
      spanId: server.spanContext().spanId,
      kind: 2,
      startTimeUnixNano: hrToNanos([1_700_000_100, 1]),
      endTimeUnixNano: hrToNanos([1_700_000_100, 500_000_001]),
      status: { code: 1 },
    });
    expect(receivedServer.parentSpanId ?? '').toBe('');
    expect(canonical(receivedServer.attributes)).toEqual(expectedAttributes(serverAttributes));
    expect(receivedServer.events ?? []).toEqual([]);
    expect(receivedServer.links ?? []).toEqual([]);
    // W3C trace flags in the low byte, and "parent is not remote" known (HAS_IS_REMOTE, 0x100).
    expect(receivedServer.flags).toBe(0x101);

    expect(receivedClient).toMatchObject({
      traceId: server.spanContext().traceId,
      spanId: client.spanContext().spanId,
      parentSpanId: server.spanContext().spanId,
      kind: 3,
      startTimeUnixNano: hrToNanos([1_700_000_100, 100_000_000]),
      endTimeUnixNano: hrToNanos([1_700_000_100, 300_000_999]),
      status: { code: 2, message: 'query failed' },
      flags: 0x101,
    });
    expect(receivedClient.traceState ?? '').toBe('');
    expect(canonical(receivedClient.attributes)).toEqual({ 'db.system.name': { string: 'postgresql' } });
    expect(
      (receivedClient.events ?? []).map((event) => ({
        time: event.timeUnixNano,
        name: event.name,
        attributes: canonical(event.attributes),
        dropped: event.droppedAttributesCount ?? 0,
      })),
    ).toEqual([
      {
        time: '1700000100250000123',
        name: 'exception',
        attributes: expectedAttributes({
          'exception.type': 'Error',
          'exception.message': 'boom',
          attempt: 3,
        }),
        dropped: 0,
      },
      { time: '1700000100260000000', name: 'no attributes', attributes: {}, dropped: 0 },
    ]);
    expect(
      (receivedClient.links ?? []).map((link) => ({
        traceId: link.traceId,
        spanId: link.spanId,
        traceState: link.traceState,
        flags: link.flags,
        attributes: canonical(link.attributes),
      })),
    ).toEqual([
      {
        traceId: linked.traceId,
        spanId: linked.spanId,
        traceState: 'vendor=value,other=1',
        flags: 0x101,
        attributes: expectedAttributes({ 'link.reason': 'retry-of', 'link.attempt': 2 }),
      },
    ]);
    for (const span of [receivedClient, receivedServer]) {
      expect(span.droppedAttributesCount ?? 0).toBe(0);
      expect(span.droppedEventsCount ?? 0).toBe(0);
      expect(span.droppedLinksCount ?? 0).toBe(0);
    }
  });

  it('delivers every metric type with values, temporality and histogram buckets intact', async () => {
    const options = { url: `${receiver.url}/v1/metrics`, compression: CompressionAlgorithm.GZIP };
    const exporter =
      protocol === 'http/protobuf' ? new MetricsProtoExporter(options) : new MetricsHttpExporter(options);
    const provider = new MeterProvider({
      resource: resourceFromAttributes(resourceAttributes),
      readers: [new PeriodicExportingMetricReader({ exporter, exportIntervalMillis: 3_600_000 })],
      views: [
        {
          instrumentName: 'payload.size',
          aggregation: { type: AggregationType.EXPONENTIAL_HISTOGRAM, options: { maxSize: 160 } },
        },
      ],
    });
    const meter = provider.getMeter('interop-meter', '0.4.2', { schemaUrl: SCHEMA_URL });
    const startedNanos = BigInt(Date.now() - 1) * 1_000_000n;

    const requests = meter.createCounter('http.requests', {
      description: 'Requests served',
      unit: '{request}',
      valueType: ValueType.INT,
    });
    requests.add(3, { 'http.route': '/a', 'http.response.status_code': 200 });
    requests.add(4, { 'http.route': '/b', 'http.response.status_code': 500 });
    requests.add(1, { 'http.route': '/a', 'http.response.status_code': 200 });
    const bytes = meter.createCounter('bytes.sent', { unit: 'By' });
    bytes.add(1.5);
    bytes.add(2.25);
    const inflight = meter.createUpDownCounter('requests.inflight', { valueType: ValueType.INT });
    inflight.add(5);
    inflight.add(-2);
    const latency = meter.createHistogram('request.duration', {
      unit: 's',
      advice: { explicitBucketBoundaries: [0.1, 1, 10] },
    });
    for (const value of [0.05, 0.5, 0.5, 20]) latency.record(value, { 'http.route': '/a' });
    const temperature = meter.createObservableGauge('room.temperature', { unit: 'Cel' });
    temperature.addCallback((result) => {
      result.observe(21.5, { room: 'lab' });
      result.observe(-3.25, { room: 'freezer' });
    });
    const sizes = meter.createHistogram('payload.size', { unit: 'By' });
    for (const value of [1, 2, 4, 1000]) sizes.record(value);

    await provider.shutdown(); // collects and exports once
    const endedNanos = BigInt(Date.now() + 1) * 1_000_000n;

    expectGzipOf(protocol, 'metrics');
    expect(receiver.received.metrics).toHaveLength(1);
    const metrics = receiver.metrics();
    const byName = new Map<string, Metric>(metrics.map(({ metric }) => [metric.name ?? '', metric]));
    expect([...byName.keys()].sort()).toEqual([
      'bytes.sent',
      'http.requests',
      'payload.size',
      'request.duration',
      'requests.inflight',
      'room.temperature',
    ]);
    for (const { resource, scope } of metrics) {
      expectResource(resource);
      expect(scope).toMatchObject({ name: 'interop-meter', version: '0.4.2' });
    }
    const scopeMetrics = receiver.received.metrics.flatMap((request) =>
      request.resourceMetrics.flatMap((r) => r.scopeMetrics),
    );
    expect(scopeMetrics.every((s) => s.schemaUrl === SCHEMA_URL)).toBe(true);

    const points = metrics.flatMap(({ metric }) => {
      const all = [
        ...(metric.sum?.dataPoints ?? []),
        ...(metric.gauge?.dataPoints ?? []),
        ...(metric.histogram?.dataPoints ?? []),
        ...(metric.exponentialHistogram?.dataPoints ?? []),
      ];
      return all.map((point) => ({ name: metric.name, ...point }));
    });
    expect(points).toHaveLength(8);
    for (const point of points) {
      const start = BigInt(point.startTimeUnixNano ?? '0');
      const time = BigInt(point.timeUnixNano ?? '0');
      expect(start, `${point.name} start`).toBeGreaterThanOrEqual(startedNanos);
      expect(start, `${point.name} start ≤ time`).toBeLessThanOrEqual(time);
      expect(time, `${point.name} time`).toBeLessThanOrEqual(endedNanos);
    }

    const requestsMetric = byName.get('http.requests')!;
    expect(requestsMetric).toMatchObject({ description: 'Requests served', unit: '{request}' });
    expect(requestsMetric.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    const requestPoints = requestsMetric.sum!.dataPoints.map((point) => ({
      value: point.asInt,
      asDouble: point.asDouble,
      attributes: canonical(point.attributes),
    }));
    requestPoints.sort((a, b) => JSON.stringify(a.attributes).localeCompare(JSON.stringify(b.attributes)));
    expect(requestPoints).toEqual([
      {
        value: '4',
        asDouble: undefined,
        attributes: expectedAttributes({ 'http.route': '/a', 'http.response.status_code': 200 }),
      },
      {
        value: '4',
        asDouble: undefined,
        attributes: expectedAttributes({ 'http.route': '/b', 'http.response.status_code': 500 }),
      },
    ]);

    const bytesMetric = byName.get('bytes.sent')!;
    expect(bytesMetric.unit).toBe('By');
    expect(bytesMetric.sum).toMatchObject({ aggregationTemporality: 2, isMonotonic: true });
    expect(bytesMetric.sum!.dataPoints.map((point) => [point.asDouble, point.asInt])).toEqual([
      [3.75, undefined],
    ]);

    const inflightMetric = byName.get('requests.inflight')!;
    expect(inflightMetric.sum?.isMonotonic ?? false).toBe(false);
    expect(inflightMetric.sum?.aggregationTemporality).toBe(2);
    expect(inflightMetric.sum!.dataPoints.map((point) => point.asInt)).toEqual(['3']);

    const latencyMetric = byName.get('request.duration')!;
    expect(latencyMetric.unit).toBe('s');
    expect(latencyMetric.histogram?.aggregationTemporality).toBe(2);
    const [latencyPoint] = latencyMetric.histogram!.dataPoints;
    expect({
      count: latencyPoint!.count,
      sum: latencyPoint!.sum,
      min: latencyPoint!.min,
      max: latencyPoint!.max,
      explicitBounds: latencyPoint!.explicitBounds,
      bucketCounts: latencyPoint!.bucketCounts,
      attributes: canonical(latencyPoint!.attributes),
    }).toEqual({
      count: '4',
      sum: 0.05 + 0.5 + 0.5 + 20,
      min: 0.05,
      max: 20,
      explicitBounds: [0.1, 1, 10],
      bucketCounts: ['1', '2', '0', '1'],
      attributes: { 'http.route': { string: '/a' } },
    });

    const temperatureMetric = byName.get('room.temperature')!;
    expect(temperatureMetric.unit).toBe('Cel');
    expect(
      temperatureMetric.gauge!.dataPoints.map((point) => ({
        value: point.asDouble,
        attributes: canonical(point.attributes),
      })),
    ).toEqual([
      { value: 21.5, attributes: { room: { string: 'lab' } } },
      { value: -3.25, attributes: { room: { string: 'freezer' } } },
    ]);

    const sizesMetric = byName.get('payload.size')!;
    expect(sizesMetric.exponentialHistogram?.aggregationTemporality).toBe(2);
    const [sizePoint] = sizesMetric.exponentialHistogram!.dataPoints;
    expect({
      count: sizePoint!.count,
      sum: sizePoint!.sum,
      min: sizePoint!.min,
      max: sizePoint!.max,
    }).toEqual({
      count: '4',
      sum: 1007,
      min: 1,
      max: 1000,
    });
    expect(sizePoint!.zeroCount ?? '0').toBe('0');
    expect(Number.isInteger(sizePoint!.scale ?? 0)).toBe(true);
    const positive = sizePoint!.positive?.bucketCounts ?? [];
    expect(positive.reduce((total, count) => total + Number(count), 0)).toBe(4);
    // Each recorded value falls in the bucket its index and the scale say: base^(offset+i) < v ≤ base^(offset+i+1).
    const scale = sizePoint!.scale ?? 0;
    const offset = sizePoint!.positive?.offset ?? 0;
    const expectedCounts = new Map<number, number>();
    for (const value of [1, 2, 4, 1000]) {
      const index = Math.ceil(Math.log2(value) * 2 ** scale) - 1;
      expectedCounts.set(index, (expectedCounts.get(index) ?? 0) + 1);
    }
    for (const [index, count] of expectedCounts) {
      expect(Number(positive[index - offset] ?? '0'), `bucket ${index}`).toBe(count);
    }
  });
});
