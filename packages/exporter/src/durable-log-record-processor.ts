import type { LogRecordProcessor, ReadableLogRecord, ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { createIncrementalLogsEncoder } from '@otel-lifeline/otlp';
import type { Delivered } from './delivery-result.js';
import type { DurableProcessorOptions } from './durable-processor.js';
import { createDurableProcessor, DurableSdkProcessor } from './durable-processor.js';

/**
 * Durable at emit: each record is encoded (in groups, within 10 ms) into an OTLP fragment and
 * appended to the disk queue, which makes it durable within `fsyncIntervalMs`. Replaces
 * BatchLogRecordProcessor; never does I/O on emit, never grows past its bounds.
 */
/** Its forceFlush() and shutdown() resolve with what was delivered and what stays on disk. */
export interface DurableLogRecordProcessor extends LogRecordProcessor {
  forceFlush(options?: { timeoutMillis?: number }): Promise<Delivered>;
  shutdown(options?: { timeoutMillis?: number }): Promise<Delivered>;
}

class DurableLogRecordProcessorImpl
  extends DurableSdkProcessor<ReadableLogRecord>
  implements DurableLogRecordProcessor
{
  constructor(options: DurableProcessorOptions) {
    super(
      createDurableProcessor(
        'logs',
        options,
        'lifeline_durable_log_processor',
        createIncrementalLogsEncoder(),
      ),
    );
  }

  onEmit(logRecord: ReadWriteLogRecord): void {
    this.processor.add(logRecord as unknown as ReadableLogRecord);
  }
}

export function createDurableLogRecordProcessor(options: DurableProcessorOptions): DurableLogRecordProcessor {
  return new DurableLogRecordProcessorImpl(options);
}
