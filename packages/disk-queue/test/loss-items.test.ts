import { open as openFile } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { createNodeFileSystem, type DropEvent } from '@otel-lifeline/disk-queue';
import { drain, framesOf, numbered, record, segmentFiles } from './helpers.js';
import { SMALL_DISK, useQueueDir } from './queue-fixture.js';

/*
 * A record is a fragment holding several items (log records, spans, data points); a user counts
 * items. Every loss the queue finds after the append — an evicted or expired segment, a corrupt
 * frame — is reported with the items the lost records held, as the appender declared them.
 */

/** Items of the record named `o-000017`: 1 + its number mod 5, so that a wrong sum shows. */
function itemsOf(text: string): number {
  return 1 + (Number(text.slice(-6)) % 5);
}

function sum(events: DropEvent[], key: 'records' | 'items'): number {
  return events.reduce((n, e) => n + (e[key] ?? 0), 0);
}

describe('losses counted in items', () => {
  const tmp = useQueueDir('lifeline-dq-items-');

  it('drop-oldest: the items of every evicted record are counted, and delivered + dropped = appended, in items', async () => {
    const queue = await tmp.open({ ...SMALL_DISK, whenFull: 'drop-oldest' });
    const all = numbered('o', 120).map((t) => `${t}${'.'.repeat(40)}`);
    for (const t of all) {
      expect(queue.append(record(t), itemsOf(t.slice(0, 8)))).toBe(true);
      await queue.flush();
    }
    const kept = (await drain(queue.cursor())).map((t) => t.slice(0, 8));
    const appendedItems = all.reduce((n, t) => n + itemsOf(t.slice(0, 8)), 0);
    const deliveredItems = kept.reduce((n, t) => n + itemsOf(t), 0);
    expect(sum(tmp.drops, 'records')).toBe(all.length - kept.length);
    expect(sum(tmp.drops, 'records')).toBeGreaterThan(20);
    expect(tmp.drops.every((e) => e.reason === 'queue_full')).toBe(true);
    // Not the record count: items differ per record.
    expect(sum(tmp.drops, 'items')).toBe(appendedItems - deliveredItems);
    expect(sum(tmp.drops, 'items')).not.toBe(sum(tmp.drops, 'records'));
  });

  it('max_age: records expiring as they are read count their items', async () => {
    let now = 5_000_000;
    const queue = await tmp.open({
      maxAgeMs: 10_000,
      clock: { now: () => now },
    });
    const old = numbered('o', 7);
    for (const t of old) queue.append(record(t), itemsOf(t));
    await queue.flush();
    now += 20_000;
    queue.append(record('fresh-000000'), 9);
    await queue.flush();
    expect(await drain(queue.cursor())).toEqual(['fresh-000000']);
    expect(tmp.drops.every((e) => e.reason === 'max_age')).toBe(true);
    expect(sum(tmp.drops, 'records')).toBe(7);
    expect(sum(tmp.drops, 'items')).toBe(old.reduce((n, t) => n + itemsOf(t), 0));
  });

  it('corrupt: a frame damaged on disk after it was written counts the items it held', async () => {
    const queue = await tmp.open({ fs: createNodeFileSystem() });
    const all = numbered('o', 10);
    for (const t of all) queue.append(record(t), itemsOf(t));
    await queue.flush();
    const [file] = await segmentFiles(tmp.dir);
    const victim = (await framesOf(join(tmp.dir, file!)))[3]!;
    const handle = await openFile(join(tmp.dir, file!), 'r+');
    await handle.write(Buffer.from('#'), 0, 1, victim.end - 2);
    await handle.close();
    expect(await drain(queue.cursor())).toEqual(all.filter((t) => t !== victim.payload));
    expect(tmp.drops).toEqual([
      { reason: 'corrupt', records: 1, bytes: expect.any(Number), items: itemsOf(victim.payload) },
    ]);
    expect(itemsOf(victim.payload)).toBe(4);
  });
});
