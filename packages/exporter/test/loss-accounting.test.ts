import { setTimeout as sleep } from 'node:timers/promises';
import { MeterProvider } from '@opentelemetry/sdk-metrics';
import { describe, expect, it } from 'vitest';
import { LossAccounting } from '../src/loss-accounting.js';
import { createSelfMetrics } from '../src/self-metrics.js';

describe('loss accounting', () => {
  it('logs the first drop at once, then a summary per window in log records by reason while drops continue, then falls quiet', async () => {
    const lines: string[] = [];
    const metrics = createSelfMetrics({
      signal: 'logs',
      componentType: 'test',
      meterProvider: new MeterProvider(),
    });
    const books = new LossAccounting('logs', metrics, (line) => lines.push(line), 100);
    books.accepted(20_000);
    books.drop('io_error', 12, { records: 1, bytes: 10, wasQueued: true });
    expect(lines).toEqual(['lifeline logs: dropped 12 log records (io_error)']);
    books.drop('io_error', 12_000, { records: 3, bytes: 10, wasQueued: true });
    books.drop('queue_full', 345, { records: 1, bytes: 10, wasQueued: false });
    await sleep(150);
    expect(lines[1]).toBe(
      'lifeline logs: dropped 12,345 log records in the last 0.1 s: io_error 12,000, queue_full 345',
    );
    expect(books.queued).toBe(20_000 - 12 - 12_000);
    await sleep(250); // a window without drops: no line, and the next drop is logged at once again
    expect(lines).toHaveLength(2);
    books.drop('max_age', 7, { records: 1, bytes: 10, wasQueued: true });
    expect(lines[2]).toBe('lifeline logs: dropped 7 log records (max_age)');
    books.stop();
  });
});
