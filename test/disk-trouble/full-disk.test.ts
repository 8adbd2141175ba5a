import { execFileSync } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { fillVolume, overflowThenRecover, settle, useTroubleVolume } from './app-harness.js';

/*
 * A real small file system under a running "app" (a node:http server whose every request emits a
 * log record through the durable processor): the disk fills mid-write and frees again, is
 * remounted read-only, or the queue directory is deleted. In each case the app keeps answering;
 * with the endpoint up nothing is lost; with it down, what is lost equals what is counted.
 */

describe('a real full, read-only or vanished file system under a running app', () => {
  const disk = useTroubleVolume('lifeline-full-disk-');

  it('disk filling mid-write, endpoint up: the app keeps serving, nothing is lost, and durable mode resumes once space is freed', async () => {
    const app = await disk.startApp(join(disk.path, 'logs'));
    const load = app.load();
    await sleep(300);
    const free = await fillVolume(disk.path);
    await expect.poll(async () => (await app.books()).durable, { timeout: 5_000 }).toBe(0);
    await sleep(1_000);
    await free();
    await expect.poll(async () => (await app.books()).durable, { timeout: 10_000 }).toBe(1);
    await sleep(300);
    await load.stop();
    expect(app.failed).toBe(0);
    expect(app.served).toBeGreaterThan(100);
    const end = await settle(app, disk.receiver);
    expect(end.dropped).toBe(0);
    expect(end.delivered).toBe(app.emitted);
  });

  it('disk full with the endpoint down: the app keeps serving and the records lost are exactly those counted', async () => {
    const app = await disk.startApp(join(disk.path, 'logs'));
    await disk.receiver.stop();
    const load = app.load();
    await sleep(200);
    const free = await fillVolume(disk.path);
    await overflowThenRecover(app, disk.receiver, load, free);
  });

  it('read-only mount over the queue directory, endpoint up: the app keeps serving, nothing is lost, and writes resume once it is writable', async () => {
    const queueDir = join(disk.path, 'logs');
    const app = await disk.startApp(queueDir);
    const load = app.load();
    await sleep(300);
    // A read-only mount appears over the queue directory (a remount of the volume itself is refused
    // while files are open for writing): every new file, rename and ledger there fails with EROFS.
    execFileSync('mount', ['--bind', queueDir, queueDir]);
    execFileSync('mount', ['-o', 'remount,ro,bind', queueDir]);
    await expect.poll(async () => (await app.books()).durable, { timeout: 15_000, interval: 100 }).toBe(0);
    await sleep(700);
    execFileSync('umount', [queueDir]);
    await expect.poll(async () => (await app.books()).durable, { timeout: 10_000 }).toBe(1);
    await load.stop();
    expect(app.failed).toBe(0);
    const end = await settle(app, disk.receiver);
    expect(end.dropped).toBe(0);
  });

  it('queue directory deleted under the running app, endpoint up: the app keeps serving, nothing is lost, the directory comes back', async () => {
    const queueDir = join(disk.path, 'logs');
    const app = await disk.startApp(queueDir);
    const load = app.load();
    await sleep(300);
    // The queue may be creating a file at that moment (ENOTEMPTY): try again, as an operator would.
    await rm(queueDir, { recursive: true, force: true, maxRetries: 20, retryDelay: 5 });
    await sleep(1_500);
    await load.stop();
    expect(app.failed).toBe(0);
    const end = await settle(app, disk.receiver);
    expect(end.dropped).toBe(0);
    await expect
      .poll(() => import('node:fs').then((fs) => fs.existsSync(queueDir)), { timeout: 10_000 })
      .toBe(true);
  });

  it('a queue that filled its own volume while the endpoint was down drains once it is back, with no restart (no ledger deadlock)', async () => {
    const app = await disk.startApp(join(disk.path, 'logs'));
    await disk.receiver.stop();
    const load = app.load();
    // The queue alone fills the 3 MiB volume (its own bound is 8 MiB): segments, then ENOSPC.
    await expect.poll(async () => (await app.books()).durable, { timeout: 20_000, interval: 100 }).toBe(0);
    await sleep(500);
    await disk.receiver.start();
    // The backlog goes out, acknowledged segments are deleted although the ledger could not be
    // written first, the disk has room again and durable mode resumes, all while serving.
    await expect.poll(async () => (await app.books()).durable, { timeout: 20_000, interval: 100 }).toBe(1);
    const before = disk.receiver.counts().logRecords;
    await sleep(500);
    await load.stop();
    expect(app.failed).toBe(0);
    const end = await settle(app, disk.receiver);
    expect(end.delivered).toBeGreaterThan(before);
    expect(end.processed - end.delivered).toBe(end.dropped);
  });
});
