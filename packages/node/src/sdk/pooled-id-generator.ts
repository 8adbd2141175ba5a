import type { IdGenerator } from '@opentelemetry/sdk-trace';

/** 40 trace and span id pairs: 960 bytes of random data, 1,920 hex digits. */
const POOL_BYTES = 960;
const INVALID_TRACE_ID = '0'.repeat(32);
const INVALID_SPAN_ID = '0'.repeat(16);

/** The pool's bytes as 32-bit words from `Math.random()`, as the SDK's generator makes them. */
function fillFromMathRandom(bytes: Buffer): void {
  const words = new Uint32Array(bytes.buffer, bytes.byteOffset, bytes.length >>> 2);
  for (let i = 0; i < words.length; i++) words[i] = (Math.random() * 2 ** 32) >>> 0;
}

/**
 * Random trace and span ids, cut from one hex string of random bytes made for many ids at once.
 *
 * The SDK's own generator writes `Math.random()` words into a buffer and calls
 * `buffer.toString('hex')` for every id; that native call is most of its cost. Here the same
 * `Math.random()` words fill the pool and one hex conversion serves 40 pairs (Node 24, loops of
 * 200,000 pairs beside other allocations: 110–200 ns per trace and span id pair, against 535–640 ns).
 * Not `crypto.randomFillSync`: in a server under CPU profiles its calls cost far more than in a
 * loop of their own, and the SDK's ids are no more random than `Math.random()` either. Ids are
 * never all zeros (invalid in W3C trace context): such an id is skipped.
 *
 * An id is a slice of the pool's string, so V8 keeps the pool's 1,920 characters while any id cut
 * from it is alive: an app that keeps ids long after their spans ended holds up to about 2 KiB per
 * kept id instead of 50 bytes.
 */
export class PooledIdGenerator implements IdGenerator {
  readonly #bytes = Buffer.allocUnsafeSlow(POOL_BYTES);
  readonly #fill: (bytes: Buffer) => void;
  #hex = '';
  #at = 0;

  /** `fill`: writes random bytes into the buffer it is given (tests pass their own). */
  constructor(fill: (bytes: Buffer) => void = fillFromMathRandom) {
    this.#fill = fill;
  }

  generateTraceId(): string {
    return this.#take(32, INVALID_TRACE_ID);
  }

  generateSpanId(): string {
    return this.#take(16, INVALID_SPAN_ID);
  }

  #take(digits: number, invalid: string): string {
    for (;;) {
      if (this.#at + digits > this.#hex.length) {
        this.#fill(this.#bytes);
        this.#hex = this.#bytes.toString('hex');
        this.#at = 0;
      }
      const id = this.#hex.slice(this.#at, this.#at + digits);
      this.#at += digits;
      if (id !== invalid) return id;
    }
  }
}
