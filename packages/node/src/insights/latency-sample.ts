/**
 * The latest `capacity` durations of one route, for percentiles. A ring buffer: memory stays
 * fixed however long the view runs, and the percentiles follow what the route does now.
 * Nearest-rank percentiles over the kept values (the value at rank ⌈p·n⌉), so every figure shown
 * is a duration that was measured.
 */
export interface LatencySample {
  add(ms: number): void;
  percentiles(ps: readonly number[]): number[];
}

export function createLatencySample(capacity: number): LatencySample {
  const values: number[] = [];
  let next = 0;
  return {
    add(ms) {
      if (values.length < capacity) values.push(ms);
      else values[next] = ms;
      next = (next + 1) % capacity;
    },
    percentiles(ps) {
      if (values.length === 0) return ps.map(() => Number.NaN);
      const sorted = [...values].sort((a, b) => a - b);
      return ps.map((p) => sorted[Math.min(sorted.length, Math.max(1, Math.ceil(p * sorted.length))) - 1]!);
    },
  };
}
