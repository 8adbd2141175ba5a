export { openDiskQueue } from './disk-queue.js';
export { MAX_WRITES_IN_FLIGHT } from './flight.js';
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
export { DROP_REASONS } from './types.js';
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
export type { Position } from './ledger.js';
export {
  LEDGER_FILE,
  LEDGER_MAGIC,
  LEDGER_FORMAT_VERSION,
  encodeLedger,
  decodeLedger,
  type LedgerState,
} from './ledger.js';
export {
  SEGMENT_MAGIC,
  SEGMENT_FORMAT_VERSION,
  SEGMENT_HEADER_FIXED_BYTES,
  SEGMENT_FLAG_ENCRYPTED,
  SEGMENT_FILE_PATTERN,
  segmentFileName,
  decodeSegmentHeader,
  type SegmentHeader,
} from './segment-header.js';
export {
  FRAME_HEADER_BYTES,
  FRAME_MAGIC,
  MAX_RECORD_BYTES,
  checkFrame,
  type FrameInfo,
  type FrameCheck,
} from './record-frame.js';
export { NONCE_BYTES, TAG_BYTES } from './encryption.js';
export { LOCK_FILE, SUBDIRECTORY_PATTERN, type LockOwner } from './ownership.js';
