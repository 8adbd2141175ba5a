import { describe, expect, it } from 'vitest';
import { openDiskQueue, type DiskQueue, type QueueBatch } from '@otel-lifeline/disk-queue';
import { tempDir } from './helpers.js';

/** Record i: 3,000 bytes of one value, so a record overwritten by another is seen at once. */
const recordOf = (i: number): Uint8Array => new Uint8Array(3_000).fill(i % 251);

async function backlog(dir: string, records: number): Promise<DiskQueue> {
  const writer = await openDiskQueue({ directory: dir });
  for (let i = 0; i < records; i++) {
    while (!writer.append(recordOf(i))) await writer.waitForRoom();
  }
  await writer.close();
  return openDiskQueue({ directory: dir });
}

/** Which records (by their fill value) a batch holds, checking each is whole. */
function valuesOf(batch: QueueBatch): number[] {
  return batch.records.map((r) => {
    expect(r.every((b) => b === r[0])).toBe(true);
    return r[0]!;
  });
}

const LIMITS = { maxRecords: 20, maxBytes: 60_000, recycle: true } as const;

describe('reads with recycle', () => {
  it('read into the buffers of acknowledged batches, and never into those of a batch still held', async () => {
    const { dir, cleanup } = await tempDir('lifeline-dq-recycle-');
    try {
      const queue = await backlog(dir, 200);
      const cursor = queue.cursor();
      const first = (await cursor.read(LIMITS))!;
      const second = (await cursor.read(LIMITS))!;
      // Both held: distinct memory, and reading the second left the first whole.
      expect(second.records[0]!.buffer).not.toBe(first.records[0]!.buffer);
      expect(valuesOf(first)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      await cursor.ack(first);
      // The first batch's buffer serves the next read; the second batch, still held, is untouched.
      const third = (await cursor.read(LIMITS))!;
      expect(third.records[0]!.buffer).toBe(first.records[0]!.buffer);
      expect(valuesOf(second)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
      expect(valuesOf(third)).toEqual(Array.from({ length: 20 }, (_, i) => 40 + i));
      await queue.close();
    } finally {
      await cleanup();
    }
  });

  it('a batch acknowledged twice gives its buffer back once: two later reads never share memory', async () => {
    const { dir, cleanup } = await tempDir('lifeline-dq-recycle-');
    try {
      const queue = await backlog(dir, 200);
      const cursor = queue.cursor();
      const first = (await cursor.read(LIMITS))!;
      await cursor.ack(first);
      await cursor.ack(first);
      const a = (await cursor.read(LIMITS))!;
      const b = (await cursor.read(LIMITS))!;
      expect(b.records[0]!.buffer).not.toBe(a.records[0]!.buffer);
      expect(valuesOf(a)).toEqual(Array.from({ length: 20 }, (_, i) => 20 + i));
      expect(valuesOf(b)).toEqual(Array.from({ length: 20 }, (_, i) => 40 + i));
      await queue.close();
    } finally {
      await cleanup();
    }
  });

  it('reads without recycle get memory of their own, acknowledged or not', async () => {
    const { dir, cleanup } = await tempDir('lifeline-dq-recycle-');
    try {
      const queue = await backlog(dir, 200);
      const cursor = queue.cursor();
      const first = (await cursor.read({ ...LIMITS, recycle: false }))!;
      await cursor.ack(first);
      const second = (await cursor.read(LIMITS))!;
      expect(second.records[0]!.buffer).not.toBe(first.records[0]!.buffer);
      expect(valuesOf(first)).toEqual(Array.from({ length: 20 }, (_, i) => i));
      await queue.close();
    } finally {
      await cleanup();
    }
  });

  it('drain a backlog to its end with every record whole and in order', async () => {
    const { dir, cleanup } = await tempDir('lifeline-dq-recycle-');
    try {
      const total = 3_000;
      const queue = await backlog(dir, total);
      const cursor = queue.cursor();
      const seen: number[] = [];
      // Two batches out at once, as a sender has: the older is acknowledged after the newer is read.
      let held: QueueBatch | undefined;
      for (;;) {
        const batch = await cursor.read({ maxRecords: 64, maxBytes: 256 * 1024, recycle: true });
        if (held !== undefined) {
          seen.push(...valuesOf(held));
          await cursor.ack(held);
        }
        held = batch;
        if (batch === undefined) break;
      }
      await queue.close();
      expect(seen).toEqual(Array.from({ length: total }, (_, i) => i % 251));
    } finally {
      await cleanup();
    }
  });
});
