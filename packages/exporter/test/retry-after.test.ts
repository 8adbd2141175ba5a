import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../src/retry-after.js';

const now = Date.parse('2026-11-22T03:00:00Z');

describe('parseRetryAfter', () => {
  it('reads delay-seconds', () => {
    expect(parseRetryAfter('120', now, 300_000)).toBe(120_000);
    expect(parseRetryAfter(' 0 ', now, 300_000)).toBe(0);
  });

  it('reads an HTTP-date as the time left until it', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 03:00:05 GMT', now, 300_000)).toBe(5_000);
  });

  it('treats a date in the past as no wait', () => {
    expect(parseRetryAfter('Sun, 22 Nov 2026 02:00:00 GMT', now, 300_000)).toBe(0);
  });

  it('clamps long hints to the maximum', () => {
    expect(parseRetryAfter('86400', now, 300_000)).toBe(300_000);
    expect(parseRetryAfter('Mon, 23 Nov 2026 03:00:00 GMT', now, 300_000)).toBe(300_000);
  });

  it('ignores a missing or unreadable header', () => {
    expect(parseRetryAfter(undefined, now, 300_000)).toBeUndefined();
    expect(parseRetryAfter('', now, 300_000)).toBeUndefined();
    expect(parseRetryAfter('soon', now, 300_000)).toBeUndefined();
    expect(parseRetryAfter('-5', now, 300_000)).toBeUndefined();
  });
});
