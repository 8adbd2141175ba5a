import type { OpenFile } from './file-system.js';
import { checkFrame, FRAME_HEADER_BYTES, FRAME_MAGIC_U32, resync, type FrameInfo } from './record-frame.js';

export const SCAN_CHUNK_BYTES = 8 * 1024 * 1024;

export interface CorruptRegion {
  /** Byte offset in the segment file where unreadable bytes start. */
  offset: number;
  length: number;
  reason: string;
}

export interface ScanResult {
  frames: number;
  lastSeq: number | undefined;
  lastAppendedAtMs: number | undefined;
  /** Offset just past the last valid frame (the start offset when there is none). */
  validEnd: number;
  /** Unreadable regions followed by a valid frame. */
  corrupt: CorruptRegion[];
  /** Unreadable bytes from `validEnd` to the end: a torn write, or corruption at the tail. */
  trailing: (CorruptRegion & { looksLikeFrame: boolean }) | undefined;
}

/** Reads `length` bytes at `position` (fewer only at end of file). */
export async function readAt(
  file: OpenFile,
  buffer: Buffer,
  length: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < length) {
    const n = await file.read(buffer, done, length - done, position + done);
    if (n <= 0) break;
    done += n;
  }
  return done;
}

/**
 * Walks every frame of a segment file region [start, end) with large reads, resynchronising on the
 * frame magic after corruption. `onFrame` sees each valid frame (its bytes live in `buf` only
 * during the call).
 */
export async function scanSegment(
  file: OpenFile,
  start: number,
  end: number,
  onFrame?: (buf: Buffer, frame: FrameInfo, fileOffset: number) => void,
): Promise<ScanResult> {
  const result: ScanResult = {
    frames: 0,
    lastSeq: undefined,
    lastAppendedAtMs: undefined,
    validEnd: start,
    corrupt: [],
    trailing: undefined,
  };
  let pos = start;
  let minRead = 0;
  let badStart: number | undefined;
  let badReason = '';
  while (pos < end) {
    const want = Math.min(end - pos, Math.max(SCAN_CHUNK_BYTES, minRead));
    const buf = Buffer.allocUnsafe(want);
    const n = await readAt(file, buf, want, pos);
    if (n === 0) break;
    minRead = 0;
    const atEnd = pos + n >= end;
    let p = 0;
    let advanceTo: number | undefined;
    while (p < n) {
      const check = checkFrame(buf, p, n);
      if (check.kind === 'ok') {
        if (badStart !== undefined) {
          result.corrupt.push({ offset: badStart, length: pos + p - badStart, reason: badReason });
          badStart = undefined;
        }
        const f = check.frame;
        onFrame?.(buf, f, pos + p);
        result.frames++;
        result.lastSeq = f.seq;
        result.lastAppendedAtMs = f.appendedAtMs;
        result.validEnd = pos + f.end;
        p = f.end;
        continue;
      }
      if (check.kind === 'incomplete' && pos + p + check.need <= end) {
        // The frame continues past this chunk: read again from its start.
        if (p === 0) minRead = check.need;
        advanceTo = pos + p;
        break;
      }
      const reason =
        check.kind === 'bad'
          ? check.reason
          : atEnd
            ? 'torn frame at end of segment'
            : 'frame length past end of segment';
      if (badStart === undefined) {
        badStart = pos + p;
        badReason = reason;
      }
      const next = resync(buf, p, n);
      if (next.pos !== undefined) {
        p = next.pos;
        continue;
      }
      if (atEnd) {
        p = n;
        break;
      }
      advanceTo = pos + (next.partialAt ?? n);
      break;
    }
    pos = advanceTo ?? pos + p;
  }
  if (result.validEnd < end) {
    result.trailing = {
      offset: result.validEnd,
      length: end - result.validEnd,
      reason: badStart !== undefined ? badReason : 'torn frame at end of segment',
      looksLikeFrame: await looksLikeFrame(file, result.validEnd, end),
    };
  }
  return result;
}

/** Whether a complete frame header (magic first) starts at `offset`: a record was being written there. */
async function looksLikeFrame(file: OpenFile, offset: number, end: number): Promise<boolean> {
  if (end - offset < FRAME_HEADER_BYTES) return false;
  const head = Buffer.alloc(4);
  const n = await readAt(file, head, 4, offset);
  return n === 4 && head.readUInt32LE(0) === FRAME_MAGIC_U32;
}
