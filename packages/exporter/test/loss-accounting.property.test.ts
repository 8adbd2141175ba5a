import { randomBytes } from 'node:crypto';
import { mkdtemp, open, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { createNodeFileSystem, type FileSystem } from '@otel-lifeline/disk-queue';
import { createReceiver } from '@otel-lifeline/receiver';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import { ManualReader, metricTotal, readBooks } from './support/self-metrics.js';

/** lifeline.queue.dropped for one reason. */
async function droppedFor(reader: ManualReader, reason: string): Promise<number> {
  const { resourceMetrics: rm } = await reader.collect();
  return metricTotal(rm, 'lifeline.queue.dropped', { 'lifeline.drop.reason': reason });
}

function enospc(): NodeJS.ErrnoException {
  const e: NodeJS.ErrnoException = new Error('ENOSPC: no space left on device (injected)');
  e.code = 'ENOSPC';
  return e;
}

/** The real file system, but while `full` every write and every new file fails with ENOSPC. */
function fillableFileSystem(): FileSystem & { full: boolean } {
  const real = createNodeFileSystem();
  const fs: FileSystem & { full: boolean } = {
    ...real,
    full: false,
    async open(p, flags, mode, options) {
      if (fs.full && flags !== 'r') throw enospc();
      const file = await real.open(p, flags, mode, options);
      return {
        durableWrites: file.durableWrites,
        read: (b, o, l, pos) => file.read(b, o, l, pos),
        writev: (bufs, pos) => (fs.full ? Promise.reject(enospc()) : file.writev(bufs, pos)),
        datasync: () => file.datasync(),
        sync: () => file.sync(),
        truncate: (n) => file.truncate(n),
        size: () => file.size(),
        close: () => file.close(),
      };
    },
  };
  return fs;
}

/**
 * Damages one byte near the end of the newest segment with records, as a failing medium would:
 * the queue meets a corrupt frame when it reads there (unless the frame was already sent).
 */
async function damageNewestSegment(dir: string): Promise<void> {
  const names = (await readdir(dir).catch(() => [] as string[]))
    .filter((n) => /^\d{16}\.seg$/.test(n))
    .sort()
    .reverse();
  for (const name of names) {
    try {
      const file = await open(path.join(dir, name), 'r+');
      try {
        const { size } = await file.stat();
        if (size < 1024) continue;
        const at = size - 100;
        const byte = Buffer.alloc(1);
        await file.read(byte, 0, 1, at);
        byte[0] = byte[0]! ^ 0x5a;
        await file.write(byte, 0, 1, at);
        return;
      } finally {
        await file.close();
      }
    } catch {
      // Deleted meanwhile (sent and acknowledged): try the next one.
    }
  }
}

const phase = fc.record({
  disk: fc.constantFrom('ok', 'full'),
  endpoint: fc.constantFrom('up', 'down'),
  records: fc.integer({ min: 20, max: 400 }),
  bursts: fc.integer({ min: 1, max: 4 }),
  /** A byte of a segment on disk goes bad during this phase. */
  damage: fc.boolean(),
});

/**
 * The queue's bounds: none (memory fallback only), or a small segment size so that damage lands in
 * a sealed segment as often as in the one being written.
 */
const bounds = fc.constantFrom(
  {},
  { segmentBytes: 8 * 1024 },
  { maxBytes: 32 * 1024, segmentBytes: 4 * 1024, whenFull: 'drop-oldest' as const },
);

describe('loss accounting in log records', () => {
  it('keeps processed = exported + dropped(by reason) + queued at every moment over random schedules of disk full, endpoint down, both and recovery; what was not dropped arrives', async () => {
    const seen = {
      dropped: 0,
      degraded: 0,
      reasons: { io_error: 0, queue_full: 0, corrupt: 0 } as Record<string, number>,
    };
    await fc.assert(
      fc.asyncProperty(fc.array(phase, { minLength: 2, maxLength: 5 }), bounds, async (phases, bound) => {
        const dir = await mkdtemp(path.join(tmpdir(), 'lifeline-accounting-'));
        const receiver = await createReceiver();
        const reader = new ManualReader();
        const meterProvider = new MeterProvider({ readers: [reader] });
        const fs = fillableFileSystem();
        const provider = new LoggerProvider({
          processors: [
            createDurableLogRecordProcessor({
              endpoints: [{ url: `${receiver.url}/v1/logs` }],
              queueDir: path.join(dir, 'logs'),
              meterProvider,
              retry: { initialBackoffMs: 20, maxBackoffMs: 100 },
              // A small memory fallback, so that a long spell of disk full and endpoint down drops.
              queue: { fs, recoveryProbeMs: 30, memoryFallbackBytes: 32 * 1024, ...bound },
            }),
          ],
        });
        const logger = provider.getLogger('app');
        let emitted = 0;
        try {
          for (const p of phases) {
            fs.full = p.disk === 'full';
            if (p.endpoint === 'down') await receiver.stop();
            else await receiver.start().catch(() => undefined);
            for (let b = 0; b < p.bursts; b++) {
              const n = Math.ceil(p.records / p.bursts);
              for (let i = 0; i < n; i++)
                // Incompressible (fragments are stored as gzip members), so the memory fallback fills.
                logger.emit({
                  body: `r${emitted++}`,
                  attributes: { pad: randomBytes(75).toString('base64') },
                });
              await sleep(40);
              if (p.damage && p.disk === 'ok' && b === 0) {
                await damageNewestSegment(path.join(dir, 'logs'));
                // Records written after the damaged frame (past a group commit): a bad last frame is a
                // torn tail still being written, not corruption, until something follows it on disk.
                for (let i = 0; i < 10; i++) logger.emit({ body: `r${emitted++}` });
                await sleep(250);
              }
              const now = await readBooks(reader);
              expect(now, JSON.stringify(now)).toMatchObject({
                processed: now.exported + now.dropped + now.queued,
              });
            }
          }
          // Recovery: disk and endpoint back. Everything queued is delivered; nothing else is lost.
          fs.full = false;
          await receiver.start().catch(() => undefined);
          await provider.forceFlush();
          await expect
            .poll(async () => (await readBooks(reader)).queued, { timeout: 15_000, interval: 100 })
            .toBe(0);
          const end = await readBooks(reader);
          seen.dropped += end.dropped;
          for (const reason of Object.keys(seen.reasons))
            seen.reasons[reason]! += await droppedFor(reader, reason);
          if (phases.some((p) => p.disk === 'full')) seen.degraded++;
          expect(end.processed).toBe(emitted);
          expect(end.processed).toBe(end.exported + end.dropped);
          const delivered = new Set(receiver.logRecords().map((r) => r.record.body?.stringValue));
          expect(delivered.size).toBe(end.exported);
          // Dropped records never arrive (a record counted twice would make these disagree).
          expect(delivered.size + end.dropped).toBe(emitted);
        } finally {
          await provider.shutdown();
          await meterProvider.shutdown();
          await receiver.close();
          await rm(dir, { recursive: true, force: true });
        }
      }),
      {
        numRuns: 8,
        interruptAfterTimeLimit: 120_000,
        // Always among the runs: a long spell of disk full with the endpoint down (drops), then recovery.
        examples: [
          [
            [
              { disk: 'full', endpoint: 'down', records: 400, bursts: 4, damage: false },
              { disk: 'full', endpoint: 'up', records: 200, bursts: 2, damage: false },
              { disk: 'ok', endpoint: 'down', records: 100, bursts: 1, damage: false },
            ],
            {},
          ],
          // A long outage on a small disk bound: the oldest segments are evicted (queue_full).
          [
            [
              { disk: 'ok', endpoint: 'down', records: 400, bursts: 4, damage: false },
              { disk: 'ok', endpoint: 'down', records: 400, bursts: 4, damage: false },
            ],
            { maxBytes: 32 * 1024, segmentBytes: 4 * 1024, whenFull: 'drop-oldest' },
          ],
          // A byte goes bad in records waiting on disk (corrupt).
          [
            [
              { disk: 'ok', endpoint: 'down', records: 400, bursts: 4, damage: false },
              { disk: 'ok', endpoint: 'down', records: 100, bursts: 1, damage: true },
            ],
            {},
          ],
        ],
      },
    );
    // The schedules did exercise loss and the degraded path, so the books above were tested with drops in them.
    expect(seen.dropped).toBeGreaterThan(0);
    expect(seen.degraded).toBeGreaterThan(0);
    // Records lost on a full disk and records lost to damage on disk both came up, counted in log records.
    for (const [reason, n] of Object.entries(seen.reasons)) expect(n, reason).toBeGreaterThan(0);
  }, 180_000);
});
