import type { Clock } from './clock.js';
import type { FileSystem } from './file-system.js';

/** Why records were dropped. Every drop is counted under exactly one reason. */
export type DropReason = 'queue_full' | 'buffer_full' | 'max_age' | 'corrupt' | 'io_error';

export const DROP_REASONS: readonly DropReason[] = [
  'queue_full',
  'buffer_full',
  'max_age',
  'corrupt',
  'io_error',
];

export interface DropEvent {
  reason: DropReason;
  records: number;
  /** Payload bytes when known; for records lost on disk, the bytes of the frames skipped. */
  bytes: number;
  /**
   * The items those records held: from `countItems` when their payloads were at hand, else from
   * what `append` was told (a record appended without `items`, or by a previous run, counts as 1).
   */
  items?: number;
}

/**
 * Whether records reach the disk. 'degraded': the disk refused a write (full, read-only, gone,
 * failing); records wait in memory (not durable) until a probe finds the disk writable again.
 */
export type Durability = 'durable' | 'degraded';

export interface DurabilityEvent {
  state: Durability;
  /** The error code that started a degraded spell ('ENOSPC', 'EROFS', ...). */
  reason?: string;
  /** Records and bytes waiting in memory at the change. */
  memoryRecords: number;
  memoryBytes: number;
}

export interface EncryptionOptions {
  /** Written into each new segment's header; 1–255 bytes of UTF-8. */
  keyId: string;
  /** 32 bytes (AES-256). */
  key: Uint8Array;
  /** Keys that older segments were written with, by key id; read-only. */
  previousKeys?: Record<string, Uint8Array>;
}

export interface DiskQueueOptions {
  directory: string;
  /** Named read positions; each sees every record once, independently. Default ['default']. */
  cursors?: readonly string[];
  /** Bound on segment bytes on disk plus bytes buffered in memory. Default 256 MiB. */
  maxBytes?: number;
  /** What to drop when `maxBytes` is reached. Default 'drop-newest'. */
  whenFull?: 'drop-newest' | 'drop-oldest';
  /** Records older than this are dropped ('max_age'). Default 48 h. */
  maxAgeMs?: number;
  /** Target segment file size; a segment is closed once it passes this. Default maxBytes/8 within [4 KiB, 32 MiB]. */
  segmentBytes?: number;
  /** Group commit interval: appended records are written and fdatasync'd within this. Default 100. */
  fsyncIntervalMs?: number;
  /** Cap on appended records not yet durable (in memory). Default min(16 MiB, maxBytes / 2). */
  maxBufferBytes?: number;
  /** A flush starts as soon as this many bytes are buffered. Default min(1 MiB, maxBufferBytes / 2). */
  flushBytes?: number;
  /** Optional AES-256-GCM encryption of every payload at rest. */
  encryption?: EncryptionOptions;
  /** Owner liveness for a lock written on another host: stale when not refreshed for this long. Default 60 s. */
  lockStaleMs?: number;
  /**
   * While the disk refuses writes, records wait in memory up to this many payload bytes (oldest
   * unread dropped first, counted as 'io_error') and are read like the others. 0: drop them at
   * once. Default 32 MiB.
   */
  memoryFallbackBytes?: number;
  /** First wait before probing a disk that refused writes; doubles up to 30 s. Default 1000. */
  recoveryProbeMs?: number;
  /** Called when the queue stops or resumes writing to disk (synchronously; exceptions are ignored). */
  onDurabilityChange?: (event: DurabilityEvent) => void;
  /** Items in one record (e.g. log records in an OTLP fragment), so that drops carry `items`. */
  countItems?: (record: Uint8Array) => number;
  fs?: FileSystem;
  clock?: Clock;
  /** Called for every drop (synchronously; exceptions are ignored). */
  onDrop?: (event: DropEvent) => void;
  /** Called for I/O problems that were absorbed (a failed write, ledger or delete). */
  onError?: (error: Error) => void;
}

export interface ReadLimits {
  /** Default 1000. */
  maxRecords?: number;
  /** Payload bytes; default 4 MiB. A single larger record is still returned alone. */
  maxBytes?: number;
  /**
   * The records' memory is reused for later reads once the batch is acknowledged: a reader that
   * is done with a batch when it acks it (a sender) spares the runtime a full garbage collection
   * every few tens of MB read. Never keep a record, or a view of one, past `ack()`. Default false.
   */
  recycle?: boolean;
}

export interface QueueBatch {
  readonly records: readonly Uint8Array[];
  /** Sum of the payload lengths. */
  readonly bytes: number;
  readonly oldestAppendedAtMs: number;
}

export interface QueueCursor {
  readonly name: string;
  /** Reads the next durable records after the last read; undefined when none are pending. */
  read(limits?: ReadLimits): Promise<QueueBatch | undefined>;
  /** Acknowledges a batch (and every batch read before it); resolves when the position is durable. */
  ack(batch: QueueBatch): Promise<void>;
  /** Unacknowledged reads will be read again. */
  rewind(): void;
  /** Resolves when read() would return a batch, when `signal` aborts, or when the queue closes. */
  waitForData(signal?: AbortSignal): Promise<void>;
}

export interface CursorStats {
  pendingRecords: number;
  pendingBytes: number;
}

export interface QueueStats {
  /** Durable records not yet acknowledged by every cursor. */
  pendingRecords: number;
  /** Frame bytes on disk not yet acknowledged by every cursor. */
  pendingBytes: number;
  /** Bytes of all segment files. */
  diskBytes: number;
  segments: number;
  /** Age of the oldest record not yet acknowledged by every cursor (buffered included); 0 when none. */
  oldestAgeMs: number;
  /** Appended records not yet durable. */
  bufferedRecords: number;
  bufferedBytes: number;
  /** Records dropped, by reason, since this queue was opened. */
  drops: Record<DropReason, number>;
  dropBytes: Record<DropReason, number>;
  cursors: Record<string, CursorStats>;
  durability: Durability;
  /** Records (and payload bytes) waiting in memory because the disk refused them; included in pending. */
  memoryRecords: number;
  memoryBytes: number;
}

export interface DiskQueue {
  /** The directory actually used: a sub-directory when the one given is held by a live process. */
  readonly directory: string;
  /** Directories of dead owners adopted at open, drained through the cursors before our own records. */
  readonly adopted: readonly string[];
  /**
   * Sync; never blocks, never throws on I/O. false = dropped and counted. `items`: what the record
   * holds (e.g. log records), so that a later loss of it (corrupt, evicted, expired) counts them.
   */
  append(record: Uint8Array, items?: number): boolean;
  /** Resolves when everything appended before the call is durable, or dropped and counted. Never rejects. */
  flush(): Promise<void>;
  /**
   * Resolves once at most `bytes` (default: half of `maxBufferBytes`) appended bytes wait to be
   * durable: back-pressure for a producer that would rather wait than drop. Unlike `flush()` it
   * does not wait for the buffer to empty, so the producer refills it while a write is in flight.
   * Never rejects; resolves at once when the queue is closed or cannot write.
   */
  waitForRoom(bytes?: number): Promise<void>;
  cursor(name?: string): QueueCursor;
  stats(): QueueStats;
  /** Flushes, writes the ledger, releases the lock. Idempotent. */
  close(): Promise<void>;
}
