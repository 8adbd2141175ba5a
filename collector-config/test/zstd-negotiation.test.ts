import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createDurableLogRecordProcessor } from '@otel-lifeline/exporter';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCollectorBinary } from './support/collector-binary.js';
import { killAllCollectors } from './support/collector-process.js';
import { startForwardingProxy } from './support/forwarding-proxy.js';
import { startAgentCollector } from './support/lifeline-agent.js';
import { SEQ_KEY, seqCounts } from './support/log-traffic.js';
import { within } from './support/waiting.js';

const binary = resolveCollectorBinary();

/** A body's first four bytes, hex: 1f8b… a gzip member, 28b52ffd a zstd frame, 5c2a4d18 a stored zstd fragment. */
const magic = (body: Buffer): string => body.subarray(0, 4).toString('hex');

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
  let proxy: Awaited<ReturnType<typeof startForwardingProxy>>;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lifeline-auto-'));
    receiver = await createReceiver();
    const agent = await startAgentCollector(binary.path ?? '', {
      primary: receiver.url,
      secondary: receiver.url,
      queueDir: join(dir, 'agent-queue'),
    });
    proxy = await startForwardingProxy(agent.otlpUrl);

    const provider = new LoggerProvider({
      processors: [
        createDurableLogRecordProcessor({
          endpoints: [{ url: `${proxy.url}/v1/logs` }],
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
    await proxy?.close();
    await receiver?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('sends gzip first, then zstd, which the Collector takes, then the queue as stored in zstd', () => {
    const forwarded = proxy.forwarded;
    expect(forwarded.every((f) => f.status === 200)).toBe(true);
    expect(forwarded[0]?.encoding).toBe('gzip');
    expect(magic(forwarded[0]!.body)).toMatch(/^1f8b/);
    const firstZstd = forwarded.findIndex((f) => f.encoding === 'zstd');
    expect(firstZstd).toBeGreaterThan(0);
    expect(forwarded.slice(firstZstd).every((f) => f.encoding === 'zstd')).toBe(true);
    expect(magic(forwarded[firstZstd]!.body)).toBe('28b52ffd');
    expect(magic(forwarded.at(-1)!.body)).toBe('5c2a4d18');
  });

  it('delivers every record through the Collector', () => {
    const counts = seqCounts(receiver.logRecords());
    for (let seq = 0; seq < rounds * perRound; seq++)
      expect(counts.get(seq) ?? 0, `seq ${seq}`).toBeGreaterThanOrEqual(1);
  });
});
