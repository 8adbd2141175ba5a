import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LogRecord } from '@otel-lifeline/otlp';
import type { Receiver } from '@otel-lifeline/receiver';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A child process with the durable processor is killed with SIGKILL at random moments and restarted
// on the same queue directory. Every record emitted more than the fsync interval before its kill
// must reach the receiver; duplicates may come only from the batch in flight at a kill.
// "Before its kill" counts the time the child ran: when the machine is busy the child's event loop
// stands still (it measures this itself), and time it spent not running cannot make anything durable.
const here = path.dirname(fileURLToPath(import.meta.url));
const app = path.join(here, 'fixtures', 'crash-app.mjs');
const built = existsSync(path.join(here, '..', 'dist', 'index.js'));
const FSYNC_INTERVAL_MS = 100;
const KILLS = Number(process.env.CRASH_KILLS ?? 10);
const RATE = 2_000;

let receiver: Receiver;
let dir: string;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (!built)
    throw new Error('the crash test runs the built package: run `pnpm exec tsc -b packages/exporter` first');
  receiver = await createReceiver();
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-crash-'));
});
afterAll(async () => {
  for (const child of children)
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

interface Run {
  child: ChildProcess;
  /** [records emitted so far, epoch ms, ms stalled so far] as the child reported them. */
  reports: Array<[number, number, number]>;
  exited: Promise<void>;
}

function start(run: string, rate: number): Run {
  const child = spawn(
    process.execPath,
    [app, `${receiver.url}/v1/logs`, path.join(dir, 'queue'), run, String(rate)],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  children.push(child);
  const reports: Array<[number, number, number]> = [];
  let pending = '';
  child.stdout?.on('data', (chunk: Buffer) => {
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      const [count, at, stalled] = line.split(' ').map(Number);
      reports.push([count ?? 0, at ?? 0, stalled ?? 0]);
    }
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return { child, reports, exited };
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

function identity(record: LogRecord): string {
  const attribute = (key: string): string | undefined => {
    const value = record.attributes?.find((a) => a.key === key)?.value;
    return value?.stringValue ?? value?.intValue;
  };
  return `${attribute('run')}:${attribute('seq')}`;
}

describe('crash safety (SIGKILL)', () => {
  it('delivers every record emitted more than the fsync interval before each of 10 kills', async () => {
    const required = new Set<string>();
    let stalledAtKills = 0;
    for (let k = 0; k < KILLS; k++) {
      const run = start(`run-${k}`, RATE);
      while (run.reports.length === 0) await sleep(5);
      await sleep(200 + Math.floor(Math.random() * 800));
      const killedAt = Date.now();
      run.child.kill('SIGKILL');
      await run.exited;
      // Running time between a report and the kill: wall time, minus the stalls the child reported
      // after it, minus the silence after its last report (beyond its 10 ms reporting period).
      const [, lastAt, lastStalled] = run.reports.at(-1) ?? [0, killedAt, 0];
      const unreported = Math.max(0, killedAt - lastAt - 10);
      let durable = 0;
      let strict = 0;
      for (const [count, at, stalled] of run.reports) {
        const ran = killedAt - at - (lastStalled - stalled) - unreported;
        if (ran > FSYNC_INTERVAL_MS) durable = Math.max(durable, count);
        if (killedAt - at > FSYNC_INTERVAL_MS) strict = Math.max(strict, count);
      }
      stalledAtKills += strict - durable;
      for (let seq = 0; seq < durable; seq++) required.add(`run-${k}:${seq}`);
    }
    expect(required.size).toBeGreaterThan(KILLS * 200);

    // One more start, emitting nothing, drains what the killed runs left on disk.
    const drain = start('drain', 0);
    const delivered = (): Set<string> => new Set(receiver.logRecords().map((r) => identity(r.record)));
    const deadline = Date.now() + 60_000;
    const allDelivered = (): boolean => {
      const got = delivered();
      return [...required].every((id) => got.has(id));
    };
    while (Date.now() < deadline && !allDelivered()) await sleep(200);
    drain.child.kill('SIGTERM');
    await drain.exited;

    const got = delivered();
    const missing = [...required].filter((id) => !got.has(id));
    expect(missing).toEqual([]);

    // Duplicates: a record that arrived in more than one request. Its first delivery must have been
    // the request in flight at a kill, so at most one such request per kill.
    const firstRequest = new Map<string, number>();
    const inFlightAtKill = new Set<number>();
    let duplicates = 0;
    receiver.received.logs.forEach((request, index) => {
      for (const rl of request.resourceLogs) {
        for (const sl of rl.scopeLogs) {
          for (const record of sl.logRecords) {
            const id = identity(record);
            const first = firstRequest.get(id);
            if (first === undefined) firstRequest.set(id, index);
            else {
              duplicates++;
              inFlightAtKill.add(first);
            }
          }
        }
      }
    });
    console.log(
      `crash test: ${required.size} records required, ${got.size} delivered, ${duplicates} duplicates from ` +
        `${inFlightAtKill.size} request(s) in flight at ${KILLS} kills; ${stalledAtKills} record(s) emitted more than ` +
        `${FSYNC_INTERVAL_MS} ms before a kill were not required because the child had not run that long since`,
    );
    expect(inFlightAtKill.size).toBeLessThanOrEqual(KILLS);
  }, 120_000);
});
