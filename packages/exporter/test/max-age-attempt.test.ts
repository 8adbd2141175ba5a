import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { logsCodec } from '@otel-lifeline/otlp';
import { afterEach, describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import { startLoopbackServer } from './loopback.js';
import { ManualReader, metricTotal, readBooks } from './support/self-metrics.js';

/**
 * queue.maxAgeMs ends the retries of a batch, not the attempt under way. An endpoint that takes
 * the batch and answers after the batch passed its age has it: counting it lost too would count it
 * twice (once delivered, once dropped).
 */
describe('a batch that passes maxAge during an attempt', () => {
  const cleanups: Array<() => Promise<void>> = [];
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c();
  });

  /** Waits until `n` records were processed and each was exported or dropped. */
  async function settled(reader: ManualReader, n: number): Promise<void> {
    await expect
      .poll(
        async () => {
          const books = await readBooks(reader);
          return books.processed === n && books.exported + books.dropped === n;
        },
        { timeout: 10_000, interval: 50 },
      )
      .toBe(true);
  }

  async function exporterTo(url: string) {
    const dir = await mkdtemp(path.join(tmpdir(), 'lifeline-max-age-attempt-'));
    const reader = new ManualReader();
    const meterProvider = new MeterProvider({ readers: [reader] });
    const provider = new LoggerProvider({
      processors: [
        createDurableLogRecordProcessor({
          endpoints: [{ url: `${url}/v1/logs`, timeoutMs: 5_000 }],
          queueDir: path.join(dir, 'logs'),
          meterProvider,
          retry: { initialBackoffMs: 20, maxBackoffMs: 50 },
          queue: { maxAgeMs: 300 },
        }),
      ],
    });
    cleanups.push(async () => {
      await provider.shutdown();
      await meterProvider.shutdown();
      await rm(dir, { recursive: true, force: true });
    });
    return { provider, reader, logger: provider.getLogger('app') };
  }

  it('counts it exported when the endpoint accepts it late, and does not count it lost', async () => {
    // The endpoint reads the whole request at once and answers 200 after 800 ms, when the batch
    // is past its 300 ms age.
    const server = await startLoopbackServer((_request, response) => {
      setTimeout(() => response.end(), 800);
    });
    cleanups.push(() => server.close());
    const { reader, logger } = await exporterTo(server.url);
    for (let i = 0; i < 20; i++) logger.emit({ body: `late-${i}` });
    await settled(reader, 20);
    const books = await readBooks(reader);
    const received = server.requests.flatMap((r) =>
      logsCodec.decode(r.body).resourceLogs.flatMap((rl) => rl.scopeLogs.flatMap((sl) => sl.logRecords)),
    );
    expect(received).toHaveLength(20);
    expect(server.requests).toHaveLength(1);
    expect(books).toMatchObject({ processed: 20, exported: 20, dropped: 0 });
  });

  it('counts it lost (max_age) when that attempt fails, and starts no other', async () => {
    const server = await startLoopbackServer((_request, response) => {
      setTimeout(() => response.writeHead(503).end(), 800);
    });
    cleanups.push(() => server.close());
    const { reader, logger } = await exporterTo(server.url);
    for (let i = 0; i < 20; i++) logger.emit({ body: `failed-${i}` });
    await settled(reader, 20);
    const books = await readBooks(reader);
    expect(books).toMatchObject({ processed: 20, exported: 0, dropped: 20 });
    const { resourceMetrics } = await reader.collect();
    expect(
      metricTotal(resourceMetrics, 'lifeline.queue.dropped', { 'lifeline.drop.reason': 'max_age' }),
    ).toBe(20);
    expect(server.requests).toHaveLength(1);
  });
});
