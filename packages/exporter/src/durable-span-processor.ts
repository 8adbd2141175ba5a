import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { createIncrementalSpansEncoder } from '@otel-lifeline/otlp';
import type { Delivered } from './delivery-result.js';
import type { DurableProcessorOptions } from './durable-processor.js';
import { createDurableProcessor, DurableSdkProcessor } from './durable-processor.js';

/** Durable at span end: sampled spans are encoded in groups and appended to the disk queue. Replaces BatchSpanProcessor. */
/** Its forceFlush() and shutdown() resolve with what was delivered and what stays on disk. */
export interface DurableSpanProcessor extends SpanProcessor {
  forceFlush(options?: { timeoutMillis?: number }): Promise<Delivered>;
  shutdown(options?: { timeoutMillis?: number }): Promise<Delivered>;
}

class DurableSpanProcessorImpl extends DurableSdkProcessor<ReadableSpan> implements DurableSpanProcessor {
  constructor(options: DurableProcessorOptions) {
    super(
      createDurableProcessor(
        'traces',
        options,
        'lifeline_durable_span_processor',
        createIncrementalSpansEncoder(),
      ),
    );
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.processor.add(span);
  }
}

export function createDurableSpanProcessor(options: DurableProcessorOptions): DurableSpanProcessor {
  return new DurableSpanProcessorImpl(options);
}
