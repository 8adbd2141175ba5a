import { constants, monitorEventLoopDelay, performance, PerformanceObserver } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';
import { ValueType } from '@opentelemetry/api';
import type { BatchObservableCallback, Meter, MeterProvider, Observable } from '@opentelemetry/api';
import { createInstruments } from '@otel-lifeline/exporter';

/**
 * Event loop, garbage collection and heap metrics, read from `node:perf_hooks` and `node:v8`, with
 * the names, units and attributes of `@opentelemetry/instrumentation-runtime-node` (the OpenTelemetry
 * runtime semantic conventions), so dashboards built on that instrumentation keep working:
 *
 *   nodejs.eventloop.delay.{min,max,mean,stddev,p50,p90,p99}  s  gauges; the histogram restarts at
 *                                                                each collection
 *   nodejs.eventloop.utilization   1   since the previous collection
 *   nodejs.eventloop.time          s   counter, by nodejs.eventloop.state (active | idle)
 *   v8js.gc.duration               s   histogram, by v8js.gc.type (major | minor | incremental | weakcb)
 *   v8js.memory.heap.used, v8js.memory.heap.space.{size,available_size,physical_size}
 *                                  By  by v8js.heap.space.name
 *   v8js.resource.active           {resource}  by v8js.resource.type
 *
 * Written here rather than taken from that package: it is a thin layer over these Node APIs, and
 * the package brought a second copy of `@opentelemetry/instrumentation` (another major line of
 * it) into every start, for about 30 ms of module loading before the app's first line.
 * Everything but the GC histogram is read at collection time; the event-loop delay histogram
 * samples every EVENT_LOOP_DELAY_RESOLUTION_MS.
 * Returns the call that stops it.
 */
export function registerRuntimeMetrics(meterProvider: MeterProvider, version: string): () => void {
  const meter = meterProvider.getMeter('@otel-lifeline/node/runtime', version);
  const stops = [eventLoopDelay(meter), eventLoopTime(meter), garbageCollection(meter), heapSpaces(meter)];
  stops.push(activeResources(meter));
  return () => {
    for (const stop of stops) stop();
  };
}

const seconds = (ns: number) => (Number.isNaN(ns) ? 0 : ns / 1e9);

function batch(meter: Meter, observables: Observable[], callback: BatchObservableCallback): () => void {
  meter.addBatchObservableCallback(callback, observables);
  return () => meter.removeBatchObservableCallback(callback, observables);
}

/**
 * The event-loop delay histogram's sampling interval. Each sample is a timer that wakes the loop,
 * so the interval is a cost paid every second whether or not the server is busy: at the 10 ms of
 * the instrumentation's default `monitoringPrecision` an idle server with the distribution spent
 * about 8.5 ms of CPU a second (0.5 with runtime metrics off), at 50 ms 2.5. A block of the loop
 * still delays the sample that is due, so `max` and the high percentiles still show it; a
 * 60 s collection interval holds 1,200 samples.
 */
export const EVENT_LOOP_DELAY_RESOLUTION_MS = 50;

function eventLoopDelay(meter: Meter): () => void {
  const histogram = monitorEventLoopDelay({ resolution: EVENT_LOOP_DELAY_RESOLUTION_MS });
  histogram.enable();
  const stats = ['min', 'max', 'mean', 'stddev', 'p50', 'p90', 'p99'] as const;
  const gauges = stats.map((stat) =>
    meter.createObservableGauge(`nodejs.eventloop.delay.${stat}`, {
      unit: 's',
      description: `Event loop ${stat} delay.`,
    }),
  );
  const read = (stat: (typeof stats)[number]): number =>
    stat.startsWith('p') ? histogram.percentile(Number(stat.slice(1))) : histogram[stat as 'min'];
  const stop = batch(meter, gauges, (result) => {
    if (histogram.count < 5) return; // too few samples for a figure
    stats.forEach((stat, i) => result.observe(gauges[i]!, seconds(read(stat))));
    histogram.reset();
  });
  return () => {
    stop();
    histogram.disable();
  };
}

function eventLoopTime(meter: Meter): () => void {
  const { utilization, time } = createInstruments(meter, {
    utilization: ['observableGauge', 'nodejs.eventloop.utilization', '1', 'Event loop utilization'],
    time: [
      'observableCounter',
      'nodejs.eventloop.time',
      's',
      'Cumulative duration of time the event loop has been in each state.',
    ],
  });
  let last = performance.eventLoopUtilization();
  return batch(meter, [utilization, time], (result) => {
    const now = performance.eventLoopUtilization();
    result.observe(utilization, performance.eventLoopUtilization(now, last).utilization);
    last = now;
    result.observe(time, now.active / 1e3, { 'nodejs.eventloop.state': 'active' });
    result.observe(time, now.idle / 1e3, { 'nodejs.eventloop.state': 'idle' });
  });
}

const GC_TYPES: Record<number, string> = {
  [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
  [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
  [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb',
};

function garbageCollection(meter: Meter): () => void {
  const duration = meter.createHistogram('v8js.gc.duration', {
    unit: 's',
    description: 'Garbage collection duration by kind, one of major, minor, incremental or weakcb.',
    valueType: ValueType.DOUBLE,
    advice: {
      explicitBucketBoundaries: [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10],
    },
  });
  const observer = new PerformanceObserver((list) => {
    for (const entry of list.getEntries()) {
      const kind = (entry as { detail?: { kind?: number } }).detail?.kind;
      const type = kind === undefined ? undefined : GC_TYPES[kind];
      duration.record(entry.duration / 1e3, type === undefined ? {} : { 'v8js.gc.type': type });
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  return () => observer.disconnect();
}

function heapSpaces(meter: Meter): () => void {
  const { size, used, available, physical } = createInstruments(meter, {
    size: [
      'observableUpDownCounter',
      'v8js.memory.heap.space.size',
      'By',
      'Total heap memory size pre-allocated for a heap space.',
    ],
    used: ['observableGauge', 'v8js.memory.heap.used', 'By', 'Heap Memory size allocated.'],
    available: [
      'observableGauge',
      'v8js.memory.heap.space.available_size',
      'By',
      'Heap space available size.',
    ],
    physical: [
      'observableGauge',
      'v8js.memory.heap.space.physical_size',
      'By',
      'Committed size of a heap space.',
    ],
  });
  return batch(meter, [size, used, available, physical], (result) => {
    for (const space of getHeapSpaceStatistics()) {
      const attributes = { 'v8js.heap.space.name': space.space_name };
      result.observe(size, space.space_size, attributes);
      result.observe(used, space.space_used_size, attributes);
      result.observe(available, space.space_available_size, attributes);
      result.observe(physical, space.physical_space_size, attributes);
    }
  });
}

function activeResources(meter: Meter): () => void {
  const active = meter.createObservableGauge('v8js.resource.active', {
    unit: '{resource}',
    description: 'Count of the active resources that are currently keeping the event loop alive.',
  });
  const known = new Set<string>();
  return batch(meter, [active], (result) => {
    const counts = new Map<string, number>();
    for (const type of process.getActiveResourcesInfo()) {
      counts.set(type, (counts.get(type) ?? 0) + 1);
      known.add(type);
    }
    // A type seen before and gone now reads 0 rather than keeping its last count.
    for (const type of known) result.observe(active, counts.get(type) ?? 0, { 'v8js.resource.type': type });
  });
}
