/**
 * The items (log records, spans, data points) each record this process appended holds, by
 * sequence number, so that a loss found later — a corrupt frame, a segment evicted by `maxBytes`
 * or expired by `maxAge`, a failed write — is counted in items, though its bytes are unreadable
 * or never read.
 *
 *   counts: [ 12 ][ 3 ][ 40 ] ... [ 7 ]      counts[head + (seq - base)]
 *             ▲ base: oldest sequence number kept; below it (pruned, or a previous run's): unknown
 *
 * Sequence numbers are handed out in order, one per record, so the index is a plain array; it
 * is pruned below the slowest cursor's acknowledged position. An unknown record counts as 1.
 */
export class ItemIndex {
  private counts: number[] = [];
  private head = 0;
  private base = 0;

  /** Notes the items of the record numbered `seq` (the next after the last one noted, or later). */
  set(seq: number, items: number | undefined): void {
    if (this.counts.length === this.head) {
      this.counts = [];
      this.head = 0;
      this.base = seq;
    }
    // Numbers skipped (never the case for one writer, but cheap to keep exact): no items.
    while (this.base + this.counts.length - this.head < seq) this.counts.push(0);
    if (this.base + this.counts.length - this.head === seq) this.counts.push(items ?? 1);
  }

  /** Items in the records numbered [start, end). */
  sum(start: number, end: number): number {
    let total = 0;
    const known = this.base + this.counts.length - this.head;
    for (let seq = start; seq < end; seq++) {
      total += seq >= this.base && seq < known ? this.counts[this.head + seq - this.base]! : 1;
    }
    return total;
  }

  /** Forgets the records numbered below `seq` (every cursor is past them). */
  prune(seq: number): void {
    const n = Math.min(this.counts.length - this.head, seq - this.base);
    if (n <= 0) return;
    this.head += n;
    this.base += n;
    if (this.head > 1024 && this.head * 2 > this.counts.length) {
      this.counts = this.counts.slice(this.head);
      this.head = 0;
    }
  }
}
