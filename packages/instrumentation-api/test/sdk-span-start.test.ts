import { context, ROOT_CONTEXT, SamplingDecision, SpanKind, trace, TraceFlags } from '@opentelemetry/api';
import type { Attributes, Span, Tracer } from '@opentelemetry/api';
import { suppressTracing, TraceState } from '@opentelemetry/core';
import {
  AlwaysOffSampler,
  InMemorySpanExporter,
  SimpleSpanProcessor,
  TracerProvider,
} from '@opentelemetry/sdk-trace';
import type { ReadableSpan, Sampler, SpanLimits } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import { createSpanStarter } from '../src/sdk-span-start.js';

// The server span's fast path (sdk-span-start.ts) against the Trace SDK's own startSpan: the same
// span, field for field, for every sampling decision and at the limits.

const ATTRIBUTES = { 'http.request.method': 'GET', 'url.scheme': 'http', 'url.path': '/users/7' };
const OUTCOME: Attributes = {
  'http.route': '/users/:id',
  'http.response.status_code': 200,
  'url.path': '/users/7',
};
const PARENT = trace.setSpanContext(ROOT_CONTEXT, {
  traceId: '0af7651916cd43dd8448eb211c80319c',
  spanId: 'b7ad6b7169203331',
  traceFlags: TraceFlags.SAMPLED,
  traceState: new TraceState('vendor=1'),
  isRemote: true,
});

function setUp(options: { sampler?: Sampler; spanLimits?: SpanLimits } = {}) {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    ...options,
    spanProcessors: [new SimpleSpanProcessor({ exporter })],
  });
  const tracer = provider.getTracer('test');
  let viaStartSpan = 0;
  const counted: Tracer = new Proxy(tracer, {
    get(target, key, receiver) {
      if (key !== 'startSpan') return Reflect.get(target, key, receiver);
      return (...args: Parameters<Tracer['startSpan']>) => {
        viaStartSpan++;
        return target.startSpan(...args);
      };
    },
  });
  return { exporter, tracer, starter: createSpanStarter(counted), viaStartSpan: () => viaStartSpan };
}

/** Ends `span` after the outcome's attributes, and returns what the exporter got. */
function finish(
  setAttributes: (span: Span, a: Attributes) => void,
  span: Span,
  exporter: InMemorySpanExporter,
) {
  setAttributes(span, { ...OUTCOME });
  span.end();
  return exporter.getFinishedSpans().at(-1) as ReadableSpan;
}

/** One span through the fast path (after a first that teaches it the span class) and one through startSpan, both ended. */
function fastAndStock<T extends ReturnType<typeof setUp>>(setup: T) {
  const { starter, tracer, exporter } = setup;
  starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, PARENT).end();
  const fast = finish(
    starter.setAttributes,
    starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, PARENT),
    exporter,
  );
  const stock = finish(
    (s, a) => s.setAttributes(a),
    tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { ...ATTRIBUTES } }, PARENT),
    exporter,
  );
  return { ...setup, fast, stock };
}

function comparable(span: ReadableSpan) {
  const { traceId, traceFlags, traceState } = span.spanContext();
  return {
    traceId,
    traceFlags,
    traceState: traceState?.serialize(),
    parent: span.parentSpanContext?.spanId,
    name: span.name,
    kind: span.kind,
    attributes: span.attributes,
    droppedAttributesCount: span.droppedAttributesCount,
    resource: span.resource,
    scope: span.instrumentationScope,
  };
}

describe('server span fast path (sdk-span-start.ts)', () => {
  it('recognises the 3.x Trace SDK, so the fast path is taken after the first span (fails if it would fall back)', () => {
    const { starter, viaStartSpan } = setUp();
    for (let i = 0; i < 3; i++) starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, PARENT).end();
    expect(viaStartSpan()).toBe(1);
  });

  it('makes the span Tracer.startSpan makes: parent, trace state, ids, attributes, resource, scope', () => {
    const { fast, stock, starter } = fastAndStock(setUp());
    expect(comparable(fast)).toEqual(comparable(stock));
    expect(fast.spanContext().spanId).not.toBe(stock.spanContext().spanId);
    expect(fast.parentSpanContext?.spanId).toBe('b7ad6b7169203331');
    expect(fast.attributes['http.route']).toBe('/users/:id');
    // A root span gets a trace id of its own.
    const root = starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, ROOT_CONTEXT);
    expect(root.spanContext().traceId).toMatch(/^[0-9a-f]{32}$/);
    expect(root.spanContext().traceId).not.toBe('0af7651916cd43dd8448eb211c80319c');
  });

  it('follows the sampler: dropped, recorded only, and with the sampler’s own attributes', () => {
    const off = setUp({ sampler: new AlwaysOffSampler() });
    off.starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, ROOT_CONTEXT).end();
    const dropped = off.starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, ROOT_CONTEXT);
    expect(dropped.isRecording()).toBe(false);
    expect(dropped.spanContext().traceFlags).toBe(TraceFlags.NONE);

    const recordOnly: Sampler = {
      shouldSample: () => ({ decision: SamplingDecision.RECORD, attributes: { 'sampler.rule': 'debug' } }),
      toString: () => 'record-only',
    };
    const some = setUp({ sampler: recordOnly });
    some.starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, ROOT_CONTEXT).end();
    const recorded = some.starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, ROOT_CONTEXT);
    expect(some.viaStartSpan()).toBe(1);
    expect(recorded.isRecording()).toBe(true);
    expect(recorded.spanContext().traceFlags).toBe(TraceFlags.NONE);
    expect((recorded as unknown as ReadableSpan).attributes['sampler.rule']).toBe('debug');
  });

  it('leaves attributes past the limits, and suppressed tracing, to the SDK', () => {
    const { fast, stock, starter, viaStartSpan } = fastAndStock(
      setUp({ spanLimits: { attributeCountLimit: 4 } }),
    );
    expect(fast.droppedAttributesCount).toBe(1);
    expect(comparable(fast)).toEqual(comparable(stock));

    const before = viaStartSpan();
    const suppressed = starter.start(
      'GET',
      SpanKind.SERVER,
      { ...ATTRIBUTES },
      suppressTracing(context.active()),
    );
    expect(viaStartSpan()).toBe(before + 1);
    expect(suppressed.isRecording()).toBe(false);
  });

  it('takes the outcome’s attributes as one copy when they cover the span’s own, and keeps what the app set', () => {
    const { starter, tracer, exporter } = setUp();
    starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, PARENT).end();
    const covering: Attributes = { ...ATTRIBUTES, ...OUTCOME, 'url.path': '/users/REDACTED' };

    const fast = starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, PARENT);
    expect(starter.setAttributes(fast, covering)).toBe(true);
    fast.end();
    const stock = tracer.startSpan('GET', { kind: SpanKind.SERVER, attributes: { ...ATTRIBUTES } }, PARENT);
    stock.setAttributes(covering);
    stock.end();
    const [fastSpan, stockSpan] = exporter.getFinishedSpans().slice(-2) as [ReadableSpan, ReadableSpan];
    expect(fastSpan.attributes).toEqual(covering);
    expect(comparable(fastSpan)).toEqual(comparable(stockSpan));
    // The span holds a copy: the caller's object is not the span's.
    expect(fastSpan.attributes).not.toBe(covering);
    // The count the SDK's limits go by: one more attribute than the limit allows is dropped.
    const limited = setUp({ spanLimits: { attributeCountLimit: 5 } });
    limited.starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, PARENT).end();
    const full = limited.starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, PARENT);
    expect(limited.starter.setAttributes(full, covering)).toBe(true);
    full.setAttribute('one.more', 1);
    full.end();
    expect((limited.exporter.getFinishedSpans().at(-1) as ReadableSpan).droppedAttributesCount).toBe(1);

    // An attribute the app set on the span meanwhile is not in the outcome: set one by one, kept.
    const app = starter.start('GET', SpanKind.SERVER, { ...ATTRIBUTES }, PARENT);
    app.setAttribute('app.tenant', 'acme');
    expect(starter.setAttributes(app, covering)).toBe(false);
    app.end();
    expect((exporter.getFinishedSpans().at(-1) as ReadableSpan).attributes).toEqual({
      ...covering,
      'app.tenant': 'acme',
    });
  });

  it('uses Tracer.startSpan for a tracer that is not the 3.x SDK’s', () => {
    let calls = 0;
    const other = {
      startSpan: () => {
        calls++;
        return trace.wrapSpanContext({ traceId: '1'.repeat(32), spanId: '2'.repeat(16), traceFlags: 1 });
      },
      startActiveSpan: () => undefined,
    } as unknown as Tracer;
    const starter = createSpanStarter(other);
    for (let i = 0; i < 3; i++)
      starter.setAttributes(starter.start('GET', SpanKind.SERVER, {}, ROOT_CONTEXT), OUTCOME);
    expect(calls).toBe(3);
  });
});
