import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectQueue, openDiskQueue } from '@otel-lifeline/disk-queue';
import { encodeLedger } from '../../../disk-queue/src/ledger.js';
import { logsCodec } from '@otel-lifeline/otlp';
import { createReceiver } from '@otel-lifeline/receiver';
import { lifelineBin, runNode } from '../child-process.js';
import { flipByte, runDrain } from './queue-cli.js';

const work = mkdtempSync(join(tmpdir(), 'lifeline-cli-integrity-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** A logs queue of `count` one-record fragments, spread over several small segments. */
async function logsQueue(name: string, count: number): Promise<string> {
  const dir = join(work, name, 'logs');
  const queue = await openDiskQueue({ directory: dir, segmentBytes: 4096 });
  for (let i = 0; i < count; i += 1) {
    queue.append(
      logsCodec.encode({
        resourceLogs: [
          {
            scopeLogs: [
              { logRecords: [{ eventName: `event-${i}`, body: { stringValue: 'x'.repeat(200) } }] },
            ],
          },
        ],
      }),
    );
    if (i % 10 === 9) await queue.flush();
  }
  await queue.close();
  return dir;
}

async function drainTo(
  dir: string,
): Promise<{ code: number | null; stdout: string; stderr: string; received: number }> {
  const receiver = await createReceiver();
  try {
    const result = await runDrain(dir, receiver.url, '--max-attempts', '1');
    return { ...result, received: receiver.counts().logRecords };
  } finally {
    await receiver.close();
  }
}

/** Mounts a small tmpfs at `dir`; false where this process may not mount (not root, no CAP_SYS_ADMIN). */
function mountTmpfs(dir: string): boolean {
  try {
    mkdirSync(dir, { recursive: true });
    execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=4m', 'tmpfs', dir], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

describe('lifeline queue verify and drain name what they skipped', () => {
  it('verify exits 1 for a missing middle segment and counts the missing records', async () => {
    const dir = await logsQueue('missing', 60);
    const segments = (await inspectQueue(dir)).segmentFiles;
    expect(segments.length).toBeGreaterThan(2);
    rmSync(join(dir, segments[1]!.file));
    const result = await runNode([lifelineBin, 'queue', 'verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/missing \d+ record\(s\) \(seq \d+–\d+\) before segment/);
    const json = JSON.parse((await runNode([lifelineBin, 'queue', 'verify', dir, '--json'])).stdout) as {
      records: number;
      missingRecords: number;
    };
    expect(json.records + json.missingRecords).toBe(60);
    expect(json.missingRecords).toBeGreaterThan(0);
  });

  it('drain exits 1 for a missing middle segment, naming the records it could not send', async () => {
    const dir = await logsQueue('drain-missing', 60);
    const segments = (await inspectQueue(dir)).segmentFiles;
    rmSync(join(dir, segments[1]!.file));
    const drained = await drainTo(dir);
    expect(drained.code).toBe(1);
    expect(drained.stderr).toMatch(/skipped \d+ record\(s\) \(corrupt\)/);
    const skipped = Number(/skipped (\d+) record/.exec(drained.stderr)?.[1]);
    expect(drained.received + skipped).toBe(60);
  });

  it('verify exits 1 for a ledger past the last record, and drain then delivers every record instead of deleting them', async () => {
    const dir = await logsQueue('past-end', 30);
    writeFileSync(
      join(dir, 'ledger'),
      encodeLedger({ cursors: { default: { segment: 999, offset: 64, seq: 99_999 } }, writtenAtMs: 0 }),
    );
    const verify = await runNode([lifelineBin, 'queue', 'verify', dir]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toMatch(/ledger: disagrees with the segments/);
    const drained = await drainTo(dir);
    expect(drained.received).toBe(30);
    expect(drained.stderr).toMatch(/disagrees with the segments/);
  });

  it('drain exits 1 naming the corrupt records it skipped, after delivering the intact ones', async () => {
    const dir = await logsQueue('corrupt', 30);
    const segment = (await inspectQueue(dir)).segmentFiles[1]!;
    flipByte(join(dir, segment.file), Math.floor(segment.bytes / 2));
    const drained = await drainTo(dir);
    expect(drained.code).toBe(1);
    expect(drained.stdout).toMatch(/skipped 1 \(corrupt\)/);
    expect(drained.stderr).toMatch(/skipped 1 record\(s\) \(corrupt\)/);
    expect(drained.received).toBe(29);
  });

  it('verify exits 1 naming a segment that cannot be read', async () => {
    const dir = await logsQueue('unreadable', 30);
    const segment = (await inspectQueue(dir)).segmentFiles[1]!;
    // A directory where a segment file should be: opening it for reading fails even for root.
    rmSync(join(dir, segment.file));
    mkdirSync(join(dir, segment.file));
    const result = await runNode([lifelineBin, 'queue', 'verify', dir]);
    expect(result.code).toBe(1);
    expect(result.stdout).toContain(`corrupt record in segment ${segment.file} at offset 0: cannot read`);
  });

  it('drain exits 1 on a read-only queue with records pending, naming the count, and deletes nothing', async (context) => {
    const mount = join(work, 'ro');
    if (!mountTmpfs(mount)) {
      context.skip('mounting a tmpfs is not allowed here (needs root); the read-only case runs in CI');
      return;
    }
    try {
      const dir = join(mount, 'logs');
      const queue = await openDiskQueue({ directory: dir, segmentBytes: 4096 });
      for (let i = 0; i < 20; i += 1)
        queue.append(
          logsCodec.encode({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: `e${i}` }] }] }] }),
        );
      await queue.close();
      execFileSync('mount', ['-o', 'remount,ro', mount]);
      const drained = await drainTo(dir);
      expect(drained.code).toBe(1);
      expect(drained.stderr).toMatch(
        /20 records pending but the queue cannot be opened for writing \(.*EROFS/,
      );
      expect(drained.received).toBe(0);
      expect((await inspectQueue(dir)).pendingRecords).toBe(20);
    } finally {
      execFileSync('umount', ['-l', mount], { stdio: 'ignore' });
    }
  });
});
