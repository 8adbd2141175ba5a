import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { fillVolume, settle, startApp, type App } from './app-harness.js';

/*
 * A real small file system under a running "app" (a node:http server whose every request emits a
 * log record through the durable processor): the disk fills mid-write and frees again, is
 * remounted read-only, or the queue directory is deleted. In each case the app keeps answering;
 * with the endpoint up nothing is lost; with it down, what is lost equals what is counted.
 */

const root = mkdtempSync(join(tmpdir(), 'lifeline-full-disk-'));
const volume = join(root, 'volume');
let mountable = false;

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

describe('a real full, read-only or vanished file system under a running app', () => {
  let receiver: Receiver;
  let app: App | undefined;

  beforeEach(async (context) => {
    if (!mountable) {
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
    await receiver.close();
    execFileSync('umount', ['-l', volume], { stdio: 'ignore' });
  });

  it('disk filling mid-write, endpoint up: the app keeps serving, nothing is lost, and durable mode resumes once space is freed', async () => {
    app = await startApp(receiver, join(volume, 'logs'));
    const load = app.load();
    await sleep(300);
    const free = await fillVolume(volume);
    await expect.poll(async () => (await app!.books()).durable, { timeout: 5_000 }).toBe(0);
    await sleep(1_000);
    await free();
    await expect.poll(async () => (await app!.books()).durable, { timeout: 10_000 }).toBe(1);
    await sleep(300);
    await load.stop();
    expect(app.failed).toBe(0);
    expect(app.served).toBeGreaterThan(100);
    const end = await settle(app, receiver);
    expect(end.dropped).toBe(0);
    expect(end.delivered).toBe(app.emitted);
  });

  it('disk full with the endpoint down: the app keeps serving and the records lost are exactly those counted', async () => {
    app = await startApp(receiver, join(volume, 'logs'));
    await receiver.stop();
    const load = app.load();
    await sleep(200);
    const free = await fillVolume(volume);
    await sleep(2_000); // long enough for the 256 KiB memory fallback to overflow
    await load.stop();
    expect(app.failed).toBe(0);
    await free();
    await receiver.start();
    const end = await settle(app, receiver);
    expect(end.dropped).toBeGreaterThan(0);
    expect(end.processed - end.delivered).toBe(end.dropped);
  });

  it('read-only mount over the queue directory, endpoint up: the app keeps serving, nothing is lost, and writes resume once it is writable', async () => {
    const queueDir = join(volume, 'logs');
    app = await startApp(receiver, queueDir);
    const load = app.load();
    await sleep(300);
    // A read-only mount appears over the queue directory (a remount of the volume itself is refused
    // while files are open for writing): every new file, rename and ledger there fails with EROFS.
    execFileSync('mount', ['--bind', queueDir, queueDir]);
    execFileSync('mount', ['-o', 'remount,ro,bind', queueDir]);
    await expect.poll(async () => (await app!.books()).durable, { timeout: 15_000, interval: 100 }).toBe(0);
    await sleep(700);
    execFileSync('umount', [queueDir]);
    await expect.poll(async () => (await app!.books()).durable, { timeout: 10_000 }).toBe(1);
    await load.stop();
    expect(app.failed).toBe(0);
    const end = await settle(app, receiver);
    expect(end.dropped).toBe(0);
  });

  it('queue directory deleted under the running app, endpoint up: the app keeps serving, nothing is lost, the directory comes back', async () => {
    const queueDir = join(volume, 'logs');
    app = await startApp(receiver, queueDir);
    const load = app.load();
    await sleep(300);
    // The queue may be creating a file at that moment (ENOTEMPTY): try again, as an operator would.
    await rm(queueDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 5 });
    await sleep(1_500);
    await load.stop();
    expect(app.failed).toBe(0);
    const end = await settle(app, receiver);
    expect(end.dropped).toBe(0);
    await expect
      .poll(() => import('node:fs').then((fs) => fs.existsSync(queueDir)), { timeout: 10_000 })
      .toBe(true);
  });

  it('a queue that filled its own volume while the endpoint was down drains once it is back, with no restart (no ledger deadlock)', async () => {
    app = await startApp(receiver, join(volume, 'logs'));
    await receiver.stop();
    const load = app.load();
    // The queue alone fills the 3 MiB volume (its own bound is 8 MiB): segments, then ENOSPC.
    await expect.poll(async () => (await app!.books()).durable, { timeout: 20_000, interval: 100 }).toBe(0);
    await sleep(500);
    await receiver.start();
    // The backlog goes out, acknowledged segments are deleted although the ledger could not be
    // written first, the disk has room again and durable mode resumes, all while serving.
    await expect.poll(async () => (await app!.books()).durable, { timeout: 20_000, interval: 100 }).toBe(1);
    const before = receiver.counts().logRecords;
    await sleep(500);
    await load.stop();
    expect(app.failed).toBe(0);
    const end = await settle(app, receiver);
    expect(end.delivered).toBeGreaterThan(before);
    expect(end.processed - end.delivered).toBe(end.dropped);
  });
});
