/**
 * Sequence ranges already counted as lost, so that a record skipped by two cursors, or expired
 * and then evicted, is counted once. Kept as sorted, disjoint, half-open [start, end) ranges;
 * ranges wholly before every cursor's acknowledged position are pruned, since nothing looks there.
 */
export class LossRanges {
  private ranges: Array<[number, number]> = [];

  /** Marks [start, end) as lost; returns how many of those sequence numbers were not marked before. */
  add(start: number, end: number): number {
    if (end <= start) return 0;
    let fresh = end - start;
    for (const [s, e] of this.ranges) {
      const overlap = Math.min(e, end) - Math.max(s, start);
      if (overlap > 0) fresh -= overlap;
    }
    this.ranges.push([start, end]);
    this.ranges.sort((a, b) => a[0] - b[0]);
    const merged: Array<[number, number]> = [];
    for (const r of this.ranges) {
      const last = merged[merged.length - 1];
      if (last !== undefined && r[0] <= last[1]) last[1] = Math.max(last[1], r[1]);
      else merged.push([r[0], r[1]]);
    }
    this.ranges = merged;
    return fresh;
  }

  prune(below: number): void {
    this.ranges = this.ranges.filter(([, e]) => e > below);
  }
}
