import { TraceFlags } from '@opentelemetry/api';
import type { ReadableSpan, SpanProcessor } from '@opentelemetry/sdk-trace-base';
import { encodeSpans } from '@otel-lifeline/otlp';
import type { DurableProcessorOptions } from './durable-log-record-processor.js';
import { createFragmentEncoder, encodeDelayFor } from './fragment-encoder.js';
import { createResilientPipeline } from './resilient-pipeline.js';

/** Durable at span end: sampled spans are encoded in groups and appended to the disk queue. Replaces BatchSpanProcessor. */
class DurableSpanProcessor implements SpanProcessor {
  readonly #pipeline;
  readonly #encoder;

  constructor(options: DurableProcessorOptions) {
    const delayMs = encodeDelayFor(options.queue?.fsyncIntervalMs ?? 100);
    this.#pipeline = createResilientPipeline('traces', options, 'lifeline_durable_span_processor', delayMs);
    this.#encoder = createFragmentEncoder<ReadableSpan>({
      pipeline: this.#pipeline,
      delayMs,
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

export function createDurableSpanProcessor(options: DurableProcessorOptions): SpanProcessor {
  return new DurableSpanProcessor(options);
}
