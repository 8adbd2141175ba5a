import { ENCRYPTION_OVERHEAD_BYTES, NONCE_BYTES } from './encryption.js';
import { FRAME_HEADER_BYTES } from './record-frame.js';

const CHUNK_BYTES = 1024 * 1024;
/** Chunks kept for reuse: twice what recent flushes used, within these bounds. */
const MIN_POOLED_CHUNKS = 2;
const MAX_POOLED_CHUNKS = 32;

/** Records appended since the last flush, already laid out as frames in a few large chunks. */
export interface PendingFrames {
  /** What one `pwritev` writes: each chunk up to its used length. */
  buffers: Buffer[];
  /** Per record: chunk index, frame offset in it, stored payload length, plaintext length, appended-at. */
  frames: number[];
  records: number;
  bytes: number;
  payloadBytes: number;
  newestAppendedAtMs: number;
}

/**
 * The group-commit buffer. `append` copies the payload once, into a 1 MiB chunk, leaving room for
 * the frame header (and nonce and tag when encrypting); the header, encryption and CRC are filled
 * in at flush time, when sequence numbers are assigned, so the chunks are written as they are.
 *
 *   chunk: [hdr|payload][hdr|payload][hdr|payload]......free......
 *          └───────────── used ──────────────────┘
 */
export class AppendBuffer {
  private chunks: Buffer[] = [];
  private used: number[] = [];
  private frames: number[] = [];
  private pool: Buffer[] = [];
  /** Chunks the last flushes took: sizes the pool so steady throughput never faults in fresh memory. */
  private recentChunks = 0;
  records = 0;
  bytes = 0;
  payloadBytes = 0;
  oldestAppendedAtMs = 0;
  private newestAppendedAtMs = 0;

  constructor(private readonly encrypted: boolean) {}

  /** Frame bytes a record of this length takes. */
  frameBytes(length: number): number {
    return FRAME_HEADER_BYTES + length + (this.encrypted ? ENCRYPTION_OVERHEAD_BYTES : 0);
  }

  append(record: Uint8Array, appendedAtMs: number): void {
    const size = this.frameBytes(record.length);
    let index = this.chunks.length - 1;
    let chunk = this.chunks[index];
    if (chunk === undefined || chunk.length - this.used[index]! < size) {
      chunk =
        size <= CHUNK_BYTES ? (this.pool.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(size);
      this.chunks.push(chunk);
      this.used.push(0);
      index++;
    }
    const at = this.used[index]!;
    chunk.set(record, at + FRAME_HEADER_BYTES + (this.encrypted ? NONCE_BYTES : 0));
    this.used[index] = at + size;
    this.frames.push(index, at, size - FRAME_HEADER_BYTES, record.length, appendedAtMs);
    if (this.records === 0) this.oldestAppendedAtMs = appendedAtMs;
    this.newestAppendedAtMs = appendedAtMs;
    this.records++;
    this.bytes += size;
    this.payloadBytes += record.length;
  }

  /** Hands over everything buffered and starts empty. */
  take(): PendingFrames {
    this.recentChunks = Math.max(this.chunks.length, Math.floor(this.recentChunks / 2));
    const taken: PendingFrames = {
      buffers: this.chunks.map((c, i) => c.subarray(0, this.used[i])),
      frames: this.frames,
      records: this.records,
      bytes: this.bytes,
      payloadBytes: this.payloadBytes,
      newestAppendedAtMs: this.newestAppendedAtMs,
    };
    this.chunks = [];
    this.used = [];
    this.frames = [];
    this.records = 0;
    this.bytes = 0;
    this.payloadBytes = 0;
    return taken;
  }

  /** Returns written chunks for reuse, sparing the allocator (and page faults) a 1 MiB buffer each. */
  recycle(pending: PendingFrames): void {
    const keep = Math.min(MAX_POOLED_CHUNKS, Math.max(MIN_POOLED_CHUNKS, 2 * this.recentChunks));
    for (const b of pending.buffers) {
      if (this.pool.length >= keep) break;
      if (b.buffer.byteLength === CHUNK_BYTES && b.byteOffset === 0) {
        this.pool.push(Buffer.from(b.buffer, 0, CHUNK_BYTES));
      }
    }
    // After a burst, give memory back as flushes shrink.
    if (this.pool.length > keep) this.pool.length = keep;
  }
}
