import { mkdir, open as openFile, readFile, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  inspectQueue,
  openDiskQueue,
  verifyQueue,
  type DiskQueue,
  type DiskQueueOptions,
} from '@otel-lifeline/disk-queue';
import { drain, framesOf, numbered, record, segmentFiles, tempDir } from './helpers.js';

/** Corruption on real files: every intact record is delivered in order, losses are counted, nothing throws. */
describe('disk queue with damaged files', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  let errors: Error[];
  const queues: DiskQueue[] = [];
  const all = numbered('r', 60);

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lifeline-dq-corrupt-'));
    errors = [];
  });

  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    await cleanup();
  });

  async function openQueue(extra: Partial<DiskQueueOptions> = {}): Promise<DiskQueue> {
    const q = await openDiskQueue({
      directory: dir,
      segmentBytes: 400,
      onError: (e) => errors.push(e),
      ...extra,
    });
    queues.push(q);
    return q;
  }

  /** 60 records over several segments (a flush every 6 records), then closed. */
  async function writeBacklog(extra: Partial<DiskQueueOptions> = {}): Promise<string[]> {
    const q = await openQueue(extra);
    for (const [i, t] of all.entries()) {
      q.append(record(t));
      if (i % 6 === 5) await q.flush();
    }
    await q.close();
    queues.length = 0;
    const files = await segmentFiles(dir);
    expect(files.length).toBeGreaterThanOrEqual(4);
    return files;
  }

  async function flipByte(file: string, offset: number): Promise<void> {
    const handle = await openFile(join(dir, file), 'r+');
    const b = Buffer.alloc(1);
    await handle.read(b, 0, 1, offset);
    b[0] = b[0]! ^ 0x5a;
    await handle.write(b, 0, 1, offset);
    await handle.close();
  }

  it('skips a record whose bytes were flipped in a middle segment, counts it, and delivers the rest in order', async () => {
    const files = await writeBacklog();
    const frames = await framesOf(join(dir, files[1]!));
    const victim = frames[2]!;
    await flipByte(files[1]!, victim.offset + 30);
    const q = await openQueue();
    const got = await drain(q.cursor());
    expect(got).toEqual(all.filter((t) => t !== victim.payload));
    expect(q.stats().drops.corrupt).toBe(1);
  });

  it('resynchronises after a damaged frame header (length and magic) and loses only that record', async () => {
    const files = await writeBacklog();
    const frames = await framesOf(join(dir, files[0]!));
    const victim = frames[1]!;
    for (const at of [0, 1, 8, 9]) await flipByte(files[0]!, victim.offset + at);
    const q = await openQueue();
    expect(await drain(q.cursor())).toEqual(all.filter((t) => t !== victim.payload));
    expect(q.stats().drops.corrupt).toBe(1);
  });

  it('skips a damaged record in the last segment too, where recovery scans', async () => {
    const files = await writeBacklog();
    const last = files[files.length - 1]!;
    const frames = await framesOf(join(dir, last));
    expect(frames.length).toBeGreaterThanOrEqual(3);
    const victim = frames[1]!;
    await flipByte(last, victim.offset + 29);
    const q = await openQueue();
    expect(await drain(q.cursor())).toEqual(all.filter((t) => t !== victim.payload));
    expect(q.stats().drops.corrupt).toBe(1);
  });

  it('truncates a torn last record, counts it, and appends after it cleanly', async () => {
    const files = await writeBacklog();
    const last = files[files.length - 1]!;
    const frames = await framesOf(join(dir, last));
    const torn = frames[frames.length - 1]!;
    await truncate(join(dir, last), torn.offset + 30);
    const q = await openQueue();
    expect(q.stats().drops.corrupt).toBe(1);
    q.append(record('after'));
    await q.flush();
    expect(await drain(q.cursor())).toEqual([...all.filter((t) => t !== torn.payload), 'after']);
    expect((await verifyQueue(dir)).corrupt).toEqual([]);
  });

  it('counts every record lost when a middle segment was truncated', async () => {
    const files = await writeBacklog();
    const frames = await framesOf(join(dir, files[1]!));
    const cut = frames[1]!;
    await truncate(join(dir, files[1]!), cut.offset + 10);
    const lost = frames.slice(1).map((f) => f.payload);
    const q = await openQueue();
    expect(await drain(q.cursor())).toEqual(all.filter((t) => !lost.includes(t)));
    expect(q.stats().drops.corrupt).toBe(lost.length);
  });

  it('counts the records of a deleted segment as lost and delivers the others', async () => {
    const files = await writeBacklog();
    const lost = (await framesOf(join(dir, files[2]!))).map((f) => f.payload);
    await unlink(join(dir, files[2]!));
    const q = await openQueue();
    expect(await drain(q.cursor())).toEqual(all.filter((t) => !lost.includes(t)));
    expect(q.stats().drops.corrupt).toBe(lost.length);
  });

  it('redelivers from the stale position when an older ledger comes back (at-least-once, no loss)', async () => {
    let q = await openQueue();
    for (const t of all) q.append(record(t));
    await q.flush();
    const c = q.cursor();
    await c.ack((await c.read({ maxRecords: 10 }))!);
    const stale = await readFile(join(dir, 'ledger'));
    await c.ack((await c.read({ maxRecords: 20 }))!);
    await q.close();
    queues.length = 0;
    await writeFile(join(dir, 'ledger'), stale);
    q = await openQueue();
    expect(await drain(q.cursor())).toEqual(all.slice(10));
    expect(q.stats().drops.corrupt).toBe(0);
  });

  it('starts from the oldest record when the ledger is missing or garbage, and says so', async () => {
    await writeBacklog();
    await unlink(join(dir, 'ledger'));
    let q = await openQueue();
    expect(await drain(q.cursor())).toEqual(all);
    await q.close();
    queues.length = 0;
    await writeBacklog();
    await writeFile(join(dir, 'ledger'), 'this is not a ledger at all, just some text');
    q = await openQueue();
    expect(
      errors.some((e) => /ledger .* is unreadable \(bad ledger magic at offset 0\)/.test(e.message)),
    ).toBe(true);
    expect((await drain(q.cursor())).length).toBeGreaterThan(0);
  });

  it('ignores foreign files, removes a zero-length segment and sets aside one with a garbage header', async () => {
    const files = await writeBacklog();
    await writeFile(join(dir, 'notes.txt'), 'keep me');
    await writeFile(join(dir, `${files[0]}.bak`), 'keep me too');
    await mkdir(join(dir, 'some-dir'));
    await writeFile(join(dir, '0000000000000999.seg'), '');
    const headerVictim = files[1]!;
    const lost = (await framesOf(join(dir, headerVictim))).map((f) => f.payload);
    await flipByte(headerVictim, 20);
    const q = await openQueue();
    expect(await drain(q.cursor())).toEqual(all.filter((t) => !lost.includes(t)));
    expect(q.stats().drops.corrupt).toBe(lost.length);
    const names = await import('node:fs/promises').then((m) => m.readdir(dir));
    expect(names).toEqual(
      expect.arrayContaining(['notes.txt', `${files[0]}.bak`, 'some-dir', `${headerVictim}.corrupt`]),
    );
    expect(names).not.toContain('0000000000000999.seg');
    expect(errors.some((e) => e.message.includes(`segment ${headerVictim} has an unreadable header`))).toBe(
      true,
    );
  });

  it('reports each corrupt record by segment and byte offset, offline and without a lock', async () => {
    const files = await writeBacklog();
    const a = (await framesOf(join(dir, files[0]!)))[3]!;
    const b = (await framesOf(join(dir, files[2]!)))[0]!;
    await flipByte(files[0]!, a.offset + 29);
    await flipByte(files[2]!, b.offset + 4);
    const report = await verifyQueue(dir);
    expect(report.corrupt).toEqual([
      { segment: files[0], offset: a.offset, reason: 'crc mismatch' },
      { segment: files[2], offset: b.offset, reason: 'crc mismatch' },
    ]);
    expect(report.records).toBe(all.length - 2);
    const inspection = await inspectQueue(dir);
    expect(inspection.segments).toBe(files.length);
    expect(inspection.pendingRecords).toBe(all.length);
    expect(inspection.owner).toBeUndefined();
  });

  it('opens a queue whose directory holds only a lock left by a dead process', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(
      join(dir, 'lock'),
      JSON.stringify({
        pid: 2 ** 22 + 12345,
        hostname: (await import('node:os')).hostname(),
        startedAtMs: 0,
      }),
    );
    const q = await openQueue();
    expect(q.directory).toBe(dir);
  });

  it('counts a damaged final record of an open queue at once, not when the next record arrives', async () => {
    const q = await openQueue({ segmentBytes: 64 * 1024 });
    const texts = numbered('tail', 5);
    for (const t of texts) q.append(record(t));
    await q.flush();
    const [file] = await segmentFiles(dir);
    const frames = await framesOf(join(dir, file!));
    const victim = frames[frames.length - 1]!;
    await flipByte(file!, victim.offset + 30);
    const cursor = q.cursor();
    expect(await drain(cursor)).toEqual(texts.slice(0, -1));
    expect(q.stats().drops.corrupt).toBe(1);
    expect(q.stats().pendingRecords).toBe(0);
    // The next record follows the damaged one without a second count.
    q.append(record('after'));
    await q.flush();
    expect(await drain(cursor)).toEqual(['after']);
    expect(q.stats().drops.corrupt).toBe(1);
  });

  it('survives a segment renamed away underneath an open queue', async () => {
    const q = await openQueue();
    for (const [i, t] of all.entries()) {
      q.append(record(t));
      if (i % 6 === 5) await q.flush();
    }
    const files = await segmentFiles(dir);
    await rename(join(dir, files[0]!), join(dir, 'moved-away'));
    const got = await drain(q.cursor());
    expect(got.length).toBeLessThan(all.length);
    expect(got).toEqual(all.slice(all.length - got.length));
    expect(q.stats().drops.corrupt).toBe(all.length - got.length);
    await rm(join(dir, 'moved-away'));
  });
});
