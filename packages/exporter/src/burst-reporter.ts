import { diag } from '@opentelemetry/api';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';

export type ReportLevel = 'error' | 'warn' | 'info' | 'debug';

/**
 * Reports problems through OpenTelemetry's `diag` once per burst: the first message of a kind is
 * logged at once, repeats within `windowMs` are only counted, and the next message after the window
 * says how many were held back. A failing endpoint therefore produces one line a minute, not one per batch.
 */
export interface BurstReporter {
  report(kind: string, level: ReportLevel, message: string): void;
}

export interface BurstReporterOptions {
  windowMs?: number;
  clock?: Clock;
  log?: (level: ReportLevel, message: string) => void;
}

const logToDiag = (level: ReportLevel, message: string): void => diag[level](message);

export function createBurstReporter(options: BurstReporterOptions = {}): BurstReporter {
  const windowMs = options.windowMs ?? 60_000;
  const clock = options.clock ?? systemClock;
  const log = options.log ?? logToDiag;
  const bursts = new Map<string, { loggedAt: number; suppressed: number }>();

  return {
    report(kind, level, message) {
      const now = clock.now();
      const burst = bursts.get(kind);
      if (burst && now - burst.loggedAt < windowMs) {
        burst.suppressed++;
        return;
      }
      const held = burst?.suppressed ?? 0;
      bursts.set(kind, { loggedAt: now, suppressed: 0 });
      log(level, held > 0 ? `${message} (${held} similar message(s) held back)` : message);
    },
  };
}
