import { randomBytes } from 'node:crypto';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { Receiver } from '@otel-lifeline/receiver';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import { seqs } from './fixtures.js';

/*
 * The staging in front of the disk, with the event loop starved: an app that emits in one
 * synchronous burst leaves the group commit no turn to start its writes. Below the disk bound the
 * staging grows (to twice queue.maxBufferBytes) instead of dropping; past that cap it drops,
 * counted as buffer_full.
 */
const MAX_BUFFER_BYTES = 1024 * 1024;

let dir: string;
let receiver: Receiver;
let provider: LoggerProvider | undefined;
let drops: Array<{ reason: string; items: number }>;
const onDrop = (message: unknown): void => void drops.push(message as { reason: string; items: number });

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-staging-'));
  receiver = await createReceiver();
  drops = [];
  subscribe('lifeline:queue:drop', onDrop);
});
afterEach(async () => {
  unsubscribe('lifeline:queue:drop', onDrop);
  await provider?.shutdown().catch(() => undefined);
  provider = undefined;
  await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

/** A provider whose queue is open (a first record made durable), with a small in-memory buffer. */
async function openProvider(): Promise<LoggerProvider> {
  provider = new LoggerProvider({
    processors: [
      createDurableLogRecordProcessor({
        endpoints: [{ url: `${receiver.url}/v1/logs` }],
        queueDir: path.join(dir, 'logs'),
        queue: { maxBufferBytes: MAX_BUFFER_BYTES },
      }),
    ],
  });
  burst(provider, -1, 1);
  await provider.forceFlush();
  return provider;
}

/** Records numbered from `from`, emitted without yielding to the event loop. */
function burst(p: LoggerProvider, from: number, count: number): void {
  const logger = p.getLogger('staging');
  for (let i = from; i < from + count; i++) {
    // 400 characters that barely compress: the burst's size is about the same on disk and in memory.
    logger.emit({ body: 'burst', attributes: { seq: i, noise: randomBytes(300).toString('base64') } });
  }
}

describe('staging in front of the disk, event loop starved', () => {
  it('drops nothing while the disk is below its bound: the burst past maxBufferBytes is kept and delivered', async () => {
    const p = await openProvider();
    // About 1.5 × MAX_BUFFER_BYTES of fragments, framed, in one synchronous burst.
    const count = 3_500;
    burst(p, 0, count);
    await p.forceFlush({ timeoutMillis: 30_000 });
    expect(drops.map((d) => d.reason)).toEqual([]);
    const got = new Set(seqs(receiver.logRecords()));
    for (let i = 0; i < count; i++) expect(got.has(i)).toBe(true);
  });

  it('past its cap (twice maxBufferBytes) drops what does not fit, counted as buffer_full, and delivers the rest', async () => {
    const p = await openProvider();
    const count = 14_000;
    burst(p, 0, count);
    await p.forceFlush({ timeoutMillis: 30_000 });
    const dropped = drops.reduce((n, d) => n + d.items, 0);
    expect(dropped).toBeGreaterThan(0);
    expect(new Set(drops.map((d) => d.reason))).toEqual(new Set(['buffer_full']));
    const got = new Set(seqs(receiver.logRecords()).filter((s) => s >= 0));
    expect(got.size + dropped).toBe(count);
  });
});
