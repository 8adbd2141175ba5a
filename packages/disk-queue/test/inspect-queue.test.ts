import { describe, expect, it } from 'vitest';
import { inspectQueue } from '@otel-lifeline/disk-queue';
import { numbered, record } from './helpers.js';
import { useQueueDir } from './queue-fixture.js';

describe('inspectQueue', () => {
  const tmp = useQueueDir('lifeline-dq-inspect-');

  it('with scanTail: false reads owner, positions and segment files as usual and leaves the last segment out of the counts', async () => {
    const queue = await tmp.open({ segmentBytes: 400, cursors: ['a', 'b'] });
    // In flushes of eight: the records spread over several small segments.
    for (const [i, t] of numbered('r', 40).entries()) {
      queue.append(record(t));
      if (i % 8 === 7) await queue.flush();
    }
    await queue.flush();
    const batch = await queue.cursor('a').read({ maxRecords: 10 });
    await queue.cursor('a').ack(batch!);
    await queue.close();

    const full = await inspectQueue(tmp.dir);
    const light = await inspectQueue(tmp.dir, { scanTail: false });
    expect(full.segmentFiles.length).toBeGreaterThan(2);
    expect(full.cursors).toEqual({
      a: { pendingRecords: 30, pendingBytes: expect.any(Number) },
      b: { pendingRecords: 40, pendingBytes: expect.any(Number) },
    });
    expect(light.owner).toEqual(full.owner);
    expect(light.positions).toEqual(full.positions);
    expect(light.segmentFiles).toEqual(full.segmentFiles);
    expect(light.ledgerProblem).toBeUndefined();

    // What the last segment holds, from the full scan: every record past its first sequence number.
    const last = full.segmentFiles[full.segmentFiles.length - 1]!;
    const inLast = 40 - last.firstSeq!;
    expect(inLast).toBeGreaterThan(0);
    expect(light.cursors['a']!.pendingRecords).toBe(30 - inLast);
    expect(light.cursors['b']!.pendingRecords).toBe(40 - inLast);
    expect(light.pendingRecords).toBe(40 - inLast);
  });
});
