import type { InstrumentationScope, KeyValue, Resource } from './common-types.js';

export interface ExportTraceServiceRequest {
  resourceSpans: ResourceSpans[];
}

export interface ResourceSpans {
  resource?: Resource;
  scopeSpans: ScopeSpans[];
  schemaUrl?: string;
}

export interface ScopeSpans {
  scope?: InstrumentationScope;
  spans: Span[];
  schemaUrl?: string;
}

export interface Span {
  traceId?: string;
  spanId?: string;
  traceState?: string;
  parentSpanId?: string;
  /** fixed32 SpanFlags: W3C trace flags in the low 8 bits, then HAS_IS_REMOTE (0x100) and IS_REMOTE (0x200). */
  flags?: number;
  name?: string;
  /** SpanKind enum: 0 unspecified, 1 internal, 2 server, 3 client, 4 producer, 5 consumer. */
  kind?: number;
  startTimeUnixNano?: string;
  endTimeUnixNano?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  events?: Event[];
  droppedEventsCount?: number;
  links?: Link[];
  droppedLinksCount?: number;
  status?: Status;
}

/** `Span.Event` in the proto. */
export interface Event {
  timeUnixNano?: string;
  name?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
}

/** `Span.Link` in the proto. */
export interface Link {
  traceId?: string;
  spanId?: string;
  traceState?: string;
  attributes?: KeyValue[];
  droppedAttributesCount?: number;
  flags?: number;
}

/** `Status` in the proto. */
export interface Status {
  message?: string;
  /** StatusCode enum: 0 unset, 1 ok, 2 error. */
  code?: number;
}
