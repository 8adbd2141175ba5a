import { describe, expect, it } from 'vitest';
import { createFailoverTransport } from '../src/failover-transport.js';
import { ManualClock, ScriptedTransport } from './scripted-transport.js';

const batch = (n: number): Uint8Array => new Uint8Array([n]);
const refused = { kind: 'retryable', reason: 'connection_refused: connect ECONNREFUSED' } as const;

function setup(probeIntervalMs = 30_000) {
  const clock = new ManualClock();
  const primary = new ScriptedTransport('http://primary/v1/logs');
  const secondary = new ScriptedTransport('http://secondary/v1/logs');
  const events: string[] = [];
  const failover = createFailoverTransport([primary, secondary], {
    clock,
    probeIntervalMs,
    onSwitch: ({ from, to }) => events.push(`switch ${from} -> ${to}`),
    onFailback: ({ from, to }) => events.push(`failback ${from} -> ${to}`),
  });
  return { clock, primary, secondary, failover, events };
}

describe('failover transport', () => {
  it('sends to the primary while it answers', async () => {
    const { primary, secondary, failover, events } = setup();
    expect(await failover.send(batch(1), {})).toEqual({ kind: 'ok' });
    expect(await failover.send(batch(2), {})).toEqual({ kind: 'ok' });
    expect(primary.calls).toEqual([batch(1), batch(2)]);
    expect(secondary.calls).toEqual([]);
    expect(events).toEqual([]);
  });

  it('sends the same batch to the secondary at once when the primary fails', async () => {
    const { primary, secondary, failover, events } = setup();
    primary.answer(refused);
    expect(await failover.send(batch(1), {})).toEqual({ kind: 'ok' });
    expect(primary.calls).toEqual([batch(1)]);
    expect(secondary.calls).toEqual([batch(1)]);
    expect(events).toEqual(['switch http://primary/v1/logs -> http://secondary/v1/logs']);
    expect(failover.status().map((s) => [s.state, s.current])).toEqual([
      ['skipped', false],
      ['available', true],
    ]);
  });

  it('skips the failed primary for the probe interval, then probes it with the next batch and fails back', async () => {
    const { clock, primary, secondary, failover, events } = setup(30_000);
    primary.answer(refused);
    await failover.send(batch(1), {});
    clock.advance(29_999);
    await failover.send(batch(2), {});
    expect(primary.calls).toEqual([batch(1)]);
    expect(secondary.calls).toEqual([batch(1), batch(2)]);

    clock.advance(1);
    await failover.send(batch(3), {});
    expect(primary.calls).toEqual([batch(1), batch(3)]);
    expect(secondary.calls).toEqual([batch(1), batch(2)]);
    expect(events.at(-1)).toBe('failback http://secondary/v1/logs -> http://primary/v1/logs');
    expect(failover.status().map((s) => s.state)).toEqual(['available', 'available']);
  });

  it('keeps the secondary when the probe of the primary fails again, and skips the primary for another interval', async () => {
    const { clock, primary, secondary, failover } = setup(30_000);
    primary.always(refused);
    await failover.send(batch(1), {});
    clock.advance(30_000);
    await failover.send(batch(2), {});
    expect(primary.calls).toEqual([batch(1), batch(2)]);
    expect(secondary.calls).toEqual([batch(1), batch(2)]);
    clock.advance(10_000);
    await failover.send(batch(3), {});
    expect(primary.calls).toHaveLength(2);
  });

  it('skips a throttled endpoint until its Retry-After time, not the probe interval', async () => {
    const { clock, primary, secondary, failover } = setup(30_000);
    primary.answer({ kind: 'retryable', reason: 'HTTP 429', retryAfterMs: 5_000 });
    await failover.send(batch(1), {});
    expect(failover.status()[0]?.state).toBe('throttled');
    clock.advance(4_999);
    await failover.send(batch(2), {});
    expect(primary.calls).toHaveLength(1);
    clock.advance(1);
    await failover.send(batch(3), {});
    expect(primary.calls).toEqual([batch(1), batch(3)]);
    expect(secondary.calls).toEqual([batch(1), batch(2)]);
  });

  it('returns retryable when every endpoint fails, and tries them all again on the next send', async () => {
    const { primary, secondary, failover } = setup();
    primary.always(refused);
    secondary.always({ kind: 'retryable', reason: 'HTTP 503' });
    const result = await failover.send(batch(1), {});
    expect(result.kind).toBe('retryable');
    expect(result.kind === 'retryable' && result.reason).toContain('HTTP 503');
    // both are skipped now; the retrying transport's backoff paces the next round, which tries both in order
    await failover.send(batch(1), {});
    expect(primary.calls).toHaveLength(2);
    expect(secondary.calls).toHaveLength(2);
  });

  it('carries the earliest Retry-After when every endpoint is throttled', async () => {
    const { clock, primary, secondary, failover } = setup();
    primary.answer({ kind: 'retryable', reason: 'HTTP 429', retryAfterMs: 9_000 });
    secondary.answer({ kind: 'retryable', reason: 'HTTP 429', retryAfterMs: 4_000 });
    await failover.send(batch(1), {});
    clock.advance(1_000);
    expect(await failover.send(batch(1), {})).toEqual({
      kind: 'retryable',
      retryAfterMs: 3_000,
      reason: 'every endpoint is throttled',
    });
    expect(primary.calls).toHaveLength(1);
    expect(secondary.calls).toHaveLength(1);
  });

  it('does not fail over on a permanent rejection: the batch is bad, not the endpoint', async () => {
    const { primary, secondary, failover } = setup();
    primary.answer({ kind: 'rejected', status: 400, reason: 'HTTP 400' });
    expect(await failover.send(batch(1), {})).toEqual({ kind: 'rejected', status: 400, reason: 'HTTP 400' });
    expect(secondary.calls).toEqual([]);
    expect(failover.status()[0]?.state).toBe('available');
  });

  it('stops walking the endpoints when the signal is aborted', async () => {
    const { primary, secondary, failover } = setup();
    const controller = new AbortController();
    primary.send = async (body) => {
      primary.calls.push(body);
      controller.abort();
      return refused;
    };
    const result = await failover.send(batch(1), { signal: controller.signal });
    expect(result.kind).toBe('retryable');
    expect(secondary.calls).toEqual([]);
  });
});
