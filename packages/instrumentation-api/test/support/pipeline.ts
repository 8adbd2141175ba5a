import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { AggregationTemporality, MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import type { MetricProducer, ResourceMetrics } from '@opentelemetry/sdk-metrics';

/** A metric reader collected on demand (the SDK's MetricReader with no-op push). */
class CollectingReader extends MetricReader {
  constructor(metricProducers: MetricProducer[], temporality: AggregationTemporality) {
    super({ aggregationTemporalitySelector: () => temporality, metricProducers });
  }
  protected override onForceFlush(): Promise<void> {
    return Promise.resolve();
  }
  protected override onShutdown(): Promise<void> {
    return Promise.resolve();
  }
}

export interface TestPipeline {
  loggerProvider: LoggerProvider;
  meterProvider: MeterProvider;
  exporter: InMemoryLogRecordExporter;
  records(): ReturnType<InMemoryLogRecordExporter['getFinishedLogRecords']>;
  events(name: string): ReturnType<InMemoryLogRecordExporter['getFinishedLogRecords']>;
  collect(): Promise<ResourceMetrics>;
  shutdown(): Promise<void>;
}

export function createTestPipeline(
  extraProcessors: Array<{ onEmit(r: ReadWriteLogRecord): void }> = [],
  metrics: { producers?: MetricProducer[]; temporality?: AggregationTemporality } = {},
): TestPipeline {
  const exporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({
    processors: [
      ...extraProcessors.map((p) => ({
        onEmit: p.onEmit.bind(p),
        forceFlush: async () => {},
        shutdown: async () => {},
      })),
      new SimpleLogRecordProcessor({ exporter }),
    ],
  });
  const reader = new CollectingReader(
    metrics.producers ?? [],
    metrics.temporality ?? AggregationTemporality.CUMULATIVE,
  );
  const meterProvider = new MeterProvider({ readers: [reader] });
  return {
    loggerProvider,
    meterProvider,
    exporter,
    records: () => exporter.getFinishedLogRecords(),
    events: (name) => exporter.getFinishedLogRecords().filter((r) => r.eventName === name),
    async collect() {
      const { resourceMetrics } = await reader.collect();
      return resourceMetrics;
    },
    async shutdown() {
      await loggerProvider.shutdown();
      await meterProvider.shutdown();
    },
  };
}

/** Waits until `check` holds (access events are emitted when the response finishes, after the client may have its answer). */
export async function eventually(check: () => boolean, timeoutMs = 3000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 5));
  }
}
