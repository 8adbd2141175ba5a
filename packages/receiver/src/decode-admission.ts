/**
 * Bounds what the receiver holds while decoding: at most `maxConcurrent` requests between their
 * head and their answer, and at most `maxBytes` of (decompressed) bodies being decoded at once.
 * A request over either bound is answered 503 with `Retry-After`, which every OTLP exporter
 * retries; memory stays bounded however many large requests arrive together.
 *
 *   head ─► admit() ── no ─► 503 Retry-After
 *             │ yes
 *             ▼
 *   read body ─► reserve(bytes) ── no ─► 503 Retry-After
 *                   │ yes
 *                   ▼
 *   decompress, decode, keep, answer ─► release()
 */
export class DecodeAdmission {
  private requests = 0;
  private bytes = 0;

  constructor(
    private readonly maxConcurrent: number,
    private readonly maxBytes: number,
  ) {}

  /** A request may start reading its body; false when `maxConcurrent` are already in progress. */
  admit(): boolean {
    if (this.requests >= this.maxConcurrent) return false;
    this.requests += 1;
    return true;
  }

  /**
   * Reserves `bytes` of decoding for an admitted request; false when that would pass `maxBytes`
   * (a body larger than the whole budget still goes through when nothing else is decoding).
   */
  reserve(bytes: number): boolean {
    if (this.bytes > 0 && this.bytes + bytes > this.maxBytes) return false;
    this.bytes += bytes;
    return true;
  }

  /** Ends an admitted request, returning what it reserved. */
  release(reserved: number): void {
    this.requests -= 1;
    this.bytes -= reserved;
  }

  get decodingBytes(): number {
    return this.bytes;
  }
}
