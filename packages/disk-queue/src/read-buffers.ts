/**
 * The read buffers of a queue whose cursors read with `recycle`: a batch's buffers come back when
 * it is acknowledged, and the next reads fill them again.
 *
 * Why: a drain reads its whole backlog into new buffers, and V8 frees buffer memory only in a
 * full garbage collection, which it starts every few tens of MB allocated, however small the heap.
 * Draining a few hundred MB that way spent about a third of the sender's CPU in those collections.
 *
 *   take(n) ─► the smallest free buffer of at least n bytes, else a new one (a power of two)
 *   give(batch's buffers) ─► free again, as long as the free ones stay within MAX_FREE_BYTES
 */
const MIN_BUFFER_BYTES = 64 * 1024;
/** Free buffers kept at most; a drain has a few batches out at once, each one read (a few MiB at most). */
const MAX_FREE_BYTES = 16 * 1024 * 1024;

export class ReadBuffers {
  private readonly free: Buffer[] = [];
  private freeBytes = 0;

  /** A buffer of exactly `length` bytes, a view of a pooled or new allocation, also added to `taken`. */
  take(length: number, taken: Buffer[]): Buffer {
    const buffer = this.reuse(length) ?? this.allocate(length);
    taken.push(buffer);
    return buffer;
  }

  private reuse(length: number): Buffer | undefined {
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const size = this.free[i]!.length;
      if (size >= length && (best < 0 || size < this.free[best]!.length)) best = i;
    }
    if (best >= 0) {
      const whole = this.free[best]!;
      this.free.splice(best, 1);
      this.freeBytes -= whole.length;
      return whole.subarray(0, length);
    }
    return undefined;
  }

  private allocate(length: number): Buffer {
    // Sizes vary with the read budget: rounding up lets a buffer serve the next, slightly larger read.
    const size =
      length > MAX_FREE_BYTES / 2 ? length : 2 ** Math.ceil(Math.log2(Math.max(length, MIN_BUFFER_BYTES)));
    return Buffer.allocUnsafe(size).subarray(0, length);
  }

  /** Takes back buffers `take` handed out, once nothing reads them any more. */
  give(buffers: readonly Buffer[]): void {
    for (const view of buffers) {
      const whole = Buffer.from(view.buffer, 0, view.buffer.byteLength);
      if (this.freeBytes + whole.length > MAX_FREE_BYTES) continue;
      this.free.push(whole);
      this.freeBytes += whole.length;
    }
  }
}
