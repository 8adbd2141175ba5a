import zlib from 'node:zlib';

/*
 * How a fragment rests in the disk queue: compressed once, when it is appended.
 *
 *   stored fragment = one gzip member (RFC 1952)
 *   ┌──────────────────────────── header, 20 bytes ─────────────────────────────┬──────────────┬─────────────┐
 *   │ 1f 8b 08 04 │ mtime 0 (4) │ xfl 0 │ os ff │ xlen 8 │ 'L' 'f' │ len 4 │ items│ raw deflate  │ crc32, isize│
 *   └─────────────┴─────────────┴───────┴───────┴────────┴─────────┴───────┴ u32le┴──────────────┴─────────────┘
 *
 * The FEXTRA subfield 'Lf' carries the fragment's item count (log records, spans or data points),
 * so counting a batch needs no decompression; gzip readers skip extra fields they do not know.
 * Gzip members concatenate into one valid gzip body, and OTLP protobuf requests of one type
 * concatenate into one request, so a batch of stored fragments is, as it stands, one gzip-encoded
 * OTLP request: the sender ships it without compressing again when the endpoint takes gzip.
 *
 * Queues written before compression at rest hold plain protobuf fragments. The first byte tells
 * the two apart: a protobuf message cannot start with 0x1f (field 3 with wire type 7, which does
 * not exist), and an OTLP request starts with 0x0a (field 1, length-delimited).
 */

/** Level 1: on access events it stores within 2–10% of the bytes of levels 3–6 for the least CPU. */
export const FRAGMENT_GZIP_LEVEL = 1;

const HEADER_BYTES = 20;
const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

/** True when a stored fragment is a gzip member (written with compression at rest). */
export function isCompressedFragment(record: Uint8Array): boolean {
  return record.length >= 2 && record[0] === 0x1f && record[1] === 0x8b;
}

/** Compresses an encoded fragment into the stored form, with its item count in the header. */
export function compressFragment(fragment: Uint8Array, items: number): Uint8Array {
  if (nativeCrc32 === undefined) {
    // Runtimes before Node 20.15 have no zlib.crc32: a plain member, counted by decompressing.
    return zlib.gzipSync(fragment, { level: FRAGMENT_GZIP_LEVEL });
  }
  const deflated = zlib.deflateRawSync(fragment, { level: FRAGMENT_GZIP_LEVEL });
  const out = Buffer.allocUnsafe(HEADER_BYTES + deflated.length + 8);
  out.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 8, 0, 0x4c, 0x66, 4, 0], 0);
  out.writeUInt32LE(Math.min(items, 0xffffffff) >>> 0, 16);
  out.set(deflated, HEADER_BYTES);
  out.writeUInt32LE(nativeCrc32(fragment) >>> 0, HEADER_BYTES + deflated.length);
  out.writeUInt32LE(fragment.length >>> 0, HEADER_BYTES + deflated.length + 4);
  return out;
}

/** The item count a stored fragment's header carries, or undefined (plain or foreign member). */
export function storedItems(record: Uint8Array): number | undefined {
  if (!isCompressedFragment(record) || record.length < HEADER_BYTES || (record[3]! & 0x04) === 0) {
    return undefined;
  }
  if (record[10] !== 8 || record[11] !== 0 || record[12] !== 0x4c || record[13] !== 0x66) return undefined;
  if (record[14] !== 4 || record[15] !== 0) return undefined;
  return Buffer.from(record.buffer, record.byteOffset, record.byteLength).readUInt32LE(16);
}

/** Bytes of a stored fragment's protobuf: a gzip member's ISIZE trailer (no decompression), else its length. */
export function plainBytes(record: Uint8Array): number {
  if (!isCompressedFragment(record) || record.length < 18) return record.byteLength;
  return Buffer.from(record.buffer, record.byteOffset, record.byteLength).readUInt32LE(record.length - 4);
}

/** The protobuf of a stored fragment (or of a concatenation of them): decompressed when it is gzip. */
export function plainFragment(record: Uint8Array): Uint8Array {
  return isCompressedFragment(record) ? zlib.gunzipSync(record) : record;
}

export interface JoinedBatch {
  /** One OTLP request: gzip members or plain protobuf, concatenated. */
  readonly body: Uint8Array;
  readonly encoding: 'gzip' | 'identity';
  /** Items the request holds. */
  readonly items: number;
}

/**
 * Concatenates a batch of stored fragments into one request without recompressing. A batch that
 * mixes both forms (read across an upgrade) is sent plain: the compressed ones are decompressed.
 */
export function joinFragments(
  records: readonly Uint8Array[],
  countPlain: (fragment: Uint8Array) => number,
): JoinedBatch {
  let compressed = 0;
  for (const r of records) if (isCompressedFragment(r)) compressed++;
  const parts = compressed > 0 && compressed < records.length ? records.map(plainFragment) : records;
  let items = 0;
  for (const r of parts) items += storedItems(r) ?? countPlain(plainFragment(r));
  const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts as Uint8Array[]);
  return { body, encoding: compressed === records.length && compressed > 0 ? 'gzip' : 'identity', items };
}
