import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createNodeFileSystem,
  openDiskQueue,
  type DiskQueue,
  type FileSystem,
  type OpenFile,
} from '@otel-lifeline/disk-queue';
import { appendAll, drain, numbered, record, segmentFiles, tempDir, text } from './helpers.js';

describe('disk queue', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const open: DiskQueue[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir());
  });

  afterEach(async () => {
    for (const q of open.splice(0)) await q.close();
    await cleanup();
  });

  async function openQueue(options: Partial<Parameters<typeof openDiskQueue>[0]> = {}): Promise<DiskQueue> {
    const q = await openDiskQueue({ directory: dir, ...options });
    open.push(q);
    return q;
  }

  it('delivers appended records in order once they are flushed', async () => {
    const q = await openQueue();
    await appendAll(q, numbered('r', 50));
    expect(await drain(q.cursor())).toEqual(numbered('r', 50));
    expect(q.stats().pendingRecords).toBe(0);
  });

  it('hands out only durable records: nothing before the group commit', async () => {
    const q = await openQueue({ fsyncIntervalMs: 60_000 });
    q.append(record('not yet'));
    expect(await q.cursor().read()).toBeUndefined();
    expect(q.stats().bufferedRecords).toBe(1);
    await q.flush();
    expect(q.stats().bufferedRecords).toBe(0);
    const batch = await q.cursor().read();
    expect(batch?.records.map(text)).toEqual(['not yet']);
  });

  it('writes within fsyncIntervalMs without an explicit flush', async () => {
    const q = await openQueue({ fsyncIntervalMs: 20 });
    q.append(record('timed'));
    await q.cursor().waitForData();
    expect((await q.cursor().read())?.records.map(text)).toEqual(['timed']);
  });

  it('makes a record appended during a slow write durable one interval after its append, not after the write', async () => {
    // Time is the test's (fake timers and Date); writes are held until the test lets them land. A
    // record appended while a write is in flight must be due INTERVAL_MS after its append;
    // scheduling a full interval after the write instead would start it later.
    const INTERVAL_MS = 400;
    const real = createNodeFileSystem();
    const held: Array<() => void> = [];
    let gate = false;
    const gated: FileSystem = {
      ...real,
      async open(path, flags, mode, options) {
        const file = await real.open(path, flags, mode, options);
        return Object.assign(Object.create(Object.getPrototypeOf(file) as object) as OpenFile, file, {
          durableWrites: file.durableWrites,
          writev: async (buffers: readonly Uint8Array[], position: number) => {
            if (gate) await new Promise<void>((resolve) => held.push(resolve));
            return file.writev(buffers, position);
          },
        });
      },
    };
    const q = await openQueue({ fsyncIntervalMs: INTERVAL_MS, fs: gated });
    gate = true;
    /** Lets real I/O and promise chains run (setImmediate is not faked) until `until`, at most `turns` turns. */
    const settle = async (until: () => boolean = () => false, turns = 100_000): Promise<void> => {
      for (let i = 0; i < turns && !until(); i++) await new Promise((resolve) => setImmediate(resolve));
    };
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'Date'] });
    try {
      q.append(record('first')); // t = 0: due at 400
      vi.advanceTimersByTime(INTERVAL_MS);
      await settle(() => held.length === 1);
      expect(held).toHaveLength(1); // the first write is in flight
      vi.advanceTimersByTime(40);
      q.append(record('second')); // t = 440: due at 840
      vi.advanceTimersByTime(260);
      held[0]!(); // t = 700: the first write lands
      await settle(() => q.stats().bufferedRecords === 1);
      vi.advanceTimersByTime(139); // t = 839: not due yet
      await settle(() => false, 1_000);
      expect(held).toHaveLength(1);
      vi.advanceTimersByTime(1); // t = 840: one interval after its append
      await settle(() => held.length === 2);
      expect(held).toHaveLength(2);
      held[1]!();
    } finally {
      vi.useRealTimers();
      gate = false;
      for (const release of held) release();
    }
    const cursor = q.cursor();
    const seen: string[] = [];
    while (seen.length < 2) {
      await cursor.waitForData();
      seen.push(...(await cursor.read())!.records.map(text));
    }
    expect(seen).toEqual(['first', 'second']);
  });

  it('respects read limits and always returns at least one record', async () => {
    const q = await openQueue();
    await appendAll(q, numbered('r', 10));
    const c = q.cursor();
    const first = await c.read({ maxRecords: 3 });
    expect(first?.records.map(text)).toEqual(numbered('r', 3));
    const second = await c.read({ maxBytes: 1 });
    expect(second?.records.map(text)).toEqual(numbered('r', 1, 3));
    expect(second?.bytes).toBe(8);
  });

  it('reads again from the last acknowledged record after rewind', async () => {
    const q = await openQueue();
    await appendAll(q, numbered('r', 6));
    const c = q.cursor();
    const a = await c.read({ maxRecords: 2 });
    await c.ack(a!);
    await c.read({ maxRecords: 2 });
    c.rewind();
    expect((await c.read({ maxRecords: 2 }))?.records.map(text)).toEqual(['r-000002', 'r-000003']);
  });

  it('keeps unacknowledged records across close and reopen, and forgets acknowledged ones', async () => {
    let q = await openQueue({ segmentBytes: 256 });
    const c = q.cursor();
    for (const t of numbered('r', 40)) {
      q.append(record(t));
      if (t.endsWith('5')) await q.flush();
    }
    await q.flush();
    const a = await c.read({ maxRecords: 15 });
    await c.ack(a!);
    await c.read({ maxRecords: 5 }); // read, not acknowledged: comes back
    await q.close();
    open.length = 0;
    q = await openQueue({ segmentBytes: 256 });
    expect(await drain(q.cursor())).toEqual(numbered('r', 25, 15));
  });

  it('wakes a waiting reader when records become durable, and on abort', async () => {
    const q = await openQueue({ fsyncIntervalMs: 5 });
    const waiting = q.cursor().waitForData();
    q.append(record('x'));
    await waiting;
    const ac = new AbortController();
    const c = q.cursor();
    await drain(c);
    const aborted = c.waitForData(ac.signal);
    ac.abort();
    await aborted;
    expect(await c.read()).toBeUndefined();
  });

  it('deletes a segment once it is acknowledged and a newer one exists', async () => {
    const q = await openQueue({ segmentBytes: 200 });
    for (let i = 0; i < 10; i++) await appendAll(q, numbered(`b${i}`, 5));
    const before = (await segmentFiles(dir)).length;
    expect(before).toBeGreaterThan(3);
    await drain(q.cursor());
    const after = (await segmentFiles(dir)).length;
    expect(after).toBe(1);
    expect(q.stats().segments).toBe(1);
  });

  it('creates its directory 0700 and its files 0600', async () => {
    const sub = join(dir, 'nested', 'queue');
    const q = await openQueue({ directory: sub });
    await appendAll(q, ['x']);
    await q.cursor().ack((await q.cursor().read())!);
    expect((await stat(sub)).mode & 0o777).toBe(0o700);
    for (const name of await readdir(sub))
      expect([name, (await stat(join(sub, name))).mode & 0o777]).toEqual([name, 0o600]);
  });

  it('rejects bad options with the key and what was expected', async () => {
    await expect(openDiskQueue({ directory: dir, maxBytes: -1 })).rejects.toMatchObject({
      code: 'LIFELINE_ERR_CONFIG',
      message: expect.stringContaining("'maxBytes' is -1; expected a positive integer"),
    });
    await expect(openDiskQueue({ directory: dir, cursors: ['a', 'a'] })).rejects.toMatchObject({
      code: 'LIFELINE_ERR_CONFIG',
    });
    await expect(
      openDiskQueue({ directory: dir, encryption: { keyId: 'k', key: new Uint8Array(16) } }),
    ).rejects.toThrow(/32-byte/);
  });

  it('names an unknown cursor', async () => {
    const q = await openQueue({ cursors: ['primary'] });
    expect(() => q.cursor('other')).toThrow(/cursor 'other' is not one of options.cursors \('primary'\)/);
  });

  it('never hands the same records to two concurrent reads of one cursor', async () => {
    const q = await openQueue({ segmentBytes: 300 });
    await appendAll(q, numbered('c', 40));
    const c = q.cursor();
    const batches = await Promise.all([1, 2, 3, 4, 5].map(() => c.read({ maxRecords: 8 })));
    expect(batches.flatMap((b) => b?.records.map(text) ?? [])).toEqual(numbered('c', 40));
  });

  it('reads from the rewound position when rewind races with a read', async () => {
    const q = await openQueue();
    await appendAll(q, numbered('w', 6));
    const c = q.cursor();
    await c.read({ maxRecords: 2 });
    const racing = c.read({ maxRecords: 2 });
    c.rewind();
    expect((await racing)?.records.map(text)).toEqual(['w-000000', 'w-000001']);
    expect((await c.read({ maxRecords: 10 }))?.records.map(text)).toEqual(numbered('w', 4, 2));
  });

  it('releases waiting readers on close, and reads nothing afterwards', async () => {
    const q = await openQueue();
    const waiting = q.cursor().waitForData();
    await q.close();
    await waiting;
    expect(await q.cursor().read()).toBeUndefined();
    await q.close(); // idempotent
  });

  it('refuses to ack a batch on a cursor that did not read it', async () => {
    const q = await openQueue({ cursors: ['a', 'b'] });
    await appendAll(q, ['x']);
    const batch = (await q.cursor('a').read())!;
    await expect(q.cursor('b').ack(batch)).rejects.toMatchObject({ code: 'LIFELINE_ERR_QUEUE_MISUSE' });
    await q.cursor('a').ack(batch);
    expect(q.stats().cursors).toEqual({
      a: { pendingRecords: 0, pendingBytes: 0 },
      b: { pendingRecords: 1, pendingBytes: 29 },
    });
  });

  it('reports the age of the oldest unacknowledged record, also right after reopening', async () => {
    let now = 1_000_000;
    const clock = { now: () => now };
    let q = await openQueue({ clock, segmentBytes: 200 });
    await appendAll(q, ['a1', 'a2']);
    now = 1_005_000;
    await appendAll(q, numbered('b', 10));
    now = 1_010_000;
    expect(q.stats().oldestAgeMs).toBe(10_000);
    await q.cursor().ack((await q.cursor().read({ maxRecords: 2 }))!);
    expect(q.stats().oldestAgeMs).toBe(5_000);
    await q.close();
    open.length = 0;
    now = 1_020_000;
    q = await openQueue({ clock, segmentBytes: 200 });
    expect(q.stats().oldestAgeMs).toBe(15_000);
    await drain(q.cursor());
    expect(q.stats().oldestAgeMs).toBe(0);
  });

  it('drops appends after close, counted', async () => {
    const q = await openQueue();
    await q.close();
    expect(q.append(record('late'))).toBe(false);
    expect(q.stats().drops.io_error).toBe(1);
  });
});
