import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createReceiver } from '@otel-lifeline/receiver';
import { describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import { seqs } from './fixtures.js';

describe('queued sender batch size', () => {
  it('bounds each request by maxBatchBytes before compression, though fragments rest compressed', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'lifeline-batch-'));
    // A backend that refuses (413) a body decompressing past 512 KiB.
    const receiver = await createReceiver({ maxBodyBytes: 512 * 1024 });
    const rejected: unknown[] = [];
    const onRejected = (m: unknown): void => void rejected.push(m);
    subscribe('lifeline:export:rejected', onRejected);
    const provider = new LoggerProvider({
      processors: [
        createDurableLogRecordProcessor({
          endpoints: [{ url: `${receiver.url}/v1/logs` }],
          queueDir: path.join(dir, 'logs'),
          maxBatchBytes: 256 * 1024,
          retry: { initialBackoffMs: 20, maxBackoffMs: 200 },
        }),
      ],
    });
    try {
      await receiver.stop();
      const logger = provider.getLogger('orders');
      // About 3 MB of protobuf that compresses about tenfold: a backlog of many batches.
      const count = 20_000;
      for (let i = 0; i < count; i++) {
        logger.emit({
          body: 'GET /api/orders/:id 200 in 12.5 ms — the request completed without incident',
          attributes: { seq: i, 'http.route': '/api/orders/:id', 'url.path': `/api/orders/${i}` },
        });
      }
      await provider.forceFlush({ timeoutMillis: 0 }).catch(() => undefined);
      await receiver.start();
      await provider.forceFlush({ timeoutMillis: 30_000 });
      expect(rejected).toEqual([]);
      const got = new Set(seqs(receiver.logRecords()));
      expect(got.size).toBe(count);
    } finally {
      unsubscribe('lifeline:export:rejected', onRejected);
      await provider.shutdown().catch(() => undefined);
      await receiver.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
