import * as zlib from 'node:zlib';

/**
 * CRC-32 (IEEE 802.3, the zlib/gzip polynomial), continuable: `crc32(b, crc32(a))` equals the CRC of a‖b.
 * Native `zlib.crc32` exists from Node 20.15/22.2; older runtimes get the table version below.
 */
export type Crc32 = (data: Uint8Array, initial?: number) => number;

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

/** The portable fallback, exported so tests can check it against the native one. */
export const tableCrc32: Crc32 = (data, initial = 0) => {
  const t = (table ??= makeTable());
  let crc = (initial ^ 0xffffffff) >>> 0;
  for (let i = 0; i < data.length; i++) crc = (t[(crc ^ data[i]!) & 0xff]! ^ (crc >>> 8)) >>> 0;
  return (crc ^ 0xffffffff) >>> 0;
};

export const crc32: Crc32 =
  typeof nativeCrc32 === 'function' ? (data, initial = 0) => nativeCrc32(data, initial) >>> 0 : tableCrc32;
