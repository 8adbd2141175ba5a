import { decryptPayload, ENCRYPTION_OVERHEAD_BYTES } from './encryption.js';
import { errorCode } from './file-system.js';
import type { Position } from './ledger.js';
import { checkFrame, FRAME_HEADER_BYTES, resync } from './record-frame.js';
import type { FrameInfo } from './record-frame.js';
import type { ReadBuffers } from './read-buffers.js';
import { readAt } from './segment-scan.js';
import type { Segment, SegmentStore } from './segment-store.js';

export interface ReadResult {
  records: Uint8Array[];
  bytes: number;
  oldestAppendedAtMs: number;
  newestAppendedAtMs: number;
  /** Position after the last record handed out (or skipped). */
  end: Position;
  /** The buffers taken from `buffers` (the records are views of them), to give back after use. */
  taken: Buffer[];
}

const MIN_READ_BYTES = 64 * 1024;
const MAX_READ_BYTES = 8 * 1024 * 1024;

/**
 * Reads durable records from `from` on, up to the limits, with one large positional read per
 * chunk. Payloads are views into the chunk (no copy) unless decrypted. Frames whose CRC fails are
 * skipped by resynchronising on the frame magic; gaps in sequence numbers are counted as
 * 'corrupt', records older than maxAge as 'max_age'. Never throws for what it finds on disk.
 * With `buffers`, the chunks are read into buffers taken from it (listed in `taken`).
 */
export async function readRecords(
  store: SegmentStore,
  from: Position,
  maxRecords: number,
  maxBytes: number,
  buffers?: ReadBuffers,
): Promise<ReadResult> {
  const result: ReadResult = {
    records: [],
    bytes: 0,
    oldestAppendedAtMs: Infinity,
    newestAppendedAtMs: 0,
    end: { ...from },
    taken: [],
  };
  const horizon = store.context.clock.now() - store.context.maxAgeMs;
  let cur: Position = { ...from };
  let minRead = 0;
  while (result.records.length < maxRecords && result.bytes < maxBytes) {
    const found = store.locate(cur);
    if (found === undefined) break;
    const segment = found.segment;
    if (found.pos.segment !== cur.segment && found.pos.seq > cur.seq) {
      store.countLoss('corrupt', cur.seq, found.pos.seq, 0);
    }
    cur = found.pos;
    const limit = segment.durableSize;
    // Read together with `limit`: the records before it end before this sequence number.
    const limitSeq = segment.endSeq;
    if (cur.offset >= limit) {
      const next = store.segmentAfter(segment.id);
      if (!segment.sealed || next === undefined) break;
      if (next.firstSeq > cur.seq) store.countLoss('corrupt', cur.seq, next.firstSeq, 0);
      cur = { segment: next.id, offset: next.headerLength, seq: next.firstSeq };
      continue;
    }
    // Read about what the limits will take: the byte budget, or the record budget at the average
    // frame size seen so far, whichever is smaller (a small batch must not read 4 MiB).
    const byteBudget = Math.max(maxBytes - result.bytes, 0) + FRAME_HEADER_BYTES;
    // Whole bytes: the running average is fractional, and a read length must be an integer.
    const recordBudget = Math.ceil((maxRecords - result.records.length) * store.averageFrameBytes * 1.25);
    const budget = Math.min(byteBudget, recordBudget);
    const want = Math.min(
      limit - cur.offset,
      Math.max(minRead, Math.min(MAX_READ_BYTES, Math.max(MIN_READ_BYTES, budget))),
    );
    minRead = 0;
    const buf = buffers?.take(want, result.taken) ?? Buffer.allocUnsafe(want);
    let n: number;
    try {
      n = await store.withReadFile(segment, (file) => readAt(file, buf, want, cur.offset));
    } catch (error) {
      store.context.onError(error);
      const code = errorCode(error);
      if (code === 'ENOENT' || code === 'EIO') {
        // The file is gone or unreadable: what is left of it is lost; move on.
        cur = { ...cur, offset: limit };
        continue;
      }
      break;
    }
    // A short read means the file is shorter than the store believed (truncated underneath us):
    // whatever is missing is lost, and the sequence gap will count it.
    const shortRead = n < want;
    if (n === 0) {
      cur = { ...cur, offset: limit };
      continue;
    }
    const base = cur.offset;
    const atLimit = shortRead || base + n >= limit;
    let p = 0;
    let stop = false;
    let frames = 0;
    let frameBytes = 0;
    while (p < n) {
      const check = checkFrame(buf, p, n);
      if (check.kind === 'ok') {
        const f = check.frame;
        frames++;
        frameBytes += f.end - p;
        const next = takeFrame({ store, segment, buf, base, result, horizon, maxBytes }, p, f, cur);
        if (next === undefined) {
          stop = true;
          break;
        }
        cur = next;
        p = f.end;
        if (result.records.length >= maxRecords || result.bytes >= maxBytes) {
          stop = true;
          break;
        }
        continue;
      }
      if (check.kind === 'incomplete' && !shortRead && base + p + check.need <= limit) {
        if (p === 0) minRead = check.need;
        break;
      }
      const next = resync(buf, p, n);
      if (next.pos !== undefined) {
        p = next.pos;
        cur = { ...cur, offset: base + p };
        continue;
      }
      if (atLimit) {
        // Garbage (or nothing) to the end of what is durable: the records in it are lost, counted
        // now from the segment's end sequence rather than when a later record shows the gap.
        if (limitSeq > cur.seq) store.countLoss('corrupt', cur.seq, limitSeq, Math.max(0, limit - base - p));
        cur = { ...cur, offset: limit, seq: Math.max(cur.seq, limitSeq) };
        p = n;
        break;
      }
      cur = { ...cur, offset: base + (next.partialAt ?? n) };
      break;
    }
    if (frames > 0) store.averageFrameBytes = (store.averageFrameBytes + frameBytes / frames) / 2;
    if (stop) break;
  }
  result.end = cur;
  return result;
}

/** One chunk being read: where it came from, and what the read collects. */
interface ChunkRead {
  store: SegmentStore;
  segment: Segment;
  buf: Buffer;
  /** File offset of `buf[0]`. */
  base: number;
  result: ReadResult;
  /** Records appended before this are expired (maxAge). */
  horizon: number;
  maxBytes: number;
}

/**
 * Takes the valid frame at `p` into the result, or counts it as lost (expired, undecryptable, or
 * after a gap). Returns the position after it, or undefined when the byte budget ends the read
 * before it.
 */
function takeFrame(read: ChunkRead, p: number, f: FrameInfo, cur: Position): Position | undefined {
  const { store, segment, buf, base, result } = read;
  if (f.seq < cur.seq) {
    // An older sequence number than expected: a stale copy, never delivered twice.
    return { ...cur, offset: base + f.end };
  }
  const expired = f.appendedAtMs < read.horizon;
  if (
    !expired &&
    result.records.length > 0 &&
    result.bytes + payloadBytes(segment, f.payloadLength) > read.maxBytes
  ) {
    return undefined;
  }
  if (f.seq > cur.seq) store.countLoss('corrupt', cur.seq, f.seq, 0);
  if (expired) {
    store.countLoss('max_age', f.seq, f.seq + 1, f.payloadLength);
  } else {
    const payload = openPayload(segment, buf, p, f.payloadStart, f.payloadLength);
    if (payload === undefined) {
      store.countLoss('corrupt', f.seq, f.seq + 1, f.payloadLength);
    } else {
      result.records.push(payload);
      result.bytes += payload.length;
      if (f.appendedAtMs < result.oldestAppendedAtMs) result.oldestAppendedAtMs = f.appendedAtMs;
      if (f.appendedAtMs > result.newestAppendedAtMs) result.newestAppendedAtMs = f.appendedAtMs;
    }
  }
  return { segment: segment.id, offset: base + f.end, seq: f.seq + 1 };
}

function payloadBytes(segment: Segment, storedLength: number): number {
  return segment.key === undefined ? storedLength : Math.max(0, storedLength - ENCRYPTION_OVERHEAD_BYTES);
}

function openPayload(
  segment: Segment,
  buf: Buffer,
  frameAt: number,
  start: number,
  length: number,
): Uint8Array | undefined {
  if (segment.key === undefined) return buf.subarray(start, start + length);
  return decryptPayload(segment.key, buf, frameAt, length);
}
