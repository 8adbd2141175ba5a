import type { Context } from '@opentelemetry/api';
import type { ReadableSpan, Span, SpanProcessor } from '@opentelemetry/sdk-trace';
import { createRedactor } from './redactor.js';
import type { RedactingProcessorOptions } from './redacting-log-record-processor.js';
import type { Redactor } from './redactor.js';

/**
 * Spans whose name and attributes already passed a redactor's policy as they ended (the server
 * spans of server-span.ts, whose attributes are the access event's, redacted once for both). A
 * processor whose redactor has the same policy (the same redactor, or one built from the same
 * options) leaves their name and attributes alone; any other redacts them. The mark is a property
 * of the span: a WeakMap entry per span cost more than the redaction it saves.
 */
const REDACTED_BY: unique symbol = Symbol('lifeline.redactedBy');
type Marked = { [REDACTED_BY]?: Redactor };

export function markSpanRedacted(span: object, redactor: Redactor): void {
  (span as Marked)[REDACTED_BY] = redactor;
}

/**
 * A SpanProcessor that redacts, in `onEnd`, the span's name (`GET /reset/<token>` →
 * `GET /reset/REDACTED`), its attributes, its events' names and attributes, its links'
 * attributes and its status message. `ReadableSpan` is typed readonly but is the span's own
 * mutable object in the SDK, so it is redacted in place: register this processor BEFORE the
 * exporting one (`new TracerProvider({ spanProcessors: [createRedactingSpanProcessor(), new BatchSpanProcessor({ exporter })] })`).
 */
export function createRedactingSpanProcessor(options: RedactingProcessorOptions = {}): SpanProcessor {
  const redactor = options.redactor ?? createRedactor(options);
  return {
    onStart(_span: Span, _parentContext: Context): void {},
    onEnd(span: ReadableSpan): void {
      const passed = (span as Marked)[REDACTED_BY];
      if (passed === undefined || passed.options !== redactor.options || redactor.observed()) {
        const named = span as { name: string };
        const name = redactor.redactSpanName(named.name);
        if (name !== named.name) named.name = name;
        redactor.redactAttributes(span.attributes as Record<string, unknown>);
      }
      for (const event of span.events) {
        const cleanName = String(redactor.redactField('span.event.name', event.name) ?? '');
        if (cleanName !== event.name) (event as { name: string }).name = cleanName;
        if (event.attributes !== undefined)
          redactor.redactAttributes(event.attributes as Record<string, unknown>);
      }
      for (const link of span.links) {
        if (link.attributes !== undefined)
          redactor.redactAttributes(link.attributes as Record<string, unknown>);
      }
      const status = span.status as { message?: string };
      if (typeof status.message === 'string') {
        const clean = String(redactor.redactField('span.status.message', status.message) ?? '');
        if (clean !== status.message) status.message = clean;
      }
    },
    forceFlush: () => Promise.resolve(),
    shutdown: () => Promise.resolve(),
  };
}
