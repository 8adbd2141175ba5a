import type { StoredForm } from './fragment-format.js';

/**
 * The one seam of the transport chain. Every behaviour (HTTP, retry, fail-over, mirror, disk queue)
 * takes and/or returns a Transport, so the chain is assembled by wrapping.
 *
 * Expected outcomes are values:
 *   ok         the endpoint answered 2xx and accepted everything
 *   partial    2xx, but the endpoint rejected `rejected` items (counted, never retried)
 *   retryable  worth sending again (throttled, unavailable, network failure, attempt timeout)
 *   rejected   permanent (other 4xx/5xx): the batch goes to the dead-letter file
 */
export type SendResult =
  | { kind: 'ok' }
  | { kind: 'partial'; rejected: number; message: string }
  | { kind: 'retryable'; retryAfterMs?: number; reason: string }
  | { kind: 'rejected'; status?: number; reason: string };

export interface SendOptions {
  /** Aborting gives up: the transport returns a `retryable` result as soon as it can. */
  signal?: AbortSignal;
  /**
   * Aborting ends the retries, not the attempt under way: no new attempt starts (on another
   * endpoint, or after a wait), a wait ends at once, and the attempt in flight keeps its answer.
   * The sender's maxAge: a batch the endpoint accepts just past it was delivered, not lost.
   */
  retryUntil?: AbortSignal;
  /** 'gzip' or 'zstd': the body is already a compressed OTLP request (fragments compressed at rest). */
  encoding?: StoredForm | 'identity';
  /** Items the body holds, when the caller knows them (spares a decode to count them). */
  items?: number;
}

/** Whether the caller gave up, or ended the retries: no new attempt may start. */
export function retriesEnded(options: SendOptions): boolean {
  return options.signal?.aborted === true || options.retryUntil?.aborted === true;
}

export interface Transport {
  send(body: Uint8Array, options: SendOptions): Promise<SendResult>;
  close?(): Promise<void>;
}
