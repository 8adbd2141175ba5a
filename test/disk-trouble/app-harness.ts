import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { open, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createDurableLogRecordProcessor } from '@otel-lifeline/exporter';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll, afterEach, beforeAll, beforeEach, expect } from 'vitest';
import { ManualReader, readBooks, type Books } from '../../packages/exporter/test/support/self-metrics.js';

/*
 * The "app" of the disk-trouble tests: a node:http server whose every request emits a log record
 * through the durable processor, its self-metrics read on demand, and a way to fill a volume.
 */

export interface App {
  url: string;
  served: number;
  failed: number;
  emitted: number;
  /** Requests in a loop until stopped; every one emits one log record. */
  load(): { stop(): Promise<void> };
  books(): Promise<Books>;
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
  app.books = () => readBooks(reader);
  app.close = async () => {
    await new Promise<void>((resolve) => server.close(() => resolve()));
    await provider.shutdown();
    await meterProvider.shutdown();
  };
  return app;
}

export interface TroubleVolume {
  /** Where a fresh 3 MiB tmpfs is mounted for each test. */
  readonly path: string;
  /** A receiver started for each test. */
  readonly receiver: Receiver;
  /** Starts the app with its queue in `queueDir`; it is closed after the test. */
  startApp(queueDir: string): Promise<App>;
}

/**
 * Registers the hooks that give each test of the enclosing describe a freshly mounted small tmpfs,
 * a receiver and an app closed after it. Mounting needs root: where it is refused, every test is
 * skipped with that reason, except under CI=true, where it fails. `teardown` runs after the app is
 * closed, before the volume is unmounted.
 */
export function useTroubleVolume(prefix: string, teardown: () => void = () => {}): TroubleVolume {
  const root = mkdtempSync(join(tmpdir(), prefix));
  const volume = join(root, 'volume');
  let mountable = false;
  let receiver: Receiver | undefined;
  let app: App | undefined;

  beforeAll(() => {
    mkdirSync(volume);
    try {
      execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', volume], { stdio: 'ignore' });
      execFileSync('umount', [volume], { stdio: 'ignore' });
      mountable = true;
    } catch {
      mountable = false;
    }
  });
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  beforeEach(async (context) => {
    if (!mountable) {
      // CI runs as root: there a refused mount is a failure, not a reason to skip.
      if (process.env.CI === 'true')
        throw new Error('mounting a tmpfs was refused under CI=true; the disk-trouble tests need root');
      context.skip('mounting a tmpfs is not allowed here (needs root); these tests run in CI as root');
      return;
    }
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=3m', 'tmpfs', volume]);
    receiver = await createReceiver();
  });

  afterEach(async () => {
    if (!mountable) return;
    await app?.close();
    app = undefined;
    teardown();
    await receiver?.close();
    execFileSync('umount', ['-l', volume], { stdio: 'ignore' });
  });

  const current = (): Receiver => {
    if (receiver === undefined) throw new Error('the receiver is started before each test');
    return receiver;
  };
  return {
    path: volume,
    get receiver() {
      return current();
    },
    async startApp(queueDir) {
      app = await startApp(current(), queueDir);
      return app;
    },
  };
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
 * The endpoint is down and the disk full while `load` runs: serves until the 256 KiB memory
 * fallback has overflowed, then frees the disk, brings the endpoint back and settles the books,
 * checking that the app kept serving and that what was lost is exactly what was counted.
 */
export async function overflowThenRecover(
  app: App,
  receiver: Receiver,
  load: { stop(): Promise<void> },
  free: () => Promise<void>,
): Promise<{ processed: number; dropped: number; delivered: number }> {
  await sleep(2_000); // long enough for the 256 KiB memory fallback to overflow
  await load.stop();
  expect(app.failed).toBe(0);
  await free();
  await receiver.start();
  const end = await settle(app, receiver);
  expect(end.dropped).toBeGreaterThan(0);
  expect(end.processed - end.delivered).toBe(end.dropped);
  return end;
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
