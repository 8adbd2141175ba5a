import type { QueueKey } from './encryption.js';
import type { OpenFile } from './file-system.js';

/** One segment file as the store knows it. */
export interface Segment {
  id: number;
  name: string;
  path: string;
  headerLength: number;
  firstSeq: number;
  /** Sequence number after this segment's last record (for the tail: after the last durable one). */
  endSeq: number;
  /** Bytes written (for the tail, possibly not yet durable). */
  size: number;
  /** Bytes readers may read: everything up to here is fdatasync'd. */
  durableSize: number;
  createdAtMs: number;
  /** Time of the newest record (an upper bound for segments recovered without a scan). */
  lastAppendedAtMs: number;
  keyId: string | undefined;
  key: QueueKey | undefined;
  /**
   * A sealed segment gets no more writes. Only the last segment of the writable store can be
   * unsealed, and the one before it while writes placed in it before a roll-over are in flight.
   */
  sealed: boolean;
  writeFile: OpenFile | undefined;
  /** Shared by cursors; opened on first read, closed when the segment goes. */
  readFile: Promise<OpenFile> | undefined;
  readers: number;
  removed: boolean;
}
