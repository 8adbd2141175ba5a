import type { IncrementalEncoder, Signal } from '@otel-lifeline/otlp';
import type { Delivered } from './delivery-result.js';
import { durabilityBudget } from './durability-budget.js';
import { createFragmentEncoder } from './fragment-encoder.js';
import type { ResilienceOptions } from './resilience-options.js';
import { createSignalQueue } from './signal-queue.js';

export interface DurableProcessorOptions extends ResilienceOptions {
  /** Items in the fragment not yet closed before emit drops them (counted), default 16_384. */
  maxBufferedItems?: number;
}

/** What the durable log and span processors share: items in, OTLP fragments to the disk queue. */
export interface DurableProcessor<T> {
  add(item: T): void;
  /** Flush to disk, then try to send until `timeoutMillis` (default flushTimeoutMs); what is left stays on disk. */
  forceFlush(timeoutMillis?: number): Promise<Delivered>;
  /** The same with `timeoutMillis` defaulting to shutdownTimeoutMs; then the processor takes no more items. */
  shutdown(timeoutMillis?: number): Promise<Delivered>;
}

export function createDurableProcessor<T>(
  signal: Signal,
  options: DurableProcessorOptions,
  component: string,
  itemEncoder: IncrementalEncoder<T>,
): DurableProcessor<T> {
  const budget = durabilityBudget(options.queue?.fsyncIntervalMs ?? 100, true);
  const signalQueue = createSignalQueue(signal, options, component, budget);
  const encoder = createFragmentEncoder<T>({
    signalQueue,
    delayMs: budget.encodeDelayMs,
    encoder: itemEncoder,
    ...(options.maxBufferedItems !== undefined ? { maxItems: options.maxBufferedItems } : {}),
  });
  return {
    add(item) {
      if (signalQueue.isShutdown) signalQueue.outcomes.notQueued(1, 'shutdown');
      else encoder.add(item);
    },
    forceFlush(timeoutMillis) {
      encoder.drain();
      return signalQueue.forceFlush(timeoutMillis) as Promise<Delivered>;
    },
    shutdown(timeoutMillis) {
      encoder.drain();
      return signalQueue.shutdown(timeoutMillis) as Promise<Delivered>;
    },
  };
}

/**
 * The SDK side both processors share: forceFlush() and shutdown() take the SDK's options and
 * resolve with what was delivered and what stays on disk.
 */
export abstract class DurableSdkProcessor<T> {
  protected readonly processor: DurableProcessor<T>;

  protected constructor(processor: DurableProcessor<T>) {
    this.processor = processor;
  }

  forceFlush(options?: { timeoutMillis?: number }): Promise<Delivered> {
    return this.processor.forceFlush(options?.timeoutMillis);
  }

  shutdown(options?: { timeoutMillis?: number }): Promise<Delivered> {
    return this.processor.shutdown(options?.timeoutMillis);
  }
}
