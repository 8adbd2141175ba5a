import type { PendingFrames } from './append-buffer.js';
import type { QueueKey } from './encryption.js';

/** What the queue gives its group-commit writer: sizes, the interval, and its room and loss policy. */
export interface GroupCommitOptions {
  segmentBytes: number;
  fsyncIntervalMs: number;
  flushBytes: number;
  key: QueueKey | undefined;
  /** Whether `bytes` more on disk would need `makeRoom` to evict (drop-oldest over maxBytes). */
  needsRoom(bytes: number): boolean;
  /** Evicts old segments so that `bytes` more fit; only called with no write in flight. */
  makeRoom(bytes: number): Promise<void>;
  /** Called after each flush that made records durable. */
  onDurable(): void; // also once a diverted flush has settled: its records are readable in memory
  /**
   * A flush that did not reach the disk (`error` undefined: an earlier write into its segment
   * failed). true: the caller took its records (to memory); false: they are counted as 'io_error'.
   */
  divert(pending: PendingFrames, error: unknown): boolean;
}
