import { hexDigit, hexToBytes, isHex } from './hex.js';

/**
 * A growing byte buffer that writes protobuf wire format in one pass.
 *
 * Length-delimited fields are written without a sizing pass: `fork(reserve)` leaves `reserve` bytes
 * for the length varint, the body is written after it, and `join` writes the length, moving the body
 * when its varint needs more or fewer bytes than reserved (rare when the reserve fits the field).
 *
 *   ... │ tag │ len (reserve bytes) │ body ........ │ ← pos
 *             ^start
 *
 * One writer is reused across encodes (`reset`), so steady-state encoding allocates only the
 * returned copy of the bytes.
 */
export class ProtobufWriter {
  /** A Buffer for its native UTF-8 write; never handed out (see `finish`). */
  buf: Buffer;
  pos = 0;
  private readonly f64 = new Float64Array(1);
  private readonly f64Bytes = new Uint8Array(this.f64.buffer);

  constructor(initialSize = 64 * 1024) {
    this.buf = Buffer.allocUnsafeSlow(initialSize);
  }

  reset(): void {
    this.pos = 0;
  }

  /**
   * A copy of the written bytes as a plain Uint8Array. Large results are copied into memory that is
   * not zero-filled first (everything is overwritten by the copy).
   */
  finish(): Uint8Array {
    const length = this.pos;
    if (length < 4096) return new Uint8Array(this.buf.subarray(0, length));
    const out = Buffer.allocUnsafeSlow(length);
    out.set(this.buf.subarray(0, length));
    return new Uint8Array(out.buffer, out.byteOffset, length);
  }

  ensure(n: number): void {
    if (this.pos + n > this.buf.length) this.grow(n);
  }

  private grow(n: number): void {
    let size = this.buf.length * 2;
    while (size < this.pos + n) size *= 2;
    const next = Buffer.allocUnsafeSlow(size);
    this.buf.copy(next, 0, 0, this.pos);
    this.buf = next;
  }

  /** Unsigned 32-bit varint (a tag, a length, uint32, bool, a non-negative enum). */
  varint32(value: number): void {
    this.ensure(5);
    const buf = this.buf;
    let v = value >>> 0;
    let pos = this.pos;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos++] = v;
    this.pos = pos;
  }

  /** int32 and enum: negative values are sign-extended to 10 bytes. */
  int32(value: number): void {
    if (value >= 0) this.varint32(value);
    else this.varint64(value >>> 0, 0xffffffff);
  }

  sint32(value: number): void {
    this.varint32(((value << 1) ^ (value >> 31)) >>> 0);
  }

  varint64(lo: number, hi: number): void {
    this.ensure(10);
    const buf = this.buf;
    let pos = this.pos;
    let l = lo >>> 0;
    let h = hi >>> 0;
    while (h > 0 || l > 0x7f) {
      buf[pos++] = (l & 0x7f) | 0x80;
      l = ((l >>> 7) | (h << 25)) >>> 0;
      h >>>= 7;
    }
    buf[pos++] = l;
    this.pos = pos;
  }

  fixed32(value: number): void {
    this.ensure(4);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = value & 0xff;
    buf[pos + 1] = (value >>> 8) & 0xff;
    buf[pos + 2] = (value >>> 16) & 0xff;
    buf[pos + 3] = (value >>> 24) & 0xff;
    this.pos = pos + 4;
  }

  fixed64(lo: number, hi: number): void {
    this.ensure(8);
    const buf = this.buf;
    const pos = this.pos;
    buf[pos] = lo & 0xff;
    buf[pos + 1] = (lo >>> 8) & 0xff;
    buf[pos + 2] = (lo >>> 16) & 0xff;
    buf[pos + 3] = (lo >>> 24) & 0xff;
    buf[pos + 4] = hi & 0xff;
    buf[pos + 5] = (hi >>> 8) & 0xff;
    buf[pos + 6] = (hi >>> 16) & 0xff;
    buf[pos + 7] = (hi >>> 24) & 0xff;
    this.pos = pos + 8;
  }

  double(value: number): void {
    this.ensure(8);
    this.f64[0] = value;
    this.buf.set(this.f64Bytes, this.pos);
    this.pos += 8;
  }

  /** Length-prefixed bytes. */
  bytes(value: Uint8Array): void {
    this.varint32(value.length);
    this.ensure(value.length);
    this.buf.set(value, this.pos);
    this.pos += value.length;
  }

  /** Raw bytes with no length prefix (a cached, already encoded field). */
  raw(value: Uint8Array): void {
    const length = value.length;
    this.ensure(length);
    if (length <= 32) {
      // A byte loop beats the native copy's call overhead at these sizes (attribute keys).
      const buf = this.buf;
      let pos = this.pos;
      for (let i = 0; i < length; i++) buf[pos++] = value[i]!;
      this.pos = pos;
    } else {
      this.buf.set(value, this.pos);
      this.pos += length;
    }
  }

  /**
   * Length-prefixed bytes of a hex string (trace and span ids). Returns false, writing nothing,
   * when the string is not even-length hex.
   */
  hex(value: string): boolean {
    const n = value.length >>> 1;
    if ((value.length & 1) !== 0) return false;
    if (n > 0x7f) {
      // Not a trace or span id size: the general path.
      if (!isHex(value)) return false;
      this.bytes(hexToBytes(value));
      return true;
    }
    this.ensure(n + 1);
    const buf = this.buf;
    const start = this.pos;
    buf[start] = n;
    let pos = start + 1;
    for (let i = 0; i < value.length; i += 2) {
      const h = hexDigit(value.charCodeAt(i));
      const l = hexDigit(value.charCodeAt(i + 1));
      if ((h | l) < 0) return false;
      buf[pos++] = (h << 4) | l;
    }
    this.pos = pos;
    return true;
  }

  /**
   * Length-prefixed UTF-8 of a string. Short strings take a JS loop (ASCII bytes copied as they
   * are, other code points encoded inline, lone surrogates as U+FFFD like TextEncoder); long ones
   * go to Buffer's native UTF-8 write, straight into the buffer.
   */
  string(value: string): void {
    const len = value.length;
    if (len <= 42) {
      // At most 3 bytes per UTF-16 unit: the length fits one varint byte.
      this.ensure(1 + len * 3);
      const buf = this.buf;
      const start = this.pos;
      let pos = start + 1;
      for (let i = 0; i < len; i++) {
        let c = value.charCodeAt(i);
        if (c < 0x80) {
          buf[pos++] = c;
        } else if (c < 0x800) {
          buf[pos++] = 0xc0 | (c >> 6);
          buf[pos++] = 0x80 | (c & 0x3f);
        } else {
          if (c >= 0xd800 && c <= 0xdfff) {
            const next = i + 1 < len ? value.charCodeAt(i + 1) : 0;
            if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
              c = 0x10000 + ((c - 0xd800) << 10) + (next - 0xdc00);
              i++;
              buf[pos++] = 0xf0 | (c >> 18);
              buf[pos++] = 0x80 | ((c >> 12) & 0x3f);
              buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
              buf[pos++] = 0x80 | (c & 0x3f);
              continue;
            }
            c = 0xfffd;
          }
          buf[pos++] = 0xe0 | (c >> 12);
          buf[pos++] = 0x80 | ((c >> 6) & 0x3f);
          buf[pos++] = 0x80 | (c & 0x3f);
        }
      }
      buf[start] = pos - start - 1;
      this.pos = pos;
      return;
    }
    const max = len * 3;
    const reserve = varintSize(max);
    this.ensure(reserve + max);
    const start = this.pos;
    const written = this.buf.write(value, start + reserve, max, 'utf8');
    this.pos = start + reserve + written;
    this.writeLength(start, reserve, written);
  }

  /** Reserves `reserve` bytes for a length varint; returns the position to pass to `join`. */
  fork(reserve: number): number {
    this.ensure(reserve);
    const start = this.pos;
    this.pos += reserve;
    return start;
  }

  /** Writes the length of everything written since `fork(reserve)` returned `start`. */
  join(start: number, reserve: number): void {
    this.writeLength(start, reserve, this.pos - start - reserve);
  }

  private writeLength(start: number, reserve: number, length: number): void {
    const size = varintSize(length);
    if (size !== reserve) {
      const bodyStart = start + reserve;
      if (size > reserve) this.ensure(size - reserve);
      this.buf.copyWithin(start + size, bodyStart, this.pos);
      this.pos += size - reserve;
    }
    const buf = this.buf;
    let pos = start;
    let v = length;
    while (v > 0x7f) {
      buf[pos++] = (v & 0x7f) | 0x80;
      v >>>= 7;
    }
    buf[pos] = v;
  }
}

export function varintSize(value: number): number {
  if (value < 0x80) return 1;
  if (value < 0x4000) return 2;
  if (value < 0x200000) return 3;
  if (value < 0x10000000) return 4;
  return 5;
}

let shared: ProtobufWriter | undefined;
const SHARED_MAX_RETAINED = 8 * 1024 * 1024;

/**
 * Runs `write` with the module's reusable writer and returns a copy of what it wrote. Encoding is
 * synchronous, so one writer serves every caller; a buffer grown past 8 MiB is not kept.
 */
export function withWriter(write: (writer: ProtobufWriter) => void): Uint8Array {
  const writer = shared ?? new ProtobufWriter();
  shared = undefined; // a nested call (from a getter in user data) gets its own writer
  writer.reset();
  try {
    write(writer);
    return writer.finish();
  } finally {
    if (writer.buf.length <= SHARED_MAX_RETAINED) shared = writer;
  }
}
