import { crc32 } from './crc32.js';

/**
 * One record on disk. Little-endian, no padding:
 *
 *   offset  size  field
 *   0       4     magic 0xA5 'L' 'Q' 'R' — the sync marker a reader scans for after corruption
 *   4       4     CRC-32 of bytes [8, 28 + length): the rest of the header and the payload
 *   8       4     length of the stored payload in bytes
 *   12      8     sequence number (u64: low u32, then high u32), +1 per record within a queue
 *   20      8     appended-at time, ms since the epoch (float64)
 *   28      n     payload (plaintext, or nonce‖ciphertext‖tag when the segment is encrypted)
 *
 *   ┌──────┬─────┬────────┬─────┬────────────┬─────────────┐
 *   │magic │ crc │ length │ seq │ appendedAt │ payload ... │   next frame starts right after
 *   └──────┴─────┴────────┴─────┴────────────┴─────────────┘
 *            └──────── covered by crc ─────────────────────┘
 *
 * Invariant: a frame is either entirely valid (magic, length in range, CRC matches) or it is
 * garbage; a reader never hands out bytes of a frame whose CRC failed.
 */
export const FRAME_HEADER_BYTES = 28;
export const FRAME_MAGIC = Uint8Array.of(0xa5, 0x4c, 0x51, 0x52);
export const FRAME_MAGIC_U32 = 0x52514ca5;
/** A length beyond this is treated as corruption rather than read. */
export const MAX_RECORD_BYTES = 64 * 1024 * 1024;

export interface FrameInfo {
  seq: number;
  appendedAtMs: number;
  /** Offset of the payload within the scanned buffer. */
  payloadStart: number;
  payloadLength: number;
  /** Offset just past the frame within the scanned buffer. */
  end: number;
}

export type FrameCheck =
  | { kind: 'ok'; frame: FrameInfo }
  /** The frame may be valid but extends past `limit`: `need` bytes from its start are required. */
  | { kind: 'incomplete'; need: number }
  | { kind: 'bad'; reason: string };

/**
 * Writes magic, length, sequence and time through a DataView (the CRC comes last, once the
 * payload is final): these five stores happen once per record, and DataView stores compile to
 * plain moves where the Buffer methods check their arguments on every call.
 */
export function writeFrameFieldsTo(
  view: DataView,
  at: number,
  payloadLength: number,
  seq: number,
  appendedAtMs: number,
): void {
  view.setUint32(at, FRAME_MAGIC_U32, true);
  view.setUint32(at + 8, payloadLength, true);
  view.setUint32(at + 12, seq % 0x1_0000_0000, true);
  view.setUint32(at + 16, Math.floor(seq / 0x1_0000_0000), true);
  view.setFloat64(at + 20, appendedAtMs, true);
}

export function writeFrameCrc(buf: Buffer, at: number, payloadLength: number): void {
  // A plain Uint8Array view: cheaper to make than a Buffer subarray, once per record.
  const covered = new Uint8Array(buf.buffer, buf.byteOffset + at + 8, FRAME_HEADER_BYTES - 8 + payloadLength);
  buf.writeUInt32LE(crc32(covered), at + 4);
}

/** Checks the frame starting at `pos`, reading no further than `limit`. */
export function checkFrame(buf: Buffer, pos: number, limit: number): FrameCheck {
  if (limit - pos < FRAME_HEADER_BYTES) return { kind: 'incomplete', need: FRAME_HEADER_BYTES };
  if (buf.readUInt32LE(pos) !== FRAME_MAGIC_U32) return { kind: 'bad', reason: 'bad frame magic' };
  const length = buf.readUInt32LE(pos + 8);
  if (length > MAX_RECORD_BYTES) return { kind: 'bad', reason: `implausible record length ${length}` };
  const end = pos + FRAME_HEADER_BYTES + length;
  if (end > limit) return { kind: 'incomplete', need: FRAME_HEADER_BYTES + length };
  if (crc32(buf.subarray(pos + 8, end)) !== buf.readUInt32LE(pos + 4)) {
    return { kind: 'bad', reason: 'crc mismatch' };
  }
  return {
    kind: 'ok',
    frame: {
      seq: buf.readUInt32LE(pos + 12) + buf.readUInt32LE(pos + 16) * 0x1_0000_0000,
      appendedAtMs: buf.readDoubleLE(pos + 20),
      payloadStart: pos + FRAME_HEADER_BYTES,
      payloadLength: length,
      end,
    },
  };
}

/**
 * After a bad frame at `from`, finds the next offset in [from + 1, limit) where a complete valid
 * frame starts. Returns `{ pos }` of that frame, or `{ pos: undefined, partialAt }` where
 * `partialAt` is the first magic whose frame might still complete beyond `limit` (a reader with
 * more bytes to read continues from there).
 */
export function resync(
  buf: Buffer,
  from: number,
  limit: number,
): { pos: number | undefined; partialAt: number | undefined } {
  let at = from + 1;
  while (at < limit) {
    const hit = buf.indexOf(FRAME_MAGIC, at);
    if (hit < 0 || hit >= limit) break;
    const check = checkFrame(buf, hit, limit);
    if (check.kind === 'ok') return { pos: hit, partialAt: undefined };
    if (check.kind === 'incomplete') return { pos: undefined, partialAt: hit };
    at = hit + 1;
  }
  // A magic could straddle `limit`: the last 3 bytes are where a reader must resume.
  return { pos: undefined, partialAt: Math.max(from + 1, limit - (FRAME_MAGIC.length - 1)) };
}
