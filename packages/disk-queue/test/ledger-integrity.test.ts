import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  createNodeFileSystem,
  inspectQueue,
  verifyQueue,
  type DiskQueue,
  type FileSystem,
} from '@otel-lifeline/disk-queue';
import { encodeLedger } from '../src/ledger.js';
import { appendAll, drain, numbered, segmentFiles } from './helpers.js';
import { useQueueDir } from './queue-fixture.js';

/** Appends in flushes of eight, so that the records spread over several small segments. */
async function appendSpread(queue: DiskQueue, texts: string[]): Promise<void> {
  for (let i = 0; i < texts.length; i += 8) await appendAll(queue, texts.slice(i, i + 8));
}

function enospc(): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error('ENOSPC: no space left on device (injected)');
  e.code = 'ENOSPC';
  return e;
}

describe('ledger integrity', () => {
  const tmp = useQueueDir('lifeline-dq-ledger-');

  it('distrusts a ledger (valid checksum) that points past the last segment: every record is read again, nothing is deleted', async () => {
    let queue = await tmp.open({ segmentBytes: 400 });
    await appendSpread(queue, numbered('kept', 40));
    await queue.close();
    const segments = await segmentFiles(tmp.dir);
    expect(segments.length).toBeGreaterThan(2);
    await writeFile(
      join(tmp.dir, 'ledger'),
      encodeLedger({ cursors: { default: { segment: 9_999, offset: 64, seq: 100_000 } }, writtenAtMs: 0 }),
    );
    // Offline tools say so instead of reporting an empty queue.
    const inspection = await inspectQueue(tmp.dir);
    expect(inspection.ledgerProblem).toMatch(/disagrees with the segments: cursor 'default' at segment 9999/);
    expect(inspection.pendingRecords).toBe(40);
    const errors: Error[] = [];
    queue = await tmp.open({ segmentBytes: 400, onError: (e) => errors.push(e) });
    expect(errors.map((e) => e.message).join('\n')).toMatch(/disagrees with the segments/);
    expect(await segmentFiles(tmp.dir)).toEqual(segments);
    expect(await drain(queue.cursor())).toEqual(numbered('kept', 40));
    expect(queue.stats().drops.corrupt).toBe(0);
  });

  it('deletes acknowledged segments first when the disk is too full for the ledger, then writes the ledger', async () => {
    const real = createNodeFileSystem();
    let full = false;
    // The disk is "full" for new files (the ledger's temp file) but not for the segment being written.
    const fs: FileSystem = {
      ...real,
      open: (path, flags, mode, options) =>
        full && path.endsWith('ledger.tmp')
          ? Promise.reject(enospc())
          : real.open(path, flags, mode, options),
      unlink: async (path) => {
        await real.unlink(path);
        if (path.endsWith('.seg')) full = false; // deleting a segment frees space
      },
    };
    let queue = await tmp.open({ fs, segmentBytes: 400 });
    await appendSpread(queue, numbered('sent', 40));
    const before = (await segmentFiles(tmp.dir)).length;
    expect(before).toBeGreaterThan(2);
    full = true;
    expect(await drain(queue.cursor())).toHaveLength(40);
    // Every acknowledged segment but the open one is gone although the first ledger write failed,
    // and the ledger written after the deletion says where the cursor is.
    expect((await segmentFiles(tmp.dir)).length).toBeLessThan(before);
    expect(full).toBe(false);
    await queue.close();
    queue = await tmp.open({ fs, segmentBytes: 400 });
    expect(await drain(queue.cursor())).toEqual([]);
    expect(queue.stats().drops.corrupt).toBe(0);
  });

  it('verify reports a missing middle segment as a gap, counted in records', async () => {
    const queue = await tmp.open({ segmentBytes: 400 });
    await appendSpread(queue, numbered('r', 40));
    await queue.close();
    const segments = await segmentFiles(tmp.dir);
    const { rm } = await import('node:fs/promises');
    await rm(join(tmp.dir, segments[1]!));
    const result = await verifyQueue(tmp.dir);
    expect(result.gaps).toHaveLength(1);
    expect(result.missingRecords).toBe(result.gaps[0]!.toSeq - result.gaps[0]!.fromSeq);
    expect(result.records + result.missingRecords).toBe(40);
  });
});
