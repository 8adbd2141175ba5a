import { readFile, readdir, readlink, stat } from 'node:fs/promises';
import { constants } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type DiskQueue } from '@otel-lifeline/disk-queue';
import { SEGMENT_FILE_PATTERN } from '../src/segment-header.js';
import { abandonDiskQueue } from '../src/disk-queue.js';
import { appendAll, drain, numbered, segmentFiles } from './helpers.js';
import { useQueueDir } from './queue-fixture.js';

/** Every segment file in the directory with its size, empty ones included. */
async function allSegmentFiles(dir: string): Promise<Array<{ name: string; size: number }>> {
  const names = (await readdir(dir)).filter((n) => SEGMENT_FILE_PATTERN.test(n)).sort();
  return Promise.all(names.map(async (name) => ({ name, size: (await stat(join(dir, name))).size })));
}

/** The open-file flags (octal, from /proc/self/fdinfo) of each descriptor this process holds on a file in `dir`. */
async function openFlags(dir: string): Promise<Map<string, number>> {
  const flags = new Map<string, number>();
  for (const fd of await readdir('/proc/self/fd')) {
    const target = await readlink(`/proc/self/fd/${fd}`).catch(() => '');
    if (!target.startsWith(dir + '/')) continue;
    const info = await readFile(`/proc/self/fdinfo/${fd}`, 'utf8').catch(() => '');
    const m = /^flags:\s+([0-7]+)$/m.exec(info);
    if (m !== null) flags.set(target.slice(dir.length + 1), parseInt(m[1]!, 8));
  }
  return flags;
}

describe('segment roll-over', () => {
  const tmp = useQueueDir('lifeline-dq-roll-');

  /** Appends in flushes until an empty spare segment file sits next to the one being written. */
  async function fillUntilSpare(q: DiskQueue): Promise<string[]> {
    const appended: string[] = [];
    for (let i = 0; i < 200; i++) {
      const batch = numbered(`r${i}`, 4);
      await appendAll(q, batch);
      appended.push(...batch);
      // The spare is opened in the background after the write that half fills the segment.
      await new Promise((resolve) => setTimeout(resolve, 5));
      if ((await allSegmentFiles(tmp.dir)).some((f) => f.size === 0)) return appended;
    }
    throw new Error('no spare segment file appeared');
  }

  it('opens the next segment ahead of need, and a clean close leaves no empty file behind', async () => {
    const queue = await tmp.open({ segmentBytes: 2048 });
    const appended = await fillUntilSpare(queue);
    const files = await allSegmentFiles(tmp.dir);
    expect(files.filter((f) => f.size === 0)).toHaveLength(1);
    // The spare is the newest name, after the segment being written.
    expect(files[files.length - 1]!.size).toBe(0);
    // Roll over into it: the records land there and are read back in order.
    const more = numbered('after', 100);
    await appendAll(queue, more);
    expect(await drain(queue.cursor())).toEqual([...appended, ...more]);
    await queue.close();
    expect((await allSegmentFiles(tmp.dir)).filter((f) => f.size === 0)).toEqual([]);
  });

  it('after a crash with a spare open, reopens without it and delivers every record once', async () => {
    const first = await tmp.open({ segmentBytes: 2048 });
    const appended = await fillUntilSpare(first);
    await abandonDiskQueue(first);
    expect((await allSegmentFiles(tmp.dir)).some((f) => f.size === 0)).toBe(true);

    const queue = await tmp.open({ segmentBytes: 2048 });
    expect((await allSegmentFiles(tmp.dir)).filter((f) => f.size === 0)).toEqual([]);
    const later = numbered('later', 50);
    await appendAll(queue, later);
    expect(await drain(queue.cursor())).toEqual([...appended, ...later]);
    expect(queue.stats().drops.corrupt).toBe(0);
  });

  it.runIf(process.platform === 'linux' && constants.O_DSYNC !== undefined)(
    'writes segments through O_DSYNC descriptors, so each write is durable when it returns',
    async () => {
      const queue = await tmp.open({ segmentBytes: 2048 });
      await fillUntilSpare(queue);
      const flags = await openFlags(tmp.dir);
      const data = await segmentFiles(tmp.dir);
      const writing = data[data.length - 1]!;
      expect(flags.get(writing)! & constants.O_DSYNC).toBe(constants.O_DSYNC);
      const spare = (await allSegmentFiles(tmp.dir)).find((f) => f.size === 0)!.name;
      expect(flags.get(spare)! & constants.O_DSYNC).toBe(constants.O_DSYNC);
    },
  );
});
