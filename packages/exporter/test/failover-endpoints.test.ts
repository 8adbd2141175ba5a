import type { Receiver } from '@otel-lifeline/receiver';
import { createReceiver } from '@otel-lifeline/receiver';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFailoverTransport } from '../src/failover-transport.js';
import { createHttpTransport } from '../src/http-transport.js';
import { createRetryingTransport } from '../src/retrying-transport.js';
import { logsFragment, seqs } from './fixtures.js';
import { ManualClock } from './scripted-transport.js';

// retrying(failover(http(primary), http(secondary))) against two real receivers, with an injected clock.
let primary: Receiver;
let secondary: Receiver;
let clock: ManualClock;
let waits: number[];
let events: string[];
let chain: ReturnType<typeof createRetryingTransport>;

beforeEach(async () => {
  primary = await createReceiver();
  secondary = await createReceiver();
  clock = new ManualClock();
  waits = [];
  events = [];
  const endpoints = [primary, secondary].map((r) =>
    createHttpTransport({ signal: 'logs', url: `${r.url}/v1/logs`, timeoutMs: 500, clock }),
  );
  chain = createRetryingTransport(
    createFailoverTransport(endpoints, {
      clock,
      probeIntervalMs: 30_000,
      onSwitch: ({ to }) => events.push(`switch to ${to === endpoints[1]?.url ? 'secondary' : 'primary'}`),
      onFailback: ({ to }) =>
        events.push(`failback to ${to === endpoints[0]?.url ? 'primary' : 'secondary'}`),
    }),
    { sleep: async (ms) => void waits.push(ms) },
  );
});

afterEach(async () => {
  await chain.close?.();
  await primary.close();
  await secondary.close();
});

describe('fail-over across real endpoints', () => {
  it('delivers the very batch the refusing primary failed through the secondary, without a backoff wait', async () => {
    await primary.stop();
    expect(await chain.send(logsFragment(1, 5), {})).toEqual({ kind: 'ok' });
    expect(seqs(secondary.logRecords())).toEqual([1, 2, 3, 4, 5]);
    expect(waits).toEqual([]);
    expect(events).toEqual(['switch to secondary']);
  });

  it('delivers through the secondary after one attempt timeout when the primary hangs', async () => {
    primary.addFault({ kind: 'hang' }, { forMs: 60_000 });
    expect(await chain.send(logsFragment(1, 2), {})).toEqual({ kind: 'ok' });
    expect(seqs(secondary.logRecords())).toEqual([1, 2]);
    // the primary took the request and never answered: one attempt timeout, then the secondary
    expect(primary.counts().faulted).toBe(1);
    expect(primary.counts().logRecords).toBe(0);
    expect(waits).toEqual([]);
    expect(events).toEqual(['switch to secondary']);
  });

  it('keeps sending to the secondary during the probe interval, then fails back to the recovered primary', async () => {
    await primary.stop();
    await chain.send(logsFragment(1), {});
    await primary.start();
    clock.advance(29_000);
    await chain.send(logsFragment(2), {});
    expect(seqs(primary.logRecords())).toEqual([]);
    expect(seqs(secondary.logRecords())).toEqual([1, 2]);

    clock.advance(1_000);
    await chain.send(logsFragment(3), {});
    await chain.send(logsFragment(4), {});
    expect(seqs(primary.logRecords())).toEqual([3, 4]);
    expect(seqs(secondary.logRecords())).toEqual([1, 2]);
    expect(events).toEqual(['switch to secondary', 'failback to primary']);
  });

  it('backs off only when every endpoint failed, then delivers when one comes back', async () => {
    await primary.stop();
    secondary.addFault({ kind: 'status', status: 503 }, { times: 2 });
    expect(await chain.send(logsFragment(1), {})).toEqual({ kind: 'ok' });
    expect(waits).toHaveLength(2);
    expect(seqs(secondary.logRecords())).toEqual([1]);
  });

  it('skips a primary throttled with 429 + Retry-After until that time', async () => {
    primary.addFault({ kind: 'status', status: 429, retryAfter: 10 });
    await chain.send(logsFragment(1), {});
    clock.advance(9_000);
    await chain.send(logsFragment(2), {});
    expect(primary.counts().faulted).toBe(1);
    clock.advance(1_000);
    await chain.send(logsFragment(3), {});
    expect(seqs(primary.logRecords())).toEqual([3]);
    expect(seqs(secondary.logRecords())).toEqual([1, 2]);
  });
});
