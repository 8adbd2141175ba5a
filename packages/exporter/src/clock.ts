import type { Clock } from '@otel-lifeline/disk-queue';

/**
 * The one `Clock` (wall-clock milliseconds since the epoch, injected so tests can move time by
 * hand) is the disk queue's: the queue and the exporter are handed the same one.
 */
export type { Clock };

export const systemClock: Clock = { now: () => Date.now() };

/** Waits `ms`, or less when `signal` aborts. Never rejects; callers check `signal.aborted`. */
export type Sleep = (ms: number, signal?: AbortSignal) => Promise<void>;

export const realSleep: Sleep = (ms, signal) =>
  new Promise<void>((resolve) => {
    if (signal?.aborted) {
      resolve();
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      resolve();
    };
    const timer = setTimeout(
      () => {
        signal?.removeEventListener('abort', onAbort);
        resolve();
      },
      Math.max(0, Math.min(ms, 2 ** 31 - 1)),
    );
    timer.unref();
    signal?.addEventListener('abort', onAbort, { once: true });
  });
