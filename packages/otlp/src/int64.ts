/**
 * 64-bit integers without precision loss. The object model carries them as decimal strings; the
 * wire carries them as two 32-bit halves. Values below 2^53 take a plain-number path, larger ones
 * go through BigInt.
 */

const TWO_32 = 4294967296;
const MAX_SAFE_HI = 0x200000; // hi < 2^21 ⇔ value < 2^53

/** Output of {@link splitInt64}: the low and high 32 bits (two's complement for negatives). */
export const split = { lo: 0, hi: 0 };

const DECIMAL = /^-?\d+$/;
const INT64_MIN = -(2n ** 63n);
const INT64_MAX = 2n ** 63n - 1n;
const UINT64_MAX = 2n ** 64n - 1n;

/**
 * Splits a 64-bit integer given as a decimal string, a number or a bigint into `split.lo`/`split.hi`.
 * Returns an error message for a value that is not an integer or is out of range, else undefined.
 */
export function splitInt64(value: unknown, signed: boolean): string | undefined {
  if (typeof value === 'string') {
    if (value.length <= 15 && value.length > 0) {
      const n = Number(value);
      if (Number.isInteger(n) && DECIMAL.test(value)) return splitNumber(n, signed);
    } else if (DECIMAL.test(value)) {
      return splitBigInt(BigInt(value), signed);
    }
    return `expected a decimal integer string, got ${JSON.stringify(value)}`;
  }
  if (typeof value === 'number') {
    if (!Number.isInteger(value)) return `expected an integer, got ${value}`;
    if (Math.abs(value) <= Number.MAX_SAFE_INTEGER) return splitNumber(value, signed);
    return splitBigInt(BigInt(value), signed);
  }
  if (typeof value === 'bigint') return splitBigInt(value, signed);
  return `expected a decimal integer string, got ${typeof value}`;
}

function splitNumber(n: number, signed: boolean): string | undefined {
  if (n >= 0) {
    split.lo = n >>> 0;
    split.hi = Math.floor(n / TWO_32) >>> 0;
    return undefined;
  }
  if (!signed) return `expected an unsigned integer, got ${n}`;
  const abs = -n;
  let lo = abs >>> 0;
  let hi = Math.floor(abs / TWO_32) >>> 0;
  lo = ~lo >>> 0;
  hi = ~hi >>> 0;
  lo = (lo + 1) >>> 0;
  if (lo === 0) hi = (hi + 1) >>> 0;
  split.lo = lo;
  split.hi = hi;
  return undefined;
}

function splitBigInt(b: bigint, signed: boolean): string | undefined {
  if (signed ? b < INT64_MIN || b > INT64_MAX : b < 0n || b > UINT64_MAX) {
    return `${b} is out of the ${signed ? 'int64' : 'uint64'} range`;
  }
  const u = BigInt.asUintN(64, b);
  split.lo = Number(u & 0xffffffffn);
  split.hi = Number(u >> 32n);
  return undefined;
}

/** Decimal string of an unsigned 64-bit value. */
export function joinUnsigned(lo: number, hi: number): string {
  if (hi < MAX_SAFE_HI) return String(hi * TWO_32 + (lo >>> 0));
  return ((BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0)).toString();
}

/** Decimal string of a signed (two's complement) 64-bit value. */
export function joinSigned(lo: number, hi: number): string {
  if ((hi & 0x80000000) === 0) return joinUnsigned(lo, hi);
  let nlo = ~lo >>> 0;
  let nhi = ~hi >>> 0;
  nlo = (nlo + 1) >>> 0;
  if (nlo === 0) nhi = (nhi + 1) >>> 0;
  return `-${joinUnsigned(nlo, nhi)}`;
}
