import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { registerRuntimeMetrics } from '../../src/sdk/runtime-metrics.js';

class CollectingReader extends MetricReader {
  protected async onForceFlush(): Promise<void> {}
  protected async onShutdown(): Promise<void> {}
  async metrics(): Promise<Map<string, MetricData>> {
    const { resourceMetrics } = await this.collect();
    return new Map(resourceMetrics.scopeMetrics.flatMap((s) => s.metrics.map((m) => [m.descriptor.name, m])));
  }
}

function collectGarbage(): void {
  setFlagsFromString('--expose-gc');
  (runInNewContext('gc') as () => void)();
}

const pointValues = (metric: MetricData | undefined) =>
  (metric?.dataPoints ?? []).map((p) => ({ attributes: p.attributes, value: p.value as unknown }));

describe('runtime metrics', () => {
  it('reports event loop delay and utilization, heap spaces, GC durations and active resources with the runtime conventions', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    const stop = registerRuntimeMetrics(provider, '0.0.0');
    // Let the 10 ms delay histogram take its samples, and make V8 collect garbage once.
    await new Promise((resolve) => setTimeout(resolve, 150));
    collectGarbage();
    await new Promise((resolve) => setTimeout(resolve, 20));
    const metrics = await reader.metrics();

    for (const stat of ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99']) {
      const [point] = pointValues(metrics.get(`nodejs.eventloop.delay.${stat}`));
      expect(point?.value, stat).toBeTypeOf('number');
      expect(point?.value as number, stat).toBeGreaterThanOrEqual(0);
    }
    expect(metrics.get('nodejs.eventloop.delay.p99')?.descriptor.unit).toBe('s');
    const [utilization] = pointValues(metrics.get('nodejs.eventloop.utilization'));
    expect(utilization?.value as number).toBeGreaterThan(0);
    expect(utilization?.value as number).toBeLessThanOrEqual(1);
    expect(
      pointValues(metrics.get('nodejs.eventloop.time')).map((p) => p.attributes['nodejs.eventloop.state']),
    ).toEqual(['active', 'idle']);

    const used = pointValues(metrics.get('v8js.memory.heap.used'));
    expect(used.map((p) => p.attributes['v8js.heap.space.name'])).toContain('old_space');
    expect(used.every((p) => typeof p.value === 'number' && p.value >= 0)).toBe(true);
    for (const name of [
      'v8js.memory.heap.space.size',
      'v8js.memory.heap.space.available_size',
      'v8js.memory.heap.space.physical_size',
    ])
      expect(pointValues(metrics.get(name)).length, name).toBe(used.length);

    const gc = metrics.get('v8js.gc.duration');
    expect(gc?.descriptor.unit).toBe('s');
    expect(pointValues(gc).map((p) => p.attributes['v8js.gc.type'])).toContain('major');

    // The timer above keeps the loop alive while it runs: at least one active resource was seen.
    expect(pointValues(metrics.get('v8js.resource.active')).length).toBeGreaterThan(0);

    stop();
    await provider.shutdown();
  });

  it('stops observing once stopped: a later collection has none of its metrics', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    registerRuntimeMetrics(provider, '0.0.0')();
    const names = [...(await reader.metrics()).entries()]
      .filter(([, m]) => m.dataPoints.length > 0)
      .map(([name]) => name);
    expect(names).toEqual([]);
    await provider.shutdown();
  });
});
