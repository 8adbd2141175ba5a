import type { GroupCommitWriter } from './group-commit.js';

/** How far past maxBufferBytes the in-memory buffer may grow while the writer is starved. */
export const STAGING_BURST_FACTOR = 2;

/**
 * Whether `frame` more bytes may wait in memory for the disk (the disk bound, maxBytes, is checked
 * apart). Up to maxBufferBytes always; past it only while the writer is starved — a flush is due
 * and a write slot free, but the event loop is too busy to start it — up to STAGING_BURST_FACTOR ×
 * maxBufferBytes: a busy event loop is no reason to drop records the disk has room for. With every
 * write slot taken the disk itself is the bottleneck, and maxBufferBytes holds.
 *
 *   0 ──────────── maxBufferBytes ──────────── 2 × maxBufferBytes
 *   always taken    taken only while starved     buffer_full
 */
export function hasStagingRoom(writer: GroupCommitWriter, frame: number, maxBufferBytes: number): boolean {
  const after = writer.bufferedBytes + frame;
  return after <= maxBufferBytes || (after <= STAGING_BURST_FACTOR * maxBufferBytes && writer.starved);
}
