import { hostname } from 'node:os';
import { join } from 'node:path';
import { utimes, writeFile, readFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import { tempDir } from './helpers.js';

describe('disk queue lock', () => {
  let dir: string;
  let cleanup: () => Promise<void>;

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir('lifeline-dq-lock-'));
  });
  afterEach(async () => cleanup());

  async function writeLock(owner: object, ageMs: number): Promise<void> {
    const path = join(dir, 'lock');
    await writeFile(path, JSON.stringify(owner));
    const t = (Date.now() - ageMs) / 1000;
    await utimes(path, t, t);
  }

  it('writes the owner pid into the lock and removes it on close', async () => {
    const q = await openDiskQueue({ directory: dir });
    expect(JSON.parse(await readFile(join(dir, 'lock'), 'utf8'))).toMatchObject({
      pid: process.pid,
      hostname: hostname(),
    });
    await q.close();
    await expect(readFile(join(dir, 'lock'))).rejects.toMatchObject({ code: 'ENOENT' });
  });

  it('treats a lock from another host as live while its heartbeat is fresh', async () => {
    await writeLock({ pid: 1, hostname: 'some-other-host', startedAtMs: 0 }, 1_000);
    const q = await openDiskQueue({ directory: dir, lockStaleMs: 30_000 });
    expect(q.directory).toBe(join(dir, `queue-${process.pid}`));
    await q.close();
  });

  it('takes over a lock from another host whose heartbeat stopped', async () => {
    await writeLock({ pid: 1, hostname: 'some-other-host', startedAtMs: 0 }, 120_000);
    const q = await openDiskQueue({ directory: dir, lockStaleMs: 30_000 });
    expect(q.directory).toBe(dir);
    await q.close();
  });

  it('takes over a lock naming its own pid: a previous process with the same pid (pid 1 in a container)', async () => {
    await writeLock({ pid: process.pid, hostname: hostname(), startedAtMs: 0 }, 0);
    const q = await openDiskQueue({ directory: dir });
    expect(q.directory).toBe(dir);
    await q.close();
  });

  it('waits out a lock that is being written (unparsable and fresh), and takes an old unparsable one', async () => {
    await writeFile(join(dir, 'lock'), '');
    const a = await openDiskQueue({ directory: dir });
    expect(a.directory).toBe(join(dir, `queue-${process.pid}`));
    await a.close();
    const t = (Date.now() - 60_000) / 1000;
    await utimes(join(dir, 'lock'), t, t);
    const b = await openDiskQueue({ directory: dir });
    expect(b.directory).toBe(dir);
    await b.close();
  });
});
