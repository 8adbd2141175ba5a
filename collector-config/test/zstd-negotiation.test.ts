import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createDurableLogRecordProcessor } from '@otel-lifeline/exporter';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCollectorBinary } from './support/collector-binary.js';
import { killAllCollectors } from './support/collector-process.js';
import { startAgentCollector } from './support/lifeline-agent.js';
import { SEQ_KEY, seqCounts } from './support/log-traffic.js';
import { within } from './support/waiting.js';

const binary = resolveCollectorBinary();

interface Forwarded {
  encoding: string | undefined;
  /** The body's first four bytes, hex: 1f8b… a gzip member, 28b52ffd a zstd frame, 5c2a4d18 a stored zstd fragment. */
  magic: string;
  status: number;
}

/**
 * The default compression ('auto') against a real Collector, which takes zstd: the first request
 * goes as gzip, the next one tries zstd, and once the Collector has taken it the queue stores zstd
 * and ships it as stored. Every record arrives.
 *
 *   app (durable processor, compression by default) ─► proxy (records each body) ─► Collector ─► receiver
 */
describe.skipIf(binary.skipReason !== undefined)('compression auto against the Collector', () => {
  const rounds = 3;
  const perRound = 100;
  let dir: string;
  let receiver: Receiver;
  let proxy: http.Server;
  const forwarded: Forwarded[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-auto-'));
    receiver = await createReceiver();
    const agent = await startAgentCollector(binary.path ?? '', {
      primary: receiver.url,
      secondary: receiver.url,
      queueDir: join(dir, 'agent-queue'),
    });
    proxy = http.createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const body = Buffer.concat(chunks);
        const out = http.request(`${agent.otlpUrl}/v1/logs`, {
          method: 'POST',
          headers: {
            'content-type': req.headers['content-type'],
            'content-encoding': req.headers['content-encoding'],
          },
        });
        out.on('response', (answer) => {
          forwarded.push({
            encoding: req.headers['content-encoding'],
            magic: body.subarray(0, 4).toString('hex'),
            status: answer.statusCode ?? 0,
          });
          res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? '' });
          answer.pipe(res);
        });
        out.on('error', () => res.writeHead(502).end());
        out.end(body);
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const port = (proxy.address() as AddressInfo).port;

    const provider = new LoggerProvider({
      processors: [
        createDurableLogRecordProcessor({
          endpoints: [{ url: `http://127.0.0.1:${port}/v1/logs` }],
          queueDir: join(dir, 'app-queue'),
          retry: { initialBackoffMs: 100, maxBackoffMs: 300 },
        }),
      ],
    });
    const logger = provider.getLogger('auto');
    for (let round = 0; round < rounds; round++) {
      for (let i = 0; i < perRound; i++) {
        const seq = round * perRound + i;
        logger.emit({
          severityNumber: SeverityNumber.INFO,
          body: `order ${seq}`,
          attributes: { [SEQ_KEY]: seq },
        });
      }
      await provider.forceFlush();
    }
    await within(15_000, () => seqCounts(receiver.logRecords()).size === rounds * perRound);
    await provider.shutdown();
  });

  afterAll(async () => {
    await killAllCollectors();
    await new Promise((resolve) => proxy?.close(resolve));
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends gzip first, then zstd, which the Collector takes, then the queue as stored in zstd', () => {
    expect(forwarded.every((f) => f.status === 200)).toBe(true);
    expect(forwarded[0]).toMatchObject({ encoding: 'gzip', magic: expect.stringMatching(/^1f8b/) });
    const firstZstd = forwarded.findIndex((f) => f.encoding === 'zstd');
    expect(firstZstd).toBeGreaterThan(0);
    expect(forwarded.slice(firstZstd).every((f) => f.encoding === 'zstd')).toBe(true);
    expect(forwarded[firstZstd]?.magic).toBe('28b52ffd');
    expect(forwarded.at(-1)?.magic).toBe('5c2a4d18');
  });

  it('delivers every record through the Collector', () => {
    const counts = seqCounts(receiver.logRecords());
    for (let seq = 0; seq < rounds * perRound; seq++)
      expect(counts.get(seq) ?? 0, `seq ${seq}`).toBeGreaterThanOrEqual(1);
  });
});
