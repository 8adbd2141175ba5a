import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { logs, trace } from '@opentelemetry/api';
import { afterAll, describe, expect, it } from 'vitest';
import { createReceiver } from '@otel-lifeline/receiver';
import { start } from '@otel-lifeline/node';

// The distribution reports each turn's finished requests together at its end (the API
// instrumentation's batchReports): every flush reports them first. A file of its own, as start()
// keeps one running instance per process.
const work = mkdtempSync(join(tmpdir(), 'lifeline-flush-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('flushing with reports in batches', () => {
  it('flushes the requests finished in the same turn, reported in a batch at its end: lifeline.forceFlush() and the global providers', async () => {
    const receiver = await createReceiver();
    const lifeline = start({
      config: {
        endpoints: { primary: { url: receiver.url } },
        queue: { directory: join(work, 'queue-flush') },
      },
      handleSignals: false,
      write: () => undefined,
    });
    expect(lifeline.enabled).toBe(true);
    type Flushable = { forceFlush(): Promise<void>; getDelegate?: () => Flushable };
    const delegate = (p: unknown) => {
      const provider = p as Flushable;
      return provider.getDelegate?.() ?? provider;
    };
    const flushes: Array<Promise<unknown>> = [];
    const flushBy: Record<string, () => Promise<unknown>> = {
      '/by-lifeline': () => lifeline.forceFlush(),
      '/by-global-logger-provider': () => delegate(logs.getLoggerProvider()).forceFlush(),
      '/by-global-tracer-provider': () => delegate(trace.getTracerProvider()).forceFlush(),
    };
    /** Per request: whether its server span was still open right before and right after the flush call. */
    const spanOpen: Array<[string, boolean | undefined, boolean | undefined]> = [];
    const server = createServer((req, res) => {
      // Started in the response's finish callback, before the end of the turn its reports wait for:
      // the flush reports them first (the span ends there and then), and delivers them.
      res.on('finish', () => {
        const span = trace.getActiveSpan();
        const before = span?.isRecording();
        flushes.push(flushBy[req.url!]!());
        spanOpen.push([req.url!, before, span?.isRecording()]);
      });
      res.end('ok');
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const port = (server.address() as AddressInfo).port;
    const accessTo = (path: string) =>
      receiver
        .logRecords()
        .filter(
          (r) =>
            r.record.eventName === 'lifeline.api.access' &&
            r.record.attributes?.some((a) => a.key === 'url.path' && a.value?.stringValue === path),
        ).length;
    const spansTo = (path: string) =>
      receiver
        .spans()
        .filter(
          (s) =>
            s.span.kind === 2 &&
            s.span.attributes?.some((a) => a.key === 'url.path' && a.value?.stringValue === path),
        ).length;
    try {
      // What each flush delivers: its own signals (what the other provider holds may be on its way).
      const delivered: Record<string, (path: string) => number[]> = {
        '/by-lifeline': (path) => [accessTo(path), spansTo(path)],
        '/by-global-logger-provider': (path) => [accessTo(path)],
        '/by-global-tracer-provider': (path) => [spansTo(path)],
      };
      const found: Array<[string, ...number[]]> = [];
      for (const path of Object.keys(flushBy)) {
        await (await fetch(`http://127.0.0.1:${port}${path}`)).text();
        await Promise.all(flushes.splice(0));
        // Delivered by the flush itself: nothing waited for after it.
        found.push([path, ...delivered[path]!(path)]);
      }
      expect(spanOpen).toEqual(Object.keys(flushBy).map((path) => [path, true, false]));
      expect(found).toEqual([
        ['/by-lifeline', 1, 1],
        ['/by-global-logger-provider', 1],
        ['/by-global-tracer-provider', 1],
      ]);
    } finally {
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await lifeline.shutdown();
      await receiver.close();
    }
  });
});
