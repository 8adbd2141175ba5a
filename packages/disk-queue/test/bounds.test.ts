import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import { openDiskQueue, type DiskQueue } from '@otel-lifeline/disk-queue';
import { drain, numbered, padded, record, segmentFiles, unpadded } from './helpers.js';
import { SMALL_DISK, useQueueDir } from './queue-fixture.js';

describe('disk queue bounds', () => {
  const tmp = useQueueDir('lifeline-dq-bounds-');

  /** The bytes a payload takes in the buffer and on disk: 100 and the 28 of its frame. */
  const frame = 100 + 28;
  /** A queue with a 2000-byte buffer that writes only when `flushBytes` are buffered (no timed fsync). */
  const openBuffered = (flushBytes: number) =>
    tmp.open({ maxBufferBytes: 2000, flushBytes, fsyncIntervalMs: 60_000 });
  /** Drains the queue, returning each payload without its padding. */
  const drainUnpadded = async (queue: DiskQueue) => unpadded(await drain(queue.cursor()));

  it("drop-newest keeps what was accepted and refuses what does not fit, counted as 'queue_full'", async () => {
    const queue = await tmp.open(SMALL_DISK);
    const all = numbered('n', 100);
    const accepted: string[] = [];
    for (const t of all) {
      if (queue.append(padded(t))) accepted.push(t);
      await queue.flush();
      const s = queue.stats();
      expect(s.diskBytes + s.bufferedBytes).toBeLessThanOrEqual(4096);
    }
    const refused = all.length - accepted.length;
    expect(refused).toBeGreaterThan(50);
    expect(accepted).toEqual(all.slice(0, accepted.length));
    expect(queue.stats().drops).toMatchObject({ queue_full: refused, buffer_full: 0 });
    expect(tmp.drops.filter((e) => e.reason === 'queue_full').reduce((n, e) => n + e.records, 0)).toBe(
      refused,
    );
    expect(await drainUnpadded(queue)).toEqual(accepted);
    // Acknowledged space is given back: new records fit again.
    expect(queue.append(padded('again'))).toBe(true);
  });

  it("drop-oldest evicts whole segments, oldest first, counted as 'queue_full'", async () => {
    const queue = await tmp.open({ ...SMALL_DISK, whenFull: 'drop-oldest' });
    const all = numbered('o', 100);
    for (const t of all) {
      expect(queue.append(padded(t))).toBe(true);
      await queue.flush();
      expect(queue.stats().diskBytes).toBeLessThanOrEqual(4096);
    }
    const kept = await drainUnpadded(queue);
    expect(kept.length).toBeGreaterThan(10);
    expect(kept).toEqual(all.slice(all.length - kept.length));
    expect(queue.stats().drops.queue_full).toBe(all.length - kept.length);
    expect(tmp.drops.every((e) => e.reason === 'queue_full')).toBe(true);
  });

  it("drops what exceeds the in-memory buffer cap while the writer is not held up, counted as 'buffer_full'", async () => {
    // No flush falls due during the burst: the writer is idle by choice, not starved.
    const queue = await openBuffered(2000);
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (queue.append(padded(`b${i}`))) accepted++;
    expect(accepted).toBe(Math.floor(2000 / frame));
    expect(queue.stats().bufferedBytes).toBeLessThanOrEqual(2000);
    expect(queue.stats().drops.buffer_full).toBe(100 - accepted);
    expect(tmp.drops[0]).toEqual({ reason: 'buffer_full', records: 1, bytes: 100 });
    await queue.flush();
    expect(queue.append(padded('fits again'))).toBe(true);
  });

  it('a starved writer does not drop below the bound: the buffer grows to twice maxBufferBytes, then buffer_full', async () => {
    const queue = await openBuffered(500);
    // One synchronous burst: a flush falls due after 500 bytes, but the event loop never turns to
    // start it, as in an app busy on the CPU.
    const all = numbered('s', 100);
    const accepted: string[] = [];
    for (const t of all) if (queue.append(padded(t))) accepted.push(t);
    expect(accepted.length).toBeGreaterThan(Math.floor(2000 / frame));
    expect(accepted.length).toBe(Math.floor(4000 / frame));
    expect(accepted).toEqual(all.slice(0, accepted.length));
    expect(queue.stats().drops.buffer_full).toBe(all.length - accepted.length);
    await queue.flush();
    expect(await drainUnpadded(queue)).toEqual(accepted);
  });

  it('a starved writer still stops at the disk bound: queue_full before the staging cap', async () => {
    const queue = await tmp.open({
      maxBytes: 2600,
      segmentBytes: 1024,
      maxBufferBytes: 1500,
      flushBytes: 500,
      fsyncIntervalMs: 60_000,
    });
    const onDisk = queue.stats().diskBytes;
    let accepted = 0;
    for (let i = 0; i < 100; i++) if (queue.append(padded(`q${i}`))) accepted++;
    // Past maxBufferBytes (1500 = 11 frames): the burst allowance took more, up to maxBytes.
    expect(accepted).toBe(Math.floor((2600 - onDisk) / frame));
    expect(accepted).toBeGreaterThan(Math.floor(1500 / frame));
    expect(queue.stats().drops).toMatchObject({ queue_full: 100 - accepted, buffer_full: 0 });
  });

  it('waitForRoom lets a producer wait instead of dropping, and resolves once enough is written', async () => {
    const queue = await openBuffered(1000);
    const all = numbered('w', 300);
    let waits = 0;
    for (const t of all) {
      if (queue.stats().bufferedBytes + frame > 2000) {
        waits++;
        await queue.waitForRoom(1000);
        // Resolved only once no more than the threshold waits to be written.
        expect(queue.stats().bufferedBytes).toBeLessThanOrEqual(1000);
      }
      expect(queue.append(padded(t))).toBe(true);
    }
    expect(waits).toBeGreaterThan(10);
    expect(queue.stats().drops.buffer_full).toBe(0);
    expect(tmp.drops).toEqual([]);
    // Already below the threshold: at once.
    await queue.flush();
    await queue.waitForRoom(0);
    expect(await drainUnpadded(queue)).toEqual(all);
    // A waiter left when the queue closes is released, not left hanging.
    for (let i = 0; i < 15; i++) queue.append(padded(`late${i}`));
    const pending = queue.waitForRoom(0);
    await queue.close();
    await pending;
    await queue.waitForRoom();
  });

  it("expires records older than maxAge when read, counted as 'max_age'", async () => {
    let now = 5_000_000;
    const queue = await tmp.open({ maxAgeMs: 1_000, clock: { now: () => now } });
    for (const t of numbered('a', 5)) queue.append(record(t));
    await queue.flush();
    now += 2_000;
    for (const t of numbered('b', 3)) queue.append(record(t));
    await queue.flush();
    expect(await drain(queue.cursor())).toEqual(numbered('b', 3));
    expect(queue.stats().drops.max_age).toBe(5);
  });

  it("deletes whole segments past maxAge on open without reading them, counted once as 'max_age'", async () => {
    let now = 9_000_000;
    const options = { segmentBytes: 256, maxAgeMs: 10_000, clock: { now: () => now } };
    let queue = await tmp.open(options);
    for (let i = 0; i < 6; i++) {
      for (const t of numbered(`old${i}`, 4)) queue.append(record(t));
      await queue.flush();
    }
    await queue.close();
    const before = (await segmentFiles(tmp.dir)).length;
    expect(before).toBeGreaterThan(3);
    now += 60_000;
    queue = await tmp.open(options);
    // Sealed segments all expired; the last one's records expire as they are read.
    expect((await segmentFiles(tmp.dir)).length).toBeLessThanOrEqual(1);
    expect(await drain(queue.cursor())).toEqual([]);
    expect(queue.stats().drops.max_age).toBe(24);
  });

  it('expires the idle segment being written, whole, once its newest record passes maxAge', async () => {
    let now = 7_000_000;
    const queue = await tmp.open({ maxAgeMs: 1_000, clock: { now: () => now } });
    for (const t of numbered('idle', 4)) queue.append(record(t));
    await queue.flush();
    expect(await segmentFiles(tmp.dir)).toHaveLength(1);
    now += 5_000;
    await sleep(1_300); // the expiry check runs every max(1 s, maxAge / 4)
    expect(await segmentFiles(tmp.dir)).toHaveLength(0);
    expect(queue.stats().drops.max_age).toBe(4);
    expect(await drain(queue.cursor())).toEqual([]);
    queue.append(record('fresh'));
    await queue.flush();
    expect(await drain(queue.cursor())).toEqual(['fresh']);
    expect(queue.stats().drops.max_age).toBe(4);
  });

  it('rejects maxBufferBytes larger than maxBytes', async () => {
    await expect(openDiskQueue({ directory: tmp.dir, maxBytes: 1000, maxBufferBytes: 2000 })).rejects.toThrow(
      /'maxBufferBytes' is 2000; expected at most maxBytes \(1000\)/,
    );
  });
});
