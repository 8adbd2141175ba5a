import type { MeterProvider } from '@opentelemetry/api';
import { createInstruments } from '@otel-lifeline/exporter';

/**
 * Process CPU and memory by the semantic conventions (`process.cpu.time`, `process.cpu.utilization`,
 * `process.memory.usage`), next to the runtime instrumentation's event-loop, GC and heap metrics.
 * Observed at collection time only: nothing runs between exports.
 */
export function registerProcessMetrics(meterProvider: MeterProvider, version: string): void {
  const meter = meterProvider.getMeter('@otel-lifeline/node', version);
  const { cpuTime, cpuUtilization, memory } = createInstruments(meter, {
    cpuTime: ['observableCounter', 'process.cpu.time', 's', 'CPU time used by the process, by mode'],
    cpuUtilization: [
      'observableGauge',
      'process.cpu.utilization',
      '1',
      'CPU used since the last collection, as a share of one core',
    ],
    memory: ['observableUpDownCounter', 'process.memory.usage', 'By', 'Resident set size of the process'],
  });
  let last = { usage: process.cpuUsage(), at: performance.now() };
  cpuTime.addCallback((result) => {
    const usage = process.cpuUsage();
    result.observe(usage.user / 1e6, { 'cpu.mode': 'user' });
    result.observe(usage.system / 1e6, { 'cpu.mode': 'system' });
  });
  cpuUtilization.addCallback((result) => {
    const now = { usage: process.cpuUsage(), at: performance.now() };
    const elapsedUs = (now.at - last.at) * 1000;
    if (elapsedUs > 0)
      result.observe((now.usage.user - last.usage.user + now.usage.system - last.usage.system) / elapsedUs);
    last = now;
  });
  memory.addCallback((result) => result.observe(process.memoryUsage.rss()));
}
