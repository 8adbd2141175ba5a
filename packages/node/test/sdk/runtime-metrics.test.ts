import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricData } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { EVENT_LOOP_DELAY_RESOLUTION_MS, registerRuntimeMetrics } from '../../src/sdk/runtime-metrics.js';

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
    // Let the delay histogram take the samples it needs for a figure (5), and make V8 collect
    // garbage once.
    await new Promise((resolve) => setTimeout(resolve, EVENT_LOOP_DELAY_RESOLUTION_MS * 7));
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

  it('shows a blocked event loop in the delay, although it samples the loop only every so often', async () => {
    const reader = new CollectingReader();
    const provider = new MeterProvider({ readers: [reader] });
    const stop = registerRuntimeMetrics(provider, '0.0.0');
    await new Promise((resolve) => setTimeout(resolve, EVENT_LOOP_DELAY_RESOLUTION_MS * 3));
    const blockMs = 150;
    const until = performance.now() + blockMs;
    while (performance.now() < until) {
      // A handler that holds the loop: the sample due meanwhile fires late.
    }
    // Enough samples after it for a figure (5) whatever the timing of the first.
    await new Promise((resolve) => setTimeout(resolve, EVENT_LOOP_DELAY_RESOLUTION_MS * 7));
    const metrics = await reader.metrics();
    const [max] = pointValues(metrics.get('nodejs.eventloop.delay.max'));
    const [p50] = pointValues(metrics.get('nodejs.eventloop.delay.p50'));
    // The block, less the part of the interval that had already passed when it began.
    expect(max?.value as number).toBeGreaterThanOrEqual((blockMs - EVENT_LOOP_DELAY_RESOLUTION_MS) / 1000);
    expect(p50?.value as number).toBeLessThan((blockMs - EVENT_LOOP_DELAY_RESOLUTION_MS) / 1000);
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
