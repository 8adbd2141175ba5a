import zlib from 'node:zlib';
import { zstdCompress, zstdDecompress } from '@otel-lifeline/otlp';
import { crc32, crc32Implementation } from '@otel-lifeline/disk-queue';

/*
 * How a fragment rests in the disk queue: compressed once, when it is appended, as gzip (the
 * default) or as zstd (when the primary endpoint is configured with `compression: 'zstd'`, or
 * with 'auto' once it has taken a zstd request).
 *
 *   stored fragment = one gzip member (RFC 1952)
 *   ┌──────────────────────────── header, 20 bytes ─────────────────────────────┬──────────────┬─────────────┐
 *   │ 1f 8b 08 04 │ mtime 0 (4) │ xfl 0 │ os ff │ xlen 8 │ 'L' 'f' │ len 4 │ items│ raw deflate  │ crc32, isize│
 *   └─────────────┴─────────────┴───────┴───────┴────────┴─────────┴───────┴ u32le┴──────────────┴─────────────┘
 *
 *   or a zstd skippable frame and one zstd frame (RFC 8878)
 *   ┌──────────────────────────── skippable frame, 20 bytes ──────────────────────┬──────────────────┐
 *   │ 5c 2a 4d 18 (magic) │ size 12 (u32le) │ 'L' 'f' 0 0 │ items u32le │ isize u32le │ zstd frame       │
 *   └─────────────────────┴─────────────────┴─────────────┴─────────────┴─────────────┴──────────────────┘
 *
 * The FEXTRA subfield 'Lf' (the skippable frame's payload for zstd) carries the fragment's item
 * count (log records, spans or data points), so counting a batch needs no decompression; gzip
 * readers skip extra fields they do not know, zstd readers skip skippable frames. Gzip members
 * concatenate into one valid gzip body, zstd frames into one valid zstd body, and OTLP protobuf
 * requests of one type concatenate into one request, so a batch of stored fragments is, as it
 * stands, one compressed OTLP request: the sender ships it without compressing again when the
 * endpoint takes that encoding (the Collector reads multi-frame zstd bodies; Node's own zstd
 * decompression stops after the first frame, so Lifeline reads them with otlp's zstdDecompress).
 *
 * Queues written before compression at rest hold plain protobuf fragments. The first byte tells
 * the forms apart: a protobuf message cannot start with 0x1f (field 3 with wire type 7, which does
 * not exist) nor with 0x5c (field 11 with wire type 4, an end-group with no group), and an OTLP
 * request starts with 0x0a (field 1, length-delimited).
 */

/** How stored fragments are compressed. */
export type StoredForm = 'gzip' | 'zstd';

/** Level 1: on access events it stores within 2–10% of the bytes of levels 3–6 for the least CPU. */
export const FRAGMENT_GZIP_LEVEL = 1;

const HEADER_BYTES = 20;
/** The queue's CRC-32 (the addon's or zlib's); the table fallback is too slow for whole fragments. */
const memberCrc32 = crc32Implementation === 'table' ? undefined : crc32;
/** The zstd form's skippable frame: magic 0x184D2A5C, 12 bytes of payload, 'Lf' and two zeros. */
const ZSTD_HEADER = [0x5c, 0x2a, 0x4d, 0x18, 12, 0, 0, 0, 0x4c, 0x66, 0, 0];
/** The skippable frame whole: magic and size (8), payload ('Lf' 0 0, items, protobuf size: 12). */
const ZSTD_HEADER_BYTES = 20;

/** How a stored fragment (or a concatenation of them) is compressed; undefined when it is plain. */
export function storedForm(record: Uint8Array): StoredForm | undefined {
  if (record.length < 4) return undefined;
  if (record[0] === 0x1f && record[1] === 0x8b) return 'gzip';
  // Any zstd frame or skippable frame: magic 0xFD2FB528, or 0x184D2A50–0x184D2A5F (little-endian).
  if (record[1] === 0xb5 && record[2] === 0x2f && record[3] === 0xfd && record[0] === 0x28) return 'zstd';
  if ((record[0]! & 0xf0) === 0x50 && record[1] === 0x2a && record[2] === 0x4d && record[3] === 0x18)
    return 'zstd';
  return undefined;
}

/** True when a stored fragment is compressed (gzip or zstd, written with compression at rest). */
export function isCompressedFragment(record: Uint8Array): boolean {
  return storedForm(record) !== undefined;
}

/** Compresses an encoded fragment into the stored form, with its item count in the header. */
export function compressFragment(fragment: Uint8Array, items: number, form: StoredForm = 'gzip'): Uint8Array {
  if (form === 'zstd') {
    const frame = zstdCompress(fragment);
    const out = Buffer.allocUnsafe(ZSTD_HEADER_BYTES + frame.length);
    out.set(ZSTD_HEADER, 0);
    out.writeUInt32LE(Math.min(items, 0xffffffff) >>> 0, 12);
    out.writeUInt32LE(fragment.length >>> 0, 16);
    out.set(frame, ZSTD_HEADER_BYTES);
    return out;
  }
  if (memberCrc32 === undefined) {
    // No fast CRC-32 (Node before 20.15 without the addon): a plain member, counted by decompressing.
    return zlib.gzipSync(fragment, { level: FRAGMENT_GZIP_LEVEL });
  }
  const deflated = zlib.deflateRawSync(fragment, { level: FRAGMENT_GZIP_LEVEL });
  const out = Buffer.allocUnsafe(HEADER_BYTES + deflated.length + 8);
  out.set([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 8, 0, 0x4c, 0x66, 4, 0], 0);
  out.writeUInt32LE(Math.min(items, 0xffffffff) >>> 0, 16);
  out.set(deflated, HEADER_BYTES);
  out.writeUInt32LE(memberCrc32(fragment), HEADER_BYTES + deflated.length);
  out.writeUInt32LE(fragment.length >>> 0, HEADER_BYTES + deflated.length + 4);
  return out;
}

/** True when a record starts with the zstd form's skippable frame (its counts follow). */
function hasZstdHeader(record: Uint8Array): boolean {
  if (record.length < ZSTD_HEADER_BYTES) return false;
  for (let i = 0; i < ZSTD_HEADER.length; i++) if (record[i] !== ZSTD_HEADER[i]) return false;
  return true;
}

/** The item count a stored fragment's header carries, or undefined (plain or foreign member). */
export function storedItems(record: Uint8Array): number | undefined {
  if (hasZstdHeader(record)) return u32(record, 12);
  if (storedForm(record) !== 'gzip' || record.length < HEADER_BYTES || (record[3]! & 0x04) === 0) {
    return undefined;
  }
  if (record[10] !== 8 || record[11] !== 0 || record[12] !== 0x4c || record[13] !== 0x66) return undefined;
  if (record[14] !== 4 || record[15] !== 0) return undefined;
  return u32(record, 16);
}

/** The little-endian uint32 at `at`, read from the bytes (no Buffer view allocated per call). */
function u32(record: Uint8Array, at: number): number {
  return (record[at]! | (record[at + 1]! << 8) | (record[at + 2]! << 16) | (record[at + 3]! << 24)) >>> 0;
}

/**
 * Bytes of a stored fragment's protobuf, with no decompression: a gzip member's ISIZE trailer, the
 * zstd form's header, else its length.
 */
export function plainBytes(record: Uint8Array): number {
  if (hasZstdHeader(record)) return u32(record, 16);
  if (storedForm(record) !== 'gzip' || record.length < 18) return record.byteLength;
  return u32(record, record.length - 4);
}

/** The protobuf of a stored fragment (or of a concatenation of them): decompressed when it is compressed. */
export function plainFragment(record: Uint8Array): Uint8Array {
  const form = storedForm(record);
  if (form === 'gzip') return zlib.gunzipSync(record);
  return form === 'zstd' ? zstdDecompress(record) : record;
}

export interface JoinedBatch {
  /** One OTLP request: gzip members, zstd frames or plain protobuf, concatenated. */
  readonly body: Uint8Array;
  readonly encoding: StoredForm | 'identity';
  /** Items the request holds. */
  readonly items: number;
}

/** A batch of stored fragments as the parts of one request, in order. */
export interface FragmentParts extends Omit<JoinedBatch, 'body'> {
  /** Gzip members, zstd frames or plain protobuf: their concatenation is the request body. */
  readonly parts: readonly Uint8Array[];
}

/**
 * The parts of one request from a batch of stored fragments, without recompressing: the fragments
 * themselves. A batch that mixes forms (read across an upgrade or a change of compression) is
 * sent plain: the compressed ones are decompressed.
 */
export function fragmentParts(
  records: readonly Uint8Array[],
  countPlain: (fragment: Uint8Array) => number,
): FragmentParts {
  const form = records.length > 0 ? storedForm(records[0]!) : undefined;
  let same = true;
  for (let i = 1; i < records.length && same; i++) same = storedForm(records[i]!) === form;
  const parts = same ? records : records.map(plainFragment);
  let items = 0;
  for (const r of parts) items += storedItems(r) ?? countPlain(plainFragment(r));
  return { parts, encoding: same && form !== undefined ? form : 'identity', items };
}

/** Concatenates a batch of stored fragments into one request body (fragmentParts, joined). */
export function joinFragments(
  records: readonly Uint8Array[],
  countPlain: (fragment: Uint8Array) => number,
): JoinedBatch {
  const { parts, encoding, items } = fragmentParts(records, countPlain);
  const body = parts.length === 1 ? parts[0]! : Buffer.concat(parts as Uint8Array[]);
  return { body, encoding, items };
}
