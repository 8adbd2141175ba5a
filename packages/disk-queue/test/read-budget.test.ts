import { describe, expect, it } from 'vitest';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import { tempDir } from './helpers.js';

describe('reads sized by a record budget', () => {
  it('read a reopened backlog to its end in small batches, whatever the average frame size', async () => {
    const { dir, cleanup } = await tempDir('lifeline-dq-read-budget-');
    try {
      const writer = await openDiskQueue({ directory: dir, maxBytes: 64 * 2 ** 20 });
      const total = 6_000;
      // Odd, varying sizes make the running average frame size fractional.
      for (let i = 0; i < total; i++) {
        while (!writer.append(new Uint8Array(2_377 + (i % 3)).fill(i % 251))) await writer.waitForRoom();
      }
      await writer.close();
      const errors: string[] = [];
      const reader = await openDiskQueue({ directory: dir, onError: (e) => errors.push(e.message) });
      let read = 0;
      for (;;) {
        const batch = await reader.cursor().read({ maxRecords: 512, maxBytes: 2 * 2 ** 20 });
        if (batch === undefined) break;
        read += batch.records.length;
        await reader.cursor().ack(batch);
      }
      await reader.close();
      expect(errors).toEqual([]);
      expect(read).toBe(total);
    } finally {
      await cleanup();
    }
  });
});
