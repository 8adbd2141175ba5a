import type { HrTime, Link as SdkLink, SpanContext } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import type { ProtobufWriter } from './protobuf-writer.js';
import { withWriter } from './protobuf-writer.js';
import { envelopeOf, groupByResourceAndScope, writeResourceEnvelope } from './sdk-grouping.js';
import { isZeroHrTime, writeAttributes, writeHexField, writeHrTime } from './sdk-value-writer.js';

/** SpanFlags: the low 8 bits are the W3C trace flags, then whether the parent's remoteness is known and is remote. */
const HAS_IS_REMOTE = 0x100;
const IS_REMOTE = 0x200;

export function spanFlags(traceFlags: number, isRemote: boolean | undefined): number {
  return (traceFlags & 0xff) | HAS_IS_REMOTE | (isRemote ? IS_REMOTE : 0);
}

/** OTLP SpanKind is the API's SpanKind + 1 (0 is "unspecified" in OTLP). */
export function otlpSpanKind(kind: number | undefined): number {
  return kind === undefined || kind === null ? 0 : kind + 1;
}

/** SDK spans → ExportTraceServiceRequest protobuf bytes, written directly. */
export function encodeSpans(spans: readonly ReadableSpan[]): Uint8Array {
  const groups = groupByResourceAndScope(
    spans,
    (span) => span.resource,
    (span) => span.instrumentationScope,
  );
  return withWriter((w) => {
    for (const group of groups) {
      const { resource, scopes } = envelopeOf(group);
      writeResourceEnvelope(w, resource, scopes, writeSpan); // ExportTraceServiceRequest.resource_spans
    }
  });
}

function writeTime(w: ProtobufWriter, tag: number, t: HrTime): void {
  if (isZeroHrTime(t)) return;
  w.varint32(tag);
  writeHrTime(w, t);
}

function writeTraceState(w: ProtobufWriter, tag: number, context: SpanContext): void {
  const traceState = context.traceState?.serialize();
  if (traceState) {
    w.varint32(tag);
    w.string(traceState);
  }
}

export function writeSpan(w: ProtobufWriter, span: ReadableSpan): void {
  w.varint32(0x12); // ScopeSpans.spans
  const start = w.fork(2);
  const context = span.spanContext();
  writeHexField(w, 0x0a, context.traceId);
  writeHexField(w, 0x12, context.spanId);
  writeTraceState(w, 0x1a, context);
  writeHexField(w, 0x22, span.parentSpanContext?.spanId);
  if (span.name) {
    w.varint32(0x2a);
    w.string(span.name);
  }
  const kind = otlpSpanKind(span.kind);
  if (kind) {
    w.varint32(0x30);
    w.varint32(kind);
  }
  writeTime(w, 0x39, span.startTime);
  writeTime(w, 0x41, span.endTime);
  writeAttributes(w, 0x4a, span.attributes);
  if (span.droppedAttributesCount) {
    w.varint32(0x50);
    w.varint32(span.droppedAttributesCount);
  }
  for (const event of span.events) writeEvent(w, event);
  if (span.droppedEventsCount) {
    w.varint32(0x60);
    w.varint32(span.droppedEventsCount);
  }
  for (const link of span.links) writeLink(w, link);
  if (span.droppedLinksCount) {
    w.varint32(0x70);
    w.varint32(span.droppedLinksCount);
  }
  w.varint32(0x7a); // status: always written, as the SDK exporters do
  const status = w.fork(1);
  if (span.status.message) {
    w.varint32(0x12);
    w.string(span.status.message);
  }
  if (span.status.code) {
    w.varint32(0x18);
    w.varint32(span.status.code);
  }
  w.join(status, 1);
  w.varint32(133); // flags: field 16, fixed32 (tag bytes 0x85 0x01)
  w.fixed32(spanFlags(context.traceFlags, span.parentSpanContext?.isRemote));
  w.join(start, 2);
}

function writeEvent(w: ProtobufWriter, event: TimedEvent): void {
  w.varint32(0x5a); // Span.events
  const start = w.fork(1);
  writeTime(w, 0x09, event.time);
  if (event.name) {
    w.varint32(0x12);
    w.string(event.name);
  }
  writeAttributes(w, 0x1a, event.attributes);
  if (event.droppedAttributesCount) {
    w.varint32(0x20);
    w.varint32(event.droppedAttributesCount);
  }
  w.join(start, 1);
}

function writeLink(w: ProtobufWriter, link: SdkLink): void {
  w.varint32(0x6a); // Span.links
  const start = w.fork(1);
  writeHexField(w, 0x0a, link.context.traceId);
  writeHexField(w, 0x12, link.context.spanId);
  writeTraceState(w, 0x1a, link.context);
  writeAttributes(w, 0x22, link.attributes);
  if (link.droppedAttributesCount) {
    w.varint32(0x28);
    w.varint32(link.droppedAttributesCount);
  }
  w.varint32(0x35); // flags, fixed32
  w.fixed32(spanFlags(link.context.traceFlags, link.context.isRemote));
  w.join(start, 1);
}
