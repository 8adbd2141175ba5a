import { propagation } from '@opentelemetry/api';
import { W3CTraceContextPropagator } from '@opentelemetry/core';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import type { ReadWriteLogRecord } from '@opentelemetry/sdk-logs';
import { once } from 'node:events';
import { createServer, request as httpRequest } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { instrumentApi } from '@otel-lifeline/instrumentation-api';
import type { InstrumentApiHandle } from '@otel-lifeline/instrumentation-api';
import { createTestPipeline } from './support/pipeline.js';
import type { TestPipeline } from './support/pipeline.js';

// `batchReports`: the requests that finished in one turn of the event loop are reported together
// at its end, with the time their response finished and their own context.
propagation.setGlobalPropagator(new W3CTraceContextPropagator());

const ACCESS = 'lifeline.api.access';
const hrMs = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

let pipeline: TestPipeline | undefined;
let api: InstrumentApiHandle | undefined;
let server: Server | undefined;

afterEach(async () => {
  await api?.shutdown();
  server?.close();
  await pipeline?.shutdown();
  api = undefined;
  server = undefined;
  pipeline = undefined;
});

/** A server with the instrumentation (own server spans), `onFinish` called in each response's finish. */
async function start(
  batchReports: boolean | undefined,
  handler: (request: IncomingMessage, response: ServerResponse) => void,
  extraProcessors: Array<{ onEmit(r: ReadWriteLogRecord): void }> = [],
) {
  pipeline = createTestPipeline(extraProcessors);
  const spans = new InMemorySpanExporter();
  const tracerProvider = new TracerProvider({
    spanProcessors: [new SimpleSpanProcessor({ exporter: spans })],
  });
  api = instrumentApi({
    loggerProvider: pipeline.loggerProvider,
    meterProvider: pipeline.meterProvider,
    tracerProvider,
    ...(batchReports === undefined ? {} : { batchReports }),
  });
  server = createServer(handler);
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { port, spans, pipeline, api };
}

function get(port: number, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = httpRequest({ host: '127.0.0.1', port, path, agent: false }, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
    req.end();
  });
}

const accessPaths = (p: TestPipeline) => p.events(ACCESS).map((r) => r.attributes['url.path']);

describe('batchReports', () => {
  it('reports a request at the end of the turn its response finished in, not in the finish callback', async () => {
    const seen: Record<string, unknown> = {};
    const { port, pipeline: p } = await start(true, (_request, response) => {
      response.on('finish', () => {
        // Node's own finish listener (where the request is captured as finished) ran before this one.
        seen.inFinish = accessPaths(p).length;
        setImmediate(() => (seen.afterTurn = accessPaths(p).length));
      });
      response.end('ok');
    });
    expect(await get(port, '/one')).toBe(200);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(seen).toEqual({ inFinish: 0, afterTurn: 1 });
    expect(accessPaths(p)).toEqual(['/one']);
  });

  it('reports in the finish callback without it (the default)', async () => {
    const seen: Record<string, unknown> = {};
    const { port, pipeline: p } = await start(undefined, (_request, response) => {
      response.on('finish', () => (seen.inFinish = accessPaths(p).length));
      response.end('ok');
    });
    expect(await get(port, '/one')).toBe(200);
    expect(seen).toEqual({ inFinish: 1 });
  });

  it('keeps the finish time on the span and the events, and each request its own context, in one batch', async () => {
    const waiting: ServerResponse[] = [];
    const finishedAt: number[] = [];
    const batchSizes: number[] = [];
    let heldBy = 0;
    const {
      port,
      spans,
      pipeline: p,
    } = await start(true, (request, response) => {
      waiting.push(response);
      response.on('finish', () => {
        finishedAt.push(Date.now());
        batchSizes.push(accessPaths(p).length);
        if (finishedAt.length === 2) {
          // Hold the event loop, so that a report timed when it runs would be 50 ms late.
          const until = Date.now() + 50;
          while (Date.now() < until) heldBy++;
        }
      });
      if (waiting.length < 2) return;
      // Both responses end in one callback: they finish in the same turn.
      for (const r of waiting) r.end(`done ${request.url}`);
    });
    const [a, b] = await Promise.all([get(port, '/a'), get(port, '/b')]);
    expect([a, b]).toEqual([200, 200]);
    expect(heldBy).toBeGreaterThan(0);
    // Neither was reported while the other was finishing: one batch.
    expect(batchSizes).toEqual([0, 0]);
    const events = p.events(ACCESS);
    expect(events.map((e) => e.attributes['url.path']).sort()).toEqual(['/a', '/b']);
    const ended = spans.getFinishedSpans();
    expect(ended).toHaveLength(2);
    const latestFinish = Math.max(...finishedAt);
    for (const event of events) {
      const span = ended.find((s) => s.attributes['url.path'] === event.attributes['url.path'])!;
      // Its own span's ids, not the other request's (nor none).
      expect(event.spanContext?.spanId).toBe(span.spanContext().spanId);
      expect(event.spanContext?.traceId).toBe(span.spanContext().traceId);
      // The time the response finished (at most that of the finish listeners, which run after the
      // capture), not the time the batch ran, 50 ms later.
      expect(hrMs(event.hrTime)).toBeLessThanOrEqual(latestFinish + 1);
      expect(hrMs(event.hrTimeObserved)).toBe(hrMs(event.hrTime));
      expect(hrMs(span.endTime)).toBeLessThan(latestFinish + 5);
      expect(hrMs(span.endTime)).toBeGreaterThanOrEqual(hrMs(span.startTime));
    }
  });

  it('reports what waits at once on flushReports() and on shutdown()', async () => {
    const seen: number[] = [];
    const {
      port,
      pipeline: p,
      api: handle,
    } = await start(true, (request, response) => {
      response.on('finish', () => {
        if (request.url === '/flush') handle.flushReports();
        else void handle.shutdown();
        seen.push(accessPaths(p).length);
      });
      response.end('ok');
    });
    expect(await get(port, '/flush')).toBe(200);
    expect(await get(port, '/shutdown')).toBe(200);
    expect(seen).toEqual([1, 2]);
  });

  it('reports the rest of a batch when one report throws', async () => {
    let thrown = 0;
    const throwing = {
      onEmit(record: ReadWriteLogRecord) {
        if (record.attributes['url.path'] === '/bad') {
          thrown++;
          throw new Error('a processor that fails');
        }
      },
    };
    const waiting: ServerResponse[] = [];
    const { port, pipeline: p } = await start(
      true,
      (_request, response) => {
        waiting.push(response);
        if (waiting.length === 2) for (const r of waiting) r.end('ok');
      },
      [throwing],
    );
    const statuses = await Promise.all([get(port, '/bad'), get(port, '/good')]);
    expect(statuses).toEqual([200, 200]);
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(thrown).toBe(1);
    expect(accessPaths(p)).toEqual(['/good']);
  });

  it('refuses a batchReports that is not a boolean, naming the key', () => {
    expect(() => instrumentApi({ batchReports: 'yes' as unknown as boolean })).toThrow(/batchReports/);
  });
});
