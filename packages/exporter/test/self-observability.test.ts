import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import type { Receiver } from '@otel-lifeline/receiver';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import { ManualReader } from './support/self-metrics.js';

let dir: string;
let primary: Receiver;
let secondary: Receiver;
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-selfobs-'));
  primary = await createReceiver();
  secondary = await createReceiver();
});
afterEach(async () => {
  await primary.close();
  await secondary.close();
  await rm(dir, { recursive: true, force: true });
});

function sum(rm: ResourceMetrics, name: string, match: Record<string, unknown> = {}): number {
  let total = 0;
  for (const sm of rm.scopeMetrics) {
    for (const metric of sm.metrics) {
      if (metric.descriptor.name !== name) continue;
      for (const point of metric.dataPoints) {
        if (Object.entries(match).every(([k, v]) => point.attributes[k] === v)) total += Number(point.value);
      }
    }
  }
  return total;
}

function names(rm: ResourceMetrics): string[] {
  return rm.scopeMetrics.flatMap((sm) => sm.metrics.map((m) => m.descriptor.name)).sort();
}

describe('self-observability', () => {
  it('counts processed and exported records, fail-overs and endpoint states, and publishes the events', async () => {
    const reader = new ManualReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const events: string[] = [];
    const channels = [
      'lifeline:failover:switch',
      'lifeline:failover:failback',
      'lifeline:queue:open',
      'lifeline:export:retry',
    ];
    const listeners = channels.map((name) => {
      const listener = (): void => void events.push(name);
      subscribe(name, listener);
      return [name, listener] as const;
    });
    try {
      await primary.stop();
      const provider = new LoggerProvider({
        processors: [
          createDurableLogRecordProcessor({
            endpoints: [{ url: `${primary.url}/v1/logs` }, { url: `${secondary.url}/v1/logs` }],
            queueDir: path.join(dir, 'logs'),
            meterProvider,
          }),
        ],
      });
      for (let i = 0; i < 25; i++) provider.getLogger('app').emit({ body: `r${i}` });
      await provider.forceFlush();

      const { resourceMetrics } = await reader.collect();
      expect(names(resourceMetrics)).toEqual(
        expect.arrayContaining([
          'otel.sdk.processor.log.processed',
          'otel.sdk.exporter.log.exported',
          'otel.sdk.exporter.log.inflight',
          'otel.sdk.exporter.operation.duration',
          'lifeline.failover.switches',
          'lifeline.queue.bytes',
          'lifeline.queue.records',
          'lifeline.queue.oldest_age',
          'lifeline.endpoint.state',
        ]),
      );
      expect(sum(resourceMetrics, 'otel.sdk.processor.log.processed')).toBe(25);
      expect(sum(resourceMetrics, 'otel.sdk.exporter.log.exported', { 'server.port': secondary.port })).toBe(
        25,
      );
      expect(sum(resourceMetrics, 'otel.sdk.exporter.log.exported', { 'server.port': primary.port })).toBe(0);
      expect(
        sum(resourceMetrics, 'lifeline.failover.switches', { 'lifeline.failover.direction': 'switch' }),
      ).toBe(1);
      expect(
        sum(resourceMetrics, 'lifeline.endpoint.state', {
          'server.port': primary.port,
          'lifeline.endpoint.state': 'skipped',
        }),
      ).toBe(1);
      expect(sum(resourceMetrics, 'lifeline.queue.records')).toBe(0);
      expect(events).toContain('lifeline:queue:open');
      expect(events).toContain('lifeline:failover:switch');
      expect(events).not.toContain('lifeline:export:retry');
      await provider.shutdown();
    } finally {
      for (const [name, listener] of listeners) unsubscribe(name, listener);
      await meterProvider.shutdown();
    }
  });
});
