import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { createRedactor } from './redactor.js';
import type { RedactingProcessorOptions } from './redacting-log-record-processor.js';

/**
 * A SpanProcessor that redacts span attributes, event attributes and link attributes in
 * `onEnd`. `ReadableSpan.attributes` is typed readonly but is the span's own mutable object in
 * the SDK, so it is redacted in place: register this processor BEFORE the exporting one
 * (`new TracerProvider({ spanProcessors: [createRedactingSpanProcessor(), new BatchSpanProcessor({ exporter })] })`).
 * The span name is left alone: HTTP instrumentations name spans `METHOD route`, which holds no values.
 */
export function createRedactingSpanProcessor(options: RedactingProcessorOptions = {}): SpanProcessor {
  const redactor = options.redactor ?? createRedactor(options);
  return {
    onStart(_span: Span, _parentContext: Context): void {},
    onEnd(span: ReadableSpan): void {
      redactor.redactAttributes(span.attributes as Record<string, unknown>);
      for (const event of span.events) {
        if (event.attributes !== undefined)
          redactor.redactAttributes(event.attributes as Record<string, unknown>);
      }
      for (const link of span.links) {
        if (link.attributes !== undefined)
          redactor.redactAttributes(link.attributes as Record<string, unknown>);
      }
      const status = span.status as { message?: string };
      if (typeof status.message === 'string') {
        const clean = redactor.scrubText(status.message);
        if (clean !== status.message) status.message = clean;
      }
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}
