import type { ExitDeadline } from './exit-deadline.js';
import { EXIT_MARGIN_MS } from './exit-deadline.js';

/**
 * Flushes telemetry when the process is asked to stop, without changing how it stops:
 *
 *   SIGTERM / SIGINT, and the app has its own listener  → start the exit deadline and flush;
 *                                                          the app decides when to exit (its
 *                                                          shutdown() ends by the same deadline)
 *   SIGTERM / SIGINT, no other listener                → shut down by the deadline, then re-raise
 *                                                          the signal with the default behaviour
 *   the event loop empties ('beforeExit')               → shut down once
 *
 * The flush and shutdown keep the process alive while they work. `process.exit()` cannot wait for
 * asynchronous work: records emitted in the last fsync interval before it may be lost — the same
 * window as a crash, by design of the durable queue.
 */
export interface ExitHooks {
  remove(): void;
}

export function installExitHooks(
  target: { forceFlush(): Promise<unknown>; shutdown(): Promise<unknown> },
  deadline: ExitDeadline,
): ExitHooks {
  let shuttingDown = false;
  // A backstop: the work ends by the deadline on its own; this bounds a part that would not,
  // leaving a third of the margin for re-raising the signal.
  const bounded = (work: Promise<unknown>) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, deadline.remainingMs() + (EXIT_MARGIN_MS * 2) / 3);
      void work
        .catch(() => undefined)
        .then(() => {
          clearTimeout(timer);
          resolve();
        });
    });

  const onSignal = (signal: NodeJS.Signals) => {
    deadline.begin();
    const appListens = process.listenerCount(signal) > 1;
    if (appListens) {
      void target.forceFlush().catch(() => undefined);
      return;
    }
    if (shuttingDown) return;
    shuttingDown = true;
    void bounded(target.shutdown()).then(() => {
      remove();
      process.kill(process.pid, signal);
    });
  };
  const onBeforeExit = () => {
    if (shuttingDown) return;
    shuttingDown = true;
    void target.shutdown().catch(() => undefined);
  };
  const remove = () => {
    process.removeListener('SIGTERM', onSignal);
    process.removeListener('SIGINT', onSignal);
    process.removeListener('beforeExit', onBeforeExit);
  };
  process.on('SIGTERM', onSignal);
  process.on('SIGINT', onSignal);
  process.on('beforeExit', onBeforeExit);
  return { remove };
}
