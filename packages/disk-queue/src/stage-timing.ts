import { channel } from 'node:diagnostics_channel';

/*
 * Per-stage timings for profiling the durable pipeline, on the process-wide `node:diagnostics_channel`
 * `lifeline:stage` (the exporter publishes its own stages on the same channel):
 *
 *   { stage: 'frame' | 'write' | 'read', ms, records, bytes }
 *     frame   append: copy, frame header, CRC (and encryption), on the appending thread
 *     write   one group commit's pwritev (and fdatasync), wall time through the thread pool
 *     read    one cursor read from the segment files: reads and CRC checks, wall time
 *
 * While no one subscribes a stage costs one property check: no clock is read, nothing is built.
 */
const stages = channel('lifeline:stage');

/** A start time when someone listens, else -1. */
export function stageStart(): number {
  return stages.hasSubscribers ? performance.now() : -1;
}

export function stageEnd(stage: string, started: number, records: number, bytes: number): void {
  if (started >= 0) stages.publish({ stage, ms: performance.now() - started, records, bytes });
}
