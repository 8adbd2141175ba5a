import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { encodeSpans } from '@otel-lifeline/otlp';
import type { DurableProcessorOptions } from './durable-log-record-processor.js';
import { createFragmentEncoder } from './fragment-encoder.js';
import { createResilientPipeline } from './resilient-pipeline.js';

/** Durable at span end: sampled spans are encoded in groups and appended to the disk queue. Replaces BatchSpanProcessor. */
class DurableSpanProcessor implements SpanProcessor {
  readonly #pipeline;
  readonly #encoder;

  constructor(options: DurableProcessorOptions) {
    this.#pipeline = createResilientPipeline('traces', options, 'lifeline_durable_span_processor');
    this.#encoder = createFragmentEncoder<ReadableSpan>({
      pipeline: this.#pipeline,
      encode: (spans) => encodeSpans(spans),
      ...(options.maxBufferedItems !== undefined ? { maxItems: options.maxBufferedItems } : {}),
    });
  }

  onStart(): void {}

  onEnd(span: ReadableSpan): void {
    if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
    if (this.#pipeline.isShutdown) {
      this.#pipeline.metrics.processed(1, 'shutdown');
      return;
    }
    this.#encoder.add(span);
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

export function createDurableSpanProcessor(options: DurableProcessorOptions): SpanProcessor {
  return new DurableSpanProcessor(options);
}
