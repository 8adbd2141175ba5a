import net, { type AddressInfo } from 'node:net';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import zlib from 'node:zlib';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import { afterEach, describe, expect, it } from 'vitest';
import { drainCursor, type SendOptions, type SendResult, type Transport } from '../src/index.js';
import { createHttpTransport } from '../src/http-transport.js';
import { startLoopbackServer } from './loopback.js';

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0)) await cleanup();
});

async function queueDir(): Promise<string> {
  const dir = await mkdtemp(path.join(tmpdir(), 'lifeline-body-parts-'));
  cleanups.push(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/** Fragment i: 3,000 bytes of one value (plain protobuf as far as the sender knows). */
/** A body larger than the loopback socket buffers hold. */
const BODY_BYTES = 32 * 2 ** 20;

const fragmentOf = (i: number): Uint8Array => new Uint8Array(3_000).fill(i % 251);

describe('a request body in parts', () => {
  it('reach the endpoint as one body, the parts in order, with its length', async () => {
    const s = await startLoopbackServer();
    cleanups.push(s.close);
    const transport = createHttpTransport({
      url: `${s.url}/v1/logs`,
      signal: 'logs',
      compression: 'gzip',
    });
    // Gzip members, as fragments rest: their concatenation is one gzip body.
    const parts = ['first ', 'second ', 'third'].map((t) => zlib.gzipSync(t));
    const result = await transport.sendParts(parts, { encoding: 'gzip', items: 3 });
    await transport.close?.();
    expect(result).toEqual({ kind: 'ok' });
    expect(s.requests).toHaveLength(1);
    expect(s.requests[0]!.body.toString()).toBe('first second third');
    expect(s.requests[0]!.headers['content-length']).toBe(String(Buffer.concat(parts).length));
  });

  it('answered before the endpoint read it: no byte of the parts goes out after the answer', async () => {
    // The endpoint answers at once and reads the body only when told to: by then the sender has
    // its answer and may reuse the parts' memory (here: filled with 0xbb).
    let resumeReading: () => void = () => undefined;
    const received: Buffer[] = [];
    let bodyEnded: () => void = () => undefined;
    const ended = new Promise<void>((resolve) => (bodyEnded = resolve));
    // A raw socket, so that nothing reads or drops the body on the endpoint's side behind the test.
    const server = net.createServer((socket) => {
      socket.on('error', () => undefined);
      socket.once('data', (first: Buffer) => {
        received.push(first);
        socket.pause();
        socket.write('HTTP/1.1 200 OK\r\ncontent-type: application/x-protobuf\r\ncontent-length: 0\r\n\r\n');
        let bytes = first.length;
        resumeReading = () => {
          socket.on('data', (chunk: Buffer) => {
            received.push(chunk);
            // The whole body came (a client that kept writing after the answer): nothing more to see.
            if ((bytes += chunk.length) >= BODY_BYTES) bodyEnded();
          });
          socket.resume();
        };
      });
      socket.on('close', bodyEnded);
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    cleanups.push(() => new Promise((done) => server.close(() => done())));
    const { port } = server.address() as AddressInfo;
    const transport = createHttpTransport({
      url: `http://127.0.0.1:${port}/v1/logs`,
      signal: 'logs',
      compression: 'gzip',
    });
    // More than the loopback socket buffers hold: the body cannot be out before the answer.
    const parts = Array.from({ length: BODY_BYTES / 2 ** 20 }, () => Buffer.alloc(2 ** 20, 0xaa));
    const result = await transport.sendParts(parts, {
      encoding: 'gzip',
      items: 1,
    });
    expect(result).toEqual({ kind: 'ok' });
    for (const part of parts) part.fill(0xbb);
    resumeReading();
    await ended;
    await transport.close?.();
    const bytes = Buffer.concat(received);
    expect(bytes.length).toBeGreaterThan(0);
    expect(bytes.length).toBeLessThan(BODY_BYTES);
    expect(bytes.includes(0xbb)).toBe(false);
  });

  it("an app's own transport gets a copy of each body it may keep after the batch is acknowledged", async () => {
    const dir = await queueDir();
    const total = 120;
    const writer = await openDiskQueue({ directory: dir });
    for (let i = 0; i < total; i++) expect(writer.append(fragmentOf(i))).toBe(true);
    await writer.close();
    const queue = await openDiskQueue({ directory: dir });
    cleanups.push(() => queue.close());
    const kept: Uint8Array[] = [];
    const own: Transport = {
      send(body: Uint8Array, _options: SendOptions): Promise<SendResult> {
        kept.push(body);
        return Promise.resolve({ kind: 'ok' });
      },
    };
    // One fragment per request: the body could be the read buffer's own view of it.
    const result = await drainCursor({
      cursor: queue.cursor(),
      transport: own,
      countItems: () => 1,
      maxBatchBytes: 3_000,
      maxBatchRecords: 1_000,
    });
    expect(result.records).toBe(total);
    expect(kept).toHaveLength(total);
    expect(kept.map((b) => (b.every((x) => x === b[0]) ? b[0] : -1))).toEqual(
      Array.from({ length: total }, (_, i) => i % 251),
    );
  });

  it("an app's own transport with sendParts gets each request's fragments as they are, in order", async () => {
    const dir = await queueDir();
    const writer = await openDiskQueue({ directory: dir });
    for (let i = 0; i < 30; i++) expect(writer.append(fragmentOf(i))).toBe(true);
    await writer.close();
    const queue = await openDiskQueue({ directory: dir });
    cleanups.push(() => queue.close());
    const requests: number[][] = [];
    let joined = 0;
    const own: Transport = {
      send(): Promise<SendResult> {
        joined++;
        return Promise.resolve({ kind: 'ok' });
      },
      sendParts(parts: readonly Uint8Array[]): Promise<SendResult> {
        requests.push(parts.map((p) => p[0]!));
        return Promise.resolve({ kind: 'ok' });
      },
    };
    // Ten fragments per request.
    await drainCursor({
      cursor: queue.cursor(),
      transport: own,
      countItems: () => 1,
      maxBatchBytes: 30_000,
      maxBatchRecords: 1_000,
    });
    expect(joined).toBe(0);
    expect(requests).toEqual([0, 10, 20].map((from) => Array.from({ length: 10 }, (_, i) => from + i)));
  });
});
