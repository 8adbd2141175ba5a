import { ENCRYPTION_OVERHEAD_BYTES, encryptFrameInPlace, NONCE_BYTES, type QueueKey } from './encryption.js';
import { FRAME_HEADER_BYTES, writeFrameCrc, writeFrameFieldsTo } from './record-frame.js';

const CHUNK_BYTES = 1024 * 1024;
/** Chunks kept for reuse: twice what the flushes that may be in flight at once use, within these bounds. */
const MIN_POOLED_CHUNKS = 2;
const MAX_POOLED_CHUNKS = 32;

/** Records appended since the last flush, already complete frames in a few large chunks. */
export interface PendingFrames {
  /** What one `pwritev` writes: each chunk up to its used length. */
  buffers: Buffer[];
  /** Sequence number of the first record; the others follow one by one. */
  firstSeq: number;
  records: number;
  bytes: number;
  payloadBytes: number;
  newestAppendedAtMs: number;
}

/**
 * The group-commit buffer. `append` copies the payload once, into a 1 MiB chunk, and completes the
 * frame around it there and then — header, encryption, CRC — while the bytes are hot in the cache,
 * so that a flush only has to hand the chunks to `pwritev` and the next batch is framed while the
 * previous one is being written.
 *
 *   chunk: [hdr|payload][hdr|payload][hdr|payload]......free......
 *          └───────────── used ──────────────────┘
 */
export class AppendBuffer {
  private chunks: Buffer[] = [];
  /** A DataView over each chunk, for the header stores. */
  private views: DataView[] = [];
  private used: number[] = [];
  firstSeq = 0;
  private pool: Buffer[] = [];
  /** Chunks the last flushes took: sizes the pool so steady throughput never faults in fresh memory. */
  private recentChunks = 0;
  records = 0;
  bytes = 0;
  payloadBytes = 0;
  oldestAppendedAtMs = 0;
  private newestAppendedAtMs = 0;

  private readonly encrypted: boolean;

  /** `writesInFlight`: how many taken batches may be out at once (their chunks come back later). */
  constructor(
    private readonly key: QueueKey | undefined,
    private readonly writesInFlight: number,
  ) {
    this.encrypted = key !== undefined;
  }

  /** Frame bytes a record of this length takes. */
  frameBytes(length: number): number {
    return FRAME_HEADER_BYTES + length + (this.encrypted ? ENCRYPTION_OVERHEAD_BYTES : 0);
  }

  append(record: Uint8Array, appendedAtMs: number, seq: number): void {
    const size = this.frameBytes(record.length);
    let index = this.chunks.length - 1;
    let chunk = this.chunks[index];
    if (chunk === undefined || chunk.length - this.used[index]! < size) {
      chunk =
        size <= CHUNK_BYTES ? (this.pool.pop() ?? Buffer.allocUnsafe(CHUNK_BYTES)) : Buffer.allocUnsafe(size);
      this.chunks.push(chunk);
      this.views.push(new DataView(chunk.buffer, chunk.byteOffset, chunk.length));
      this.used.push(0);
      index++;
    }
    const at = this.used[index]!;
    const stored = size - FRAME_HEADER_BYTES;
    chunk.set(record, at + FRAME_HEADER_BYTES + (this.encrypted ? NONCE_BYTES : 0));
    writeFrameFieldsTo(this.views[index]!, at, stored, seq, appendedAtMs);
    if (this.key !== undefined) encryptFrameInPlace(this.key, chunk, at, record.length);
    writeFrameCrc(chunk, at, stored);
    this.used[index] = at + size;
    if (this.records === 0) {
      this.oldestAppendedAtMs = appendedAtMs;
      this.firstSeq = seq;
    }
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
      firstSeq: this.firstSeq,
      records: this.records,
      bytes: this.bytes,
      payloadBytes: this.payloadBytes,
      newestAppendedAtMs: this.newestAppendedAtMs,
    };
    this.chunks = [];
    this.views = [];
    this.used = [];
    this.records = 0;
    this.bytes = 0;
    this.payloadBytes = 0;
    return taken;
  }

  /** Returns written chunks for reuse, sparing the allocator (and page faults) a 1 MiB buffer each. */
  recycle(pending: PendingFrames): void {
    const inUse = this.writesInFlight * this.recentChunks;
    const keep = Math.min(MAX_POOLED_CHUNKS, Math.max(MIN_POOLED_CHUNKS, 2 * inUse));
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
