import type { LogRecordProcessor, ReadableLogRecord, SdkLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogRecords } from '@otel-lifeline/otlp';
import { createFragmentEncoder, encodeDelayFor } from './fragment-encoder.js';
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
    const delayMs = encodeDelayFor(options.queue?.fsyncIntervalMs ?? 100);
    this.#pipeline = createResilientPipeline('logs', options, 'lifeline_durable_log_processor', delayMs);
    this.#encoder = createFragmentEncoder<ReadableLogRecord>({
      pipeline: this.#pipeline,
      delayMs,
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

  /** Flush to disk, then try to send until `timeoutMillis` (default flushTimeoutMs); what is left stays on disk. */
  async forceFlush(options?: { timeoutMillis?: number }): Promise<void> {
    this.#encoder.drain();
    await this.#pipeline.forceFlush(options?.timeoutMillis);
  }

  async shutdown(): Promise<void> {
    this.#encoder.drain();
    await this.#pipeline.shutdown();
  }
}

export function createDurableLogRecordProcessor(options: DurableProcessorOptions): LogRecordProcessor {
  return new DurableLogRecordProcessor(options);
}
