// The public surface, as the README's API section documents it. The on-disk format is documented
// there too; its constants and decoders stay inside: inspectQueue and verifyQueue read the files.
export { openDiskQueue } from './disk-queue.js';
export { MAX_WRITES_IN_FLIGHT } from './flight.js';
/** The checksum of the queue's frames, for other formats that carry a CRC-32 (gzip members). */
export { crc32, crc32Implementation, type Crc32, type Crc32Implementation } from './crc32.js';
export type {
  DiskQueue,
  DiskQueueOptions,
  DropEvent,
  DropReason,
  Durability,
  DurabilityEvent,
  EncryptionOptions,
  QueueBatch,
  QueueCursor,
  QueueStats,
  CursorStats,
  ReadLimits,
} from './types.js';
export type { Clock } from './clock.js';
export type { FileSystem, OpenFile, FileStat } from './file-system.js';
export { createNodeFileSystem } from './file-system.js';
export { DiskQueueError, type DiskQueueErrorCode } from './errors.js';
export {
  inspectQueue,
  type QueueInspection,
  type SegmentFileInfo,
  type InspectOptions,
} from './inspect-queue.js';
export { verifyQueue, type QueueVerification, type CorruptRecord } from './verify-queue.js';
export type { LockOwner } from './ownership.js';
