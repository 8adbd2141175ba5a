import type { ServerResponse } from 'node:http';
import { codecFor, encodeStatus, statusToJson, type Signal } from '@otel-lifeline/otlp';
import { CONTENT_TYPES, type BodyFormat } from './content-type.js';

/** `google.rpc.Code` for an HTTP status, following the google.rpc mapping (clients must not act on it). */
export function rpcCodeFor(status: number): number {
  switch (status) {
    case 400:
    case 413:
    case 415:
      return 3; // INVALID_ARGUMENT
    case 401:
      return 16; // UNAUTHENTICATED
    case 403:
      return 7; // PERMISSION_DENIED
    case 404:
      return 5; // NOT_FOUND
    case 405:
    case 501:
      return 12; // UNIMPLEMENTED
    case 408:
    case 504:
      return 4; // DEADLINE_EXCEEDED
    case 409:
      return 10; // ABORTED
    case 429:
      return 8; // RESOURCE_EXHAUSTED
    case 502:
    case 503:
      return 14; // UNAVAILABLE
    default:
      return status >= 500 ? 13 /* INTERNAL */ : 9; /* FAILED_PRECONDITION */
  }
}

const MAX_MESSAGE_CHARS = 2048;

export interface AnswerOptions {
  readonly headers?: Readonly<Record<string, string>>;
  /** Close the connection after this answer (the request body was not fully read). */
  readonly close?: boolean;
}

function send(
  response: ServerResponse,
  status: number,
  format: BodyFormat,
  body: Uint8Array | string | undefined,
  options: AnswerOptions,
): void {
  if (response.destroyed || response.headersSent) return;
  const headers: Record<string, string | number> = { ...options.headers };
  if (body !== undefined) {
    const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
    headers['content-type'] = CONTENT_TYPES[format];
    headers['content-length'] = bytes.length;
    if (options.close === true) headers['connection'] = 'close';
    response.writeHead(status, headers);
    response.end(bytes);
  } else {
    if (options.close === true) headers['connection'] = 'close';
    response.writeHead(status, headers);
    response.end();
  }
}

/** A 4xx/5xx answer whose body is a `google.rpc.Status`, in the request's format (protobuf when unknown). */
export function answerError(
  response: ServerResponse,
  status: number,
  format: BodyFormat,
  message: string,
  options: AnswerOptions = {},
): void {
  // Decoder messages can carry long field paths; the answer stays small whatever the input.
  const shortened = message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message;
  const rpcStatus = { code: rpcCodeFor(status), message: shortened };
  send(
    response,
    status,
    format,
    format === 'json' ? statusToJson(rpcStatus) : encodeStatus(rpcStatus),
    options,
  );
}

/**
 * A 2xx answer holding an `Export<Signal>ServiceResponse`. `partial_success` is left unset unless
 * items were rejected or there is a message (the OTLP rule for full success).
 */
export function answerExport(
  response: ServerResponse,
  signal: Signal,
  format: BodyFormat,
  result: { rejected: number; errorMessage: string },
  options: AnswerOptions & { status?: number } = {},
): void {
  const status = options.status ?? 200;
  if (status === 204 || status === 205) {
    send(response, status, format, undefined, options);
    return;
  }
  const codec = codecFor(signal);
  send(
    response,
    status,
    format,
    format === 'json' ? codec.responseToJson(result) : codec.encodeResponse(result),
    options,
  );
}
