import { createRequire } from 'node:module';
import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, the zlib/gzip polynomial), continuable: `crc32(b, crc32(a))` equals the CRC of a‖b.
 *
 * Three implementations of the same function, the fastest one that loads:
 *
 *   @node-rs/crc32   optional dependency, a prebuilt native addon (crc32fast: PCLMULQDQ folding on
 *                    x86-64, the CRC instructions on arm64)
 *   zlib.crc32       Node 20.15/22.2 and later (Node's zlib computes it without the folding
 *                    instructions)
 *   the table below  older runtimes
 *
 * On the bench machine, per call on a view into a larger buffer (as frames are checked): 339 ns
 * against zlib's 436 for a 1 KiB record, 2.2 µs against 5.8 for 16 KiB.
 *
 * Every record is checksummed once when appended and once when read back, and the checksum is the
 * largest part of framing a record (more than copying it): the addon takes a fifth off it for
 * records of 1 KiB and three fifths for 16 KiB. It is optional, as `bufferutil` is for `ws`: where
 * it is not installed (or its platform has no prebuilt binary, or a bundler left it out), the queue
 * uses zlib's, and the bytes on disk are the same.
 */
export type Crc32 = (data: Uint8Array, initial?: number) => number;

/** Which implementation `crc32` is. */
export type Crc32Implementation = '@node-rs/crc32' | 'zlib' | 'table';

const nativeCrc32 = (zlib as { crc32?: (data: Uint8Array, value?: number) => number }).crc32;

let table: Uint32Array | undefined;

function makeTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

/** The portable fallback, exported so tests can check it against the others. */
export const tableCrc32: Crc32 = (data, initial = 0) => {
  const t = (table ??= makeTable());
  let crc = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) crc = (t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  return (crc ^ 0xffffffff) >>> 0;
};

/** zlib's, where the runtime has it. */
export const zlibCrc32: Crc32 | undefined =
  typeof nativeCrc32 === 'function' ? (data, initial = 0) => nativeCrc32(data, initial) >>> 0 : undefined;

/**
 * The addon's, when it loads and agrees with the check value and with a continued CRC; undefined
 * otherwise. The check keeps a broken or foreign build from ever writing a CRC that readers without
 * it would reject.
 */
export function loadAddonCrc32(
  load: (id: string) => unknown = createRequire(import.meta.url),
): Crc32 | undefined {
  let addon: unknown;
  try {
    addon = load('@node-rs/crc32');
  } catch {
    return undefined;
  }
  const fn = (addon as { crc32?: unknown } | null)?.crc32;
  if (typeof fn !== 'function') return undefined;
  const call = fn as (data: Uint8Array, initial?: number) => number;
  const crc: Crc32 = (data, initial = 0) => call(data, initial) >>> 0;
  try {
    const check = new TextEncoder().encode('123456789');
    if (crc(check) !== 0xcbf43926) return undefined;
    if (crc(check.subarray(4), crc(check.subarray(0, 4))) !== 0xcbf43926) return undefined;
  } catch {
    return undefined;
  }
  return crc;
}

/**
 * Below this many bytes zlib's is the faster of the two: the addon's call costs more (421 ns
 * against 247 for 48 bytes, 228 against 198 for 128; 297 against 407 for 512, on the bench machine).
 * Segment headers and ledger slots stay with zlib, frames of records and fragments go to the addon.
 */
export const ADDON_MIN_BYTES = 256;

const addonCrc32 = loadAddonCrc32();

export const crc32Implementation: Crc32Implementation =
  addonCrc32 !== undefined ? '@node-rs/crc32' : zlibCrc32 !== undefined ? 'zlib' : 'table';

const smallCrc32 = zlibCrc32 ?? tableCrc32;

/** The addon's for `ADDON_MIN_BYTES` and more, zlib's below; the CRC is the same either way. */
export const crc32: Crc32 =
  addonCrc32 === undefined
    ? smallCrc32
    : (data, initial = 0) =>
        data.length >= ADDON_MIN_BYTES ? addonCrc32(data, initial) : smallCrc32(data, initial);
