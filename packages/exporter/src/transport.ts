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

/** The method by which the chain's own transports take a body in parts (not part of the API). */
export const SEND_PARTS: unique symbol = Symbol('lifeline.sendParts');

/**
 * A transport of the chain (HTTP, retry, fail-over, instrumented): it sends a body given in parts
 * (the stored fragments, often views of the queue's read buffers) without joining them, and holds
 * none of them once it has answered.
 */
export interface PartsTransport extends Transport {
  [SEND_PARTS](parts: readonly Uint8Array[], options: SendOptions): Promise<SendResult>;
}

/**
 * Sends `parts` as one request body: in parts through a transport of the chain; any other
 * transport (an app's own) gets a joined copy it may keep, since the parts' memory is reused for
 * the next reads once the batch is acknowledged.
 */
export function sendParts(
  transport: Transport,
  parts: readonly Uint8Array[],
  options: SendOptions,
): Promise<SendResult> {
  const own = (transport as Partial<PartsTransport>)[SEND_PARTS];
  return own !== undefined
    ? own.call(transport, parts, options)
    : transport.send(Buffer.concat(parts), options);
}

/** One body from parts, for a transport that needs it whole (it may be a view of the only part). */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
