import { context, createContextKey, propagation, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import type { Span } from '@opentelemetry/api';
import { CompositePropagator, W3CBaggagePropagator, W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadableSpan } from '@opentelemetry/sdk-trace';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentApi, setHttpRoute } from '@otel-lifeline/instrumentation-api';
import type { InstrumentApiHandle } from '@otel-lifeline/instrumentation-api';
import { createTestPipeline, eventually } from './support/pipeline.js';
import type { TestPipeline } from './support/pipeline.js';
import { registerTracerProvider } from './support/register-tracer-provider.js';

// Server spans started by the instrumentation itself (`tracerProvider` given), with no other http
// instrumentation in the process: the span, its context in handlers and listeners, its outcome.
const exporter = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
registerTracerProvider(tracerProvider);
propagation.setGlobalPropagator(
  new CompositePropagator({ propagators: [new W3CTraceContextPropagator(), new W3CBaggagePropagator()] }),
);
const tracer = trace.getTracer('app');

let pipeline: TestPipeline;
let api: InstrumentApiHandle;
let server: Server;
let base: string;
/** What each handler saw, by the request's x-case header. */
const seen = new Map<string, Record<string, unknown>>();

const spanId = (span: Span | undefined) => span?.spanContext().spanId;

function handle(request: IncomingMessage, response: ServerResponse): void {
  const name = String(request.headers['x-case']);
  const record: Record<string, unknown> = { inHandler: spanId(trace.getActiveSpan()) };
  seen.set(name, record);
  if (name === 'body') {
    // A body parser's listeners fire from the socket's callbacks: they must still see the server span.
    let body = '';
    request.on('data', (chunk: Buffer) => {
      body += chunk.toString();
      record.inData = spanId(trace.getActiveSpan());
    });
    request.on('end', () => {
      record.inEnd = spanId(trace.getActiveSpan());
      const child = tracer.startSpan('parse body');
      record.childParent = (child as unknown as ReadableSpan).parentSpanContext?.spanId;
      child.end();
      setHttpRoute(request, '/items/:id');
      response.statusCode = 201;
      response.end(body.toUpperCase());
    });
    response.on('finish', () => {
      record.inFinish = spanId(trace.getActiveSpan());
    });
    return;
  }
  if (name === 'listeners') {
    // once + removal by the original listener, events.once's cleanup, listeners() showing originals.
    const never = () => {
      record.neverCalled = true;
    };
    request.once('end', never);
    request.removeListener('end', never);
    const errorListenersBefore = request.listenerCount('error');
    const onData = () => undefined;
    request.on('data', onData);
    record.listenersShowOriginal = request.listeners('data').includes(onData);
    request.off('data', onData);
    record.dataListenersAfterOff = request.listenerCount('data');
    // Node's own 'finish' listener (it ends the exchange) is left unbound; the app's is bound.
    const onFinish = () => undefined;
    response.on('finish', onFinish);
    const raw = response.rawListeners('finish') as Array<(...args: unknown[]) => unknown>;
    record.nodeFinishUnbound = raw.some((l) => l.name === 'bound resOnFinish');
    record.appFinishBound = !raw.includes(onFinish) && response.listeners('finish').includes(onFinish);
    void once(request, 'end').then(() => {
      record.inOnceEnd = spanId(trace.getActiveSpan());
      record.errorListenersLeft = request.listenerCount('error') - errorListenersBefore;
      response.end('ok');
    });
    request.resume();
    return;
  }
  if (name === 'secret') {
    // What the app sets on the server span passes the policy too, not only what the capture sets.
    const span = trace.getActiveSpan();
    span?.setAttribute('app.session_token', 'tok-app-0123456789');
    span?.setAttribute('app.plan', 'gold');
    span?.updateName('GET /reset/tok-name-0123456789');
    response.end('ok');
    return;
  }
  if (name === 'fail') {
    response.statusCode = 503;
    response.end();
    return;
  }
  if (name === 'abort') {
    response.write('partial');
    return; // never ends: the client goes away
  }
  if (name === 'derive') {
    // The request's context answers as the API's does, and contexts derived from it keep its values.
    const active = context.active();
    const key = createContextKey('app key');
    const derived = active.setValue(key, 'app value');
    record.derivedValue = derived.getValue(key);
    record.derivedSpan = spanId(trace.getSpan(derived));
    record.derivedBaggage = propagation.getBaggage(derived)?.getEntry('tenant')?.value;
    record.activeBaggage = propagation.getBaggage(active)?.getEntry('tenant')?.value;
    record.activeLacksKey = active.getValue(key) === undefined;
    record.spanDeleted = trace.getSpan(trace.deleteSpan(active)) === undefined;
    record.baggageAfterDelete = propagation.getBaggage(trace.deleteSpan(active))?.getEntry('tenant')?.value;
  }
  response.end('plain');
}

function send(
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<{ status: number; text: string }> {
  return fetch(`${base}${path}`, { method: body === undefined ? 'GET' : 'POST', headers, body }).then(
    async (r) => ({ status: r.status, text: await r.text() }),
  );
}

function serverSpans(): ReadableSpan[] {
  return exporter.getFinishedSpans().filter((s) => s.kind === SpanKind.SERVER);
}

function attribute(span: ReadableSpan | undefined, key: string): unknown {
  return span?.attributes[key];
}

beforeAll(async () => {
  pipeline = createTestPipeline();
  api = instrumentApi({
    loggerProvider: pipeline.loggerProvider,
    meterProvider: pipeline.meterProvider,
    tracerProvider,
  });
  server = createServer(handle);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await api.shutdown();
  await pipeline.shutdown();
  server.closeAllConnections();
  server.close();
  await tracerProvider.shutdown();
});

describe('server spans from the request capture', () => {
  it('one SERVER span per request, named after the route, active in the handler, its listeners and child spans', async () => {
    const answer = await send(
      '/items/7?expand=1',
      { 'x-case': 'body', 'content-type': 'text/plain' },
      'hello',
    );
    expect(answer).toEqual({ status: 201, text: 'HELLO' });
    await eventually(() => pipeline.events('lifeline.api.access').length === 1);
    const [span] = serverSpans();
    expect(span?.name).toBe('POST /items/:id');
    expect(attribute(span, 'http.request.method')).toBe('POST');
    expect(attribute(span, 'http.route')).toBe('/items/:id');
    expect(attribute(span, 'url.path')).toBe('/items/7');
    expect(attribute(span, 'url.query')).toBe('expand=1');
    expect(attribute(span, 'url.scheme')).toBe('http');
    expect(attribute(span, 'http.response.status_code')).toBe(201);
    expect(attribute(span, 'server.address')).toBe('127.0.0.1');
    expect(span?.status.code).toBe(SpanStatusCode.UNSET);
    const id = span?.spanContext().spanId;
    const record = seen.get('body');
    expect(record).toMatchObject({ inHandler: id, inData: id, inEnd: id, childParent: id, inFinish: id });
    // The access event carries the same span.
    const [event] = pipeline.events('lifeline.api.access');
    expect(event?.spanContext?.spanId).toBe(id);
    expect(event?.spanContext?.traceId).toBe(span?.spanContext().traceId);
  });

  it('continues the trace of an incoming traceparent', async () => {
    exporter.reset();
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    const parent = 'b7ad6b7169203331';
    await send('/plain', { 'x-case': 'plain', traceparent: `00-${traceId}-${parent}-01` });
    await eventually(() => serverSpans().length === 1);
    const [span] = serverSpans();
    expect(span?.spanContext().traceId).toBe(traceId);
    expect(span?.parentSpanContext?.spanId).toBe(parent);
    expect(span?.parentSpanContext?.isRemote).toBe(true);
    expect(span?.name).toBe('GET');
  });

  it("the handler's context answers as the API's: the span, the parent's baggage, contexts derived from it", async () => {
    exporter.reset();
    await send('/derive', { 'x-case': 'derive', baggage: 'tenant=acme' });
    await eventually(() => serverSpans().length === 1);
    const id = serverSpans()[0]?.spanContext().spanId;
    expect(seen.get('derive')).toEqual({
      inHandler: id,
      derivedValue: 'app value',
      derivedSpan: id,
      derivedBaggage: 'acme',
      activeBaggage: 'acme',
      activeLacksKey: true,
      spanDeleted: true,
      baggageAfterDelete: 'acme',
    });
  });

  it('listeners bound to the span keep Node semantics: once, removal by the original, listeners()', async () => {
    const answer = await send('/l', { 'x-case': 'listeners', 'content-type': 'text/plain' }, 'x'.repeat(100));
    expect(answer.status).toBe(200);
    const record = seen.get('listeners');
    expect(record?.neverCalled).toBeUndefined();
    expect(record?.listenersShowOriginal).toBe(true);
    expect(record?.dataListenersAfterOff).toBe(0);
    expect(record?.nodeFinishUnbound).toBe(true);
    expect(record?.appFinishBound).toBe(true);
    expect(record?.errorListenersLeft).toBe(0);
    expect(record?.inOnceEnd).toBe(record?.inHandler);
    expect(record?.inHandler).toBeDefined();
  });

  it('a 5xx and an aborted exchange end the span with status ERROR and error.type', async () => {
    exporter.reset();
    expect((await send('/f', { 'x-case': 'fail' })).status).toBe(503);
    await new Promise<void>((resolve) => {
      const req = httpRequest(`${base}/a`, { headers: { 'x-case': 'abort' } }, (res) => {
        res.once('data', () => {
          req.destroy();
          resolve();
        });
      });
      req.end();
    });
    await eventually(() => serverSpans().length === 2);
    const byPath = new Map(serverSpans().map((s) => [attribute(s, 'url.path'), s]));
    expect(byPath.get('/f')?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attribute(byPath.get('/f'), 'error.type')).toBe('503');
    expect(byPath.get('/a')?.status.code).toBe(SpanStatusCode.ERROR);
    expect(attribute(byPath.get('/a'), 'error.type')).toBe('aborted');
  });

  it("the span leaves redacted without a redacting processor: the capture's attributes, the app's, the name", async () => {
    exporter.reset();
    await send('/reset/tok-path-0123456789?access_token=tok-query-0123456789&page=2', { 'x-case': 'secret' });
    await eventually(() => serverSpans().length === 1);
    const [span] = serverSpans();
    expect(attribute(span, 'url.query')).toBe('access_token=REDACTED&page=2');
    expect(attribute(span, 'url.path')).toBe('/reset/REDACTED');
    expect(attribute(span, 'app.session_token')).toBe('REDACTED');
    expect(attribute(span, 'app.plan')).toBe('gold');
    expect(span?.name).toBe('GET /reset/REDACTED');
    expect(JSON.stringify({ name: span?.name, attributes: span?.attributes })).not.toMatch(/tok-/);
  });
});
