import { crc32 } from './crc32.js';

/**
 * The header at the start of every segment file. Little-endian:
 *
 *   offset  size  field
 *   0       8     magic "LLQSEG\r\n" (the CR LF catches text-mode mangling)
 *   8       2     format version (1)
 *   10      2     flags: bit 0 = payloads are encrypted
 *   12      4     header length in bytes (64 + key id length)
 *   16      8     segment id (u64), equal to the number in the file name
 *   24      8     sequence number of the first record written to this segment (u64)
 *   32      8     created-at time, ms since the epoch (float64)
 *   40      8     key check: first 8 bytes of HMAC-SHA256(key, "lifeline-disk-queue key check"), or 0
 *   48      1     key id length n (0..255)
 *   49      11    reserved, zero
 *   60      4     CRC-32 of bytes [0, 60) and of the key id
 *   64      n     key id, UTF-8
 *
 * A segment's records are frames (record-frame.ts) from `headerLength` to the end of the file.
 * Segments are append-only; they are never rewritten, only truncated (a torn tail on recovery)
 * or deleted whole.
 */
export const SEGMENT_MAGIC = Uint8Array.from(Buffer.from('LLQSEG\r\n', 'latin1'));
export const SEGMENT_FORMAT_VERSION = 1;
export const SEGMENT_HEADER_FIXED_BYTES = 64;
export const SEGMENT_FLAG_ENCRYPTED = 1;
export const SEGMENT_FILE_SUFFIX = '.seg';
/** Segment files are named by id: 16 decimal digits, so name order is id order. */
export const SEGMENT_FILE_PATTERN = /^(\d{16})\.seg$/;

export interface SegmentHeader {
  id: number;
  firstSeq: number;
  createdAtMs: number;
  encrypted: boolean;
  keyId: string | undefined;
  keyCheck: Uint8Array | undefined;
  headerLength: number;
}

export function segmentFileName(id: number): string {
  return `${String(id).padStart(16, '0')}${SEGMENT_FILE_SUFFIX}`;
}

export function encodeSegmentHeader(h: Omit<SegmentHeader, 'headerLength'>): Buffer {
  const keyId = h.keyId === undefined ? Buffer.alloc(0) : Buffer.from(h.keyId, 'utf8');
  if (keyId.length > 255) throw new RangeError('key id longer than 255 bytes');
  const buf = Buffer.alloc(SEGMENT_HEADER_FIXED_BYTES + keyId.length);
  buf.set(SEGMENT_MAGIC, 0);
  buf.writeUInt16LE(SEGMENT_FORMAT_VERSION, 8);
  buf.writeUInt16LE(h.encrypted ? SEGMENT_FLAG_ENCRYPTED : 0, 10);
  buf.writeUInt32LE(buf.length, 12);
  writeU64(buf, 16, h.id);
  writeU64(buf, 24, h.firstSeq);
  buf.writeDoubleLE(h.createdAtMs, 32);
  if (h.keyCheck !== undefined) buf.set(h.keyCheck.subarray(0, 8), 40);
  buf.writeUInt8(keyId.length, 48);
  keyId.copy(buf, 64);
  buf.writeUInt32LE(crc32(keyId, crc32(buf.subarray(0, 60))), 60);
  return buf;
}

export type HeaderDecode =
  { ok: true; header: SegmentHeader } | { ok: false; reason: string; incomplete: boolean };

/** Decodes a header from the first bytes of a segment file (at least 64 + 255 bytes when available). */
export function decodeSegmentHeader(buf: Buffer): HeaderDecode {
  if (buf.length < SEGMENT_HEADER_FIXED_BYTES) {
    return {
      ok: false,
      reason: `header truncated at ${buf.length} of ${SEGMENT_HEADER_FIXED_BYTES} bytes`,
      incomplete: true,
    };
  }
  if (!buf.subarray(0, 8).equals(SEGMENT_MAGIC))
    return { ok: false, reason: 'bad segment magic', incomplete: false };
  const version = buf.readUInt16LE(8);
  if (version !== SEGMENT_FORMAT_VERSION) {
    return { ok: false, reason: `unsupported segment format version ${version}`, incomplete: false };
  }
  const keyIdLength = buf.readUInt8(48);
  const headerLength = buf.readUInt32LE(12);
  if (headerLength !== SEGMENT_HEADER_FIXED_BYTES + keyIdLength) {
    return { ok: false, reason: `bad header length ${headerLength}`, incomplete: false };
  }
  if (buf.length < headerLength) {
    return {
      ok: false,
      reason: `header truncated at ${buf.length} of ${headerLength} bytes`,
      incomplete: true,
    };
  }
  const keyIdBytes = buf.subarray(64, headerLength);
  if (crc32(keyIdBytes, crc32(buf.subarray(0, 60))) !== buf.readUInt32LE(60)) {
    return { ok: false, reason: 'segment header crc mismatch', incomplete: false };
  }
  const encrypted = (buf.readUInt16LE(10) & SEGMENT_FLAG_ENCRYPTED) !== 0;
  return {
    ok: true,
    header: {
      id: readU64(buf, 16),
      firstSeq: readU64(buf, 24),
      createdAtMs: buf.readDoubleLE(32),
      encrypted,
      keyId: keyIdLength > 0 ? keyIdBytes.toString('utf8') : undefined,
      keyCheck: encrypted ? new Uint8Array(buf.subarray(40, 48)) : undefined,
      headerLength,
    },
  };
}

function writeU64(buf: Buffer, at: number, value: number): void {
  buf.writeUInt32LE(value % 0x1_0000_0000, at);
  buf.writeUInt32LE(Math.floor(value / 0x1_0000_0000), at + 4);
}

function readU64(buf: Buffer, at: number): number {
  return buf.readUInt32LE(at) + buf.readUInt32LE(at + 4) * 0x1_0000_0000;
}
