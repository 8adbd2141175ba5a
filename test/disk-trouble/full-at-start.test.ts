import { execFileSync } from 'node:child_process';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { diag, DiagLogLevel } from '@opentelemetry/api';
import { describe, expect, it } from 'vitest';
import { fillVolume, overflowThenRecover, settle, useTroubleVolume } from './app-harness.js';

/*
 * The disk is already full (or read-only) when the app starts: the queue cannot even create its lock
 * file. The app starts and serves; records go to the endpoint through memory (nothing lost while it
 * is up; with it down, what is lost is what is counted); once the disk takes writes, the queue opens
 * its directory and records are durable again: on disk, in segments, with no empty files left.
 */

/** Files in the queue directory: name → size (none when it does not exist). */
async function queueFiles(dir: string): Promise<Map<string, number>> {
  const files = new Map<string, number>();
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) files.set(name, (await stat(join(dir, name))).size);
  return files;
}

/** diag lines about the queue's durability (one per transition per signal is the promise). */
function captureDurabilityLines(): string[] {
  const lines: string[] = [];
  const keep = (message: string): void => {
    if (/queue: the disk (refuses|takes)/.test(message)) lines.push(message);
  };
  diag.setLogger(
    { error: keep, warn: keep, info: keep, debug: () => {}, verbose: () => {} },
    { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true },
  );
  return lines;
}

describe('a disk already full or read-only when the app starts', () => {
  const disk = useTroubleVolume('lifeline-full-at-start-', () => diag.disable());
  const queueDir = join(disk.path, 'logs');

  it('full at start, endpoint up: the app starts and serves, nothing is lost, and the queue opens once space is freed', async () => {
    const free = await fillVolume(disk.path);
    const lines = captureDurabilityLines();
    const app = await disk.startApp(queueDir);
    const load = app.load();
    await expect.poll(async () => (await app.books()).durable, { timeout: 5_000 }).toBe(0);
    await sleep(1_000);
    // Delivered while the disk is full: the backend is healthy, so telemetry is not silenced.
    expect(disk.receiver.counts().logRecords).toBeGreaterThan(50);
    // No file churn: no segment, no temporary lock, no probe file left on the full disk.
    expect([...(await queueFiles(queueDir)).keys()]).toEqual([]);
    await free();
    await expect.poll(async () => (await app.books()).durable, { timeout: 10_000 }).toBe(1);
    // Durable again: with the endpoint gone, records now wait in segments on disk.
    await disk.receiver.stop();
    await expect
      .poll(
        async () => {
          const files = await queueFiles(queueDir);
          return [...files].filter(([name, size]) => name.endsWith('.seg') && size > 4096).length;
        },
        { timeout: 10_000 },
      )
      .toBeGreaterThan(0);
    await load.stop();
    await disk.receiver.start();
    expect(app.failed).toBe(0);
    const end = await settle(app, disk.receiver);
    expect(end.dropped).toBe(0);
    expect(end.delivered).toBe(app.emitted);
    for (const [name, size] of await queueFiles(queueDir)) {
      if (name.endsWith('.seg')) expect(size, name).toBeGreaterThan(0);
    }
    expect(lines.filter((l) => l.includes('refuses'))).toHaveLength(1);
    expect(lines.filter((l) => l.includes('takes writes again'))).toHaveLength(1);
  });

  it('full at start, endpoint down: the records lost are exactly those counted, and the rest arrive once both recover', async () => {
    const free = await fillVolume(disk.path);
    await disk.receiver.stop();
    const app = await disk.startApp(queueDir);
    const end = await overflowThenRecover(app, disk.receiver, app.load(), free);
    expect(end.delivered).toBeGreaterThan(0);
  });

  it('read-only at start, endpoint up: nothing is lost, and durable mode begins once the volume is writable', async () => {
    execFileSync('mount', ['-o', 'remount,ro', disk.path]);
    const app = await disk.startApp(queueDir);
    const load = app.load();
    await expect.poll(async () => (await app.books()).durable, { timeout: 5_000 }).toBe(0);
    await sleep(700);
    expect(disk.receiver.counts().logRecords).toBeGreaterThan(20);
    execFileSync('mount', ['-o', 'remount,rw', disk.path]);
    await expect.poll(async () => (await app.books()).durable, { timeout: 10_000 }).toBe(1);
    await sleep(300);
    await load.stop();
    expect(app.failed).toBe(0);
    const end = await settle(app, disk.receiver);
    expect(end.dropped).toBe(0);
    expect(end.delivered).toBe(app.emitted);
    expect([...(await queueFiles(queueDir)).keys()]).toContain('lock');
  });
});
