import type { PendingFrames } from './append-buffer.js';
import type { NewSegmentHeader } from './segment-files.js';
import type { Segment } from './segment.js';

/**
 * Group-commit writes that may be in flight at once. One write at a time leaves the disk idle
 * while the event loop gets round to starting the next; a few in flight keep it busy (the
 * file system overlaps one write's copy into the page cache with another's flush).
 */
export const MAX_WRITES_IN_FLIGHT = 4;

/**
 * One group commit: the frames it writes, where they land, and its progress. Flights are placed,
 * written and committed in order; only the writes themselves overlap.
 */
export interface Flight {
  pending: PendingFrames;
  /** `appended` when the frames were taken: flush() callers up to here are settled by its commit. */
  target: number;
  oldestAppendedAtMs: number;
  segment: Segment | undefined;
  /** File offset of its first byte (the header's, when it carries one). */
  offset: number;
  /**
   * A new segment's header, written with this flight's frames. `entryDurable` when the file's
   * directory entry was already synced (a spare), so that this write need not do it.
   */
  header: NewSegmentHeader | undefined;
  error: unknown;
  /** Its records went to the memory fallback instead of the disk. */
  diverted: boolean;
  /** Settled once the next flight may be placed: right after placement, or after a header's write. */
  placed: Promise<void>;
  /** Settled once its write has returned or failed. */
  written: Promise<void>;
  /** Settled once it and every flight before it are committed; never rejects. */
  committed: Promise<void>;
  /** Set by its commit (synchronously, before anything awaits): it no longer holds its segment open. */
  done: boolean;
}

export function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
}

/** Resolves the waiters that are `ready`; returns the others, in order. */
export function resolveReady<W extends { resolve: () => void }>(waiters: W[], ready: (w: W) => boolean): W[] {
  if (waiters.length === 0) return waiters;
  const still: W[] = [];
  for (const w of waiters) {
    if (ready(w)) w.resolve();
    else still.push(w);
  }
  return still;
}

/** Resolves once no write is in flight. */
export async function allCommitted(flights: readonly Flight[]): Promise<void> {
  for (let last = flights.at(-1); last !== undefined; last = flights.at(-1)) await last.committed;
}

/** Whether a flight other than `except` is placed in the segment and not yet committed. */
export function writesInFlight(flights: readonly Flight[], segment: Segment, except: Flight): boolean {
  return flights.some((x) => x !== except && !x.done && x.segment === segment);
}

/** Frame bytes of the flights before `f` that are placed but not yet committed (not in any size). */
export function placedUncommittedBytes(flights: readonly Flight[], f: Flight): number {
  let bytes = 0;
  for (const x of flights) {
    if (x === f) break;
    bytes += x.pending.bytes;
  }
  return bytes;
}
