import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import { afterEach, describe, expect, it } from 'vitest';
import { drainCursor, type SendResult, type Transport } from '../src/index.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

/** Fragment i: 3,000 bytes of the value i (plain protobuf as far as the drain knows). */
const fragmentOf = (i: number): Uint8Array => new Uint8Array(3_000).fill(i);

/** A transport that takes `accept` requests, then answers retryable; it keeps each body's value. */
function endpoint(accept: number): Transport & { values: number[] } {
  const values: number[] = [];
  let sends = 0;
  return {
    values,
    send(body: Uint8Array): Promise<SendResult> {
      if (sends++ >= accept) return Promise.resolve({ kind: 'retryable', reason: 'down' });
      values.push(body[0]!);
      return Promise.resolve({ kind: 'ok' });
    },
  };
}

describe('drainCursor', () => {
  it('stopped mid-way, leave in the queue everything after the last whole batch, the batch read ahead too', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lifeline-cursor-drain-'));
    cleanups.push(() => rm(dir, { recursive: true, force: true }));
    const total = 40;
    const writer = await openDiskQueue({ directory: dir });
    for (let i = 0; i < total; i++) expect(writer.append(fragmentOf(i))).toBe(true);
    await writer.close();
    // One fragment per request, four requests per read: the first read goes out whole, the
    // second half (two of four answered), while the third is read ahead.
    const limits = { countItems: () => 1, maxBatchBytes: 3_000, maxBatchRecords: 1_000 };
    const first = endpoint(6);
    let queue = await openDiskQueue({ directory: dir });
    const stopped = await drainCursor({ cursor: queue.cursor(), transport: first, ...limits });
    await queue.close();
    expect(stopped.records).toBe(4);
    expect(stopped.stopped?.kind).toBe('retryable');
    expect(first.values).toEqual([0, 1, 2, 3, 4, 5]);

    const second = endpoint(Infinity);
    queue = await openDiskQueue({ directory: dir });
    const rest = await drainCursor({ cursor: queue.cursor(), transport: second, ...limits });
    await queue.close();
    expect(rest.stopped).toBeUndefined();
    expect(second.values).toEqual(Array.from({ length: total - 4 }, (_, i) => 4 + i));
  });
});
