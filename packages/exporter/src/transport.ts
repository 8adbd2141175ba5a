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
  /**
   * Optional: the same request with its body in parts (a batch's stored fragments, in order), to
   * be sent one after the other without joining them. A transport that has it must not read the
   * parts once its promise has settled: they are views of the queue's read buffers, reused for
   * the next reads. The chain's own transports have it; a transport without it gets `send` with
   * the parts joined into a copy of its own.
   */
  sendParts?(parts: readonly Uint8Array[], options: SendOptions): Promise<SendResult>;
  close?(): Promise<void>;
}

/** A transport that takes a body in parts (all of the chain's own). */
export type PartsTransport = Transport & Required<Pick<Transport, 'sendParts'>>;

/**
 * Sends `parts` as one request body: through `sendParts` when the transport has it; any other
 * transport gets `send` with a joined copy, which it may keep (the parts' memory is reused for
 * the queue's next reads once the batch is acknowledged).
 */
export function sendInParts(
  transport: Transport,
  parts: readonly Uint8Array[],
  options: SendOptions,
): Promise<SendResult> {
  return transport.sendParts !== undefined
    ? transport.sendParts(parts, options)
    : transport.send(Buffer.concat(parts), options);
}

/** Bytes of a body given in parts. */
export function partsBytes(parts: readonly Uint8Array[]): number {
  let bytes = 0;
  for (const part of parts) bytes += part.byteLength;
  return bytes;
}

/** One body from parts, for a transport that needs it whole (it may be a view of the only part). */
export function joinParts(parts: readonly Uint8Array[]): Uint8Array {
  return parts.length === 1 ? parts[0]! : Buffer.concat(parts);
}
