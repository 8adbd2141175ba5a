import { stageEnd, stageStart } from './diagnostics.js';
import type { SignalQueue } from './signal-queue.js';

/*
 * Between emit and the disk queue: SDK records wait here for at most `delayMs`, then one
 * encode turns all of them into one OTLP fragment appended to the queue.
 *
 *   emit ─► items[] (≤ maxItems, else dropped: buffer_full) ─(delayMs or maxItemsPerFragment)─►
 *           encode → fragment ─► signalQueue.append (sync) ─► queue group commit (durability-budget.ts)
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
  /** Longest wait before encoding (the durability budget's `encodeDelayMs`). */
  delayMs: number;
}

export function createFragmentEncoder<T>(options: FragmentEncoderOptions<T>): FragmentEncoder<T> {
  const { signalQueue, encode } = options;
  const maxItems = options.maxItems ?? 16_384;
  const perFragment = Math.min(options.maxItemsPerFragment ?? 1_024, maxItems);
  const { delayMs } = options;
  const { outcomes } = signalQueue;
  let items: T[] = [];
  let timer: NodeJS.Timeout | undefined;

  const drain = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    while (items.length > 0) {
      const group = items.length > perFragment ? items.slice(0, perFragment) : items;
      items = items.length > perFragment ? items.slice(perFragment) : [];
      let fragment: Uint8Array;
      const started = stageStart();
      try {
        fragment = encode(group);
        stageEnd('encode', started, group.length, fragment.byteLength);
      } catch (error) {
        outcomes.encodeFailed(group.length, error);
        continue;
      }
      if (signalQueue.append(fragment, group.length)) outcomes.processed(group.length);
      else outcomes.notQueued(group.length, signalQueue.lastRefusal, true);
    }
  };

  return {
    add(item) {
      if (items.length >= maxItems) {
        outcomes.bufferFull(maxItems);
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
