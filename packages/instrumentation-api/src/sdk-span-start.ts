import type { Attributes, Context, Link, Span, SpanContext, SpanKind, Tracer } from '@opentelemetry/api';
import { diag, isSpanContextValid, SamplingDecision, trace, TraceFlags } from '@opentelemetry/api';
import { countWithinLimits } from './sdk-attribute-limits.js';
import type { AttributeLimits } from './sdk-attribute-limits.js';

/**
 * Starts the server span, and sets the request's attributes on it when it ends.
 *
 * Why not always `tracer.startSpan` and `span.setAttributes`: the Trace SDK checks each attribute
 * value with a fresh `WeakSet` and copies it, twice at the start (before and after the sampler)
 * and once more per attribute at the end, about 2–3 µs per request for attributes this package
 * just built from strings and numbers. With the OpenTelemetry JS Trace SDK's own tracer (the 3.x
 * line, detected by shape), the span is started the way `Tracer.startSpan` starts one — tracing
 * suppressed or not, the parent, the ids from the provider's id generator, the provider's sampler
 * and its decision, the SDK's `otel.sdk.span.*` metrics, every span processor's `onStart` — and
 * made by the SDK's own span class, given attributes that are already clean, as that class asks
 * of its callers. From then on it is the SDK's span. At the end, attributes within the provider's
 * limits are set in one pass. Anything the fast path cannot vouch for (another SDK or line, a
 * value past the limits, a sampler that adds attributes) goes through the API unchanged.
 *
 * The SDK's span class is not exported: it is taken from the first span `tracer.startSpan`
 * returns that has the 3.x span's shape.
 */
export interface SpanStarter {
  start(name: string, kind: SpanKind, attributes: Attributes, parent: Context): Span;
  /**
   * `span.setAttributes(attributes)`; `attributes` are primitives the caller will not change. True
   * when the span's attributes are now a copy of `attributes` and nothing else.
   */
  setAttributes(span: Span, attributes: Attributes): boolean;
}

/** The parts of the OpenTelemetry JS 3.x SDK Tracer the fast path relies on (sdk-trace 3.0, 3.1). */
interface SdkTracer {
  instrumentationScope: object;
  _resource: object;
  _sampler: {
    shouldSample(
      context: Context,
      traceId: string,
      name: string,
      kind: SpanKind,
      attributes: Attributes,
      links: Link[],
    ): { decision: SamplingDecision; attributes?: Attributes; traceState?: SpanContext['traceState'] };
  };
  _idGenerator: { generateTraceId(): string; generateSpanId(): string };
  _spanLimits: AttributeLimits;
  _spanProcessor: object;
  _tracerMetrics: { startSpan(parent: SpanContext | undefined, decision: SamplingDecision): () => void };
}

/** The 3.x span's own fields the end's fast path writes, as `setAttribute` does. */
interface SdkSpan {
  attributes: Attributes;
  _attributesCount: number;
  _spanLimits: AttributeLimits;
  _ended: boolean;
}

type SpanClass = new (options: object) => Span;

/** What `suppressTracing()` of @opentelemetry/core sets (`createContextKey` is `Symbol.for`). */
const SUPPRESS_TRACING = Symbol.for('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

export function createSpanStarter(tracer: Tracer): SpanStarter {
  const sdk = sdkTracer(tracer);
  let spanClass: SpanClass | undefined;
  return {
    start(name, kind, attributes, parent) {
      const count = sdk === undefined ? -1 : countWithinLimits(attributes, sdk._spanLimits);
      if (
        sdk === undefined ||
        spanClass === undefined ||
        count < 0 ||
        parent.getValue(SUPPRESS_TRACING) === true
      ) {
        const span = tracer.startSpan(name, { kind, attributes }, parent);
        if (sdk !== undefined && spanClass === undefined && isSdkSpan(span))
          spanClass = span.constructor as SpanClass;
        return span;
      }
      return startSdkSpan(sdk, spanClass, name, kind, attributes, parent);
    },
    setAttributes(span, attributes) {
      if (spanClass === undefined || !(span instanceof spanClass)) {
        span.setAttributes(attributes);
        return false;
      }
      const own = span as unknown as SdkSpan;
      const count = countWithinLimits(attributes, own._spanLimits);
      if (own._ended || count < 0) {
        span.setAttributes(attributes);
        return false;
      }
      const target = own.attributes;
      if (coveredBy(target, attributes)) {
        // Nothing of the span's own outlives the call: one copy of `attributes` (V8 clones an
        // object of a known shape at once) instead of a keyed store per attribute into the start
        // object, whose shape changes at each one. `count` is within the limits.
        own.attributes = { ...attributes };
        own._attributesCount = count;
        return true;
      }
      if (own._attributesCount + count > own._spanLimits.attributeCountLimit) {
        span.setAttributes(attributes);
        return false;
      }
      for (const key in attributes) {
        const value = attributes[key];
        if (value === undefined) continue;
        if (!Object.hasOwn(target, key)) own._attributesCount++;
        target[key] = value;
      }
      return false;
    },
  };
}

/**
 * Whether every attribute the span holds is also in `attributes` (its value about to be replaced),
 * so that setting them all leaves the span with exactly `attributes`. A server span holds its three
 * start attributes unless the app set more.
 */
function coveredBy(held: Attributes, attributes: Attributes): boolean {
  for (const key in held) if (attributes[key] === undefined) return false;
  return true;
}

/** `Tracer.startSpan` of sdk-trace 3.x, for attributes already within the limits and no links. */
function startSdkSpan(
  sdk: SdkTracer,
  spanClass: SpanClass,
  name: string,
  kind: SpanKind,
  attributes: Attributes,
  parent: Context,
): Span {
  const parentSpanContext = trace.getSpanContext(parent);
  const spanId = sdk._idGenerator.generateSpanId();
  const validParent =
    parentSpanContext !== undefined && isSpanContextValid(parentSpanContext) ? parentSpanContext : undefined;
  const traceId = validParent?.traceId ?? sdk._idGenerator.generateTraceId();
  const links: Link[] = [];
  const sampling = sdk._sampler.shouldSample(parent, traceId, name, kind, attributes, links);
  const recordEndMetrics = sdk._tracerMetrics.startSpan(parentSpanContext, sampling.decision);
  const spanContext: SpanContext = {
    traceId,
    spanId,
    traceFlags:
      sampling.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
    traceState: sampling.traceState ?? validParent?.traceState,
  };
  if (sampling.decision === SamplingDecision.NOT_RECORD) return trace.wrapSpanContext(spanContext);
  const span = new spanClass({
    resource: sdk._resource,
    scope: sdk.instrumentationScope,
    context: parent,
    spanContext,
    name,
    kind,
    links,
    parentSpanContext: validParent,
    attributes,
    droppedAttributesCount: 0,
    startTime: undefined,
    spanProcessor: sdk._spanProcessor,
    spanLimits: sdk._spanLimits,
    recordEndMetrics,
  });
  // A sampler's own attributes pass the SDK's checks, as they would have in startSpan.
  if (sampling.attributes !== undefined) span.setAttributes(sampling.attributes);
  return span;
}

let unknownSdkReported = false;

/** The tracer, when it is the OpenTelemetry JS 3.x SDK's (behind the API's proxy once it has a delegate). */
function sdkTracer(tracer: Tracer): SdkTracer | undefined {
  const own = tracer as unknown as Record<string, unknown>;
  const delegate = own['_delegate'];
  const candidate = (typeof delegate === 'object' && delegate !== null ? delegate : own) as Record<
    string,
    unknown
  >;
  const has = (key: string, method?: string) => {
    const value = candidate[key] as Record<string, unknown> | undefined;
    return (
      typeof value === 'object' &&
      value !== null &&
      (method === undefined || typeof value[method] === 'function')
    );
  };
  if (
    has('instrumentationScope') &&
    has('_resource') &&
    has('_sampler', 'shouldSample') &&
    has('_idGenerator', 'generateSpanId') &&
    has('_spanLimits') &&
    has('_spanProcessor', 'onStart') &&
    has('_tracerMetrics', 'startSpan')
  )
    return candidate as unknown as SdkTracer;
  if (!unknownSdkReported && has('_sampler')) {
    unknownSdkReported = true;
    diag.info(
      '@otel-lifeline/instrumentation-api: this OpenTelemetry JS Trace SDK is not the line the fast server-span path knows (sdk-trace 3.x); server spans go through Tracer.startSpan',
    );
  }
  return undefined;
}

/** A recording span of sdk-trace 3.x: the fields `setAttribute` and the constructor use. */
function isSdkSpan(span: Span): boolean {
  const own = span as unknown as Record<string, unknown>;
  return (
    typeof own['attributes'] === 'object' &&
    typeof own['_attributesCount'] === 'number' &&
    typeof own['_spanLimits'] === 'object' &&
    typeof own['_spanProcessor'] === 'object' &&
    typeof own['_recordEndMetrics'] === 'function' &&
    typeof own['_ended'] === 'boolean'
  );
}
