import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { inspectQueue, openDiskQueue } from '@otel-lifeline/disk-queue';
import { logsCodec, zstdDecompress } from '@otel-lifeline/otlp';
import type { Receiver } from '@otel-lifeline/receiver';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import type { EndpointOptions } from '../src/http-transport.js';
import {
  compressFragment,
  isCompressedFragment,
  joinFragments,
  plainBytes,
  plainFragment,
  storedForm,
  storedItems,
} from '../src/fragment-format.js';
import { logsFragment, seqs } from './fixtures.js';
import { startLoopbackServer } from './loopback.js';

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-fragments-'));
});
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const count = (f: Uint8Array): number => logsCodec.countItems(logsCodec.decode(f));

async function receiver(): Promise<Receiver> {
  const r = await createReceiver();
  cleanups.push(() => r.close());
  return r;
}

function provider(endpoint: EndpointOptions): LoggerProvider {
  const p = new LoggerProvider({
    processors: [
      createDurableLogRecordProcessor({
        endpoints: [endpoint],
        queueDir: path.join(dir, 'logs'),
        retry: { initialBackoffMs: 20, maxBackoffMs: 200 },
      }),
    ],
  });
  cleanups.push(() => p.shutdown());
  return p;
}

function emit(p: LoggerProvider, from: number, n: number): void {
  const logger = p.getLogger('orders');
  for (let i = from; i < from + n; i++) {
    logger.emit({ severityNumber: SeverityNumber.INFO, body: `order ${i}`, attributes: { seq: i } });
  }
}

describe('fragments compressed at rest', () => {
  it('store a gzip member carrying the item count, which any gzip reader decompresses', () => {
    const plain = logsFragment(0, 7);
    const stored = compressFragment(plain, 7);
    expect(isCompressedFragment(stored)).toBe(true);
    expect(isCompressedFragment(plain)).toBe(false);
    expect(storedItems(stored)).toBe(7);
    expect(storedItems(plain)).toBeUndefined();
    expect(storedItems(zlib.gzipSync(plain))).toBeUndefined();
    expect(Buffer.from(zlib.gunzipSync(stored))).toEqual(Buffer.from(plain));
    expect(Buffer.from(plainFragment(stored))).toEqual(Buffer.from(plain));
    expect(stored.length).toBeLessThan(plain.length);
  });

  it('join into one gzip body whose members decompress to one OTLP request of every record', () => {
    const stored = [compressFragment(logsFragment(0, 3), 3), compressFragment(logsFragment(3, 4), 4)];
    const joined = joinFragments(stored, () => {
      throw new Error('the stored count is used, nothing is decoded');
    });
    expect(joined.encoding).toBe('gzip');
    expect(joined.items).toBe(7);
    expect(joined.body).toEqual(Buffer.concat(stored));
    expect(count(zlib.gunzipSync(joined.body))).toBe(7);
  });

  it('read the plain fragments of queues written before, alone or mixed with compressed ones', () => {
    const old = [logsFragment(0, 2), logsFragment(2, 3)];
    const plainOnly = joinFragments(old, count);
    expect(plainOnly).toMatchObject({ encoding: 'identity', items: 5 });
    expect(plainOnly.body).toEqual(Buffer.concat(old));
    const mixed = joinFragments([old[0]!, compressFragment(logsFragment(5, 4), 4)], count);
    expect(mixed).toMatchObject({ encoding: 'identity', items: 6 });
    expect(count(mixed.body)).toBe(6);
  });

  it('a queue written in the old format (plain protobuf) is delivered after the upgrade, with new records', async () => {
    const queueDir = path.join(dir, 'logs');
    const old = await openDiskQueue({ directory: queueDir });
    for (let i = 0; i < 10; i++) old.append(logsFragment(i * 5, 5));
    await old.close();
    const r = await receiver();
    const p = provider({ url: `${r.url}/v1/logs` });
    emit(p, 50, 20);
    await p.forceFlush();
    await r.waitFor((x) => x.counts().logRecords >= 70, 10_000);
    expect(new Set(seqs(r.logRecords()))).toEqual(new Set(Array.from({ length: 70 }, (_, i) => i)));
  });

  it('go out as gzip to an endpoint that takes gzip', async () => {
    const server = await startLoopbackServer();
    cleanups.push(() => server.close());
    const p = provider({ url: `${server.url}/v1/logs` });
    emit(p, 0, 500);
    await p.forceFlush();
    expect(server.requests.length).toBeGreaterThan(0);
    for (const request of server.requests) expect(request.headers['content-encoding']).toBe('gzip');
    expect(server.requests.reduce((n, request) => n + count(request.body), 0)).toBe(500);
  });

  for (const endpoint of [
    {
      name: 'compression none',
      options: { compression: 'none' as const },
      contentType: 'application/x-protobuf',
    },
    { name: 'http/json', options: { protocol: 'http/json' as const }, contentType: 'application/json' },
  ]) {
    it(`are decompressed for an endpoint with ${endpoint.name}`, async () => {
      const server = await startLoopbackServer();
      cleanups.push(() => server.close());
      const p = provider({ url: `${server.url}/v1/logs`, ...endpoint.options });
      emit(p, 0, 30);
      await p.forceFlush();
      let items = 0;
      for (const request of server.requests) {
        expect(request.headers['content-type']).toBe(endpoint.contentType);
        const gzip = endpoint.options.protocol === 'http/json';
        expect(request.headers['content-encoding']).toBe(gzip ? 'gzip' : undefined);
        items += gzip
          ? logsCodec.countItems(logsCodec.fromJson(request.body.toString('utf8')))
          : count(request.body);
      }
      expect(items).toBe(30);
    });
  }

  it('occupy the queue as gzip members', async () => {
    const r = await receiver();
    await r.stop();
    const p = provider({ url: `${r.url}/v1/logs`, timeoutMs: 200 });
    emit(p, 0, 1_000);
    // The SDK gives up waiting (the endpoint is down); the records stay on disk.
    await p.forceFlush({ timeoutMillis: 300 }).catch(() => undefined);
    await p.shutdown().catch(() => undefined);
    const stats = await inspectQueue(path.join(dir, 'logs'));
    expect(stats.pendingRecords).toBeGreaterThan(0);
    // 1,000 plain records of this shape take about 60 kB; compressed, a fraction of it.
    expect(stats.pendingBytes).toBeLessThan(20_000);
  });
});

describe('fragments stored as zstd (primary endpoint with compression zstd)', () => {
  it('store a skippable frame with the counts, then one zstd frame of the protobuf', () => {
    const plain = logsFragment(0, 7);
    const stored = compressFragment(plain, 7, 'zstd');
    expect(storedForm(stored)).toBe('zstd');
    expect(isCompressedFragment(stored)).toBe(true);
    expect(storedForm(compressFragment(plain, 7))).toBe('gzip');
    expect(storedForm(plain)).toBeUndefined();
    expect(storedItems(stored)).toBe(7);
    expect(plainBytes(stored)).toBe(plain.length);
    expect(Buffer.from(plainFragment(stored))).toEqual(Buffer.from(plain));
    // Node's own decompression stops after the first frame, the skippable one: nothing comes out.
    const nodeZstd = zlib as unknown as { zstdDecompressSync(body: Uint8Array): Buffer };
    expect(nodeZstd.zstdDecompressSync(stored).length).toBe(0);
    expect(zstdDecompress(stored)).toEqual(Buffer.from(plain));
  });

  it('join into one zstd body of every record, and mix with other forms as plain protobuf', () => {
    const stored = [
      compressFragment(logsFragment(0, 3), 3, 'zstd'),
      compressFragment(logsFragment(3, 4), 4, 'zstd'),
    ];
    const joined = joinFragments(stored, () => {
      throw new Error('the stored count is used, nothing is decoded');
    });
    expect(joined).toMatchObject({ encoding: 'zstd', items: 7 });
    expect(count(zstdDecompress(joined.body))).toBe(7);
    const mixed = joinFragments(
      [stored[0]!, compressFragment(logsFragment(7, 2), 2), logsFragment(9, 1)],
      count,
    );
    expect(mixed).toMatchObject({ encoding: 'identity', items: 6 });
    expect(count(mixed.body)).toBe(6);
  });

  it('rest in the queue as zstd and go out as zstd to an endpoint that takes it', async () => {
    const server = await startLoopbackServer();
    cleanups.push(() => server.close());
    const p = provider({ url: `${server.url}/v1/logs`, compression: 'zstd' });
    emit(p, 0, 500);
    await p.forceFlush();
    expect(server.requests.length).toBeGreaterThan(0);
    for (const request of server.requests) expect(request.headers['content-encoding']).toBe('zstd');
    expect(server.requests.reduce((n, request) => n + count(zstdDecompress(request.body)), 0)).toBe(500);
  });

  it('occupy the queue as zstd frames', async () => {
    const r = await receiver();
    await r.stop();
    const p = provider({ url: `${r.url}/v1/logs`, compression: 'zstd', timeoutMs: 200 });
    emit(p, 0, 1_000);
    await p.forceFlush({ timeoutMillis: 300 }).catch(() => undefined);
    await p.shutdown().catch(() => undefined);
    const queue = await openDiskQueue({ directory: path.join(dir, 'logs') });
    cleanups.push(() => queue.close());
    const batch = await queue.cursor().read({ maxRecords: 1_000 });
    expect(batch?.records.length).toBeGreaterThan(0);
    for (const record of batch?.records ?? []) expect(storedForm(record)).toBe('zstd');
    expect(batch?.records.reduce((n, record) => n + storedItems(record)!, 0)).toBe(1_000);
  });

  it('reach a gzip endpoint recompressed: the secondary of a zstd primary', async () => {
    const down = await receiver();
    await down.stop();
    const secondary = await startLoopbackServer();
    cleanups.push(() => secondary.close());
    const p = new LoggerProvider({
      processors: [
        createDurableLogRecordProcessor({
          endpoints: [
            { url: `${down.url}/v1/logs`, compression: 'zstd', timeoutMs: 200 },
            { url: `${secondary.url}/v1/logs` },
          ],
          queueDir: path.join(dir, 'logs'),
          retry: { initialBackoffMs: 20, maxBackoffMs: 200 },
        }),
      ],
    });
    cleanups.push(() => p.shutdown());
    emit(p, 0, 200);
    await p.forceFlush();
    let items = 0;
    for (const request of secondary.requests) {
      expect(request.headers['content-encoding']).toBe('gzip');
      items += count(request.body); // the loopback server gunzips what it captures
    }
    expect(items).toBe(200);
  });

  it('are delivered to the receiver, which reads every frame', async () => {
    const r = await receiver();
    const p = provider({ url: `${r.url}/v1/logs`, compression: 'zstd' });
    emit(p, 0, 300);
    await p.forceFlush();
    await r.waitFor((x) => x.counts().logRecords >= 300, 10_000);
    expect(new Set(seqs(r.logRecords()))).toEqual(new Set(Array.from({ length: 300 }, (_, i) => i)));
  });

  it('are refused as a compression this exporter does not know, the key and the choices named', () => {
    expect(() =>
      createDurableLogRecordProcessor({
        endpoints: [{ url: 'http://127.0.0.1:4318/v1/logs', compression: 'br' as never }],
        queueDir: path.join(dir, 'logs'),
      }),
    ).toThrow(/endpoints\[0\]\.compression.*'gzip', 'zstd', 'auto' or 'none'/);
  });
});
