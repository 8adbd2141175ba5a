import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createRequire } from 'node:module';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { instrumentApi } from '@otel-lifeline/instrumentation-api';
import type { InstrumentApiHandle } from '@otel-lifeline/instrumentation-api';
import { allFrameworks } from './support/apps.js';
import type { RunningApp } from './support/apps.js';
import { createTestPipeline, eventually } from './support/pipeline.js';
import type { TestPipeline } from './support/pipeline.js';
import { registerTracerProvider } from './support/register-tracer-provider.js';

// The stock HTTP instrumentation, active next to Lifeline: the ids on Lifeline's events must be its server span's.
const spans = new InMemorySpanExporter();
const tracerProvider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter: spans })] });
registerTracerProvider(tracerProvider);
const httpInstrumentation = new HttpInstrumentation();
httpInstrumentation.setTracerProvider(tracerProvider);
httpInstrumentation.enable();
createRequire(import.meta.url)('node:http'); // lets the instrumentation patch the shared http module

const frameworks = await allFrameworks();
let pipeline: TestPipeline;
let api: InstrumentApiHandle;
let now = 1_000_000;

beforeAll(() => {
  pipeline = createTestPipeline();
  api = instrumentApi({
    loggerProvider: pipeline.loggerProvider,
    meterProvider: pipeline.meterProvider,
    trustProxy: 1,
    audit: [{ route: '/orgs/*' }],
    loginRoutes: ['POST /login'],
    bruteForce: { threshold: 5, windowMs: 60_000 },
    identify: (req) => ({
      userId: typeof req.headers['x-user'] === 'string' ? req.headers['x-user'] : undefined,
    }),
    clock: { now: () => now },
  });
});

afterAll(async () => {
  await api.shutdown();
  await pipeline.shutdown();
  httpInstrumentation.disable();
  await tracerProvider.shutdown();
});

let counter = 0;
function rid(): string {
  return `rid=${++counter}`;
}

function eventsFor(name: string, query: string) {
  return pipeline.events(name).filter((r) => r.attributes['url.query'] === query);
}

describe.each(frameworks.map((f, i) => ({ framework: f, index: i })))(
  '$framework.name',
  ({ framework, index }) => {
    let app: RunningApp;
    const client = `10.0.0.${index + 1}`;
    const get = (path: string, headers: Record<string, string> = {}) =>
      fetch(`${app.url}${path}`, { headers: { 'x-forwarded-for': client, ...headers } });

    beforeAll(async () => {
      app = await framework.start();
    });
    afterAll(async () => {
      await app.close();
    });

    it.each([
      ['/users/42', 200, '/users/:id'],
      ['/api/v1/items/7', 200, '/api/v1/items/:itemId'],
      ['/orgs/acme/reports', 200, '/orgs/:org/reports'],
      ['/nope/123', 404, undefined],
    ])(
      'reports %s once with status %i and route %s, sizes, duration and the server span ids',
      async (path, status, route) => {
        const query = rid();
        const res = await get(`${path}?${query}`);
        const body = Buffer.from(await res.arrayBuffer());
        expect(res.status).toBe(status);
        await eventually(() => eventsFor('lifeline.api.access', query).length > 0);
        await new Promise((r) => setTimeout(r, 20));
        const access = eventsFor('lifeline.api.access', query);
        expect(access).toHaveLength(1);
        const event = access[0]!;
        expect(event.attributes['http.route']).toBe(route);
        expect(event.attributes['http.response.status_code']).toBe(status);
        expect(event.attributes['url.path']).toBe(path);
        expect(event.attributes['client.address']).toBe(client);
        if (res.headers.get('content-length') !== null)
          expect(event.attributes['http.response.body.size']).toBe(body.length);
        expect(event.attributes['lifeline.http.duration_ms']).toBeGreaterThan(0);
        expect(event.severityText).toBe(status >= 400 ? 'WARN' : 'INFO');
        const span = spans.getFinishedSpans().find((s) => s.attributes['url.query'] === query);
        expect(span).toBeDefined();
        expect(event.spanContext?.traceId).toBe(span!.spanContext().traceId);
        expect(event.spanContext?.spanId).toBe(span!.spanContext().spanId);
        if (route !== undefined) expect(span!.attributes['http.route']).toBe(route);
      },
    );

    it('emits an exception event with the stack when a handler throws', async () => {
      const query = rid();
      const res = await get(`/boom?${query}`);
      expect(res.status).toBe(500);
      await eventually(
        () =>
          eventsFor('http.server.request.exception', query).length > 0 &&
          eventsFor('lifeline.api.access', query).length > 0,
      );
      const [exception] = eventsFor('http.server.request.exception', query);
      expect(exception!.severityText).toBe('ERROR');
      expect(exception!.attributes['exception.type']).toBe('Error');
      expect(exception!.attributes['exception.message']).toBe('kaboom');
      expect(String(exception!.attributes['exception.stacktrace'])).toMatch(/Error: kaboom\n\s+at /);
      expect(exception!.attributes['http.route']).toBe('/boom');
      const [access] = eventsFor('lifeline.api.access', query);
      expect(access!.attributes['error.type']).toBe('Error');
      expect(access!.severityText).toBe('ERROR');
      expect(exception!.spanContext?.spanId).toBe(access!.spanContext?.spanId);
    });

    it.each([
      ['/private', 401, 'lifeline.security.authn_login_fail'],
      ['/admin', 403, 'lifeline.security.authz_fail'],
      ['/limited', 429, 'lifeline.security.excess_rate_limit_exceeded'],
    ])('answers %s with %i and a %s event', async (path, status, eventName) => {
      const query = rid();
      const res = await get(`${path}?${query}`);
      expect(res.status).toBe(status);
      await eventually(() => eventsFor(eventName, query).length > 0);
      const [event] = eventsFor(eventName, query);
      expect(event!.severityText).toBe('WARN');
      expect(event!.attributes['http.response.status_code']).toBe(status);
      expect(event!.attributes['client.address']).toBe(client);
      expect(eventsFor('http.server.request.exception', query)).toHaveLength(0);
    });

    it('raises one authn_login_fail_max per window for repeated failed logins from one client', async () => {
      const maxFor = () =>
        pipeline
          .events('lifeline.security.authn_login_fail_max')
          .filter((r) => r.attributes['client.address'] === client);
      const login = () =>
        fetch(`${app.url}/login`, {
          method: 'POST',
          headers: { 'x-forwarded-for': client, 'content-type': 'application/json' },
          body: '{"user":"a","password":"wrong"}',
        });
      for (let i = 0; i < 12; i++) expect((await login()).status).toBe(401);
      await eventually(() => maxFor().length === 1);
      expect(maxFor()[0]!.attributes['lifeline.security.failure_count']).toBe(5);
      expect(maxFor()[0]!.severityText).toBe('ERROR');
      now += 60_000;
      for (let i = 0; i < 5; i++) await login();
      await eventually(() => maxFor().length === 2);
      await new Promise((r) => setTimeout(r, 20));
      expect(maxFor()).toHaveLength(2);
    });

    it('emits an audit event for an audited route with who, what and the outcome', async () => {
      const query = rid();
      await get(`/orgs/acme/reports?${query}`, { 'x-user': 'user-7' });
      await eventually(() => eventsFor('lifeline.audit.data_access', query).length > 0);
      const [audit] = eventsFor('lifeline.audit.data_access', query);
      expect(audit!.attributes).toMatchObject({
        'user.id': 'user-7',
        'lifeline.audit.action': 'read',
        'lifeline.audit.resource': '/orgs/:org/reports',
        'lifeline.audit.outcome': 'success',
      });
      expect(eventsFor('lifeline.audit.data_access', rid())).toHaveLength(0);
    });
  },
);

describe.each(frameworks.filter((f) => f.name.startsWith('nest')).map((framework) => ({ framework })))(
  '$framework.name exception filter',
  ({ framework }) => {
    let app: RunningApp;
    beforeAll(async () => {
      app = await framework.start();
    });
    afterAll(async () => {
      await app.close();
    });

    it('records exceptions thrown by guards, before interceptors run', async () => {
      const query = rid();
      expect((await fetch(`${app.url}/guarded?${query}`)).status).toBe(500);
      await eventually(() => eventsFor('http.server.request.exception', query).length > 0);
      const [exception] = eventsFor('http.server.request.exception', query);
      expect(exception!.attributes['exception.message']).toBe('guard failed');
      expect(exception!.attributes['http.route']).toBe('/guarded');
    });
  },
);
