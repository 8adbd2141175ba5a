import type { Attributes } from '@opentelemetry/api';
import { MetricReader, type ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** A reader the test collects from by hand. */
export class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

/** The sum of the data points of metric `name`; only of those carrying every one of `attributes` when given. */
export function metricTotal(rm: ResourceMetrics, name: string, attributes: Attributes = {}): number {
  const wanted = Object.entries(attributes);
  let sum = 0;
  for (const sm of rm.scopeMetrics)
    for (const metric of sm.metrics)
      if (metric.descriptor.name === name)
        for (const p of metric.dataPoints)
          if (wanted.every(([k, v]) => p.attributes[k] === v)) sum += Number(p.value);
  return sum;
}

export interface Books {
  processed: number;
  exported: number;
  dropped: number;
  queued: number;
  durable: number;
}

/** The log books as an operator reads them off the self-metrics: processed, exported, dropped, queued, durable. */
export async function readBooks(reader: MetricReader): Promise<Books> {
  const { resourceMetrics: rm } = await reader.collect();
  return {
    processed: metricTotal(rm, 'otel.sdk.processor.log.processed'),
    exported: metricTotal(rm, 'otel.sdk.exporter.log.exported'),
    dropped: metricTotal(rm, 'lifeline.queue.dropped'),
    queued: metricTotal(rm, 'lifeline.queue.items'),
    durable: metricTotal(rm, 'lifeline.queue.durable'),
  };
}
