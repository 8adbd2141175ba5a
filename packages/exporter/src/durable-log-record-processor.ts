import type { LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { encodeLogRecords } from '@otel-lifeline/otlp';
import type { DurableProcessorOptions } from './durable-stage.js';
import { createDurableStage } from './durable-stage.js';

/**
 * Durable at emit: each record is encoded (in groups, within 10 ms) into an OTLP fragment and
 * appended to the disk queue, which makes it durable within `fsyncIntervalMs`. Replaces
 * BatchLogRecordProcessor; never does I/O on emit, never grows past its bounds.
 */
class DurableLogRecordProcessor implements LogRecordProcessor {
  readonly #stage;

  constructor(options: DurableProcessorOptions) {
    this.#stage = createDurableStage<ReadableLogRecord>(
      'logs',
      options,
      'lifeline_durable_log_processor',
      encodeLogRecords,
    );
  }

  onEmit(logRecord: ReadWriteLogRecord): void {
    this.#stage.add(logRecord as unknown as ReadableLogRecord);
  }

  forceFlush(options?: { timeoutMillis?: number }): Promise<void> {
    return this.#stage.forceFlush(options?.timeoutMillis);
  }

  shutdown(): Promise<void> {
    return this.#stage.shutdown();
  }
}

export function createDurableLogRecordProcessor(options: DurableProcessorOptions): LogRecordProcessor {
  return new DurableLogRecordProcessor(options);
}
