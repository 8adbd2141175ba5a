import type { Signal } from '@otel-lifeline/otlp';
import { validateFault, type Fault, type FaultWhen } from './fault.js';

export interface FaultScript {
  add(fault: Fault, when?: FaultWhen): void;
  /** The fault for the next request of `signal`, consuming one use of it; undefined = behave normally. */
  take(signal: Signal): Fault | undefined;
  clear(): void;
  /** Faults still queued (including a time window that has not been opened yet). */
  readonly pending: number;
}

interface ScriptEntry {
  readonly fault: Fault;
  readonly signal: Signal | undefined;
  readonly forMs: number | undefined;
  /** Uses left; Infinity for a time window without a count. */
  remaining: number;
  /** When the time window opened (first request it applied to). */
  openedAt: number | undefined;
}

/**
 * An ordered queue of faults. A request takes the first entry whose signal matches; an entry is
 * removed once its uses are spent or its window has closed.
 *
 *   [ 503 ×2 ] → [ hang, logs only ] → [ 429 for 1000 ms ] → (empty: behave normally)
 *      ▲ a traces request skips the logs-only entry and takes the next matching one
 */
export function createFaultScript(now: () => number): FaultScript {
  let entries: ScriptEntry[] = [];

  const expired = (entry: ScriptEntry, at: number): boolean =>
    entry.remaining <= 0 ||
    (entry.forMs !== undefined && entry.openedAt !== undefined && at - entry.openedAt >= entry.forMs);

  return {
    add(fault, when) {
      validateFault(fault, when);
      const forMs = when?.forMs;
      entries.push({
        fault: { ...fault },
        signal: when?.signal,
        forMs,
        remaining: when?.times ?? (forMs === undefined ? 1 : Number.POSITIVE_INFINITY),
        openedAt: undefined,
      });
    },
    take(signal) {
      const at = now();
      entries = entries.filter((entry) => !expired(entry, at));
      const entry = entries.find(
        (candidate) => candidate.signal === undefined || candidate.signal === signal,
      );
      if (entry === undefined) return undefined;
      entry.openedAt ??= at;
      entry.remaining -= 1;
      return entry.fault;
    },
    clear() {
      entries = [];
    },
    get pending() {
      const at = now();
      return entries.filter((entry) => !expired(entry, at)).length;
    },
  };
}
