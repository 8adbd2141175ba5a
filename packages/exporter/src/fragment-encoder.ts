import { channels, publish } from './diagnostics.js';
import type { SignalQueue } from './signal-queue.js';

/*
 * Between emit and the disk queue: SDK records wait here for at most `delayMs`, then one
 * encode turns all of them into one OTLP fragment appended to the queue.
 *
 *   emit ─► items[] (≤ maxItems, else dropped: buffer_full) ─(delayMs or maxItemsPerFragment)─►
 *           encode → fragment ─► signalQueue.append (sync) ─► queue group commit (fsyncIntervalMs)
 *
 * Emit never does I/O. Encoding one group costs far less than one per record (the resource and
 * scope are written once), and the wait is short next to the fsync interval. When a burst fills a
 * whole fragment before the timer fires, the emit that completes it encodes it at once, so a
 * synchronous burst of any size flows into the queue (whose in-memory cap then bounds memory).
 */
export interface FragmentEncoder<T> {
  add(item: T): void;
  /** Encodes and appends whatever is waiting, now. */
  drain(): void;
  readonly size: number;
}

export interface FragmentEncoderOptions<T> {
  signalQueue: SignalQueue;
  encode: (items: T[]) => Uint8Array;
  /** Items held before drops, default 16_384. */
  maxItems?: number;
  /** Items per fragment before an early encode, default 1_024. */
  maxItemsPerFragment?: number;
  /** Longest wait before encoding, default encodeDelayFor(100). */
  delayMs?: number;
}

/** The encoder's wait for a given fsync interval: a tenth of it, 1 to 10 ms. */
export function encodeDelayFor(fsyncIntervalMs: number): number {
  return Math.min(10, Math.max(1, Math.floor(fsyncIntervalMs / 10)));
}

export function createFragmentEncoder<T>(options: FragmentEncoderOptions<T>): FragmentEncoder<T> {
  const { signalQueue, encode } = options;
  const maxItems = options.maxItems ?? 16_384;
  const perFragment = Math.min(options.maxItemsPerFragment ?? 1_024, maxItems);
  const delayMs = options.delayMs ?? encodeDelayFor(100);
  let items: T[] = [];
  let timer: NodeJS.Timeout | undefined;

  const drain = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (items.length > 0) {
      const group = items.length > perFragment ? items.slice(0, perFragment) : items;
      items = items.length > perFragment ? items.slice(perFragment) : [];
      let fragment: Uint8Array;
      try {
        fragment = encode(group);
      } catch (error) {
        signalQueue.metrics.processed(group.length, 'encode_error');
        signalQueue.reporter.report(
          'encode',
          'error',
          `lifeline ${signalQueue.signal}: could not encode ${group.length} item(s): ${(error as Error).message}`,
        );
        continue;
      }
      const accepted = signalQueue.append(fragment);
      signalQueue.metrics.processed(group.length, accepted ? undefined : 'queue_full');
    }
  };

  return {
    add(item) {
      if (items.length >= maxItems) {
        signalQueue.metrics.processed(1, 'buffer_full');
        publish(channels.drop, { signal: signalQueue.signal, reason: 'buffer_full', records: 1, bytes: 0 });
        signalQueue.reporter.report(
          'buffer-full',
          'warn',
          `lifeline ${signalQueue.signal}: ${maxItems} items wait for encoding; dropping (buffer_full)`,
        );
        return;
      }
      items.push(item);
      if (items.length >= perFragment) {
        drain();
      } else if (!timer) {
        timer = setTimeout(drain, delayMs);
        timer.unref();
      }
    },
    drain,
    get size() {
      return items.length;
    },
  };
}
