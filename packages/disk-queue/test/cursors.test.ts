import { readdir } from 'node:fs/promises';
import { setTimeout as sleep } from 'node:timers/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDiskQueue, type DiskQueue, type QueueCursor } from '@otel-lifeline/disk-queue';
import { framesOf, numbered, record, segmentFiles, tempDir, text } from './helpers.js';

describe('disk queue cursors', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let queue: DiskQueue;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lifeline-dq-cursors-'));
    queue = await openDiskQueue({
      directory: dir,
      cursors: ['fast', 'slow'],
      segmentBytes: 512,
      fsyncIntervalMs: 2,
    });
  });

  afterEach(async () => {
    await queue.close();
    await cleanup();
  });

  async function consume(
    cursor: QueueCursor,
    total: number,
    maxRecords: number,
    pauseMs: number,
  ): Promise<string[]> {
    const got: string[] = [];
    while (got.length < total) {
      await cursor.waitForData();
      const batch = await cursor.read({ maxRecords });
      if (batch === undefined) continue;
      got.push(...batch.records.map(text));
      if (pauseMs > 0) await sleep(pauseMs);
      await cursor.ack(batch);
    }
    return got;
  }

  it('lets two cursors read the same records at different speeds, each once and in order', async () => {
    const all = numbered('m', 300);
    const producer = (async () => {
      for (let i = 0; i < all.length; i += 10) {
        for (const t of all.slice(i, i + 10)) queue.append(record(t));
        await sleep(1);
      }
    })();
    const [fast, slow] = await Promise.all([
      consume(queue.cursor('fast'), all.length, 50, 0),
      consume(queue.cursor('slow'), all.length, 3, 3),
      producer,
    ]);
    expect(fast).toEqual(all);
    expect(slow).toEqual(all);
    expect(queue.stats().cursors).toEqual({
      fast: { pendingRecords: 0, pendingBytes: 0 },
      slow: { pendingRecords: 0, pendingBytes: 0 },
    });
  });

  it('deletes a segment only after both cursors have passed it', async () => {
    const all = numbered('s', 120);
    for (let i = 0; i < all.length; i += 6) {
      for (const t of all.slice(i, i + 6)) queue.append(record(t));
      await queue.flush();
    }
    const before = await segmentFiles(dir);
    expect(before.length).toBeGreaterThan(4);
    await consume(queue.cursor('fast'), all.length, 1000, 0);
    expect(await segmentFiles(dir)).toEqual(before);

    const slow = queue.cursor('slow');
    let acked = 0;
    while (acked < all.length) {
      const batch = (await slow.read({ maxRecords: 7 }))!;
      await slow.ack(batch);
      acked += batch.records.length;
      // Everything the slow cursor has not acknowledged is still on disk, in order.
      const onDisk: string[] = [];
      for (const f of await segmentFiles(dir))
        onDisk.push(...(await framesOf(join(dir, f))).map((x) => x.payload));
      const unacked = all.length - acked;
      expect(onDisk.slice(onDisk.length - unacked)).toEqual(all.slice(acked));
    }
    expect((await segmentFiles(dir)).length).toBe(1);
  });

  it('keeps a bounded number of files open while a cursor walks a long backlog', async () => {
    for (let i = 0; i < 40; i++) {
      for (const t of numbered(`f${i}`, 8)) queue.append(record(t));
      await queue.flush();
    }
    expect((await segmentFiles(dir)).length).toBeGreaterThan(30);
    const fds = async () => (await readdir('/proc/self/fd')).length;
    const before = await fds();
    const got: string[] = [];
    for (
      let batch = await queue.cursor('fast').read({ maxRecords: 5 });
      batch;
      batch = await queue.cursor('fast').read({ maxRecords: 5 })
    ) {
      got.push(...batch.records.map(text));
    }
    expect(got).toHaveLength(320);
    expect((await fds()) - before).toBeLessThanOrEqual(4);
  });

  it('counts a record that expired once, although two cursors skip it', async () => {
    await queue.close();
    let now = 1_000_000;
    queue = await openDiskQueue({
      directory: dir,
      cursors: ['fast', 'slow'],
      maxAgeMs: 60_000,
      clock: { now: () => now },
    });
    queue.append(record('old'));
    await queue.flush();
    now += 61_000;
    queue.append(record('new'));
    await queue.flush();
    for (const name of ['fast', 'slow']) {
      const batch = await queue.cursor(name).read();
      expect(batch?.records.map(text)).toEqual(['new']);
    }
    expect(queue.stats().drops.max_age).toBe(1);
  });
});
