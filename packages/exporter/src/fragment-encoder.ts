import type { IncrementalEncoder } from '@otel-lifeline/otlp';
import { stageEnd, stageStart } from './diagnostics.js';
import type { SignalQueue } from './signal-queue.js';

/*
 * Between emit and the disk queue: each SDK record is encoded as it is emitted, into the OTLP
 * request being built (otlp's incremental encoders: the record's bytes join its resource and
 * scope's group), and at most `delayMs` later the request is closed into one fragment appended to
 * the queue.
 *
 *   emit ─► encode the record into the open request (≤ maxItems, else dropped: buffer_full;
 *           a record that cannot be encoded is dropped alone: encode_error)
 *        ─(delayMs or maxItemsPerFragment)─► close the request → fragment ─► signalQueue.append (sync)
 *        ─► queue group commit (durability-budget.ts)
 *
 * Emit never does I/O. The resource and scope are written once per fragment, and the wait is short
 * next to the fsync interval. Encoding at emit reads each record while it is fresh, and keeps no
 * SDK object alive until the fragment closes, so records die young in the garbage collector's
 * eyes. When a burst fills a whole fragment before the timer fires, the emit that completes it
 * closes it at once, so a synchronous burst of any size flows into the queue (whose in-memory cap
 * then bounds memory).
 */
export interface FragmentEncoder<T> {
  add(item: T): void;
  /** Closes the open request and appends it, now. */
  drain(): void;
  readonly size: number;
}

export interface FragmentEncoderOptions<T> {
  signalQueue: SignalQueue;
  /** Encodes each item into the open request (otlp's createIncrementalLogsEncoder, ...SpansEncoder). */
  encoder: IncrementalEncoder<T>;
  /** Items held before drops, default 16_384. */
  maxItems?: number;
  /** Items per fragment before it is closed early, default 1_024. */
  maxItemsPerFragment?: number;
  /** Longest wait before the open request is closed into a fragment (the durability budget's `encodeDelayMs`). */
  delayMs: number;
}

export function createFragmentEncoder<T>(options: FragmentEncoderOptions<T>): FragmentEncoder<T> {
  const { signalQueue, encoder } = options;
  const maxItems = options.maxItems ?? 16_384;
  const perFragment = Math.min(options.maxItemsPerFragment ?? 1_024, maxItems);
  const { delayMs } = options;
  const { outcomes } = signalQueue;
  let timer: NodeJS.Timeout | undefined;
  /** Time spent encoding the open request's items, when the stage counters are subscribed. */
  let encodeMs = 0;

  /** True while a record is being encoded, or the request closed: user code may run then (a getter). */
  let busy = false;
  /** Records emitted while `busy` (a getter that logs): encoded right after the one under way. */
  const deferred: T[] = [];
  let drainDeferred = false;

  const close = (): void => {
    if (timer) clearTimeout(timer);
    timer = undefined;
    const items = encoder.count;
    if (items === 0) return;
    const itemsMs = encodeMs;
    encodeMs = 0;
    const started = stageStart();
    let fragment: Uint8Array;
    try {
      fragment = encoder.finish();
    } catch (error) {
      outcomes.encodeFailed(items, error);
      return;
    }
    // One message per fragment: the time of closing it plus that of its items' encodes.
    if (started >= 0) stageEnd('encode', started - itemsMs, items, fragment.byteLength);
    if (signalQueue.append(fragment, items)) outcomes.processed(items);
    else outcomes.notQueued(items, signalQueue.lastRefusal, true);
  };

  const take = (item: T): void => {
    if (encoder.count >= maxItems) {
      outcomes.bufferFull(maxItems);
      return;
    }
    const started = stageStart();
    try {
      encoder.add(item);
    } catch (error) {
      outcomes.encodeFailed(1, error);
      return;
    } finally {
      if (started >= 0) encodeMs += performance.now() - started;
    }
    if (encoder.count >= perFragment) {
      close();
    } else if (!timer) {
      timer = setTimeout(drain, delayMs);
      timer.unref();
    }
  };

  /**
   * Runs `step` on `item` (close ignores it), then what was emitted or flushed from inside it; one
   * at a time, never nested.
   */
  const exclusive = (step: (item: T) => void, item: T): void => {
    busy = true;
    try {
      step(item);
      while (deferred.length > 0 || drainDeferred) {
        if (deferred.length > 0) take(deferred.shift() as T);
        else {
          drainDeferred = false;
          close();
        }
      }
    } finally {
      busy = false;
    }
  };

  function drain(): void {
    if (busy) drainDeferred = true;
    else exclusive(close, undefined as T);
  }

  return {
    add(item) {
      // An emit from inside an encode (a getter of a logged object that logs) would write into the
      // middle of the record being encoded: it waits for that one to be done.
      if (!busy) exclusive(take, item);
      else if (deferred.length < maxItems) deferred.push(item);
      else outcomes.bufferFull(maxItems);
    },
    drain,
    get size() {
      return encoder.count + deferred.length;
    },
  };
}
