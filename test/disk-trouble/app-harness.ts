import { randomBytes } from 'node:crypto';
import { open, rm } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { ResourceMetrics } from '@opentelemetry/sdk-metrics';
import { MeterProvider, MetricReader } from '@opentelemetry/sdk-metrics';
import { createDurableLogRecordProcessor } from '@otel-lifeline/exporter';
import type { Receiver } from '@otel-lifeline/receiver';
import { expect } from 'vitest';

/*
 * The "app" of the disk-trouble tests: a node:http server whose every request emits a log record
 * through the durable processor, its self-metrics read on demand, and a way to fill a volume.
 */

class ManualReader extends MetricReader {
  protected override async onForceFlush(): Promise<void> {}
  protected override async onShutdown(): Promise<void> {}
}

function total(rm: ResourceMetrics, name: string): number {
  let sum = 0;
  for (const sm of rm.scopeMetrics)
    for (const m of sm.metrics)
      if (m.descriptor.name === name) for (const p of m.dataPoints) sum += Number(p.value);
  return sum;
}

export interface App {
  url: string;
  served: number;
  failed: number;
  emitted: number;
  /** Requests in a loop until stopped; every one emits one log record. */
  load(): { stop(): Promise<void> };
  books(): Promise<{ processed: number; exported: number; dropped: number; queued: number; durable: number }>;
  close(): Promise<void>;
}

export async function startApp(receiver: Receiver, queueDir: string): Promise<App> {
  const reader = new ManualReader();
  const meterProvider = new MeterProvider({ readers: [reader] });
  const provider = new LoggerProvider({
    processors: [
      createDurableLogRecordProcessor({
        endpoints: [{ url: `${receiver.url}/v1/logs` }],
        queueDir,
        meterProvider,
        retry: { initialBackoffMs: 50, maxBackoffMs: 200 },
        queue: { maxBytes: 8 * 1024 * 1024, recoveryProbeMs: 50, memoryFallbackBytes: 256 * 1024 },
      }),
    ],
  });
  const logger = provider.getLogger('app');
  const app = { served: 0, failed: 0, emitted: 0 } as App;
  const server: Server = createServer((req, res) => {
    logger.emit({
      body: `request ${app.emitted++}`,
      // Incompressible, so the queue's bytes on disk (fragments are gzip members) fill the volume.
      attributes: { 'url.path': req.url ?? '/', pad: randomBytes(450).toString('base64') },
    });
    res.end('ok');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  app.url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  app.load = () => {
    let running = true;
    const loop = (async () => {
      while (running) {
        const batch = Array.from({ length: 20 }, () =>
          fetch(`${app.url}/ok`).then(
            async (r) => (r.status === 200 && (await r.text()) === 'ok' ? app.served++ : app.failed++),
            () => app.failed++,
          ),
        );
        await Promise.all(batch);
        await sleep(5);
      }
    })();
    return {
      stop: async () => {
        running = false;
        await loop;
      },
    };
  };
  app.books = async () => {
    const { resourceMetrics: rm } = await reader.collect();
    return {
      processed: total(rm, 'otel.sdk.processor.log.processed'),
      exported: total(rm, 'otel.sdk.exporter.log.exported'),
      dropped: total(rm, 'lifeline.queue.dropped'),
      queued: total(rm, 'lifeline.queue.items'),
      durable: total(rm, 'lifeline.queue.durable'),
    };
  };
  app.close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await provider.shutdown();
    await meterProvider.shutdown();
  };
  return app;
}

/** Fills the volume with one file until ENOSPC; returns a function that frees the space. */
export async function fillVolume(dir: string): Promise<() => Promise<void>> {
  const path = join(dir, 'filler');
  const file = await open(path, 'w');
  const chunk = Buffer.alloc(64 * 1024, 1);
  try {
    for (;;) await file.write(chunk);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOSPC') throw error;
  } finally {
    await file.close();
  }
  return () => rm(path, { force: true });
}

/**
 * Waits until every emitted record has reached the processor's books (the last ones wait for their
 * group commit to be encoded) and everything queued is answered for, then checks the books against
 * the receiver.
 */
export async function settle(
  app: App,
  receiver: Receiver,
): Promise<{ processed: number; dropped: number; delivered: number }> {
  await expect
    .poll(
      async () => {
        const books = await app.books();
        return books.processed === app.emitted && books.queued === 0;
      },
      { timeout: 20_000, interval: 100 },
    )
    .toBe(true);
  const books = await app.books();
  const delivered = new Set(receiver.logRecords().map((r) => r.record.body?.stringValue)).size;
  expect(books.processed).toBe(app.emitted);
  expect(books.processed).toBe(books.exported + books.dropped);
  expect(delivered).toBe(books.exported);
  return { processed: books.processed, dropped: books.dropped, delivered };
}
