import { cp, rm, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  createNodeFileSystem,
  MAX_WRITES_IN_FLIGHT,
  openDiskQueue,
  type DiskQueue,
  type DropEvent,
  type FileSystem,
  type OpenFile,
} from '@otel-lifeline/disk-queue';
import { LOCK_FILE } from '../src/ownership.js';
import { segmentFileName } from '../src/segment-header.js';
import { drain, forwardingFile, numbered, record, segmentFiles, tempDir } from './helpers.js';

/** A segment write the test holds back, then lets through (or fails) when it chooses. */
interface HeldWrite {
  path: string;
  position: number;
  bytes: number;
  /** Lets the write through; resolves once it is on disk. */
  release(): Promise<void>;
  fail(code: string): void;
}

/**
 * The real file system (with O_DSYNC where asked), except that every write to a segment file waits
 * in `held` until the test releases it: writes complete in whatever order the test picks.
 */
function gatedFileSystem(): FileSystem & {
  held: HeldWrite[];
  arrived(n: number): Promise<void>;
  /** While true, creating a segment file also waits, in `heldOpens`, until released. */
  holdOpens: boolean;
  heldOpens: Array<() => void>;
} {
  const real = createNodeFileSystem();
  const held: HeldWrite[] = [];
  let notify: () => void = () => undefined;
  const fs = {
    ...real,
    held,
    holdOpens: false,
    heldOpens: [] as Array<() => void>,
    async arrived(n: number): Promise<void> {
      while (held.length + fs.heldOpens.length < n) await new Promise<void>((resolve) => (notify = resolve));
    },
    async open(path: string, flags: string, mode?: number, options?: { dsync?: boolean }): Promise<OpenFile> {
      if (fs.holdOpens && path.endsWith('.seg') && flags === 'wx+') {
        await new Promise<void>((resolve) => {
          fs.heldOpens.push(resolve);
          notify();
        });
      }
      const file = await real.open(path, flags, mode, options);
      return forwardingFile(file, {
        writev: (bufs, position) => {
          if (!path.endsWith('.seg')) return file.writev(bufs, position);
          return new Promise<number>((resolve, reject) => {
            let landed: Promise<void> | undefined; // each write goes through (or fails) once
            held.push({
              path,
              position,
              bytes: bufs.reduce((n, b) => n + b.length, 0),
              release: () => {
                landed ??= file.writev(bufs, position).then(
                  (n) => resolve(n),
                  (error: unknown) => reject(error as Error),
                );
                return landed;
              },
              fail: (code) => {
                landed ??= Promise.resolve();
                reject(Object.assign(new Error(`${code}: injected`), { code }));
              },
            });
            notify();
          });
        },
      });
    },
  };
  return fs;
}

const settle = () => new Promise((resolve) => setTimeout(resolve, 20));

describe('group commit with writes in flight at once', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let queue: DiskQueue | undefined;
  let drops: DropEvent[];
  let fs: ReturnType<typeof gatedFileSystem>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lifeline-dq-pipelined-'));
    drops = [];
    fs = gatedFileSystem();
  });

  afterEach(async () => {
    fs.holdOpens = false;
    for (const open of fs.heldOpens.splice(0)) open();
    await Promise.all(fs.held.map((w) => w.release()));
    await queue?.close();
    queue = undefined;
    await cleanup();
  });

  /**
   * Opens a queue that starts a write as soon as 100 bytes are buffered (never on a timer), with
   * a first batch, 'primer', already durable: its write carried the segment header, which goes out
   * alone; the writes after it may overlap.
   */
  async function open(directory = dir, gated: FileSystem = fs, segmentBytes?: number): Promise<DiskQueue> {
    const q = await openDiskQueue({
      directory,
      fs: gated,
      ...(segmentBytes === undefined ? {} : { segmentBytes }),
      flushBytes: 100,
      fsyncIntervalMs: 60_000,
      onDrop: (e) => drops.push(e),
      onError: () => undefined,
    });
    if (gated === fs) {
      const primer = await batch(q, numbered('primer', 10));
      await primer.write.release();
      await primer.flushed;
    }
    return q;
  }

  /** Appends a batch big enough for a write of its own, and waits until that write is held. */
  async function batch(q: DiskQueue, texts: string[]): Promise<{ flushed: Promise<void>; write: HeldWrite }> {
    const before = fs.held.length;
    for (const t of texts) expect(q.append(record(t))).toBe(true);
    const flushed = q.flush();
    await fs.arrived(before + 1);
    return { flushed, write: fs.held[before]! };
  }

  const primer = numbered('primer', 10);

  /**
   * Lets `landed` reach the disk while `pending` has not, copies the directory as a crash at that
   * moment leaves it (but for the lock: this process holds it), and reopens the copy: what a
   * cursor reads there, and the records counted as corrupt.
   */
  async function crashBetween(
    landed: HeldWrite,
    pending: HeldWrite,
  ): Promise<{ read: string[]; corrupt: number }> {
    await landed.release();
    const crashed = `${dir}-crashed`;
    await cp(dir, crashed, { recursive: true, filter: (src) => basename(src) !== LOCK_FILE });
    await pending.release();
    const reopened = await open(crashed, createNodeFileSystem());
    try {
      const read = await drain(reopened.cursor());
      return { read, corrupt: reopened.stats().drops.corrupt };
    } finally {
      await reopened.close();
      await rm(crashed, { recursive: true, force: true });
    }
  }

  it(`overlaps up to ${MAX_WRITES_IN_FLIGHT} writes at consecutive offsets, the next starting as one commits`, async () => {
    queue = await open();
    const batches = [];
    for (let i = 0; i < MAX_WRITES_IN_FLIGHT; i++) batches.push(await batch(queue, numbered(`b${i}`, 10)));
    // One more batch: buffered, not written, while every flight is taken.
    for (const t of numbered('extra', 10)) queue.append(record(t));
    const extra = queue.flush();
    await settle();
    expect(fs.held).toHaveLength(1 + MAX_WRITES_IN_FLIGHT);
    for (let i = 1; i < batches.length; i++) {
      const [a, b] = [batches[i - 1]!.write, batches[i]!.write];
      expect(b.position).toBe(a.position + a.bytes);
      expect(b.path).toBe(a.path);
    }
    await batches[0]!.write.release();
    await batches[0]!.flushed;
    await fs.arrived(2 + MAX_WRITES_IN_FLIGHT);
    await Promise.all(fs.held.map((w) => w.release()));
    await Promise.all([...batches.map((b) => b.flushed), extra]);
    expect(await drain(queue.cursor())).toEqual([
      ...primer,
      ...batches.flatMap((_, i) => numbered(`b${i}`, 10)),
      ...numbered('extra', 10),
    ]);
  });

  it('confirms a write that finished first only once every earlier write is durable too', async () => {
    queue = await open();
    const first = await batch(queue, numbered('first', 10));
    const second = await batch(queue, numbered('second', 10));
    let secondDone = false;
    void second.flushed.then(() => (secondDone = true));
    const cursor = queue.cursor();
    expect(await drain(cursor)).toEqual(primer);
    await second.write.release();
    await settle();
    // The second write is on disk, but the first is not: nothing more is confirmed or readable.
    expect(secondDone).toBe(false);
    expect(await cursor.read()).toBeUndefined();
    expect(queue.stats().bufferedRecords).toBe(20);
    await first.write.release();
    await Promise.all([first.flushed, second.flushed]);
    expect(await drain(cursor)).toEqual([...numbered('first', 10), ...numbered('second', 10)]);
  });

  it('drops a failed write (not disk trouble) and the later one into the same segment as io_error, cuts the segment back, and carries on', async () => {
    queue = await open();
    const [segment] = await segmentFiles(dir);
    const committedSize = (await stat(join(dir, segment!))).size;
    const failing = await batch(queue, numbered('failing', 10));
    const later = await batch(queue, numbered('later', 10));
    await later.write.release(); // the later write lands first, past the failing one
    // EINVAL: a write refused for another reason than a full, read-only or failing disk (those
    // divert the records to memory instead; see degraded-path.test.ts).
    failing.write.fail('EINVAL');
    await Promise.all([failing.flushed, later.flushed]); // resolve: dropped and counted, never thrown
    expect(queue.stats().drops.io_error).toBe(20);
    expect(drops.reduce((n, d) => n + (d.reason === 'io_error' ? d.records : 0), 0)).toBe(20);
    // Nothing of either write is left in the segment: it ends where the last commit did.
    expect((await stat(join(dir, segment!))).size).toBe(committedSize);
    const after = await batch(queue, numbered('after', 10));
    await after.write.release();
    await after.flushed;
    expect(after.write.path).not.toBe(failing.write.path); // a fresh segment
    expect(await drain(queue.cursor())).toEqual([...primer, ...numbered('after', 10)]);
    await queue.close();
    queue = await openDiskQueue({ directory: dir });
    expect(await drain(queue.cursor())).toEqual([]);
    expect(queue.stats().drops.corrupt).toBe(0);
  });

  it('after a crash between two overlapping writes, keeps every confirmed record and counts the unconfirmed hole', async () => {
    queue = await open();
    const torn = await batch(queue, numbered('torn', 10));
    const landed = await batch(queue, numbered('landed', 10));
    // Neither later batch was confirmed; what was confirmed is whole, in order, first.
    expect(await crashBetween(landed.write, torn.write)).toEqual({
      read: [...primer, ...numbered('landed', 10)],
      corrupt: 10,
    });
  });

  describe('across a roll-over', () => {
    // The primer's write is 474 bytes (64 of header); each batch of ten writes 370: the first
    // fits behind the primer, the second goes to a new segment while the first is in flight.
    const segmentBytes = 900;

    it('writes the new segment while the old one is still being written, and seals the old one after', async () => {
      queue = await open(dir, fs, segmentBytes);
      const old = await batch(queue, numbered('old', 10));
      const next = await batch(queue, numbered('next', 10));
      expect(next.write.path).not.toBe(old.write.path);
      expect(next.write.position).toBe(0);
      const cursor = queue.cursor();
      expect(await drain(cursor)).toEqual(primer);
      await next.write.release();
      await settle();
      expect(await cursor.read()).toBeUndefined(); // the new segment's records wait for the old ones
      await old.write.release();
      await Promise.all([old.flushed, next.flushed]);
      expect(await drain(cursor)).toEqual([...numbered('old', 10), ...numbered('next', 10)]);
      // Everything acknowledged: the old segment was sealed once its last write landed, and deleted.
      expect(await segmentFiles(dir)).toEqual([basename(next.write.path)]);
    });

    it('after a crash with the new segment written but not the end of the old one, keeps what was confirmed', async () => {
      queue = await open(dir, fs, segmentBytes);
      const old = await batch(queue, numbered('old', 10));
      const next = await batch(queue, numbered('next', 10));
      expect(await crashBetween(next.write, old.write)).toEqual({
        read: [...primer, ...numbered('next', 10)],
        corrupt: 10,
      });
    });

    it('seals the old segment when its last write commits while the new segment is still being opened', async () => {
      // 960 bytes: no spare is opened ahead (the primer fills less than half), so the roll-over
      // opens the new file itself, and the old segment's write lands while that open waits.
      queue = await open(dir, fs, 960);
      const old = await batch(queue, numbered('old', 10));
      fs.holdOpens = true;
      for (const t of numbered('next', 10)) expect(queue.append(record(t))).toBe(true);
      const nextFlushed = queue.flush();
      await fs.arrived(fs.held.length + 1); // the new segment's open, held
      await old.write.release();
      await old.flushed;
      fs.holdOpens = false;
      for (const open of fs.heldOpens.splice(0).reverse()) open(); // a spare's open would go first
      await fs.arrived(fs.held.length + 1);
      await fs.held.at(-1)!.release();
      await nextFlushed;
      expect(await drain(queue.cursor())).toEqual([
        ...primer,
        ...numbered('old', 10),
        ...numbered('next', 10),
      ]);
      // The old segment, all acknowledged, is gone; the new one follows it directly (no id skipped
      // by a spare racing the roll-over's own open).
      expect(await segmentFiles(dir)).toEqual([basename(fs.held.at(-1)!.path)]);
      expect(basename(fs.held.at(-1)!.path)).toBe(segmentFileName(2));
    });
  });
});
