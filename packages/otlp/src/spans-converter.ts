import type { Link as SdkLink } from '@opentelemetry/api';
import type { ReadableSpan, TimedEvent } from '@opentelemetry/sdk-trace';
import { groupByResourceAndScope, toResource, toScope } from './sdk-grouping.js';
import { compact, hrTimeToNanos, toHexId, toKeyValues } from './sdk-value-converter.js';
import { otlpSpanKind, spanFlags } from './spans-encoder.js';
import type { Event, ExportTraceServiceRequest, Link, Span, Status } from './trace-types.js';

/** SDK spans → an ExportTraceServiceRequest object (the same content as `encodeSpans`). */
export function spansToOtlp(spans: readonly ReadableSpan[]): ExportTraceServiceRequest {
  const groups = groupByResourceAndScope(
    spans,
    (span) => span.resource,
    (span) => span.instrumentationScope,
  );
  return {
    resourceSpans: groups.map((group) => ({
      resource: toResource(group.resource),
      scopeSpans: group.scopes.map((scopeGroup) => ({
        scope: toScope(scopeGroup.scope),
        spans: scopeGroup.items.map(toSpan),
        ...(scopeGroup.scope.schemaUrl ? { schemaUrl: scopeGroup.scope.schemaUrl } : {}),
      })),
      ...(group.resource.schemaUrl ? { schemaUrl: group.resource.schemaUrl } : {}),
    })),
  };
}

function toSpan(span: ReadableSpan): Span {
  const context = span.spanContext();
  const events = span.events.map(toEvent);
  const links = span.links.map(toLink);
  return compact<Span>({
    traceId: toHexId(context.traceId),
    spanId: toHexId(context.spanId),
    traceState: context.traceState?.serialize() || undefined,
    parentSpanId: toHexId(span.parentSpanContext?.spanId),
    flags: spanFlags(context.traceFlags, span.parentSpanContext?.isRemote),
    name: span.name || undefined,
    kind: otlpSpanKind(span.kind) || undefined,
    startTimeUnixNano: hrTimeToNanos(span.startTime),
    endTimeUnixNano: hrTimeToNanos(span.endTime),
    attributes: toKeyValues(span.attributes),
    droppedAttributesCount: span.droppedAttributesCount || undefined,
    events: events.length > 0 ? events : undefined,
    droppedEventsCount: span.droppedEventsCount || undefined,
    links: links.length > 0 ? links : undefined,
    droppedLinksCount: span.droppedLinksCount || undefined,
    status: compact<Status>({
      message: span.status.message || undefined,
      code: span.status.code || undefined,
    }),
  });
}

function toEvent(event: TimedEvent): Event {
  return compact<Event>({
    timeUnixNano: hrTimeToNanos(event.time),
    name: event.name || undefined,
    attributes: toKeyValues(event.attributes),
    droppedAttributesCount: event.droppedAttributesCount || undefined,
  });
}

function toLink(link: SdkLink): Link {
  return compact<Link>({
    traceId: toHexId(link.context.traceId),
    spanId: toHexId(link.context.spanId),
    traceState: link.context.traceState?.serialize() || undefined,
    attributes: toKeyValues(link.attributes),
    droppedAttributesCount: link.droppedAttributesCount || undefined,
    flags: spanFlags(link.context.traceFlags, link.context.isRemote),
  });
}
