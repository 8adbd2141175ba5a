import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { openDiskQueue, type QueueBatch } from '@otel-lifeline/disk-queue';
import { tempDir, text } from './helpers.js';

/**
 * Under random appends and reads against a small bound, every record is either delivered (once,
 * in order) or counted as dropped — never both, never neither — and the disk stays within maxBytes.
 * A batch may be held (read, not yet acknowledged) while appends evict its segment, then settled:
 * acknowledged (delivered) or rewound (read again, or counted lost when its segment is gone).
 */
describe('disk queue bounds, property', () => {
  for (const whenFull of ['drop-oldest', 'drop-newest'] as const) {
    it(`${whenFull}: appended = delivered + dropped, in order, within maxBytes`, async () => {
      const action = fc.oneof(
        fc.record({
          kind: fc.constant('append' as const),
          sizes: fc.array(fc.integer({ min: 1, max: 300 }), { minLength: 1, maxLength: 8 }),
        }),
        fc.record({ kind: fc.constant('read' as const), max: fc.integer({ min: 1, max: 10 }) }),
        fc.record({ kind: fc.constant('hold' as const), max: fc.integer({ min: 1, max: 10 }) }),
        fc.record({ kind: fc.constant('settle' as const), ack: fc.boolean() }),
      );
      await fc.assert(
        fc.asyncProperty(
          fc.array(action, { minLength: 1, maxLength: 30 }),
          fc.integer({ min: 2, max: 6 }),
          async (actions, segmentsInBound) => {
            const { dir, cleanup } = await tempDir('lifeline-dq-bprop-');
            const segmentBytes = 512;
            const maxBytes = segmentBytes * segmentsInBound;
            const queue = await openDiskQueue({
              directory: dir,
              segmentBytes,
              maxBytes,
              maxBufferBytes: 400,
              whenFull,
            });
            try {
              let appended = 0;
              let refused = 0;
              const delivered: number[] = [];
              const ids = (batch: QueueBatch) => batch.records.map((r) => Number(text(r).split(':')[0]));
              let held: QueueBatch | undefined;
              const settle = async (ack: boolean) => {
                if (held === undefined) return;
                if (ack) {
                  await queue.cursor().ack(held);
                  delivered.push(...ids(held));
                } else {
                  queue.cursor().rewind();
                }
                held = undefined;
              };
              const readAll = async (max: number) => {
                await settle(true); // a later acknowledgement acknowledges the held batch too
                const batch = await queue.cursor().read({ maxRecords: max });
                if (batch === undefined) return false;
                delivered.push(...ids(batch));
                await queue.cursor().ack(batch);
                return true;
              };
              for (const a of actions) {
                if (a.kind === 'append') {
                  for (const size of a.sizes) {
                    const id = appended++;
                    if (!queue.append(Buffer.from(`${id}:`.padEnd(size, '.')))) refused++;
                    await queue.flush();
                    expect(queue.stats().diskBytes).toBeLessThanOrEqual(maxBytes + 400);
                  }
                } else if (a.kind === 'hold') {
                  held ??= await queue.cursor().read({ maxRecords: a.max });
                } else if (a.kind === 'settle') {
                  await settle(a.ack);
                } else {
                  await readAll(a.max);
                }
              }
              await settle(false);
              while (await readAll(100));
              const s = queue.stats();
              for (let i = 1; i < delivered.length; i++)
                expect(delivered[i]!).toBeGreaterThan(delivered[i - 1]!);
              expect(delivered.length + s.drops.queue_full + s.drops.buffer_full).toBe(appended);
              expect(s.drops.buffer_full).toBe(whenFull === 'drop-newest' ? 0 : refused);
              if (whenFull === 'drop-newest') expect(s.drops.queue_full).toBe(refused);
              expect(s.drops.corrupt + s.drops.io_error + s.drops.max_age).toBe(0);
            } finally {
              await queue.close();
              await cleanup();
            }
          },
        ),
        { numRuns: 100 },
      );
    }, 120_000);
  }
});
