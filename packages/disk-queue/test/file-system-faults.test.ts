import { readdir } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  createNodeFileSystem,
  openDiskQueue,
  type DiskQueue,
  type DropEvent,
  type FileSystem,
  type OpenFile,
} from '@otel-lifeline/disk-queue';
import { drain, forwardingFile, numbered, record, tempDir, text } from './helpers.js';

function errno(code: string): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error(`${code}: injected`);
  e.code = code;
  return e;
}

/** The real file system with one switch: while `failing` names a call, that call fails with `code`. */
function faultyFileSystem(): FileSystem & { failing: Set<string>; code: string } {
  const real = createNodeFileSystem();
  const fs = {
    failing: new Set<string>(),
    code: 'ENOSPC',
    ...real,
    async open(path: string, flags: string, mode?: number): Promise<OpenFile> {
      if (fs.failing.has('open')) throw errno(fs.code);
      const file = await real.open(path, flags, mode);
      return forwardingFile(file, {
        read: (b, o, l, p) =>
          fs.failing.has('read') ? Promise.reject(errno(fs.code)) : file.read(b, o, l, p),
        writev: (bufs, p) =>
          fs.failing.has('writev') ? Promise.reject(errno(fs.code)) : file.writev(bufs, p),
        datasync: () => (fs.failing.has('datasync') ? Promise.reject(errno(fs.code)) : file.datasync()),
        sync: () => (fs.failing.has('sync') ? Promise.reject(errno(fs.code)) : file.sync()),
      });
    },
    mkdir: (path: string, mode: number) =>
      fs.failing.has('mkdir') ? Promise.reject(errno(fs.code)) : real.mkdir(path, mode),
    rename: (a: string, b: string) =>
      fs.failing.has('rename') ? Promise.reject(errno(fs.code)) : real.rename(a, b),
  };
  return fs;
}

describe('disk queue on a failing file system', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let queue: DiskQueue | undefined;
  let drops: DropEvent[];
  let errors: Error[];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lifeline-dq-faults-'));
    drops = [];
    errors = [];
  });

  afterEach(async () => {
    await queue?.close();
    queue = undefined;
    await cleanup();
  });

  const common = () => ({ onDrop: (e: DropEvent) => drops.push(e), onError: (e: Error) => errors.push(e) });

  for (const [call, code] of [
    ['writev', 'EINVAL'],
    ['datasync', 'EBADF'],
    ['open', 'EMFILE'],
  ] as const) {
    it(`drops a group commit whose ${call} fails with ${code} as 'io_error', then carries on`, async () => {
      const fs = faultyFileSystem();
      queue = await openDiskQueue({ directory: dir, fs, segmentBytes: 300, ...common() });
      await appendOk(queue, numbered('before', 10));
      fs.code = code;
      fs.failing.add(call);
      const survived = call === 'open' ? numbered('spare', 5) : [];
      if (call === 'open') {
        // The next segment was opened ahead of need, so this roll over opens nothing and loses
        // nothing; opening the one after fails (silently: it is only a spare), so the next roll
        // over opens at the flush and that flush's records are dropped.
        await appendOk(queue, survived);
        expect(queue.stats().drops.io_error).toBe(0);
      }
      // Each record holds 3 items (as an OTLP fragment holds log records): the loss counts them.
      for (const t of numbered('lost', 5)) expect(queue.append(record(t), 3)).toBe(true);
      await queue.flush(); // resolves: the records are dropped and counted
      expect(queue.stats().drops.io_error).toBe(5);
      expect(drops).toEqual([{ reason: 'io_error', records: 5, bytes: 5 * 'lost-000000'.length, items: 15 }]);
      expect(errors.some((e) => (e as NodeJS.ErrnoException).code === code)).toBe(true);
      fs.failing.clear();
      await appendOk(queue, numbered('after', 10));
      expect(await drain(queue.cursor())).toEqual([
        ...numbered('before', 10),
        ...survived,
        ...numbered('after', 10),
      ]);
      // And after a restart the same holds: nothing of the failed write resurfaces.
      await queue.close();
      queue = await openDiskQueue({ directory: dir, fs, segmentBytes: 300, ...common() });
      expect(await drain(queue.cursor())).toEqual([]);
      expect(queue.stats().drops.corrupt).toBe(0);
    });
  }

  for (const [call, code] of [
    ['writev', 'ENOSPC'],
    ['datasync', 'EIO'],
    ['writev', 'EROFS'],
  ] as const) {
    it(`keeps a group commit whose ${call} fails with ${code} in memory, probes, and writes to disk again`, async () => {
      const fs = faultyFileSystem();
      const changes: string[] = [];
      queue = await openDiskQueue({
        directory: dir,
        fs,
        segmentBytes: 300,
        recoveryProbeMs: 20,
        onDurabilityChange: (e) => changes.push(e.state),
        ...common(),
      });
      await appendOk(queue, numbered('before', 10));
      fs.code = code;
      fs.failing.add(call);
      for (const t of numbered('held', 5)) expect(queue.append(record(t))).toBe(true);
      await queue.flush(); // resolves: the records wait in memory
      expect(queue.stats()).toMatchObject({ durability: 'degraded', memoryRecords: 5 });
      // Appended while degraded: straight to memory, no segment created for them.
      const files = (await readdir(dir)).filter((f) => f.endsWith('.seg')).length;
      for (const t of numbered('more', 5)) expect(queue.append(record(t))).toBe(true);
      const cursor = queue.cursor();
      expect(await drain(cursor)).toEqual([
        ...numbered('before', 10),
        ...numbered('held', 5),
        ...numbered('more', 5),
      ]);
      expect((await readdir(dir)).filter((f) => f.endsWith('.seg')).length).toBeLessThanOrEqual(files);
      expect(queue.stats().drops.io_error).toBe(0);
      fs.failing.clear();
      await vi.waitFor(() => expect(queue!.stats().durability).toBe('durable'), { timeout: 5_000 });
      expect(changes).toEqual(['degraded', 'durable']);
      await appendOk(queue, numbered('after', 10));
      expect(await drain(cursor)).toEqual(numbered('after', 10));
      await queue.close();
      // Nothing resurfaces after a restart, and the memory records' sequence gap is no loss.
      queue = await openDiskQueue({ directory: dir, fs, segmentBytes: 300, ...common() });
      expect(await drain(queue.cursor())).toEqual([]);
      expect(queue.stats().drops).toMatchObject({ corrupt: 0, io_error: 0 });
      expect(
        (await readdir(dir))
          .filter((f) => f.endsWith('.seg') || f === 'probe.tmp')
          .every((f) => f.endsWith('.seg')),
      ).toBe(true);
    });
  }

  it('starts degraded when the directory cannot be created: records go to the cursor from memory, and the queue opens once it can', async () => {
    const fs = faultyFileSystem();
    fs.code = 'EACCES';
    fs.failing.add('mkdir');
    const changes: string[] = [];
    queue = await openDiskQueue({
      directory: `${dir}/nope`,
      fs,
      recoveryProbeMs: 20,
      onDurabilityChange: (e) => changes.push(`${e.state}${e.reason !== undefined ? `:${e.reason}` : ''}`),
      ...common(),
    });
    expect(changes).toEqual(['degraded:EACCES']);
    expect(queue.stats().durability).toBe('degraded');
    expect(errors[0]?.message).toMatch(/EACCES/);
    await appendOk(queue, numbered('early', 5));
    expect(queue.stats()).toMatchObject({ pendingRecords: 5, memoryRecords: 5, segments: 0 });
    // Read (in flight) but not acknowledged when the directory opens: read again after a rewind.
    const inFlight = (await queue.cursor().read({ maxRecords: 2 }))!;
    expect(inFlight.records.map(text)).toEqual(numbered('early', 2));
    fs.failing.clear();
    await vi.waitFor(() => expect(changes).toEqual(['degraded:EACCES', 'durable']), { timeout: 5_000 });
    expect(await readdir(`${dir}/nope`)).toContain('lock');
    await appendOk(queue, numbered('late', 3));
    await queue.flush();
    queue.cursor().rewind();
    expect(await drain(queue.cursor())).toEqual([...numbered('early', 5), ...numbered('late', 3)]);
    expect(queue.stats()).toMatchObject({ pendingRecords: 0, memoryRecords: 0, durability: 'durable' });
    expect(queue.stats().segments).toBeGreaterThan(0);
    expect(drops).toEqual([]);
  });

  it('started degraded: memory past its bound drops the oldest unread record and counts it; close counts what memory still holds', async () => {
    const fs = faultyFileSystem();
    fs.code = 'EROFS';
    fs.failing.add('mkdir');
    queue = await openDiskQueue({
      directory: `${dir}/ro`,
      fs,
      memoryFallbackBytes: 30,
      ...common(),
    });
    expect(queue.append(record('0123456789'))).toBe(true);
    expect(queue.append(record('abcdefghij'))).toBe(true);
    expect(queue.append(record('ABCDEFGHIJ'))).toBe(true);
    expect(queue.append(record('klmnopqrst'))).toBe(true);
    expect(drops).toEqual([{ reason: 'io_error', records: 1, bytes: 10 }]);
    const first = (await queue.cursor().read({ maxRecords: 1 }))!;
    expect(first.records.map(text)).toEqual(['abcdefghij']);
    await queue.cursor().ack(first);
    await queue.close();
    expect(drops.reduce((n, d) => n + d.records, 0)).toBe(3);
    queue = undefined;
  });

  it('counts pending records exactly through a spell of disk full and after it: memory records are not counted again on disk', async () => {
    const fs = faultyFileSystem();
    queue = await openDiskQueue({ directory: dir, fs, recoveryProbeMs: 20, ...common() });
    await appendOk(queue, numbered('a', 5));
    fs.code = 'ENOSPC';
    fs.failing.add('writev');
    await appendOk(queue, numbered('b', 5));
    expect(queue.stats()).toMatchObject({ durability: 'degraded', pendingRecords: 10, memoryRecords: 5 });
    fs.failing.clear();
    await vi.waitFor(() => expect(queue!.stats().durability).toBe('durable'), { timeout: 5_000 });
    await appendOk(queue, numbered('c', 5));
    expect(queue.stats().pendingRecords).toBe(15);
    const first = (await queue.cursor().read({ maxRecords: 7 }))!;
    await queue.cursor().ack(first);
    expect(queue.stats().pendingRecords).toBe(15 - first.records.length);
    const rest = (await queue.cursor().read({ maxRecords: 3 }))!;
    await queue.cursor().ack(rest);
    expect(queue.stats().pendingRecords).toBe(15 - first.records.length - rest.records.length);
    expect(await drain(queue.cursor())).toHaveLength(15 - first.records.length - rest.records.length);
    expect(queue.stats()).toMatchObject({ pendingRecords: 0, memoryRecords: 0 });
    expect(drops).toEqual([]);
  });

  it('resolves ack when the ledger cannot be written, reporting the error', async () => {
    const fs = faultyFileSystem();
    queue = await openDiskQueue({ directory: dir, fs, ...common() });
    await appendOk(queue, numbered('l', 3));
    const batch = (await queue.cursor().read())!;
    fs.code = 'EIO';
    // A process's first ledger renames a fresh file into place; later ones sync a slot in place.
    fs.failing.add('rename');
    fs.failing.add('datasync');
    await queue.cursor().ack(batch);
    expect(errors.some((e) => (e as NodeJS.ErrnoException).code === 'EIO')).toBe(true);
    expect(await queue.cursor().read()).toBeUndefined();
    fs.failing.clear();
  });

  it('never lets a throwing onDrop listener reach the caller of append', async () => {
    queue = await openDiskQueue({
      directory: dir,
      maxBufferBytes: 100,
      fsyncIntervalMs: 60_000,
      onDrop: () => {
        throw new Error('listener bug');
      },
    });
    for (let i = 0; i < 10; i++) expect(() => queue!.append(record('x'.repeat(40)))).not.toThrow();
    expect(queue.stats().drops.buffer_full).toBeGreaterThan(0);
  });
});

async function appendOk(queue: DiskQueue, texts: string[]): Promise<void> {
  for (const t of texts) {
    expect(queue.append(record(t))).toBe(true);
    if (t.endsWith('4')) await queue.flush();
  }
  await queue.flush();
}
