import { createServer } from 'node:http';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { DURATION_BUCKETS_S, instrumentApi, setHttpRoute } from '@otel-lifeline/instrumentation-api';
import type { InstrumentApiOptions } from '@otel-lifeline/instrumentation-api';
import { pseudonym } from '../src/redactor.js';
import { createTestPipeline, eventually } from './support/pipeline.js';
import type { TestPipeline } from './support/pipeline.js';

const HASH_KEY = 'consumer-hash-key-32-bytes-long!';
const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

async function setup(
  options: InstrumentApiOptions,
  handler?: (req: IncomingMessage, res: ServerResponse) => void,
) {
  const pipeline = createTestPipeline();
  const api = instrumentApi({
    loggerProvider: pipeline.loggerProvider,
    meterProvider: pipeline.meterProvider,
    ...options,
  });
  cleanups.push(
    () => api.shutdown(),
    () => pipeline.shutdown(),
  );
  const server = createServer(
    handler ??
      ((req, res) => {
        const status = Number(/status=(\d+)/.exec(req.url ?? '')?.[1] ?? 200);
        if (req.url?.startsWith('/items/')) setHttpRoute(req, '/items/:id');
        res.statusCode = status;
        res.setHeader('content-type', 'application/json');
        res.end(JSON.stringify({ ok: status < 400 }));
      }),
  );
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  cleanups.push(() => new Promise((r) => server.close(() => r())));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { api, pipeline, base };
}

const access = (p: TestPipeline) => p.events('lifeline.api.access');

describe('instrumentApi', () => {
  it('records the semconv HTTP server metrics with units, attributes and bucket boundaries', async () => {
    const { pipeline, base } = await setup({});
    await (
      await fetch(`${base}/items/1`, {
        method: 'POST',
        body: 'hello',
        headers: { 'content-type': 'text/plain' },
      })
    ).text();
    await (await fetch(`${base}/items/2?status=503`)).text();
    await eventually(() => access(pipeline).length === 2);
    const metrics = (await pipeline.collect()).scopeMetrics.find(
      (s) => s.scope.name === '@otel-lifeline/instrumentation-api',
    )!.metrics;
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    expect([...byName.keys()].sort()).toEqual([
      'http.server.active_requests',
      'http.server.request.duration',
    ]);
    const duration = byName.get('http.server.request.duration')!;
    expect(duration.descriptor.unit).toBe('s');
    const points = duration.dataPoints as Array<{
      attributes: Record<string, unknown>;
      value: { buckets: { boundaries: number[] }; count: number };
    }>;
    expect(points).toHaveLength(2);
    expect(points[0]!.value.buckets.boundaries).toEqual(DURATION_BUCKETS_S);
    const failed = points.find((p) => p.attributes['http.response.status_code'] === 503)!;
    expect(failed.attributes).toEqual({
      'http.request.method': 'GET',
      'url.scheme': 'http',
      'http.response.status_code': 503,
      'http.route': '/items/:id',
      'error.type': '503',
      'network.protocol.version': '1.1',
    });
    const active = byName.get('http.server.active_requests')!;
    expect(active.descriptor.unit).toBe('{request}');
    expect(active.dataPoints.map((p) => [p.attributes, p.value])).toEqual([
      [{ 'http.request.method': 'POST', 'url.scheme': 'http' }, 0],
      [{ 'http.request.method': 'GET', 'url.scheme': 'http' }, 0],
    ]);
  });

  it('records the optional body-size histograms with bodySizeMetrics: true', async () => {
    const { pipeline, base } = await setup({ bodySizeMetrics: true });
    await (
      await fetch(`${base}/items/1`, {
        method: 'POST',
        body: 'hello',
        headers: { 'content-type': 'text/plain' },
      })
    ).text();
    await eventually(() => access(pipeline).length === 1);
    const metrics = (await pipeline.collect()).scopeMetrics.find(
      (s) => s.scope.name === '@otel-lifeline/instrumentation-api',
    )!.metrics;
    const byName = new Map(metrics.map((m) => [m.descriptor.name, m]));
    expect([...byName.keys()].sort()).toEqual([
      'http.server.active_requests',
      'http.server.request.body.size',
      'http.server.request.duration',
      'http.server.response.body.size',
    ]);
    const sum = (name: string) =>
      (
        byName.get(name)!.dataPoints as Array<{ attributes: Record<string, unknown>; value: { sum: number } }>
      )[0]!;
    expect(byName.get('http.server.request.body.size')!.descriptor.unit).toBe('By');
    expect(sum('http.server.request.body.size').value.sum).toBe(5);
    expect(sum('http.server.response.body.size').value.sum).toBe(JSON.stringify({ ok: true }).length);
    expect(sum('http.server.response.body.size').attributes).toEqual({
      'http.request.method': 'POST',
      'url.scheme': 'http',
      'http.response.status_code': 200,
      'http.route': '/items/:id',
      'network.protocol.version': '1.1',
    });
  });

  it('counts security events by name', async () => {
    const { pipeline, base } = await setup({});
    for (const s of [401, 401, 403]) await (await fetch(`${base}/x?status=${s}`)).text();
    await eventually(() => access(pipeline).length === 3);
    const metrics = (await pipeline.collect()).scopeMetrics[0]!.metrics;
    const counter = metrics.find((m) => m.descriptor.name === 'lifeline.security.events')!;
    const values = Object.fromEntries(counter.dataPoints.map((p) => [p.attributes['event.name'], p.value]));
    expect(values).toEqual({ 'lifeline.security.authn_login_fail': 2, 'lifeline.security.authz_fail': 1 });
  });

  it('with events: false emits no log record, and still records the HTTP metrics and counts security events', async () => {
    const { api, pipeline, base } = await setup({ events: false });
    for (const s of [200, 401, 500]) await (await fetch(`${base}/x?status=${s}`)).text();
    await (await fetch(`${base}/items/7`)).text();
    const req = { method: 'GET', url: '/export', headers: {}, socket: {} } as unknown as IncomingMessage;
    api.reportAudit({ action: 'export', resource: 'invoices', outcome: 'success', request: req });
    const metrics = async () => (await pipeline.collect()).scopeMetrics[0]!.metrics;
    const duration = async () =>
      (await metrics()).find((m) => m.descriptor.name === 'http.server.request.duration')?.dataPoints ?? [];
    // The metrics are recorded when a response finishes, which may be after the client's answer.
    let points = await duration();
    for (let i = 0; i < 50 && points.length < 4; i++) {
      await new Promise((r) => setTimeout(r, 20));
      points = await duration();
    }
    expect(
      points.map((p) => [p.attributes['http.response.status_code'], p.attributes['http.route']]),
    ).toEqual(
      expect.arrayContaining([
        [200, undefined],
        [401, undefined],
        [500, undefined],
        [200, '/items/:id'],
      ]),
    );
    const counter = (await metrics()).find((m) => m.descriptor.name === 'lifeline.security.events')!;
    expect(counter.dataPoints.map((p) => [p.attributes['event.name'], p.value])).toEqual([
      ['lifeline.security.authn_login_fail', 1],
    ]);
    expect(pipeline.records()).toEqual([]);
  });

  it('captures no body with events: false (bodies are recorded on the access event only)', async () => {
    const wrapped: boolean[][] = [];
    const handler = (req: IncomingMessage, res: ServerResponse) => {
      // Body capture wraps the request's push and the response's write and end, per request.
      wrapped.push([Object.hasOwn(req, 'push'), Object.hasOwn(res, 'write'), Object.hasOwn(res, 'end')]);
      res.setHeader('content-type', 'text/plain');
      res.end('ok');
    };
    const post = (base: string) =>
      fetch(`${base}/notes`, { method: 'POST', headers: { 'content-type': 'text/plain' }, body: 'hello' });
    const on = await setup({ captureBodies: { request: true, response: true } }, handler);
    await (await post(on.base)).text();
    await on.api.shutdown();
    const off = await setup({ events: false, captureBodies: { request: true, response: true } }, handler);
    await (await post(off.base)).text();
    expect(wrapped).toEqual([
      [true, true, true],
      [false, false, false],
    ]);
  });

  it('samples successful access events by ratio but keeps every 4xx and 5xx', async () => {
    let n = 0;
    const { pipeline, base } = await setup({
      accessSampleRatio: 0.5,
      random: () => (n++ % 2 === 0 ? 0.1 : 0.9),
    });
    for (let i = 0; i < 4; i++) await (await fetch(`${base}/ok`)).text();
    for (const s of [404, 500]) await (await fetch(`${base}/x?status=${s}`)).text();
    await eventually(() => access(pipeline).some((r) => r.attributes['http.response.status_code'] === 500));
    const statuses = access(pipeline).map((r) => r.attributes['http.response.status_code']);
    expect(statuses).toEqual([200, 200, 404, 500]);
  });

  it('leaves health checks out of access events unless they fail with 5xx', async () => {
    const { pipeline, base } = await setup({});
    for (const p of [
      '/health',
      '/healthz',
      '/readyz',
      '/livez',
      '/ping',
      '/ready',
      '/health?status=503',
      '/orders',
    ])
      await (await fetch(base + p)).text();
    await eventually(() => access(pipeline).length === 2);
    await new Promise((r) => setTimeout(r, 20));
    expect(access(pipeline).map((r) => r.attributes['url.path'])).toEqual(['/health', '/orders']);
  });

  it('uses the socket address unless proxies are trusted', async () => {
    const first = await setup({});
    await (await fetch(`${first.base}/a`, { headers: { 'x-forwarded-for': '203.0.113.9' } })).text();
    await eventually(() => access(first.pipeline).length === 1);
    expect(access(first.pipeline)[0]!.attributes['client.address']).toBe('127.0.0.1');
    for (const c of cleanups.splice(0).reverse()) await c();

    const second = await setup({ trustProxy: 1 });
    await (
      await fetch(`${second.base}/a`, { headers: { 'x-forwarded-for': '198.51.100.7, 203.0.113.9' } })
    ).text();
    await (
      await fetch(`${second.base}/b`, {
        headers: { forwarded: 'for=192.0.2.60;proto=http, for="[2001:db8::1]:4711"' },
      })
    ).text();
    await eventually(() => access(second.pipeline).length === 2);
    expect(access(second.pipeline).map((r) => r.attributes['client.address'])).toEqual([
      '203.0.113.9',
      '2001:db8::1',
    ]);
  });

  it('records the consumer: user id as is, API key only as a keyed hash', async () => {
    const { pipeline, base } = await setup({
      consumerHashKey: HASH_KEY,
      identify: (req) => ({ userId: 'u-1', apiKey: String(req.headers['x-api-key']), tenantId: 't-9' }),
    });
    await (await fetch(`${base}/a`, { headers: { 'x-api-key': 'live-key-123456' } })).text();
    await eventually(() => access(pipeline).length === 1);
    const attributes = access(pipeline)[0]!.attributes;
    expect(attributes['user.id']).toBe('u-1');
    expect(attributes['lifeline.consumer.tenant_id']).toBe('t-9');
    expect(attributes['lifeline.consumer.api_key_hash']).toBe(
      pseudonym(Buffer.from(HASH_KEY), 'live-key-123456'),
    );
    expect(JSON.stringify(attributes)).not.toContain('live-key-123456');
  });

  it('gives the same pseudonym for the same secret across requests in hash mode', async () => {
    const { pipeline, base } = await setup({
      redaction: { mode: 'hash', hashKey: HASH_KEY },
      captureHeaders: { request: ['authorization'] },
    });
    for (const p of ['/a?password=hunter2&x=1', '/b?password=hunter2', '/c?password=other']) {
      await (await fetch(base + p, { headers: { authorization: 'Bearer tok-abcdef-123456' } })).text();
    }
    await eventually(() => access(pipeline).length === 3);
    const [a, b, c] = access(pipeline).map((r) => r.attributes);
    const expected = pseudonym(Buffer.from(HASH_KEY), 'hunter2');
    expect(a!['url.query']).toBe(`password=${expected}&x=1`);
    expect(b!['url.query']).toBe(`password=${expected}`);
    expect(c!['url.query']).not.toContain(expected);
    expect(a!['http.request.header.authorization']).toEqual(b!['http.request.header.authorization']);
    expect(JSON.stringify([a, b, c])).not.toMatch(/hunter2|tok-abcdef/);
  });

  it('captures bodies only when asked, text types only, cut on a character boundary', async () => {
    const { pipeline, base } = await setup(
      { captureBodies: { request: true, response: true, maxBytes: 10 } },
      (req, res) => {
        req.resume();
        req.on('end', () => {
          res.setHeader(
            'content-type',
            req.url === '/bin' ? 'application/octet-stream' : 'text/plain; charset=utf-8',
          );
          res.end('ééééééé'); // 14 bytes
        });
      },
    );
    await (
      await fetch(`${base}/text`, {
        method: 'POST',
        body: 'aaaaaaaaa€',
        headers: { 'content-type': 'text/plain' },
      })
    ).text();
    await (
      await fetch(`${base}/bin`, {
        method: 'POST',
        body: new Uint8Array([1, 2, 3]),
        headers: { 'content-type': 'application/octet-stream' },
      })
    ).text();
    await eventually(() => access(pipeline).length === 2);
    const [text, bin] = access(pipeline).map((r) => r.attributes);
    expect(text!['http.request.body.content']).toBe('aaaaaaaaa');
    expect(text!['lifeline.http.request.body.truncated']).toBe(true);
    expect(text!['http.request.body.size']).toBe(12);
    expect(text!['http.response.body.content']).toBe('ééééé');
    expect(text!['http.response.body.size']).toBe(14);
    expect(bin!['http.request.body.content']).toBeUndefined();
    expect(bin!['http.response.body.content']).toBeUndefined();
  });

  it('passes the audit and security lines through the redaction policy, as their attributes', async () => {
    let reported: Promise<void> | undefined;
    const { api, pipeline, base } = await setup({}, (req, res) => {
      reported = Promise.resolve().then(() => {
        api.reportAudit({
          action: 'export',
          resource: '/users/jane@example.com/invoices',
          outcome: 'success',
          userId: 'jane@example.com',
          request: req,
        });
        api.reportSecurityEvent({
          name: 'input_validation_fail',
          request: req,
          message: 'bad token=abc123xyz',
        });
        res.end('ok');
      });
    });
    await (await fetch(`${base}/export`)).text();
    await reported;
    const [audit] = pipeline.events('lifeline.audit.data_access');
    expect(audit!.attributes['user.id']).toBe('REDACTED');
    expect(audit!.body).toBe('REDACTED export /users/REDACTED/invoices: success');
    const [security] = pipeline.events('lifeline.security.input_validation_fail');
    expect(security!.body).toBe('bad token=REDACTED');
  });

  it('lets the app report security and audit events, validating their names', async () => {
    let reported: Promise<void> | undefined;
    const { api, pipeline, base } = await setup({ identify: () => ({ userId: 'u-5' }) }, (req, res) => {
      reported = Promise.resolve().then(() => {
        api.reportSecurityEvent({
          name: 'input_validation_fail',
          request: req,
          message: 'bad field',
          attributes: { field: 'email', token: 'abc' },
        });
        api.reportAudit({ action: 'export', resource: 'invoices', outcome: 'success', request: req });
        res.end('ok');
      });
    });
    await (await fetch(`${base}/export?password=x`)).text();
    await reported;
    const [security] = pipeline.events('lifeline.security.input_validation_fail');
    expect(security!.attributes).toMatchObject({
      field: 'email',
      token: 'REDACTED',
      'url.query': 'password=REDACTED',
      'user.id': 'u-5',
    });
    const [audit] = pipeline.events('lifeline.audit.data_access');
    expect(audit!.attributes).toMatchObject({
      'lifeline.audit.action': 'export',
      'lifeline.audit.resource': 'invoices',
      'lifeline.audit.outcome': 'success',
      'user.id': 'u-5',
    });
    expect(() => api.reportSecurityEvent({ name: 'authn_login_fail:joe' })).toThrow(/event\.name/);
    expect(() => api.reportAudit({ action: 'read', resource: 'x', outcome: 'ok' as never })).toThrow(
      /event\.outcome/,
    );
  });

  it('reports a request whose client went away before the response finished', async () => {
    const { pipeline, base } = await setup({}, (req) => {
      req.socket.destroy();
    });
    await fetch(`${base}/slow`).catch(() => undefined);
    await eventually(() => access(pipeline).length === 1);
    expect(access(pipeline)[0]!.attributes['error.type']).toBe('aborted');
    const active = (await pipeline.collect()).scopeMetrics[0]!.metrics.find(
      (m) => m.descriptor.name === 'http.server.active_requests',
    )!;
    expect(active.dataPoints[0]!.value).toBe(0);
  });

  it('fails loudly on bad options and on a second active instance', async () => {
    expect(() => instrumentApi({ trustProxy: -1 as never })).toThrow(/trustProxy/);
    expect(() => instrumentApi({ accessSampleRatio: 2 })).toThrow(/accessSampleRatio/);
    expect(() => instrumentApi({ bodySizeMetrics: 'yes' as never })).toThrow(
      /invalid option bodySizeMetrics: got "yes", expected true or false/,
    );
    expect(() => instrumentApi({ captureHeaders: { request: ['bad header'] } })).toThrow(
      /captureHeaders\.request\[0\]/,
    );
    expect(() => instrumentApi({ loginRoutes: ['login'] })).toThrow(/loginRoutes\[0\]/);
    expect(() => instrumentApi({ events: 'no' as never })).toThrow(
      /invalid option events: got "no", expected true or false/,
    );
    const { api } = await setup({});
    expect(() => instrumentApi({})).toThrow(/already active/);
    await api.shutdown();
    const again = instrumentApi({});
    await again.shutdown();
  });
});
