import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace';
import { encodeSpans } from '@otel-lifeline/otlp';
import type { DurableProcessorOptions } from './durable-stage.js';
import { createDurableStage } from './durable-stage.js';

/** Durable at span end: sampled spans are encoded in groups and appended to the disk queue. Replaces BatchSpanProcessor. */
class DurableSpanProcessor implements SpanProcessor {
  readonly #stage;

  constructor(options: DurableProcessorOptions) {
    this.#stage = createDurableStage<ReadableSpan>(
      'traces',
      options,
      'lifeline_durable_span_processor',
      encodeSpans,
    );
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    this.#stage.add(span);
  }

  forceFlush(options?: { timeoutMillis?: number }): Promise<void> {
    return this.#stage.forceFlush(options?.timeoutMillis);
  }

  shutdown(): Promise<void> {
    return this.#stage.shutdown();
  }
}

export function createDurableSpanProcessor(options: DurableProcessorOptions): SpanProcessor {
  return new DurableSpanProcessor(options);
}
