import type { Signal } from '@otel-lifeline/otlp';
import { ReceiverError } from './errors.js';

/** One scripted misbehaviour of the receiver, applied to one export request. */
export type Fault =
  /** Answer this HTTP status (with a `google.rpc.Status` body), optionally with `Retry-After`. */
  | { kind: 'status'; status: number; retryAfter?: number | string | Date }
  /** Wait `ms` after reading the body, then handle the request normally. */
  | { kind: 'delay'; ms: number }
  /** Read the body and never answer, until the client gives up or the receiver stops. */
  | { kind: 'hang' }
  /**
   * Destroy the connection (TCP RST) instead of answering: when the request head arrives
   * (`'head'`, the default), after reading the body (`'body'`, nothing kept), or after the request
   * was handled and kept (`'kept'`: the backend has the data but the client never hears so).
   */
  | { kind: 'reset'; at?: 'head' | 'body' | 'kept' }
  /** Read the body, answer 200 and keep nothing. */
  | { kind: 'drop' }
  /** Handle the request normally but answer a partial success with `rejected` items. */
  | { kind: 'partial'; rejected: number; errorMessage?: string };

/** When a fault applies. Without `forMs`, `times` defaults to 1. */
export interface FaultWhen {
  /** Apply to this many requests. */
  times?: number;
  /** Apply to every request for this long, starting at the first request it applies to. */
  forMs?: number;
  /** Apply only to requests of this signal; other signals pass it by. */
  signal?: Signal;
}

const SIGNALS: readonly Signal[] = ['logs', 'traces', 'metrics'];

/** Throws a `LIFELINE_ERR_CONFIG` error naming the key when a fault or its `when` is malformed. */
export function validateFault(fault: Fault, when: FaultWhen | undefined): void {
  const bad = (key: string, value: unknown, expected: string): never => {
    throw new ReceiverError(
      'LIFELINE_ERR_CONFIG',
      `fault ${key} is ${JSON.stringify(value)}; expected ${expected}`,
    );
  };
  switch (fault.kind) {
    case 'status':
      if (!Number.isInteger(fault.status) || fault.status < 200 || fault.status > 599) {
        bad('status', fault.status, 'an integer HTTP status from 200 to 599');
      }
      if (fault.retryAfter !== undefined) {
        const value = fault.retryAfter;
        if (typeof value === 'number' && !(Number.isInteger(value) && value >= 0)) {
          bad('retryAfter', value, 'a whole number of seconds ≥ 0, an HTTP-date string or a Date');
        }
        if (typeof value === 'string' && (value.trim() === '' || /[\r\n]/.test(value))) {
          bad('retryAfter', value, 'a non-empty single-line HTTP-date string');
        }
        if (value instanceof Date && Number.isNaN(value.getTime()))
          bad('retryAfter', 'Invalid Date', 'a valid Date');
      }
      break;
    case 'delay':
      if (!Number.isFinite(fault.ms) || fault.ms < 0) bad('ms', fault.ms, 'a number of milliseconds ≥ 0');
      break;
    case 'partial':
      if (!Number.isInteger(fault.rejected) || fault.rejected < 0)
        bad('rejected', fault.rejected, 'an integer ≥ 0');
      break;
    case 'reset':
      if (fault.at !== undefined && !['head', 'body', 'kept'].includes(fault.at)) {
        bad('at', fault.at, "'head', 'body' or 'kept'");
      }
      break;
    case 'hang':
    case 'drop':
      break;
    default:
      bad(
        'kind',
        (fault as { kind: unknown }).kind,
        "one of 'status', 'delay', 'hang', 'reset', 'drop', 'partial'",
      );
  }
  if (when === undefined) return;
  if (when.times !== undefined && !(Number.isInteger(when.times) && when.times >= 1)) {
    bad('times', when.times, 'an integer ≥ 1');
  }
  if (when.forMs !== undefined && !(Number.isFinite(when.forMs) && when.forMs > 0)) {
    bad('forMs', when.forMs, 'a number of milliseconds > 0');
  }
  if (when.signal !== undefined && !SIGNALS.includes(when.signal)) {
    bad('signal', when.signal, "'logs', 'traces' or 'metrics'");
  }
}

/** The `Retry-After` header value for a status fault (RFC 9110 §10.2.3: delay-seconds or HTTP-date). */
export function retryAfterHeader(value: number | string | Date): string {
  if (value instanceof Date) return value.toUTCString();
  return String(value);
}
