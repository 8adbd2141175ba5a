import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { inspectQueue } from '@otel-lifeline/disk-queue';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import type { Receiver } from '@otel-lifeline/receiver';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { readDeadLetterFile } from '../src/dead-letter.js';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import type { ResilienceOptions } from '../src/resilience-options.js';
import { seqs } from './fixtures.js';

let dir: string;
const receivers: Receiver[] = [];
const providers: LoggerProvider[] = [];

beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-exporter-'));
});
afterEach(async () => {
  for (const provider of providers.splice(0)) await provider.shutdown().catch(() => undefined);
  for (const receiver of receivers.splice(0)) await receiver.close();
  await rm(dir, { recursive: true, force: true });
});

async function receiver(): Promise<Receiver> {
  const r = await createReceiver();
  receivers.push(r);
  return r;
}

function provider(
  options: Partial<ResilienceOptions> & Pick<ResilienceOptions, 'endpoints'>,
): LoggerProvider {
  const p = new LoggerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout' }),
    processors: [
      createDurableLogRecordProcessor({
        queueDir: path.join(dir, 'logs'),
        retry: { initialBackoffMs: 20, maxBackoffMs: 200 },
        probeIntervalMs: 500,
        ...options,
      }),
    ],
  });
  providers.push(p);
  return p;
}

const url = (r: Receiver): string => `${r.url}/v1/logs`;

function emit(p: LoggerProvider, from: number, count: number): void {
  const logger = p.getLogger('orders', '1.2.3');
  for (let i = from; i < from + count; i++) {
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      body: `order ${i}`,
      attributes: { seq: i, 'order.id': `o-${i}` },
    });
  }
}

describe('durable log record processor', () => {
  it('delivers what a LoggerProvider emits, intact', async () => {
    const r = await receiver();
    const p = provider({ endpoints: [{ url: url(r) }] });
    p.getLogger('orders', '1.2.3').emit({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: 'payment declined',
      eventName: 'payment.declined',
      timestamp: 1_700_000_000_123,
      attributes: { 'order.id': 'o-1', amount: 12.5, retries: 3, flagged: true, tags: ['a', 'b'] },
    });
    await p.forceFlush();
    const [received] = r.logRecords();
    expect(received?.resource?.attributes).toContainEqual({
      key: 'service.name',
      value: { stringValue: 'checkout' },
    });
    expect(received?.scope).toMatchObject({ name: 'orders', version: '1.2.3' });
    expect(received?.record).toMatchObject({
      severityNumber: SeverityNumber.WARN,
      severityText: 'WARN',
      body: { stringValue: 'payment declined' },
      eventName: 'payment.declined',
      timeUnixNano: '1700000000123000000',
    });
    expect(received?.record.attributes).toEqual([
      { key: 'order.id', value: { stringValue: 'o-1' } },
      { key: 'amount', value: { doubleValue: 12.5 } },
      { key: 'retries', value: { intValue: '3' } },
      { key: 'flagged', value: { boolValue: true } },
      { key: 'tags', value: { arrayValue: { values: [{ stringValue: 'a' }, { stringValue: 'b' }] } } },
    ]);
  });

  it('delivers a record as it was when it was emitted, whatever the app changes in its body afterwards', async () => {
    const r = await receiver();
    const p = provider({ endpoints: [{ url: url(r) }] });
    const order = { id: 'o-7', status: 'placed' };
    p.getLogger('orders').emit({ body: order, attributes: { seq: 0 } });
    // Within the encode delay (40 ms), before the fragment is closed.
    order.status = 'cancelled';
    await p.forceFlush();
    expect(r.logRecords()[0]?.record.body).toEqual({
      kvlistValue: {
        values: [
          { key: 'id', value: { stringValue: 'o-7' } },
          { key: 'status', value: { stringValue: 'placed' } },
        ],
      },
    });
  });

  it('drops only the record that cannot be encoded, counted as encode_error, and delivers the others of its fragment', async () => {
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const drops: Array<{ reason: string; items: number }> = [];
    const onDrop = (m: unknown): void => void drops.push(m as { reason: string; items: number });
    subscribe('lifeline:queue:drop', onDrop);
    try {
      const r = await receiver();
      const p = provider({ endpoints: [{ url: url(r) }] });
      emit(p, 0, 3);
      // A body whose getter throws when the encoder reads it.
      const unreadable = {
        get detail(): string {
          throw new Error('the connection is closed');
        },
      };
      p.getLogger('orders').emit({ body: unreadable, attributes: { seq: 99 } });
      emit(p, 3, 3);
      await p.forceFlush();
      expect(seqs(r.logRecords())).toEqual([0, 1, 2, 3, 4, 5]);
      expect(drops).toEqual([expect.objectContaining({ reason: 'encode_error', items: 1 })]);
    } finally {
      unsubscribe('lifeline:queue:drop', onDrop);
    }
  });

  it('delivers a record emitted while another is being encoded (a getter that logs), both intact', async () => {
    const r = await receiver();
    const p = provider({ endpoints: [{ url: url(r) }] });
    const logger = p.getLogger('orders');
    const order = {
      id: 'o-8',
      get total(): number {
        logger.emit({ body: 'total read', attributes: { seq: 1 } });
        return 42;
      },
    };
    logger.emit({ body: order, attributes: { seq: 0 } });
    emit(p, 2, 2);
    await p.forceFlush();
    const records = r.logRecords();
    expect(seqs(records)).toEqual([0, 1, 2, 3]);
    expect(records[0]?.record.body).toEqual({
      kvlistValue: {
        values: [
          { key: 'id', value: { stringValue: 'o-8' } },
          { key: 'total', value: { intValue: '42' } },
        ],
      },
    });
    expect(records[1]?.record.body).toEqual({ stringValue: 'total read' });
  });

  it('closes the fragment after the record under way when a getter flushes in the middle of its encoding', async () => {
    const r = await receiver();
    const p = provider({ endpoints: [{ url: url(r) }] });
    let flushing: Promise<void> | undefined;
    const order = {
      id: 'o-9',
      get status(): string {
        flushing = p.forceFlush();
        return 'placed';
      },
    };
    // Records before it in the open fragment: a flush closing that fragment there and then would
    // cut the record under way in half.
    emit(p, 0, 2);
    p.getLogger('orders').emit({ body: order, attributes: { seq: 2 } });
    emit(p, 3, 2);
    await flushing;
    await p.forceFlush();
    const records = r.logRecords();
    expect(seqs(records)).toEqual([0, 1, 2, 3, 4]);
    expect(records[2]?.record.body).toEqual({
      kvlistValue: {
        values: [
          { key: 'id', value: { stringValue: 'o-9' } },
          { key: 'status', value: { stringValue: 'placed' } },
        ],
      },
    });
  });

  it('delivers all 50,000 records emitted while the receiver was down, once it is back', async () => {
    const r = await receiver();
    await r.stop();
    const p = provider({ endpoints: [{ url: url(r) }] });
    emit(p, 0, 50_000);
    await new Promise((resolve) => setTimeout(resolve, 300));
    expect(r.counts().logRecords).toBe(0);
    await r.start();
    await p.forceFlush({ timeoutMillis: 60_000 });
    await r.waitFor((x) => x.counts().logRecords >= 50_000, 60_000);
    const got = new Set(seqs(r.logRecords()));
    expect(got.size).toBe(50_000);
    for (let i = 0; i < 50_000; i += 997) expect(got.has(i)).toBe(true);
  });

  it('moves a batch rejected with 400 to the dead-letter file, counts it, and goes on behind it', async () => {
    const r = await receiver();
    r.addFault({ kind: 'status', status: 400 });
    const rejected: unknown[] = [];
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const onRejected = (message: unknown): void => void rejected.push(message);
    subscribe('lifeline:export:rejected', onRejected);
    try {
      const p = provider({ endpoints: [{ url: url(r) }] });
      emit(p, 0, 3);
      await p.forceFlush();
      emit(p, 3, 2);
      await p.forceFlush();
      expect(seqs(r.logRecords())).toEqual([3, 4]);
      const files = (await readdir(path.join(dir, 'logs', 'dead-letter'))).filter((f) =>
        f.endsWith('.deadletter'),
      );
      expect(files).toHaveLength(1);
      const { metadata, body } = await readDeadLetterFile(
        path.join(dir, 'logs', 'dead-letter', files[0] as string),
      );
      expect(metadata).toMatchObject({ signal: 'logs', status: 400, items: 3, endpoint: url(r) });
      const { logsCodec } = await import('@otel-lifeline/otlp');
      expect(logsCodec.countItems(logsCodec.decode(body))).toBe(3);
      expect(rejected).toEqual([expect.objectContaining({ status: 400, items: 3 })]);
    } finally {
      unsubscribe('lifeline:export:rejected', onRejected);
    }
  });

  it('counts the items of a partial success and does not send them again', async () => {
    const r = await receiver();
    r.addFault({ kind: 'partial', rejected: 1, errorMessage: 'one bad record' });
    const p = provider({ endpoints: [{ url: url(r) }] });
    emit(p, 0, 4);
    await p.forceFlush();
    emit(p, 4, 1);
    await p.forceFlush();
    expect(r.counts().requests).toBe(2);
    expect(seqs(r.logRecords())).toEqual([0, 1, 2, 3, 4]);
  });

  it('returns from shutdown at its deadline with every endpoint down, leaving the records on disk, and the next start delivers them', async () => {
    const a = await receiver();
    const b = await receiver();
    await a.stop();
    await b.stop();
    const first = provider({ endpoints: [{ url: url(a) }, { url: url(b) }], shutdownTimeoutMs: 1_000 });
    emit(first, 0, 1_000);
    // With every endpoint down, only the deadline ends the sends: a shutdown that ignored it would
    // retry until maxAge (48 h) and never resolve. What it left is on disk, not sent.
    await first.shutdown();
    expect((await inspectQueue(path.join(dir, 'logs'))).pendingRecords).toBeGreaterThan(0);

    await b.start();
    const second = provider({ endpoints: [{ url: url(a) }, { url: url(b) }] });
    await second.forceFlush();
    await b.waitFor((x) => x.counts().logRecords >= 1_000, 10_000);
    expect(new Set(seqs(b.logRecords())).size).toBe(1_000);
  });

  it('fails over to the secondary while the primary refuses connections', async () => {
    const a = await receiver();
    const b = await receiver();
    await a.stop();
    const p = provider({ endpoints: [{ url: url(a) }, { url: url(b) }] });
    emit(p, 0, 100);
    await p.forceFlush();
    expect(new Set(seqs(b.logRecords())).size).toBe(100);
  });

  it('in mirror mode keeps feeding one endpoint while the other is down, and catches the other up when it is back', async () => {
    const a = await receiver();
    const b = await receiver();
    await b.stop();
    const p = provider({ endpoints: [{ url: url(a) }, { url: url(b) }], mode: 'mirror' });
    emit(p, 0, 500);
    await a.waitFor((x) => x.counts().logRecords >= 500, 10_000);
    emit(p, 500, 500);
    await a.waitFor((x) => x.counts().logRecords >= 1_000, 10_000);
    expect(b.counts().logRecords).toBe(0);
    await b.start();
    await p.forceFlush({ timeoutMillis: 20_000 });
    await b.waitFor((x) => x.counts().logRecords >= 1_000, 10_000);
    expect(new Set(seqs(a.logRecords())).size).toBe(1_000);
    expect(new Set(seqs(b.logRecords())).size).toBe(1_000);
  });

  it('refuses options without endpoints, naming the key', () => {
    expect(() => createDurableLogRecordProcessor({ endpoints: [], queueDir: dir })).toThrow(
      /invalid option endpoints/,
    );
    expect(() =>
      createDurableLogRecordProcessor({ endpoints: [{ url: 'localhost:4318' }], queueDir: dir }),
    ).toThrow(/endpoints\[0\]\.url/);
  });
});

describe('durable log record processor with a broken queue directory', () => {
  it('keeps the app running: emits return, drops are counted, flush and shutdown resolve', async () => {
    const { writeFile } = await import('node:fs/promises');
    const { subscribe, unsubscribe } = await import('node:diagnostics_channel');
    const notADirectory = path.join(dir, 'file');
    await writeFile(notADirectory, 'occupied');
    const drops: Array<{ reason: string; records: number }> = [];
    const onDrop = (m: unknown): void => void drops.push(m as { reason: string; records: number });
    subscribe('lifeline:queue:drop', onDrop);
    try {
      const p = new LoggerProvider({
        processors: [
          createDurableLogRecordProcessor({
            endpoints: [{ url: 'http://127.0.0.1:9/v1/logs' }],
            queueDir: notADirectory,
          }),
        ],
      });
      emit(p, 0, 10);
      await p.forceFlush();
      emit(p, 10, 10);
      await p.forceFlush();
      await p.shutdown();
      expect(drops.length).toBeGreaterThan(0);
      expect(drops.every((d) => d.reason === 'io_error')).toBe(true);
    } finally {
      unsubscribe('lifeline:queue:drop', onDrop);
    }
  });
});
