import { describe, expect, it } from 'vitest';
import type { DiskQueue, QueueBatch } from '@otel-lifeline/disk-queue';
import { drain, numbered, padded, text, unpadded } from './helpers.js';
import { SMALL_DISK, useQueueDir } from './queue-fixture.js';

/**
 * A batch a cursor has read but not acknowledged is in flight: its sender answers for it. When
 * drop-oldest evicts its segment meanwhile, nothing is counted then; what the cursor does next
 * decides. Acknowledged, it was delivered (or counted by the sender). Rewound, it is read again,
 * and cannot be: it is lost, and counted with the eviction's reason.
 */
describe('records evicted while in flight', () => {
  const tmp = useQueueDir('lifeline-dq-evicted-in-flight-');

  /** Appends `first`, reads them as one batch, then appends `more` until the batch's segment is evicted. */
  async function evictWhileInFlight(): Promise<{
    queue: DiskQueue;
    batch: QueueBatch;
    all: string[];
  }> {
    const queue = await tmp.open({ ...SMALL_DISK, whenFull: 'drop-oldest' });
    const first = numbered('first', 5);
    for (const t of first) expect(queue.append(padded(t))).toBe(true);
    await queue.flush();
    const batch = (await queue.cursor().read())!;
    expect(unpadded(batch.records.map(text))).toEqual(first);
    const more = numbered('more', 60);
    for (const t of more) {
      expect(queue.append(padded(t))).toBe(true);
      await queue.flush();
    }
    // Far past the 4 KiB bound: the batch's segment is gone, and it was not counted then.
    expect(queue.stats().drops.queue_full).toBeGreaterThan(0);
    return { queue, batch, all: [...first, ...more] };
  }

  it('are counted lost, with the eviction reason, when the cursor rewinds', async () => {
    const { queue, batch, all } = await evictWhileInFlight();
    const counted = queue.stats().drops.queue_full;
    queue.cursor().rewind();
    expect(queue.stats().drops.queue_full).toBe(counted + batch.records.length);
    const delivered = unpadded(await drain(queue.cursor()));
    expect(delivered).not.toContain('first-000000');
    // Every record appended is delivered or counted, once.
    expect(delivered.length + queue.stats().drops.queue_full).toBe(all.length);
    const reported = tmp.drops.filter((e) => e.reason === 'queue_full').reduce((n, e) => n + e.records, 0);
    expect(reported).toBe(queue.stats().drops.queue_full);
    // A second rewind counts nothing again.
    queue.cursor().rewind();
    expect(queue.stats().drops.queue_full).toBe(all.length - delivered.length);
  });

  it('are not counted when the cursor acknowledges them, before or after a rewind', async () => {
    const { queue, batch, all } = await evictWhileInFlight();
    const counted = queue.stats().drops.queue_full;
    await queue.cursor().ack(batch);
    queue.cursor().rewind();
    expect(queue.stats().drops.queue_full).toBe(counted);
    const delivered = unpadded(await drain(queue.cursor()));
    expect(batch.records.length + delivered.length + counted).toBe(all.length);
  });
});
