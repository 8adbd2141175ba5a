import { describe, expect, it } from 'vitest';
import { createBurstReporter } from '../src/burst-reporter.js';
import { ManualClock } from './scripted-transport.js';

describe('burst reporter', () => {
  it('logs the first message of a kind, counts repeats within the window and mentions them next time', () => {
    const clock = new ManualClock();
    const lines: string[] = [];
    const reporter = createBurstReporter({
      clock,
      windowMs: 60_000,
      log: (level, message) => lines.push(`${level} ${message}`),
    });
    reporter.report('retry', 'warn', 'endpoint down');
    reporter.report('retry', 'warn', 'endpoint down');
    reporter.report('retry', 'warn', 'endpoint down');
    reporter.report('drop', 'error', 'dropped');
    clock.advance(60_000);
    reporter.report('retry', 'warn', 'endpoint still down');
    expect(lines).toEqual([
      'warn endpoint down',
      'error dropped',
      'warn endpoint still down (2 similar message(s) held back)',
    ]);
  });
});
