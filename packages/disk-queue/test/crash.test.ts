import { fork } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import { tempDir, text } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/crash-writer.mjs', import.meta.url));
const built = fileURLToPath(new URL('../dist/index.js', import.meta.url));

interface Round {
  confirmedUpTo: number;
  ackedUpTo: number;
  errors: string[];
}

/** Runs the writer from `first`, SIGKILLs it after `killAfterMs`, resolves what it confirmed. */
function runWriter(
  dir: string,
  first: number,
  killAfterMs: number,
  segmentBytes: number,
  consume: boolean,
): Promise<Round> {
  return new Promise((resolve, reject) => {
    const child = fork(fixture, [dir, String(first), String(segmentBytes), consume ? 'consume' : 'append'], {
      stdio: ['ignore', 'ignore', 'pipe', 'ipc'],
    });
    const round: Round = { confirmedUpTo: first - 1, ackedUpTo: first - 1, errors: [] };
    let stderr = '';
    child.stderr?.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('message', (m: { type: string; upTo?: number; message?: string }) => {
      if (m.type === 'ready') setTimeout(() => child.kill('SIGKILL'), killAfterMs);
      if (m.type === 'confirmed') round.confirmedUpTo = Math.max(round.confirmedUpTo, m.upTo!);
      if (m.type === 'acked') round.ackedUpTo = Math.max(round.ackedUpTo, m.upTo!);
      if (m.type === 'error') round.errors.push(m.message!);
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal === 'SIGKILL') resolve(round);
      else reject(new Error(`writer exited with ${code}/${signal}: ${stderr}`));
    });
  });
}

describe('disk queue under kill -9', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lifeline-dq-crash-'));
  });
  afterEach(async () => cleanup());

  it('keeps every record confirmed durable, in order and once, across 24 SIGKILLs at random moments', async () => {
    expect(existsSync(built), 'the package must be built (pnpm exec tsc -b packages/disk-queue)').toBe(true);
    const delivered: number[] = [];
    let confirmedTotal = 0;
    for (let round = 0; round < 24; round++) {
      const first = round * 1_000_000;
      const segmentBytes = round % 4 < 2 ? 8192 : 1024 * 1024;
      // Every other writer also consumes: it reads and acknowledges while it appends.
      const consume = round % 2 === 1;
      const { confirmedUpTo, ackedUpTo, errors } = await runWriter(
        dir,
        first,
        20 + Math.floor(Math.random() * 180),
        segmentBytes,
        consume,
      );
      expect(errors).toEqual([]);
      // Reopen as the next process would (the dead writer's lock is taken over) and drain.
      const queue = await openDiskQueue({ directory: dir, segmentBytes });
      expect(queue.directory).toBe(dir);
      const cursor = queue.cursor();
      const seen: number[] = [];
      for (;;) {
        const batch = await cursor.read({ maxRecords: 5000 });
        if (batch === undefined) break;
        for (const r of batch.records) {
          const t = text(r);
          const n = Number(t.slice(0, t.indexOf(':')));
          expect(t).toBe(`${n}:${'p'.repeat(n % 200)}`);
          seen.push(n);
        }
        await cursor.ack(batch);
      }
      // SIGKILL can cut a large write short: at most the one record being written is torn, and it
      // was never confirmed.
      expect(queue.stats().drops.io_error).toBe(0);
      expect(queue.stats().drops.corrupt).toBeLessThanOrEqual(1);
      await queue.close();
      // In order, none twice, no hole.
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBe(seen[i - 1]! + 1);
      if (!consume) {
        // Every confirmed record is there; unconfirmed ones may follow them.
        const confirmed = seen.filter((n) => n <= confirmedUpTo);
        expect(confirmed).toEqual(Array.from({ length: confirmedUpTo - first + 1 }, (_, i) => first + i));
        confirmedTotal += confirmed.length;
      } else {
        // Nothing whose ack() resolved comes back; everything confirmed and not acknowledged does
        // (acknowledgements the writer had no time to report may hide a few more at the front).
        if (seen.length > 0) {
          expect(seen[0]!).toBeGreaterThan(ackedUpTo);
          expect(seen[seen.length - 1]!).toBeGreaterThanOrEqual(confirmedUpTo);
        }
        confirmedTotal += Math.max(0, confirmedUpTo - first + 1);
      }
      delivered.push(...seen);
    }
    for (let i = 1; i < delivered.length; i++) expect(delivered[i]!).toBeGreaterThan(delivered[i - 1]!);
    expect(confirmedTotal).toBeGreaterThan(0);
  }, 120_000);
});
