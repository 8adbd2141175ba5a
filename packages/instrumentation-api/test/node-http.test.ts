import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentApi, recordRequestError, setHttpRoute } from '@otel-lifeline/instrumentation-api';
import type { InstrumentApiOptions } from '@otel-lifeline/instrumentation-api';
import { createTestPipeline, eventually } from './support/pipeline.js';

describe('node:http capture', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** A test pipeline with the instrumentation active on it, both shut down after the test. */
  function instrumented(options: Omit<InstrumentApiOptions, 'loggerProvider' | 'meterProvider'> = {}) {
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
    return pipeline;
  }

  /** Listens on a loopback port, closed after the test; resolves the base URL. */
  async function listen(server: Server): Promise<string> {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    cleanups.push(() => new Promise((r) => server.close(() => r())));
    return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  }

  it('emits one access event per request with semconv attributes and a redacted query', async () => {
    const pipeline = instrumented();
    const server = createServer((req, res) => {
      if (req.url?.startsWith('/users/')) setHttpRoute(req, '/users/:id');
      if (req.url === '/boom') {
        recordRequestError(req, new TypeError('kaboom'));
        res.statusCode = 500;
        res.end('failed');
        return;
      }
      res.setHeader('content-type', 'text/plain');
      res.end('hello');
    });
    const base = await listen(server);
    const res = await fetch(`${base}/users/42?password=hunter2&page=3`);
    expect(await res.text()).toBe('hello');
    await fetch(`${base}/boom`);
    await eventually(() => pipeline.events('lifeline.api.access').length === 2);
    const [access, failed] = pipeline.events('lifeline.api.access');
    expect(access?.attributes).toMatchObject({
      'http.request.method': 'GET',
      'http.route': '/users/:id',
      'url.path': '/users/42',
      'url.query': 'password=REDACTED&page=3',
      'url.scheme': 'http',
      'http.response.status_code': 200,
      'server.address': '127.0.0.1',
      'client.address': '127.0.0.1',
      'network.protocol.version': '1.1',
      'http.response.body.size': 5,
    });
    expect(access?.attributes['lifeline.http.duration_ms']).toBeGreaterThan(0);
    // The message: method, route, status, duration to a tenth of a millisecond.
    const line = /^GET \/users\/:id 200 (\d+\.\d) ms$/.exec(String(access?.body));
    expect(line, String(access?.body)).not.toBeNull();
    const shown = Number(line?.[1]);
    expect(Math.abs(shown - Number(access?.attributes['lifeline.http.duration_ms']))).toBeLessThanOrEqual(
      0.0501,
    );
    expect(access?.severityText).toBe('INFO');
    expect(failed?.attributes['error.type']).toBe('TypeError');
    const [exception] = pipeline.events('http.server.request.exception');
    expect(exception?.attributes).toMatchObject({
      'exception.type': 'TypeError',
      'exception.message': 'kaboom',
    });
    expect(String(exception?.attributes['exception.stacktrace'])).toContain('node-http.test.ts');
  });

  it('reads headers passed straight to writeHead, in any spelling', async () => {
    const pipeline = instrumented({
      captureHeaders: { response: ['x-trace-note'] },
    });
    const server = createServer((req, res) => {
      // Headers given to writeHead are written without being stored: getHeader sees none of them.
      const body = req.url === '/lower' ? 'lower case' : 'Mixed-Case header names';
      const headers =
        req.url === '/lower'
          ? { 'content-length': Buffer.byteLength(body), 'x-trace-note': 'a' }
          : { 'Content-Length': Buffer.byteLength(body), 'X-Trace-Note': 'b' };
      res.writeHead(200, headers);
      res.write(body); // not end(body): Node computes no length of its own
      res.end();
    });
    const base = await listen(server);
    expect(await (await fetch(`${base}/lower`)).text()).toBe('lower case');
    expect(await (await fetch(`${base}/mixed`)).text()).toBe('Mixed-Case header names');
    await eventually(() => pipeline.events('lifeline.api.access').length === 2);
    const byPath = new Map(
      pipeline.events('lifeline.api.access').map((e) => [e.attributes['url.path'], e.attributes]),
    );
    expect(byPath.get('/lower')).toMatchObject({
      'http.response.body.size': 10,
      'http.response.header.x-trace-note': ['a'],
    });
    expect(byPath.get('/mixed')).toMatchObject({
      'http.response.body.size': 23,
      'http.response.header.x-trace-note': ['b'],
    });
  });

  it('reports the method the client sent when a middleware overrides it on the way', async () => {
    const pipeline = instrumented();
    const server = createServer((req, res) => {
      // As method-override middleware does (X-HTTP-Method-Override).
      const override = req.headers['x-http-method-override'];
      if (typeof override === 'string') req.method = override;
      res.end('ok');
    });
    const base = await listen(server);
    await (
      await fetch(`${base}/items/7`, { method: 'POST', headers: { 'x-http-method-override': 'DELETE' } })
    ).text();
    await eventually(() => pipeline.events('lifeline.api.access').length === 1);
    const [access] = pipeline.events('lifeline.api.access');
    expect(access?.attributes['http.request.method']).toBe('POST');
    expect(String(access?.body)).toMatch(/^POST \/items\/7 200 /);
  });
});
