/**
 * Per-second counters over the last `seconds` seconds of event time.
 *
 *   counts[i] holds second (head - seconds + 1 + i)      head = the newest second seen
 *   an event newer than head slides the window forward, zeroing the seconds it passes;
 *   an event older than the window is counted in the totals only, never here.
 *
 * Event time, not arrival time: a backlog delivered after a fail-over lands in the seconds it
 * happened in, so the rate chart shows the traffic, not the delivery.
 */
export interface TimeWindow {
  add(timeMs: number, amount?: number): void;
  /** The counts, oldest first, for the `seconds` seconds ending at `endSecond` (epoch seconds). */
  series(endSecond: number): number[];
}

export function createTimeWindow(seconds: number): TimeWindow {
  const counts = new Array<number>(seconds).fill(0);
  let head = -Infinity;
  const slot = (second: number) => ((second % seconds) + seconds) % seconds;

  const advanceTo = (second: number) => {
    if (second <= head) return;
    if (second - head >= seconds) counts.fill(0);
    else for (let s = head + 1; s <= second; s++) counts[slot(s)] = 0;
    head = second;
  };

  return {
    add(timeMs, amount = 1) {
      const second = Math.floor(timeMs / 1000);
      advanceTo(second);
      if (second <= head - seconds) return;
      counts[slot(second)]! += amount;
    },
    series(endSecond) {
      advanceTo(endSecond);
      const out: number[] = [];
      for (let s = endSecond - seconds + 1; s <= endSecond; s++) {
        out.push(s > head - seconds ? counts[slot(s)]! : 0);
      }
      return out;
    },
  };
}
