/**
 * One deadline for the whole exit path. The first SIGTERM/SIGINT or shutdown() call starts it;
 * every flush and shutdown after that ends by it, whoever calls them and in whatever order:
 *
 *   signal or shutdown() at t ──► work ends by t + shutdown_timeout − EXIT_MARGIN_MS
 *                                 (stop sending, close the queues and sockets)
 *                             ──► the process is gone by t + shutdown_timeout
 *
 * EXIT_MARGIN_MS is left for what follows our work: re-raising the signal (or the app's own exit)
 * and the process tearing down. `pnpm bench:shutdown` measures the time from SIGTERM to exit.
 */
export const EXIT_MARGIN_MS = 150;

export interface ExitDeadline {
  /** Starts the exit deadline (no-op when already started). */
  begin(): void;
  /** Time left for a shutdown: to the exit deadline once started, else the whole timeout. */
  remainingMs(): number;
  /**
   * Time left for a flush: the same less the share a shutdown keeps for closing the queues (a
   * quarter, up to 500 ms), so that a shutdown called after a flush still closes them in time.
   */
  flushRemainingMs(): number;
}

export function createExitDeadline(timeoutMs: number, now: () => number = Date.now): ExitDeadline {
  const budget = Math.max(0, timeoutMs - EXIT_MARGIN_MS);
  const closeReserve = Math.min(500, budget / 4);
  let at: number | undefined;
  const remainingMs = () => (at === undefined ? budget : Math.max(0, at - now()));
  return {
    begin() {
      at ??= now() + budget;
    },
    remainingMs,
    flushRemainingMs() {
      return Math.max(0, remainingMs() - closeReserve);
    },
  };
}
