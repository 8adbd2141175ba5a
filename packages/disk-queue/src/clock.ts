/** Wall-clock time in milliseconds since the epoch; injected so tests can age records. */
export interface Clock {
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };
