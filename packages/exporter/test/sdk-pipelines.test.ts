import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { metrics, trace } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { TracerProvider, BatchSpanProcessor } from '@opentelemetry/sdk-trace';
import type { Receiver } from '@otel-lifeline/receiver';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import { createDurableSpanProcessor } from '../src/durable-span-processor.js';
import {
  createResilientLogRecordExporter,
  createResilientMetricExporter,
  createResilientSpanExporter,
} from '../src/resilient-exporters.js';
import { seqs } from './fixtures.js';

let dir: string;
let receiver: Receiver;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-sdk-'));
  receiver = await createReceiver();
});
afterEach(async () => {
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

const common = (signal: string) => ({
  endpoints: [{ url: `${receiver.url}/v1/${signal}` }],
  queueDir: path.join(dir, signal),
  retry: { initialBackoffMs: 20, maxBackoffMs: 200 },
});

describe('with the OpenTelemetry NodeSDK', () => {
  it('delivers the logs, spans and metrics an app emits, intact', async () => {
    const sdk = new NodeSDK({
      serviceName: 'inventory',
      instrumentations: [],
      logRecordProcessors: [createDurableLogRecordProcessor(common('logs'))],
      spanProcessors: [createDurableSpanProcessor(common('traces'))],
      metricReaders: [
        new PeriodicExportingMetricReader({
          exporter: createResilientMetricExporter({ ...common('metrics'), temporality: 'delta' }),
          exportIntervalMillis: 100,
        }),
      ],
    });
    sdk.start();
    try {
      const tracer = trace.getTracer('inventory-app');
      const counter = metrics.getMeter('inventory-app').createCounter('items.reserved', { unit: '{item}' });
      const logger = logs.getLogger('inventory-app');
      let traceId = '';
      tracer.startActiveSpan('reserve', (span) => {
        traceId = span.spanContext().traceId;
        span.setAttribute('item.sku', 'sku-42');
        logger.emit({ body: 'reserved', attributes: { seq: 1 } });
        counter.add(3, { warehouse: 'north' });
        span.end();
      });
      await receiver.waitFor(
        (r) => r.counts().dataPoints > 0 && r.counts().spans > 0 && r.counts().logRecords > 0,
        10_000,
      );

      const [span] = receiver.spans();
      expect(span?.span).toMatchObject({ name: 'reserve', traceId });
      expect(span?.span.attributes).toContainEqual({ key: 'item.sku', value: { stringValue: 'sku-42' } });
      expect(span?.resource?.attributes).toContainEqual({
        key: 'service.name',
        value: { stringValue: 'inventory' },
      });

      const [log] = receiver.logRecords();
      expect(log?.record).toMatchObject({
        body: { stringValue: 'reserved' },
        traceId,
        spanId: span?.span.spanId,
      });

      const metric = receiver.received.metrics
        .flatMap((m) => m.resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics)))
        .find((m) => m.name === 'items.reserved');
      expect(metric?.unit).toBe('{item}');
      const point = metric?.sum?.dataPoints[0];
      expect(Number(point?.asInt ?? point?.asDouble)).toBe(3);
      expect(point?.attributes).toEqual([{ key: 'warehouse', value: { stringValue: 'north' } }]);
      expect(metric?.sum?.aggregationTemporality).toBe(1); // DELTA
    } finally {
      await sdk.shutdown();
    }
  });
});

describe('inside the stock batch processors', () => {
  it('a resilient log record exporter reports success once durable, then delivers', async () => {
    const provider = new LoggerProvider({
      processors: [
        new BatchLogRecordProcessor({
          exporter: createResilientLogRecordExporter(common('logs')),
          scheduledDelayMillis: 10,
        }),
      ],
    });
    const logger = provider.getLogger('stock');
    for (let i = 0; i < 300; i++) logger.emit({ body: `r${i}`, attributes: { seq: i } });
    await provider.forceFlush();
    await receiver.waitFor((r) => r.counts().logRecords >= 300, 10_000);
    expect(new Set(seqs(receiver.logRecords())).size).toBe(300);
    await provider.shutdown();
  });

  it('a resilient span exporter delivers spans ended under a BatchSpanProcessor', async () => {
    const provider = new TracerProvider({
      spanProcessors: [
        new BatchSpanProcessor({
          exporter: createResilientSpanExporter(common('traces')),
          scheduledDelayMillis: 10,
        }),
      ],
    });
    const tracer = provider.getTracer('stock');
    for (let i = 0; i < 50; i++) tracer.startSpan(`op-${i}`).end();
    await provider.forceFlush();
    await receiver.waitFor((r) => r.counts().spans >= 50, 10_000);
    expect(new Set(receiver.spans().map((s) => s.span.name)).size).toBe(50);
    await provider.shutdown();
  });

  it('a resilient exporter keeps the batch on disk while the endpoint is down and sends it after a restart', async () => {
    await receiver.stop();
    // BatchLogRecordProcessor calls the exporter's forceFlush before its shutdown: both deadlines apply.
    const first = createResilientLogRecordExporter({
      ...common('logs'),
      flushTimeoutMs: 300,
      shutdownTimeoutMs: 300,
    });
    const provider = new LoggerProvider({
      processors: [new BatchLogRecordProcessor({ exporter: first, scheduledDelayMillis: 10 })],
    });
    for (let i = 0; i < 20; i++) provider.getLogger('stock').emit({ body: `r${i}`, attributes: { seq: i } });
    await provider.shutdown();
    expect(receiver.counts().logRecords).toBe(0);

    await receiver.start();
    const second = createResilientLogRecordExporter(common('logs'));
    await second.forceFlush();
    await receiver.waitFor((r) => r.counts().logRecords >= 20, 10_000);
    expect(new Set(seqs(receiver.logRecords())).size).toBe(20);
    await second.shutdown();
  });
});

describe('resilient metric exporter temporality', () => {
  it('reports counters and histograms as deltas and up-down counters cumulatively with temporality delta', async () => {
    const { AggregationTemporality, InstrumentType } = await import('@opentelemetry/sdk-metrics');
    const delta = createResilientMetricExporter({ ...common('metrics'), temporality: 'delta' });
    const cumulative = createResilientMetricExporter({ ...common('metrics-cumulative') });
    try {
      expect(delta.selectAggregationTemporality?.(InstrumentType.COUNTER)).toBe(AggregationTemporality.DELTA);
      expect(delta.selectAggregationTemporality?.(InstrumentType.HISTOGRAM)).toBe(
        AggregationTemporality.DELTA,
      );
      expect(delta.selectAggregationTemporality?.(InstrumentType.UP_DOWN_COUNTER)).toBe(
        AggregationTemporality.CUMULATIVE,
      );
      expect(cumulative.selectAggregationTemporality?.(InstrumentType.COUNTER)).toBe(
        AggregationTemporality.CUMULATIVE,
      );
      expect(() => createResilientMetricExporter({ ...common('m'), temporality: 'weekly' as never })).toThrow(
        /temporality/,
      );
    } finally {
      await delta.shutdown();
      await cumulative.shutdown();
    }
  });
});
