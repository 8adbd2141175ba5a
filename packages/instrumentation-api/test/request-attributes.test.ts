import { describe, expect, it } from 'vitest';
import { formatMillis } from '../src/request-attributes.js';

describe('formatMillis', () => {
  it('gives one decimal, as toFixed(1) does, for the durations a request takes', () => {
    for (const ms of [0, 0.04, 0.05, 0.949, 0.95, 1, 9.96, 12.34, 12.36, 999.94, 1234.5678, 86_400_000.04]) {
      const expected = (Math.round(ms * 10) / 10).toFixed(1);
      expect(formatMillis(ms), String(ms)).toBe(expected);
    }
  });

  it('falls back to toFixed for what is not a plain duration', () => {
    expect(formatMillis(-1.25)).toBe((-1.25).toFixed(1));
    expect(formatMillis(Number.NaN)).toBe('NaN');
    expect(formatMillis(2e9)).toBe('2000000000.0');
  });
});
