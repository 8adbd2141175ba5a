import type { GroupCommitWriter } from './group-commit.js';
import type { MemoryFallback } from './memory-fallback.js';
import type { SegmentStore } from './segment-store.js';
import type { CursorStats, DropReason, Durability, QueueStats } from './types.js';

/** Sums a queue's stores into its `stats()`: per cursor, and the slowest cursor's view overall. */
export function collectStats(input: {
  stores: readonly SegmentStore[];
  cursors: Iterable<string>;
  writer: GroupCommitWriter | undefined;
  diskBytes: number;
  nowMs: number;
  drops: Record<DropReason, number>;
  dropBytes: Record<DropReason, number>;
  memory: MemoryFallback | undefined;
  /** Records appended before the queue could open its directory. */
  early: MemoryFallback | undefined;
  durability: Durability;
}): QueueStats {
  const cursors: Record<string, CursorStats> = {};
  let pendingRecords = 0;
  let pendingBytes = 0;
  for (const name of input.cursors) {
    const c = { pendingRecords: 0, pendingBytes: 0 };
    for (const s of input.stores) {
      const p = s.pending(name);
      c.pendingRecords += p.pendingRecords;
      c.pendingBytes += p.pendingBytes;
    }
    for (const memory of [input.early, input.memory]) {
      const inMemory = memory?.pending(name);
      if (inMemory === undefined) continue;
      c.pendingRecords += inMemory.records;
      c.pendingBytes += inMemory.bytes;
    }
    cursors[name] = c;
    pendingRecords = Math.max(pendingRecords, c.pendingRecords);
    pendingBytes = Math.max(pendingBytes, c.pendingBytes);
  }
  let oldest: number | undefined;
  for (const s of input.stores) {
    const t = s.oldestPendingAppendedAtMs();
    if (t !== undefined && (oldest === undefined || t < oldest)) oldest = t;
  }
  for (const memory of [input.early, input.memory]) {
    const inMemory = memory?.oldestAppendedAtMs;
    if (inMemory !== undefined && (oldest === undefined || inMemory < oldest)) oldest = inMemory;
  }
  const buffered = input.writer?.oldestBufferedAtMs;
  if (buffered !== undefined && (oldest === undefined || buffered < oldest)) oldest = buffered;
  return {
    pendingRecords,
    pendingBytes,
    diskBytes: input.diskBytes,
    segments: input.stores.reduce((n, s) => n + s.segments.length, 0),
    oldestAgeMs: oldest === undefined ? 0 : Math.max(0, input.nowMs - oldest),
    bufferedRecords: input.writer?.bufferedRecords ?? 0,
    bufferedBytes: input.writer?.bufferedBytes ?? 0,
    drops: { ...input.drops },
    dropBytes: { ...input.dropBytes },
    cursors,
    durability: input.durability,
    memoryRecords: (input.memory?.records ?? 0) + (input.early?.records ?? 0),
    memoryBytes: (input.memory?.bytes ?? 0) + (input.early?.bytes ?? 0),
  };
}
