/**
 * Flushes telemetry when the process is asked to stop, without changing how it stops:
 *
 *   SIGTERM / SIGINT, and the app has its own listener  → flush (bounded), the app decides
 *   SIGTERM / SIGINT, no other listener                → shut down (bounded), then re-raise the
 *                                                         signal with the default behaviour
 *   the event loop empties ('beforeExit')               → shut down once
 *
 * `process.exit()` cannot wait for asynchronous work: records emitted in the last fsync interval
 * before it may be lost — the same window as a crash, by design of the durable queue.
 */
export interface ExitHooks {
  remove(): void;
}

export function installExitHooks(
  target: { forceFlush(): Promise<void>; shutdown(): Promise<void> },
  deadlineMs: number,
): ExitHooks {
  let shuttingDown = false;
  const bounded = (work: Promise<void>) =>
    Promise.race([
      work.catch(() => undefined),
      new Promise<void>((resolve) => setTimeout(resolve, deadlineMs).unref()),
    ]);

  const onSignal = (signal: NodeJS.Signals) => {
    const appListens = process.listenerCount(signal) > 1;
    if (appListens) {
      void bounded(target.forceFlush());
      return;
    }
    if (shuttingDown) return;
    shuttingDown = true;
    // Keep the process alive while flushing: nothing else holds it once the app has no handler.
    const keepAlive = setInterval(() => undefined, 1000);
    void bounded(target.shutdown()).then(() => {
      clearInterval(keepAlive);
      remove();
      process.kill(process.pid, signal);
    });
  };
  const onBeforeExit = () => {
    if (shuttingDown) return;
    shuttingDown = true;
    // The pipelines' own timers do not hold the process; this one does, until the deadline.
    const keepAlive = setInterval(() => undefined, 1000);
    void bounded(target.shutdown()).then(() => clearInterval(keepAlive));
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
