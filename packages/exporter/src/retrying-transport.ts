import { fullJitterBackoff } from './backoff.js';
import type { Sleep } from './clock.js';
import { realSleep } from './clock.js';
import {
  retriesEnded,
  sendInParts,
  type PartsTransport,
  type SendOptions,
  type SendResult,
  type Transport,
} from './transport.js';

export interface RetryOptions {
  /** First backoff ceiling, default 1_000 ms; it doubles per attempt. */
  initialBackoffMs?: number;
  /** Backoff ceiling, default 30_000 ms. */
  maxBackoffMs?: number;
  /**
   * Attempts before a `retryable` result is returned to the caller, default unlimited: records safe
   * on disk are retried until they answer, the caller aborts, or the queue's maxAge expires them.
   */
  maxAttempts?: number;
  random?: () => number;
  sleep?: Sleep;
  /** Called before each wait, for metrics and events. */
  onRetry?: (event: { attempt: number; delayMs: number; reason: string }) => void;
}

/**
 * Retries `retryable` results with full-jitter exponential backoff, waiting
 * max(backoff, Retry-After). Any other result is final and returned as is. Aborting the signal, or
 * `retryUntil`, ends the wait at once and returns the last retryable result.
 */
class RetryingTransport implements PartsTransport {
  readonly #inner: Transport;
  readonly #initialMs: number;
  readonly #maxMs: number;
  readonly #maxAttempts: number;
  readonly #random: () => number;
  readonly #sleep: Sleep;
  readonly #onRetry: RetryOptions['onRetry'];

  constructor(inner: Transport, options: RetryOptions) {
    this.#inner = inner;
    this.#initialMs = options.initialBackoffMs ?? 1_000;
    this.#maxMs = options.maxBackoffMs ?? 30_000;
    this.#maxAttempts = options.maxAttempts ?? Number.POSITIVE_INFINITY;
    this.#random = options.random ?? Math.random;
    this.#sleep = options.sleep ?? realSleep;
    this.#onRetry = options.onRetry;
  }

  send(body: Uint8Array, options: SendOptions): Promise<SendResult> {
    return this.#retry(() => this.#inner.send(body, options), options);
  }

  sendParts(parts: readonly Uint8Array[], options: SendOptions): Promise<SendResult> {
    return this.#retry(() => sendInParts(this.#inner, parts, options), options);
  }

  async #retry(attemptOnce: () => Promise<SendResult>, options: SendOptions): Promise<SendResult> {
    for (let attempt = 0; ; attempt++) {
      const result = await attemptOnce();
      if (result.kind !== 'retryable') return result;
      if (retriesEnded(options) || attempt + 1 >= this.#maxAttempts) return result;
      const backoff = fullJitterBackoff(attempt, {
        initialMs: this.#initialMs,
        maxMs: this.#maxMs,
        random: this.#random,
      });
      const delayMs = Math.max(backoff, result.retryAfterMs ?? 0);
      this.#onRetry?.({ attempt: attempt + 1, delayMs, reason: result.reason });
      await this.#sleep(delayMs, waitSignal(options));
      if (retriesEnded(options)) return result;
    }
  }

  async close(): Promise<void> {
    await this.#inner.close?.();
  }
}

/** What ends a wait between attempts: either signal. */
function waitSignal({ signal, retryUntil }: SendOptions): AbortSignal | undefined {
  return signal !== undefined && retryUntil !== undefined
    ? AbortSignal.any([signal, retryUntil])
    : (signal ?? retryUntil);
}

export function createRetryingTransport(inner: Transport, options: RetryOptions = {}): Transport {
  return new RetryingTransport(inner, options);
}
