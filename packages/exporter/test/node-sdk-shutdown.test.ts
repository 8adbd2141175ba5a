import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

// A short-lived script (a job, a CLI, a serverless handler) whose last act is `await sdk.shutdown()`.
// Nothing else keeps it alive: Lifeline's pieces must hold the process open while they send.
const here = path.dirname(fileURLToPath(import.meta.url));
const script = path.join(here, 'fixtures', 'node-sdk-short-lived.mjs');
const SIGNALS = ['logs', 'traces', 'metrics'] as const;

let dir: string;
beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-sdk-shutdown-'));
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function runScript(base: string, queueDir: string, timeoutMs: number) {
  // The SDK prints diagnostics (ours among them) at OTEL_LOG_LEVEL.
  const child = spawn(process.execPath, [script, base, queueDir, String(timeoutMs)], {
    env: { ...process.env, OTEL_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  const match = /shutdown (\d+) (\{.*\})/.exec(output);
  return {
    code,
    output,
    shutdownMs: match ? Number(match[1]) : undefined,
    pending: match ? (JSON.parse(match[2] ?? '{}') as Record<string, number>) : undefined,
  };
}

async function closedPort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as { port: number };
  server.close();
  await once(server, 'close');
  return port;
}

describe('NodeSDK shutdown() in a short-lived script', () => {
  it('delivers the log record, span and metric before the script exits', async () => {
    const receiver = await createReceiver();
    try {
      const run = await runScript(receiver.url, path.join(dir, 'live'), 5_000);
      expect(run.code, run.output).toBe(0);
      expect(run.pending).toEqual({ logs: 0, traces: 0, metrics: 0 });
      expect(receiver.logRecords().map((r) => r.record.body?.stringValue)).toEqual(['job done']);
      expect(receiver.spans().map((s) => s.span.name)).toEqual(['job.run']);
      expect(receiver.counts().dataPoints).toBeGreaterThan(0);
    } finally {
      await receiver.close();
    }
  });

  it('with a dead endpoint, returns by the deadline with the records on disk; the next run sends them', async () => {
    const queueDir = path.join(dir, 'dead');
    const timeoutMs = 1_000;
    const dead = await runScript(`http://127.0.0.1:${await closedPort()}`, queueDir, timeoutMs);
    expect(dead.code, dead.output).toBe(0);
    expect(dead.pending).toEqual({ logs: 1, traces: 1, metrics: 1 });
    // Bounded by shutdownTimeoutMs (a generous allowance for a busy machine; the margin is measured
    // by `pnpm bench:shutdown`). Unbounded, a retrying exporter would hold on for its retries.
    expect(dead.shutdownMs).toBeLessThan(timeoutMs + 500);
    expect(dead.output).toMatch(
      /not sent by the shutdown deadline; they stay in .*logs and the next start sends them/,
    );
    for (const signal of SIGNALS) {
      const queue = await openDiskQueue({ directory: path.join(queueDir, signal) });
      expect(queue.stats().pendingRecords, signal).toBe(1);
      await queue.close();
    }

    const receiver = await createReceiver();
    try {
      const next = await runScript(receiver.url, queueDir, 5_000);
      expect(next.code, next.output).toBe(0);
      expect(next.pending).toEqual({ logs: 0, traces: 0, metrics: 0 });
      // This run's records and the dead run's.
      expect(receiver.logRecords().map((r) => r.record.body?.stringValue)).toEqual(['job done', 'job done']);
      expect(receiver.spans()).toHaveLength(2);
    } finally {
      await receiver.close();
    }
  });
});
