import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { encodeSpans } from '@otel-lifeline/otlp';
import type { DurableProcessorOptions } from './durable-processor.js';
import { createDurableProcessor } from './durable-processor.js';

/** Durable at span end: sampled spans are encoded in groups and appended to the disk queue. Replaces BatchSpanProcessor. */
class DurableSpanProcessor implements SpanProcessor {
  readonly #processor;

  constructor(options: DurableProcessorOptions) {
    this.#processor = createDurableProcessor<ReadableSpan>(
      'traces',
      options,
      'lifeline_durable_span_processor',
      encodeSpans,
    );
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.#processor.add(span);
  }

  forceFlush(options?: { timeoutMillis?: number }): Promise<void> {
    return this.#processor.forceFlush(options?.timeoutMillis);
  }

  shutdown(): Promise<void> {
    return this.#processor.shutdown();
  }
}

export function createDurableSpanProcessor(options: DurableProcessorOptions): SpanProcessor {
  return new DurableSpanProcessor(options);
}
