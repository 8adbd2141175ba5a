import type { Signal } from '@otel-lifeline/otlp';
import type { Fault } from './fault.js';

/** One HTTP request as the receiver saw it, whatever came of it (kept while `keep` is on). */
export interface ExportAttempt {
  /** When the request head arrived, in ms since the epoch (the receiver's `now`). */
  at: number;
  method: string;
  /** The request path without its query string. */
  path: string;
  /** Undefined for a path that is not an OTLP endpoint. */
  signal: Signal | undefined;
  /** The kind of scripted fault that applied, if any. */
  fault: Fault['kind'] | undefined;
  /** Items in the request once decoded (accepted, dropped or partially rejected); else undefined. */
  items: number | undefined;
  /**
   * The HTTP status answered; undefined while in flight and when the connection ended without an
   * answer (reset, hang, the client gave up, the receiver stopped).
   */
  status: number | undefined;
}
