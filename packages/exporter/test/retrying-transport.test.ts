import { describe, expect, it } from 'vitest';
import { createRetryingTransport } from '../src/retrying-transport.js';
import { ScriptedTransport } from './scripted-transport.js';

const body = new Uint8Array([1, 2, 3]);
const unavailable = { kind: 'retryable', reason: 'HTTP 503' } as const;

function recordingSleep(): { sleep: (ms: number) => Promise<void>; waits: number[] } {
  const waits: number[] = [];
  return { waits, sleep: async (ms) => void waits.push(ms) };
}

describe('retrying transport', () => {
  it('returns ok, partial and rejected results at once without waiting', async () => {
    for (const result of [
      { kind: 'ok' },
      { kind: 'partial', rejected: 2, message: 'bad' },
      { kind: 'rejected', status: 400, reason: 'HTTP 400' },
    ] as const) {
      const inner = new ScriptedTransport('a', [result]);
      const { sleep, waits } = recordingSleep();
      const transport = createRetryingTransport(inner, { sleep });
      expect(await transport.send(body, {})).toEqual(result);
      expect(inner.calls).toHaveLength(1);
      expect(waits).toEqual([]);
    }
  });

  it('retries a retryable result with full-jitter exponential backoff capped at maxBackoffMs', async () => {
    const inner = new ScriptedTransport('a', Array(8).fill(unavailable));
    const { sleep, waits } = recordingSleep();
    const transport = createRetryingTransport(inner, {
      sleep,
      random: () => 0.5,
      initialBackoffMs: 1_000,
      maxBackoffMs: 30_000,
    });
    expect(await transport.send(body, {})).toEqual({ kind: 'ok' });
    expect(inner.calls).toHaveLength(9);
    // ceiling doubles: 1 s, 2 s, 4 s, 8 s, 16 s, 30 s (cap), 30 s, 30 s; full jitter at random()=0.5 halves it
    expect(waits).toEqual([500, 1_000, 2_000, 4_000, 8_000, 15_000, 15_000, 15_000]);
  });

  it('spreads waits over the whole [0, ceiling) range (full jitter)', async () => {
    const inner = new ScriptedTransport('a', [unavailable, unavailable]);
    const { sleep, waits } = recordingSleep();
    const randoms = [0, 0.999];
    await createRetryingTransport(inner, { sleep, random: () => randoms.shift() ?? 0 }).send(body, {});
    expect(waits).toEqual([0, 1_998]);
  });

  it('waits max(backoff, Retry-After)', async () => {
    const inner = new ScriptedTransport('a', [
      { kind: 'retryable', reason: 'HTTP 429', retryAfterMs: 7_000 },
      { kind: 'retryable', reason: 'HTTP 429', retryAfterMs: 10 },
    ]);
    const { sleep, waits } = recordingSleep();
    await createRetryingTransport(inner, { sleep, random: () => 0.5 }).send(body, {});
    expect(waits).toEqual([7_000, 1_000]);
  });

  it('keeps retrying without an attempt limit by default', async () => {
    const inner = new ScriptedTransport('a', Array(200).fill(unavailable));
    const { sleep } = recordingSleep();
    expect(await createRetryingTransport(inner, { sleep }).send(body, {})).toEqual({ kind: 'ok' });
    expect(inner.calls).toHaveLength(201);
  });

  it('gives the last retryable result back after maxAttempts', async () => {
    const inner = new ScriptedTransport('a', [], unavailable);
    const { sleep } = recordingSleep();
    expect(await createRetryingTransport(inner, { sleep, maxAttempts: 3 }).send(body, {})).toEqual(
      unavailable,
    );
    expect(inner.calls).toHaveLength(3);
  });

  it('stops waiting and returns the retryable result when the signal aborts', async () => {
    const inner = new ScriptedTransport('a', [], unavailable);
    const controller = new AbortController();
    const transport = createRetryingTransport(inner, { initialBackoffMs: 60_000, random: () => 1 });
    const pending = transport.send(body, { signal: controller.signal });
    setTimeout(() => controller.abort(), 20);
    expect(await pending).toEqual(unavailable);
    expect(inner.calls).toHaveLength(1);
  });

  it('reports every retry with its attempt number and delay', async () => {
    const inner = new ScriptedTransport('a', [unavailable, unavailable]);
    const events: unknown[] = [];
    const { sleep } = recordingSleep();
    await createRetryingTransport(inner, { sleep, random: () => 0, onRetry: (e) => events.push(e) }).send(
      body,
      {},
    );
    expect(events).toEqual([
      { attempt: 1, delayMs: 0, reason: 'HTTP 503' },
      { attempt: 2, delayMs: 0, reason: 'HTTP 503' },
    ]);
  });
});
