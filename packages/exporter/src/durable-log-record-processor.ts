import type { LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogRecords } from '@otel-lifeline/otlp';
import { createFragmentEncoder } from './fragment-encoder.js';
import type { ResilienceOptions } from './resilience-options.js';
import { createResilientPipeline } from './resilient-pipeline.js';

export interface DurableProcessorOptions extends ResilienceOptions {
  /** Items waiting for encoding before emit drops them (counted), default 16_384. */
  maxBufferedItems?: number;
}

/**
 * Durable at emit: each record is encoded (in groups, within 10 ms) into an OTLP fragment and
 * appended to the disk queue, which makes it durable within `fsyncIntervalMs`. Replaces
 * BatchLogRecordProcessor; never does I/O on emit, never grows past its bounds.
 */
class DurableLogRecordProcessor implements LogRecordProcessor {
  readonly #pipeline;
  readonly #encoder;

  constructor(options: DurableProcessorOptions) {
    this.#pipeline = createResilientPipeline('logs', options, 'lifeline_durable_log_processor');
    this.#encoder = createFragmentEncoder<ReadableLogRecord>({
      pipeline: this.#pipeline,
      encode: (records) => encodeLogRecords(records),
      ...(options.maxBufferedItems !== undefined ? { maxItems: options.maxBufferedItems } : {}),
    });
  }

  onEmit(logRecord: SdkLogRecord): void {
    if (this.#pipeline.isShutdown) {
      this.#pipeline.metrics.processed(1, 'shutdown');
      return;
    }
    this.#encoder.add(logRecord as unknown as ReadableLogRecord);
  }

  async forceFlush(): Promise<void> {
    this.#encoder.drain();
    await this.#pipeline.forceFlush();
  }

  async shutdown(): Promise<void> {
    this.#encoder.drain();
    await this.#pipeline.shutdown();
  }
}

export function createDurableLogRecordProcessor(options: DurableProcessorOptions): LogRecordProcessor {
  return new DurableLogRecordProcessor(options);
}
