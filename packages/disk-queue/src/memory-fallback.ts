import type { PendingFrames } from './append-buffer.js';
import { decryptPayload, type QueueKey } from './encryption.js';
import { errorCode } from './file-system.js';
import { checkFrame } from './record-frame.js';

/**
 * Error codes that mean "this disk cannot take writes now", as opposed to a bug: the queue stops
 * writing, keeps records in memory and probes until the disk takes writes again.
 */
const DISK_TROUBLE = new Set(['ENOSPC', 'EDQUOT', 'EIO', 'EROFS', 'EACCES', 'EPERM', 'ENOENT', 'ENOTDIR']);

export function isDiskTrouble(error: unknown): boolean {
  const code = errorCode(error);
  return code !== undefined && DISK_TROUBLE.has(code);
}

export interface MemoryRecord {
  seq: number;
  payload: Uint8Array;
  appendedAtMs: number;
}

export interface MemoryBatch {
  records: MemoryRecord[];
  bytes: number;
  /** Sequence number after the last record handed out. */
  endSeq: number;
}

/**
 * Records the disk could not take, waiting in memory for the cursors (not durable).
 *
 *   entries:  [seq 120][seq 121][seq 122] ... [seq 180]     seq ascending, gaps where disk records sit
 *                  ▲              ▲
 *   cursor ack ────┘              └── cursor read (next seq to hand out; never behind ack)
 *
 * Bounded by `maxBytes`: past it the oldest record no cursor has read yet is dropped (counted by
 * the caller as 'io_error'); records a cursor is sending are never dropped, so a record is either
 * delivered or counted, never both. An entry goes once every cursor has acknowledged it.
 */
export class MemoryFallback {
  private entries: MemoryRecord[] = [];
  private readonly ackSeq = new Map<string, number>();
  private readonly readSeq = new Map<string, number>();
  bytes = 0;

  constructor(
    cursors: readonly string[],
    private readonly maxBytes: number,
    private readonly onOverflow: (dropped: MemoryRecord[]) => void,
    /** Bytes another buffer holds under the same bound (records kept from before the queue opened). */
    private readonly otherBytes: () => number = () => 0,
  ) {
    for (const name of cursors) {
      this.ackSeq.set(name, 0);
      this.readSeq.set(name, 0);
    }
  }

  get records(): number {
    return this.entries.length;
  }

  get oldestAppendedAtMs(): number | undefined {
    return this.entries[0]?.appendedAtMs;
  }

  /** Adds records, kept in sequence order (a write that failed late brings older ones). */
  add(records: readonly MemoryRecord[]): void {
    const dropped: MemoryRecord[] = [];
    for (const record of records) {
      const size = record.payload.length;
      const room = this.maxBytes - this.otherBytes();
      while (this.bytes + size > room && this.evictOldestUnread(dropped));
      if (this.bytes + size > room) {
        dropped.push(record);
        continue;
      }
      const last = this.entries.at(-1);
      if (last === undefined || last.seq < record.seq) this.entries.push(record);
      else this.entries.splice(this.indexFrom(record.seq), 0, record);
      this.bytes += size;
    }
    if (dropped.length > 0) this.onOverflow(dropped);
  }

  /** Index of the first entry whose sequence number is at least `seq` (binary search). */
  private indexFrom(seq: number): number {
    let lo = 0;
    let hi = this.entries.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.entries[mid]!.seq < seq) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  private evictOldestUnread(dropped: MemoryRecord[]): boolean {
    let readUpTo = 0;
    for (const seq of this.readSeq.values()) readUpTo = Math.max(readUpTo, seq);
    const index = this.indexFrom(readUpTo);
    if (index >= this.entries.length) return false;
    const [evicted] = this.entries.splice(index, 1);
    this.bytes -= evicted!.payload.length;
    dropped.push(evicted!);
    return true;
  }

  /** Sequence number of the next record `cursor` has not read; undefined when none. */
  nextUnread(cursor: string): number | undefined {
    return this.entries[this.indexFrom(this.readSeq.get(cursor) ?? 0)]?.seq;
  }

  hasUnread(cursor: string): boolean {
    return this.nextUnread(cursor) !== undefined;
  }

  /** Records from the cursor's read position with sequence numbers below `beforeSeq`, within the limits. */
  read(cursor: string, beforeSeq: number, maxRecords: number, maxBytes: number): MemoryBatch | undefined {
    const records: MemoryRecord[] = [];
    let bytes = 0;
    for (let i = this.indexFrom(this.readSeq.get(cursor) ?? 0); i < this.entries.length; i++) {
      const e = this.entries[i]!;
      if (e.seq >= beforeSeq || records.length >= maxRecords) break;
      if (records.length > 0 && bytes + e.payload.length > maxBytes) break;
      records.push(e);
      bytes += e.payload.length;
    }
    const last = records.at(-1);
    if (last === undefined) return undefined;
    this.readSeq.set(cursor, last.seq + 1);
    return { records, bytes, endSeq: last.seq + 1 };
  }

  ack(cursor: string, endSeq: number): void {
    if (endSeq <= (this.ackSeq.get(cursor) ?? 0)) return;
    this.ackSeq.set(cursor, endSeq);
    if ((this.readSeq.get(cursor) ?? 0) < endSeq) this.readSeq.set(cursor, endSeq);
    let min = Infinity;
    for (const seq of this.ackSeq.values()) min = Math.min(min, seq);
    const n = this.indexFrom(min);
    for (let i = 0; i < n; i++) this.bytes -= this.entries[i]!.payload.length;
    if (n > 0) this.entries.splice(0, n);
  }

  rewind(cursor: string): void {
    this.readSeq.set(cursor, this.ackSeq.get(cursor) ?? 0);
  }

  /** Empties the buffer: what no cursor has acknowledged yet, for the caller to count as lost. */
  takeAll(): MemoryRecord[] {
    const taken = this.entries;
    this.entries = [];
    this.bytes = 0;
    return taken;
  }

  /** Records a cursor has not acknowledged. */
  pending(cursor: string): { records: number; bytes: number } {
    const from = this.indexFrom(this.ackSeq.get(cursor) ?? 0);
    let bytes = 0;
    for (let i = from; i < this.entries.length; i++) bytes += this.entries[i]!.payload.length;
    return { records: this.entries.length - from, bytes };
  }
}

/** The records of a group commit that did not reach the disk, as payloads again (decrypted when needed). */
export function recordsOfFrames(pending: PendingFrames, key: QueueKey | undefined): MemoryRecord[] {
  const out: MemoryRecord[] = [];
  for (const chunk of pending.buffers) {
    let p = 0;
    while (p < chunk.length) {
      const check = checkFrame(chunk, p, chunk.length);
      if (check.kind !== 'ok') break; // frames we built ourselves: cannot happen
      const f = check.frame;
      const payload =
        key === undefined
          ? new Uint8Array(chunk.subarray(f.payloadStart, f.payloadStart + f.payloadLength))
          : decryptPayload(key, chunk, p, f.payloadLength);
      if (payload !== undefined) out.push({ seq: f.seq, payload, appendedAtMs: f.appendedAtMs });
      p = f.end;
    }
  }
  return out;
}
