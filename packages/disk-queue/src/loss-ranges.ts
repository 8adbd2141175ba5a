/**
 * Sequence ranges already counted as lost, so that a record skipped by two cursors, or expired
 * and then evicted, is counted once. Kept as sorted, disjoint, half-open [start, end) ranges;
 * ranges wholly before every cursor's acknowledged position are pruned, since nothing looks there.
 */
export class LossRanges {
  private ranges: Array<[number, number]> = [];

  /** Marks [start, end) as lost; returns the parts of it that were not marked before. */
  add(start: number, end: number): Array<[number, number]> {
    if (end <= start) return [];
    const fresh: Array<[number, number]> = [];
    let from = start;
    for (const [s, e] of this.ranges) {
      if (e <= from || s >= end) continue;
      if (s > from) fresh.push([from, s]);
      from = Math.max(from, e);
    }
    if (from < end) fresh.push([from, end]);
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

  /** How many of the sequence numbers [start, end) are marked. */
  count(start: number, end: number): number {
    let n = 0;
    for (const [s, e] of this.ranges) n += Math.max(0, Math.min(e, end) - Math.max(s, start));
    return n;
  }

  prune(below: number): void {
    this.ranges = this.ranges.filter(([, e]) => e > below);
  }
}
