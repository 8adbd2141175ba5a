import type { Position } from './ledger.js';
import type { Segment } from './segment.js';
import type { DropReason } from './types.js';

/** One cursor's place in a store. */
export interface CursorPositions {
  /** Next record not acknowledged (what the ledger stores). */
  ack: Position;
  /** Next record not yet handed out by read(); never behind `ack`. */
  read: Position;
  /** Appended-at time of the newest acknowledged record: the oldest pending one is no older. */
  ackedAppendedAtMs: number;
  /** Bumped by rewind, so that a read racing with it does not move `read` back past it. */
  epoch: number;
  /** Records this cursor had read, not yet acknowledged, when a bound evicted them: see below. */
  evictedInFlight: EvictedRange[];
}

/**
 * Records [start, end) evicted while a cursor had them in flight. Their sender answers for them
 * while it holds them: acknowledged (delivered, or counted by the sender as rejected or expired),
 * they are no loss here. A rewind gives them up, and the read again cannot find them: they are lost
 * then, with the reason of their eviction.
 */
export interface EvictedRange {
  reason: DropReason;
  start: number;
  end: number;
  bytes: number;
}

/** The part of `segment` (its records end before `endSeq`) that `p` has read and not acknowledged. */
export function inFlightPart(
  segment: Segment,
  endSeq: number,
  p: CursorPositions,
  reason: DropReason,
): EvictedRange | undefined {
  const start = Math.max(segment.firstSeq, p.ack.seq);
  const end = Math.min(endSeq, p.read.seq);
  if (p.ack.segment > segment.id || p.read.segment < segment.id || end <= start) return undefined;
  const from = p.ack.segment === segment.id ? p.ack.offset : segment.headerLength;
  const to = p.read.segment === segment.id ? p.read.offset : segment.durableSize;
  return { reason, start, end, bytes: Math.max(0, to - from) };
}

/** What stays in flight once the cursor acknowledged every record before `seq`. */
export function afterAck(ranges: EvictedRange[], seq: number): EvictedRange[] {
  if (ranges.length === 0) return ranges;
  return ranges.flatMap((r) => {
    if (r.end <= seq) return [];
    if (r.start >= seq) return [r];
    return [{ ...r, start: seq, bytes: Math.round((r.bytes * (r.end - seq)) / (r.end - r.start)) }];
  });
}

/**
 * The first sequence number whose losses and items must stay known: `ackedBelow` (every cursor
 * acknowledged what is before it), or earlier while a range evicted in flight may yet be counted.
 */
export function lossesKeptFrom(cursors: Iterable<CursorPositions>, ackedBelow: number): number {
  let keep = ackedBelow;
  for (const c of cursors) for (const r of c.evictedInFlight) keep = Math.min(keep, r.start);
  return keep;
}
