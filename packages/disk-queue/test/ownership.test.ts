import { fork, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { inspectQueue, openDiskQueue, verifyQueue, type DiskQueue } from '@otel-lifeline/disk-queue';
import { drain, numbered, record, tempDir } from './helpers.js';

const fixture = fileURLToPath(new URL('./fixtures/hold-queue.mjs', import.meta.url));

interface Holder {
  child: ChildProcess;
  directory: string;
  send(m: object, reply?: string): Promise<void>;
  exited: Promise<void>;
}

function hold(dir: string, tag: string, count: number): Promise<Holder> {
  return new Promise((resolve, reject) => {
    const child = fork(fixture, [dir, tag, String(count)], { stdio: ['ignore', 'ignore', 'inherit', 'ipc'] });
    const exited = new Promise<void>((r) => child.once('exit', () => r()));
    child.once('error', reject);
    child.once('message', (m: { type: string; directory: string }) => {
      resolve({
        child,
        directory: m.directory,
        exited,
        send: (msg, reply) =>
          new Promise<void>((done) => {
            if (reply !== undefined) child.once('message', () => done());
            child.send(msg);
            if (reply === undefined) void exited.then(done);
          }),
      });
    });
  });
}

describe('disk queue ownership', () => {
  let dir: string;
  let cleanup: () => Promise<void>;
  const children: ChildProcess[] = [];
  const queues: DiskQueue[] = [];

  beforeEach(async () => {
    expect(existsSync(fileURLToPath(new URL('../dist/index.js', import.meta.url)))).toBe(true);
    ({ dir, cleanup } = await tempDir('lifeline-dq-owner-'));
  });

  afterEach(async () => {
    for (const q of queues.splice(0)) await q.close();
    for (const c of children.splice(0)) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    await cleanup();
  });

  it('gives a second queue in the same process its own sub-directory', async () => {
    const a = await openDiskQueue({ directory: dir });
    const b = await openDiskQueue({ directory: dir });
    queues.push(a, b);
    expect(a.directory).toBe(dir);
    expect(b.directory).toBe(join(dir, `queue-${process.pid}`));
    a.append(record('to a'));
    b.append(record('to b'));
    await Promise.all([a.flush(), b.flush()]);
    expect(await drain(a.cursor())).toEqual(['to a']);
    expect(await drain(b.cursor())).toEqual(['to b']);
    // Drained, the sub-directory goes away on close; with records left it stays for adoption.
    await b.close();
    expect(existsSync(b.directory)).toBe(false);
    const c = await openDiskQueue({ directory: dir });
    queues.push(c);
    expect(c.directory).toBe(b.directory);
    c.append(record('left behind'));
    await c.close();
    expect(existsSync(c.directory)).toBe(true);
    await a.close();
    const d = await openDiskQueue({ directory: dir });
    queues.push(d);
    expect(d.directory).toBe(dir);
    expect(await drain(d.cursor())).toEqual(['left behind']);
    expect(existsSync(c.directory)).toBe(false);
  });

  it('keeps two processes on one directory apart, neither corrupting the other', async () => {
    const other = await hold(dir, 'child', 500);
    children.push(other.child);
    expect(other.directory).toBe(dir);
    const mine = await openDiskQueue({ directory: dir, segmentBytes: 2048 });
    queues.push(mine);
    expect(mine.directory).toBe(join(dir, `queue-${process.pid}`));
    for (const t of numbered('parent', 500)) mine.append(record(t));
    await Promise.all([mine.flush(), other.send({ type: 'append', count: 300 }, 'appended')]);
    expect(await drain(mine.cursor())).toEqual(numbered('parent', 500));
    await other.send({ type: 'close' });
    const report = await verifyQueue(dir);
    expect(report.corrupt).toEqual([]);
    expect(report.records).toBe(500 + 300 + 500);
    const inspection = await inspectQueue(dir);
    expect(inspection.subQueues.map((s) => s.directory)).toEqual([join(dir, `queue-${process.pid}`)]);
    expect(inspection.pendingRecords).toBe(800);
  });

  it("adopts a dead sibling's sub-directory, drains it through the cursors, then removes it", async () => {
    const owner = await hold(dir, 'owner', 10);
    children.push(owner.child);
    const doomed = await hold(dir, 'doomed', 200);
    children.push(doomed.child);
    expect(doomed.directory).toBe(join(dir, `queue-${doomed.child.pid}`));
    doomed.child.kill('SIGKILL');
    await doomed.exited;

    const mine = await openDiskQueue({ directory: dir, cursors: ['primary', 'mirror'] });
    queues.push(mine);
    expect(mine.directory).toBe(join(dir, `queue-${process.pid}`));
    expect(mine.adopted).toEqual([doomed.directory]);
    mine.append(record('mine-1'));
    await mine.flush();
    const expected = [...numbered('doomed', 200), 'mine-1'];
    expect(await drain(mine.cursor('primary'), { maxRecords: 64 })).toEqual(expected);
    expect(existsSync(doomed.directory)).toBe(true); // the mirror cursor has not read it yet
    expect(await drain(mine.cursor('mirror'))).toEqual(expected);
    expect(existsSync(doomed.directory)).toBe(false);
    expect(mine.adopted).toEqual([]);
    await owner.send({ type: 'close' });
  });

  it('takes over the directory of a dead owner and delivers its records', async () => {
    const dead = await hold(dir, 'dead', 50);
    children.push(dead.child);
    dead.child.kill('SIGKILL');
    await dead.exited;
    const mine = await openDiskQueue({ directory: dir });
    queues.push(mine);
    expect(mine.directory).toBe(dir);
    expect(await drain(mine.cursor())).toEqual(numbered('dead', 50));
    expect((await readdir(dir)).filter((n) => n.startsWith('queue-'))).toEqual([]);
  });
});
