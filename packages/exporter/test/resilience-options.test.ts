import { describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';

const base = {
  endpoints: [{ url: 'http://127.0.0.1:4318/v1/logs' }],
  queueDir: '/nonexistent/never-created',
};

describe('resilience options the runtime could not honour', () => {
  it.each([
    ['shutdownTimeoutMs', { shutdownTimeoutMs: 30 * 86_400_000 }],
    ['flushTimeoutMs', { flushTimeoutMs: 2 ** 31 }],
    ['probeIntervalMs', { probeIntervalMs: 2 ** 32 }],
    ['retry.maxBackoffMs', { retry: { maxBackoffMs: 2 ** 31 } }],
  ])('%s past a timer’s 2^31-1 ms is refused, naming the option', (key, extra) => {
    expect(() => createDurableLogRecordProcessor({ ...base, ...extra })).toThrow(
      new RegExp(`${key.replace('.', '\\.')}.*at most 2147483647 ms`),
    );
  });

  it.each(['failover', 'mirror'] as const)('%s onto the same endpoint twice is refused', (mode) => {
    const url = 'http://127.0.0.1:4318/v1/logs';
    expect(() => createDurableLogRecordProcessor({ ...base, mode, endpoints: [{ url }, { url }] })).toThrow(
      /endpoints\[1\]\.url.*a different endpoint than endpoints\[0\]/,
    );
  });
});
