import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, describe, expect, it } from 'vitest';
import { inspectQueue, openDiskQueue, verifyQueue } from '@otel-lifeline/disk-queue';
import { logsCodec } from '@otel-lifeline/otlp';
import { createReceiver } from '@otel-lifeline/receiver';
import { apiFixture, closedPort, lifelineBin, runNode, startNode, stop } from '../child-process.js';
import { flipByte, runDrain } from './queue-cli.js';

const work = mkdtempSync(join(tmpdir(), 'lifeline-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('lifeline queue', () => {
  it('drain replays the queue of a SIGKILLed process to a receiver and exits 0 with the counts; stat --json shows the backlog before and none after', async () => {
    const queueDir = join(work, 'killed');
    const app = startNode(['--import', '@otel-lifeline/node/register', apiFixture], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${await closedPort()}`,
        LIFELINE_QUEUE_DIR: queueDir,
        OTEL_METRICS_EXPORTER: 'none',
        OTEL_SERVICE_NAME: 'killed-app',
      },
    });
    const url = await app.url;
    const ids = Array.from({ length: 25 }, (_, i) => `r${i}`);
    for (const id of ids) await (await fetch(`${url}/ok?rid=${id}`)).text();
    await sleep(400); // past the 100 ms fsync interval: every access event is durable
    await stop(app.child, 'SIGKILL');

    const before = await runNode([lifelineBin, 'queue', 'stat', queueDir, '--json']);
    expect(before.code).toBe(0);
    const stat = JSON.parse(before.stdout) as {
      directory: string;
      signals: Array<Record<string, unknown>>;
      total: Record<string, number>;
    };
    expect(Object.keys(stat).sort()).toEqual(['directory', 'signals', 'total']);
    expect(stat.signals.map((s) => s.signal)).toEqual(['logs', 'traces']);
    const logs = stat.signals[0]!;
    expect(Object.keys(logs).sort()).toEqual(
      [
        'cursors',
        'deadLetters',
        'diskBytes',
        'directory',
        'drops',
        'oldestAgeMs',
        'owner',
        'pendingBytes',
        'pendingRecords',
        'segments',
        'signal',
      ].sort(),
    );
    expect(logs.pendingRecords).toBeGreaterThan(0);
    expect(logs.pendingBytes).toBeGreaterThan(0);
    expect(logs.oldestAgeMs).toBeGreaterThan(0);
    expect(logs.segments).toBeGreaterThanOrEqual(1);
    expect(logs.deadLetters).toEqual({ files: 0, bytes: 0 });
    expect((logs.owner as { alive: boolean }).alive).toBe(false);
    expect(Object.keys(logs.drops as object).sort()).toEqual([
      'buffer_full',
      'corrupt',
      'io_error',
      'max_age',
      'queue_full',
    ]);
    expect(stat.total.pendingRecords).toBe(
      stat.signals.reduce((n, s) => n + (s.pendingRecords as number), 0),
    );

    const receiver = await createReceiver();
    try {
      const drained = await runDrain(queueDir, receiver.url, '--json');
      expect(drained.stderr).toBe('');
      expect(drained.code).toBe(0);
      const report = JSON.parse(drained.stdout) as {
        records: number;
        items: number;
        signals: Array<{ signal: string; records: number; items: number; remaining: number }>;
      };
      const logReport = report.signals.find((s) => s.signal === 'logs')!;
      expect(logReport.remaining).toBe(0);
      expect(logReport.items).toBe(receiver.counts().logRecords);
      const delivered = receiver
        .logRecords()
        .filter((r) => r.record.eventName === 'lifeline.api.access')
        .map((r) => r.record.attributes?.find((a) => a.key === 'url.query')?.value?.stringValue ?? '');
      expect(delivered.map((q) => new URLSearchParams(q).get('rid')).sort()).toEqual([...ids].sort());
      expect(receiver.counts().spans).toBe(ids.length);
    } finally {
      await receiver.close();
    }

    const after = JSON.parse((await runNode([lifelineBin, 'queue', 'stat', queueDir, '--json'])).stdout) as {
      total: { pendingRecords: number };
    };
    expect(after.total.pendingRecords).toBe(0);
  });

  it('drain exits 1 and keeps the records when the endpoint is down', async () => {
    const dir = join(work, 'down', 'logs');
    const queue = await openDiskQueue({ directory: dir });
    queue.append(new Uint8Array([0x0a, 0x00]));
    await queue.close();
    const result = await runDrain(dir, `http://127.0.0.1:${await closedPort()}`, '--max-attempts', '2');
    expect(result.code).toBe(1);
    expect(result.stderr).toMatch(/giving up after 2 attempts/);
    expect((await inspectQueue(dir)).pendingRecords).toBe(1);
  });

  it('drain sends requests of up to --max-request-bytes before compression, 8 MiB by default, and names the option when the endpoint answers 413', async () => {
    const dir = join(work, 'request-size', 'logs');
    const queue = await openDiskQueue({ directory: dir });
    // 12 records of 400 KiB each (4.7 MiB): one request under the default bound.
    for (let i = 0; i < 12; i += 1) {
      queue.append(
        logsCodec.encode({
          resourceLogs: [
            {
              scopeLogs: [
                { logRecords: [{ eventName: `big-${i}`, body: { stringValue: 'x'.repeat(400 * 1024) } }] },
              ],
            },
          ],
        }),
      );
    }
    await queue.close();
    // Takes 2 MiB after decompression: the default request is refused with 413, and stays queued.
    const receiver = await createReceiver({ maxBodyBytes: 2 * 1024 * 1024 });
    try {
      const refused = await runDrain(dir, receiver.url, '--no-progress');
      expect(refused.code).toBe(1);
      expect(refused.stderr).toMatch(/HTTP 413.*up to 8388608 bytes before compression.*--max-request-bytes/);
      expect((await inspectQueue(dir)).pendingRecords).toBe(12);
      expect(receiver.logRecords()).toHaveLength(0);

      const drained = await runDrain(dir, receiver.url, '--max-request-bytes', '1MiB', '--json');
      expect(drained.code).toBe(0);
      // Two records (800 KiB and a few bytes) fit 1 MiB, three do not.
      expect(JSON.parse(drained.stdout).signals[0]).toMatchObject({ records: 12, items: 12, requests: 6 });
      expect(receiver.logRecords()).toHaveLength(12);
    } finally {
      await receiver.close();
    }
    const bad = await runDrain(dir, 'http://127.0.0.1:9', '--max-request-bytes', 'lots');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/--max-request-bytes.*'lots' is invalid.*expected a size such as 256MiB/);
  });

  it('verify reports a corrupted record by segment and offset and exits 1', async () => {
    const dir = join(work, 'corrupt', 'logs');
    const queue = await openDiskQueue({ directory: dir });
    for (let i = 0; i < 20; i += 1) queue.append(new Uint8Array(200).fill(i));
    await queue.close();
    const clean = await runNode([lifelineBin, 'queue', 'verify', dir]);
    expect(clean.code).toBe(0);
    expect(clean.stdout).toMatch(/20 records checked, 0 missing, 0 corrupt/);

    const segment = (await inspectQueue(dir)).segmentFiles[0]!;
    const path = join(dir, segment.file);
    flipByte(path, Math.floor(segment.bytes / 2));

    const expected = await verifyQueue(dir);
    expect(expected.corrupt.length).toBeGreaterThan(0);
    const result = await runNode([lifelineBin, 'queue', 'verify', dir]);
    expect(result.code).toBe(1);
    const first = expected.corrupt[0]!;
    expect(result.stdout).toContain(`corrupt record in segment ${first.segment} at offset ${first.offset}`);
    expect(result.stdout).toMatch(/FAILED: \d+ record\(s\) missing, \d+ corrupt region/);
    const json = JSON.parse((await runNode([lifelineBin, 'queue', 'verify', dir, '--json'])).stdout) as {
      corrupt: number;
      signals: Array<{ corrupt: unknown[] }>;
    };
    expect(json.corrupt).toBe(expected.corrupt.length);
    expect(json.signals[0]!.corrupt).toEqual(expected.corrupt);
  });

  it('verify and drain read an encrypted queue with --key, and refuse it without', async () => {
    const dir = join(work, 'encrypted', 'logs');
    const key = new Uint8Array(32).fill(9);
    const queue = await openDiskQueue({ directory: dir, encryption: { keyId: 'k7', key } });
    for (let i = 0; i < 3; i += 1) {
      queue.append(
        logsCodec.encode({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: `secret-${i}` }] }] }] }),
      );
    }
    await queue.close();
    const keyArgs = ['--key', Buffer.from(key).toString('base64'), '--key-id', 'k7'];

    const verified = await runNode([lifelineBin, 'queue', 'verify', dir, '--json', ...keyArgs]);
    expect(verified.code).toBe(0);
    expect(JSON.parse(verified.stdout)).toMatchObject({ records: 3, corrupt: 0 });

    const receiver = await createReceiver();
    try {
      const drained = await runDrain(dir, receiver.url, ...keyArgs);
      expect(drained.code).toBe(0);
      expect(drained.stdout).toMatch(/logs: delivered 3 records \(3 log records\)/);
      expect(
        receiver
          .logRecords()
          .map((r) => r.record.eventName)
          .sort(),
      ).toEqual(['secret-0', 'secret-1', 'secret-2']);
    } finally {
      await receiver.close();
    }
    const badKey = await runNode([lifelineBin, 'queue', 'verify', dir, '--key', 'short']);
    expect(badKey.code).toBe(2);
    expect(badKey.stderr).toMatch(/--key \/ LIFELINE_QUEUE_KEY: expected a 32-byte key/);
  });

  it('drain also replays the sub-queues another process left in the same directory', async () => {
    const dir = join(work, 'shared', 'logs');
    const first = await openDiskQueue({ directory: dir });
    const second = await openDiskQueue({ directory: dir });
    expect(second.directory).not.toBe(first.directory);
    const fragment = (name: string) =>
      logsCodec.encode({ resourceLogs: [{ scopeLogs: [{ logRecords: [{ eventName: name }] }] }] });
    first.append(fragment('from-first'));
    second.append(fragment('from-second'));
    await first.close();
    await second.close();
    expect((await inspectQueue(dir)).pendingRecords).toBe(2);

    const receiver = await createReceiver();
    try {
      const drained = await runDrain(dir, receiver.url, '--json');
      expect(drained.code).toBe(0);
      expect(JSON.parse(drained.stdout)).toMatchObject({ records: 2, items: 2 });
      expect(
        receiver
          .logRecords()
          .map((r) => r.record.eventName)
          .sort(),
      ).toEqual(['from-first', 'from-second']);
    } finally {
      await receiver.close();
    }
    expect((await inspectQueue(dir)).pendingRecords).toBe(0);
  });

  it('drain replays the queues of two SIGKILLed processes that shared one directory (cluster workers)', async () => {
    const queueDir = join(work, 'workers');
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const workers = [0, 1].map(() =>
      startNode(['--import', '@otel-lifeline/node/register', apiFixture], {
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          LIFELINE_QUEUE_DIR: queueDir,
          OTEL_METRICS_EXPORTER: 'none',
          OTEL_TRACES_EXPORTER: 'none',
        },
      }),
    );
    const urls = await Promise.all(workers.map((w) => w.url));
    const ids: string[] = [];
    for (const [w, url] of urls.entries()) {
      for (let i = 0; i < 5; i += 1) {
        ids.push(`w${w}-${i}`);
        await (await fetch(`${url}/ok?rid=w${w}-${i}`)).text();
      }
    }
    await sleep(400);
    await Promise.all(workers.map((w) => stop(w.child, 'SIGKILL')));

    const receiver = await createReceiver();
    try {
      const drained = await runDrain(queueDir, receiver.url, '--json');
      expect(drained.code, drained.stderr).toBe(0);
      const rids = receiver
        .logRecords()
        .filter((r) => r.record.eventName === 'lifeline.api.access')
        .map((r) =>
          new URLSearchParams(
            r.record.attributes?.find((a) => a.key === 'url.query')?.value?.stringValue,
          ).get('rid'),
        );
      expect(rids.sort()).toEqual(ids.sort());
    } finally {
      await receiver.close();
    }
  });

  it('names a directory without queues and exits 2', async () => {
    const result = await runNode([lifelineBin, 'queue', 'stat', work]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/no logs\/, traces\/ or metrics\/ queue here/);
  });
});
