/**
 * Exponential backoff with full jitter: a uniformly random delay in [0, min(max, initial·2^attempt)).
 * Full jitter spreads the retries of many clients that failed at the same moment.
 */
export function fullJitterBackoff(
  attempt: number,
  options: { initialMs: number; maxMs: number; random: () => number },
): number {
  const ceiling = Math.min(options.maxMs, options.initialMs * 2 ** Math.min(attempt, 30));
  return Math.floor(options.random() * ceiling);
}
