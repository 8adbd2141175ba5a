import { describe, expect, it } from 'vitest';
import { createFaultScript } from '../src/fault-script.js';
import { retryAfterHeader } from '../src/fault.js';
import { ReceiverError } from '../src/errors.js';

function manualClock(start = 1_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('fault script', () => {
  it('applies a fault once by default, then behaves normally', () => {
    const script = createFaultScript(Date.now);
    script.add({ kind: 'status', status: 503 });
    expect(script.take('logs')).toEqual({ kind: 'status', status: 503 });
    expect(script.take('logs')).toBeUndefined();
  });

  it('applies queued faults in order, each for its number of times', () => {
    const script = createFaultScript(Date.now);
    script.add({ kind: 'status', status: 503 }, { times: 2 });
    script.add({ kind: 'reset' });
    script.add({ kind: 'drop' });
    const kinds = Array.from({ length: 5 }, () => script.take('traces')?.kind);
    expect(kinds).toEqual(['status', 'status', 'reset', 'drop', undefined]);
  });

  it('lets requests of another signal pass a signal-specific fault without using it', () => {
    const script = createFaultScript(Date.now);
    script.add({ kind: 'hang' }, { signal: 'logs' });
    script.add({ kind: 'status', status: 429 });
    expect(script.take('metrics')).toEqual({ kind: 'status', status: 429 });
    expect(script.take('metrics')).toBeUndefined();
    expect(script.take('logs')).toEqual({ kind: 'hang' });
    expect(script.take('logs')).toBeUndefined();
  });

  it('applies a time window to every request from the first one it meets until forMs has passed', () => {
    const clock = manualClock();
    const script = createFaultScript(clock.now);
    script.add({ kind: 'status', status: 503 }, { forMs: 1_000 });
    script.add({ kind: 'status', status: 429 });
    clock.advance(5_000); // the window has not opened yet: it opens at its first request
    expect(script.take('logs')?.kind).toBe('status');
    clock.advance(600);
    expect(script.take('logs')).toEqual({ kind: 'status', status: 503 });
    clock.advance(399);
    expect(script.take('logs')).toEqual({ kind: 'status', status: 503 });
    clock.advance(1);
    expect(script.take('logs')).toEqual({ kind: 'status', status: 429 });
    expect(script.take('logs')).toBeUndefined();
  });

  it('ends a time window early when it also has a count', () => {
    const clock = manualClock();
    const script = createFaultScript(clock.now);
    script.add({ kind: 'drop' }, { forMs: 10_000, times: 2 });
    expect(script.take('logs')?.kind).toBe('drop');
    expect(script.take('logs')?.kind).toBe('drop');
    expect(script.take('logs')).toBeUndefined();
  });

  it('counts pending faults and forgets them all on clear', () => {
    const script = createFaultScript(Date.now);
    script.add({ kind: 'hang' });
    script.add({ kind: 'delay', ms: 10 }, { times: 3 });
    expect(script.pending).toBe(2);
    script.clear();
    expect(script.pending).toBe(0);
    expect(script.take('logs')).toBeUndefined();
  });

  it('keeps its own copy of a fault so later changes by the caller do not leak in', () => {
    const script = createFaultScript(Date.now);
    const fault = { kind: 'status' as const, status: 503 };
    script.add(fault);
    fault.status = 500;
    expect(script.take('logs')).toEqual({ kind: 'status', status: 503 });
  });

  it('refuses malformed faults with an error naming the key and what was expected', () => {
    const script = createFaultScript(Date.now);
    const attempt = (add: () => void): ReceiverError => {
      try {
        add();
      } catch (error) {
        return error as ReceiverError;
      }
      throw new Error('expected a ReceiverError');
    };
    const cases: Array<[() => void, RegExp]> = [
      [
        () => script.add({ kind: 'status', status: 99 }),
        /fault status is 99; expected an integer HTTP status/,
      ],
      [() => script.add({ kind: 'status', status: 503, retryAfter: -1 }), /fault retryAfter is -1/],
      [() => script.add({ kind: 'status', status: 503, retryAfter: '' }), /fault retryAfter is ""/],
      [() => script.add({ kind: 'delay', ms: -5 }), /fault ms is -5/],
      [() => script.add({ kind: 'partial', rejected: 1.5 }), /fault rejected is 1.5/],
      [() => script.add({ kind: 'explode' } as never), /fault kind is "explode"/],
      [
        () => script.add({ kind: 'reset', at: 'later' as never }),
        /fault at is "later"; expected 'head', 'body' or 'kept'/,
      ],
      [() => script.add({ kind: 'hang' }, { times: 0 }), /fault times is 0; expected an integer ≥ 1/],
      [() => script.add({ kind: 'hang' }, { forMs: 0 }), /fault forMs is 0/],
      [() => script.add({ kind: 'hang' }, { signal: 'profiles' as never }), /fault signal is "profiles"/],
    ];
    for (const [add, message] of cases) {
      const error = attempt(add);
      expect(error).toBeInstanceOf(ReceiverError);
      expect(error.code).toBe('LIFELINE_ERR_CONFIG');
      expect(error.message).toMatch(message);
    }
    expect(script.pending).toBe(0);
  });
});

describe('Retry-After header', () => {
  it('writes seconds as a number, passes an HTTP-date through and formats a Date as an HTTP-date', () => {
    expect(retryAfterHeader(7)).toBe('7');
    expect(retryAfterHeader('Wed, 21 Oct 2026 07:28:00 GMT')).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
    expect(retryAfterHeader(new Date(Date.UTC(2026, 9, 21, 7, 28, 0)))).toBe('Wed, 21 Oct 2026 07:28:00 GMT');
  });
});
