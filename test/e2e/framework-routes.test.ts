import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { Receiver } from '@otel-lifeline/receiver';
import { attribute, examplesDir, startApp, useE2eWorld } from './support.js';

// The framework examples hold no Lifeline line: `node --import @otel-lifeline/node/register`
// alone must give their requests a route template on the access events, the server spans and the
// HTTP metrics, and each thrown error exactly one exception event, linked to the span and the
// access event of its request.
const EXAMPLES = [
  { name: 'express', entry: 'server.mjs' },
  { name: 'koa', entry: 'server.mjs' },
  { name: 'hono', entry: 'server.mjs' },
  { name: 'nest', entry: 'server.cjs' },
];
const LIFELINE_LINE = /lifeline|instrumentApi|expressAdapter|koaMiddleware|honoMiddleware|nestInterceptor/i;

const world = useE2eWorld('lifeline-e2e-routes-');
const { work, apps } = world;

type Attributes = Parameters<typeof attribute>[0];
const serviceOf = (resource: { attributes?: Attributes } | undefined) =>
  attribute(resource?.attributes, 'service.name');
const ridOf = (attributes: Attributes) =>
  new URLSearchParams(attribute(attributes, 'url.query') ?? '').get('rid');

function logRecords(service: string, eventName: string) {
  return world.receiver
    .logRecords()
    .filter((r) => r.record.eventName === eventName && serviceOf(r.resource) === service)
    .map((r) => r.record);
}

describe('framework examples, with no Lifeline line in their code', () => {
  it.each(EXAMPLES)('$name: the code names no Lifeline package or adapter', ({ name }) => {
    const dir = join(examplesDir, name);
    for (const file of readdirSync(dir).filter((f) => /\.(m|c)?js$/.test(f))) {
      const code = readFileSync(join(dir, file), 'utf8')
        .split('\n')
        .filter((line) => !/^\s*\/\//.test(line)); // comments may say how the example is started
      expect(
        code.filter((line) => LIFELINE_LINE.test(line)),
        `${name}/${file}`,
      ).toEqual([]);
    }
  });

  it('routes on events, spans and metrics; one exception event per thrown error', async () => {
    const started = EXAMPLES.map((example) => {
      const service = `routes-${example.name}`;
      const app = startApp(
        join(examplesDir, example.name),
        ['--import', '@otel-lifeline/node/register', example.entry],
        {
          OTEL_SERVICE_NAME: service,
          OTEL_EXPORTER_OTLP_ENDPOINT: world.receiver.url,
          LIFELINE_QUEUE_DIR: join(work, service),
          OTEL_METRIC_EXPORT_INTERVAL: '500',
        },
      );
      apps.push(app);
      return { ...example, service, app };
    });
    const calls: Array<[rid: string, path: string, method: string, route: string | undefined]> = [
      ['ok', '/api/items/1', 'GET', '/api/items/:id'],
      ['missing', '/api/items/404', 'GET', '/api/items/:id'],
      ['login', '/api/login', 'POST', '/api/login'],
      ['fail-1', '/api/fail', 'GET', '/api/fail'],
      ['fail-2', '/api/fail', 'GET', '/api/fail'],
      ['nowhere', '/no/such/route', 'GET', undefined],
    ];
    await Promise.all(
      started.map(async ({ app }) => {
        const url = await app.url;
        for (const [rid, path, method] of calls)
          await (await fetch(`${url}${path}?rid=${rid}`, { method })).text();
      }),
    );

    for (const { name, service, app } of started) {
      const output = () => `${name}\n${app.output()}`;
      await world.receiver
        .waitFor(
          (r) =>
            r
              .logRecords()
              .filter(
                (l) => l.record.eventName === 'lifeline.api.access' && serviceOf(l.resource) === service,
              ).length >= calls.length,
          20_000,
        )
        .catch(() => undefined);
      const access = new Map(logRecords(service, 'lifeline.api.access').map((r) => [ridOf(r.attributes), r]));
      for (const [rid, , , route] of calls) {
        expect(access.has(rid), `${rid}: ${output()}`).toBe(true);
        expect(attribute(access.get(rid)?.attributes, 'http.route'), `${rid} ${output()}`).toBe(route);
      }
      expect(attribute(access.get('nowhere')?.attributes, 'http.response.status_code')).toBe('404');

      // Exactly one exception event per failed request, with the access event's trace and span.
      await world.receiver
        .waitFor(
          (r) => r.logRecords().filter((l) => serviceOf(l.resource) === service).length >= calls.length + 2,
          5_000,
        )
        .catch(() => undefined);
      const exceptions = logRecords(service, 'http.server.request.exception');
      expect(exceptions.map((e) => ridOf(e.attributes)).sort(), output()).toEqual(['fail-1', 'fail-2']);
      for (const exception of exceptions) {
        const accessEvent = access.get(ridOf(exception.attributes));
        expect(attribute(exception.attributes, 'exception.type')).toBe('Error');
        expect(attribute(exception.attributes, 'exception.message')).toBe('boom');
        expect(attribute(exception.attributes, 'exception.stacktrace')).toMatch(/^Error: boom\n\s+at /);
        expect(attribute(exception.attributes, 'http.route')).toBe('/api/fail');
        expect(exception.traceId).toMatch(/^[0-9a-f]{32}$/);
        expect(exception.traceId).toBe(accessEvent?.traceId);
        expect(exception.spanId).toBe(accessEvent?.spanId);
      }

      // The server span of each routed request is named after the route and carries http.route.
      await world.receiver
        .waitFor(
          (r) => r.spans().filter((s) => serviceOf(s.resource) === service).length >= calls.length,
          20_000,
        )
        .catch(() => undefined);
      const spans = new Map(
        world.receiver
          .spans()
          .filter((s) => serviceOf(s.resource) === service)
          .map((s) => [s.span.spanId, s.span]),
      );
      for (const [rid, , method, route] of calls) {
        const span = spans.get(access.get(rid)?.spanId);
        expect(span, `${rid} span: ${output()}`).toBeDefined();
        expect(span?.name).toBe(route === undefined ? method : `${method} ${route}`);
        expect(attribute(span?.attributes, 'http.route')).toBe(route);
      }

      // The duration histogram has a series per route, and the 404's has none.
      // A metric export can fall between two requests, so wait for every expected series.
      const expectedRoutes = ['/api/fail', '/api/items/:id', '/api/login', undefined];
      await world.receiver
        .waitFor((r) => expectedRoutes.every((route) => durationRoutes(r, service).has(route)), 20_000)
        .catch(() => undefined);
      expect([...durationRoutes(world.receiver, service)].sort(), output()).toEqual(expectedRoutes.sort());
    }
  }, 120_000);
});

/** The `http.route` values of the `http.server.request.duration` points a service sent. */
function durationRoutes(r: Receiver, service: string): Set<string | undefined> {
  const routes = new Set<string | undefined>();
  for (const { resource, metric } of r.metrics()) {
    if (metric.name !== 'http.server.request.duration' || serviceOf(resource) !== service) continue;
    for (const point of metric.histogram?.dataPoints ?? [])
      routes.add(attribute(point.attributes, 'http.route'));
  }
  return routes;
}
