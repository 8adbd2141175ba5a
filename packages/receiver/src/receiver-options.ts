import type { IncomingHttpHeaders } from 'node:http';
import type { Signal } from '@otel-lifeline/otlp';
import type { BodyEncoding } from './content-type.js';
import { ReceiverError } from './errors.js';

export interface ExportInfo {
  /** `application/x-protobuf` or `application/json` (without parameters). */
  contentType: string;
  /** Size of the (decompressed) body that was decoded. */
  bytes: number;
  /** Size of the body on the wire (before decompression). */
  wireBytes: number;
  /** The request's `Content-Encoding`, normalised. */
  encoding: BodyEncoding;
  /** The request headers (lower-case names), e.g. to check an exporter's `authorization`. */
  headers: IncomingHttpHeaders;
}

/** What an `onExport` handler may answer: nothing (all accepted) or a number of rejected items. */
export type ExportVerdict = void | { rejected: number; errorMessage?: string };

export type ExportHandler = (
  signal: Signal,
  request: unknown,
  info: ExportInfo,
) => ExportVerdict | Promise<ExportVerdict>;

export interface ReceiverTlsOptions {
  key: string | Buffer;
  cert: string | Buffer;
  /** CA(s) that client certificates must chain to (mTLS). */
  ca?: string | Buffer;
  /** Ask clients for a certificate (mTLS). Default false. */
  requestCert?: boolean;
  /** With `requestCert`, refuse the handshake when the client has no valid certificate. Default true. */
  rejectUnauthorized?: boolean;
}

export interface ReceiverOptions {
  /** Interface to listen on. Default `127.0.0.1`. */
  host?: string;
  /** Port; 0 picks a free one. Default 0. */
  port?: number;
  /** Largest request body, on the wire and after decompression. Default 16 MiB. */
  maxBodyBytes?: number;
  /**
   * Largest total of request bodies (after decompression) being decoded at once; past it requests
   * are answered 503 with Retry-After. Default 64 MiB.
   */
  maxDecodingBytes?: number;
  /** Most requests read and decoded at once; past it 503 with Retry-After. Default 16. */
  maxConcurrentRequests?: number;
  /** Keep decoded requests in memory (`received`, `logRecords()`, ...). Default true. */
  keep?: boolean;
  /** Append one JSON line per received log record, span and data point to this file. */
  jsonLinesFile?: string;
  /** Called with every decoded request; may reject items (answered as a partial success). */
  onExport?: ExportHandler;
  /** Serve HTTPS (and optionally require client certificates). */
  tls?: ReceiverTlsOptions;
  /** How long `close()` lets requests in flight finish before destroying them. Default 5000. */
  closeTimeoutMs?: number;
  /** Milliseconds since the epoch, for fault time windows. Default `Date.now`. */
  now?: () => number;
}

export interface ResolvedReceiverOptions {
  readonly host: string;
  readonly port: number;
  readonly maxBodyBytes: number;
  readonly maxDecodingBytes: number;
  readonly maxConcurrentRequests: number;
  /** Bytes read and discarded past `maxBodyBytes` so the client can read the 413 before closing. */
  readonly drainBytes: number;
  readonly keep: boolean;
  readonly jsonLinesFile: string | undefined;
  readonly onExport: ExportHandler | undefined;
  readonly tls: ReceiverTlsOptions | undefined;
  readonly closeTimeoutMs: number;
  readonly now: () => number;
}

export const DEFAULT_MAX_BODY_BYTES = 16 * 1024 * 1024;

function fail(key: string, value: unknown, expected: string): never {
  const shown = typeof value === 'function' ? 'a function' : JSON.stringify(value);
  throw new ReceiverError('LIFELINE_ERR_CONFIG', `receiver option ${key} is ${shown}; expected ${expected}`);
}

/** Applies defaults and throws `LIFELINE_ERR_CONFIG` naming the first bad option. */
export function resolveReceiverOptions(options: ReceiverOptions): ResolvedReceiverOptions {
  const { host = '127.0.0.1', port = 0, maxBodyBytes = DEFAULT_MAX_BODY_BYTES, keep = true } = options;
  if (typeof host !== 'string' || host === '') fail('host', host, 'a host name or IP address');
  if (!Number.isInteger(port) || port < 0 || port > 65535) fail('port', port, 'an integer from 0 to 65535');
  if (!Number.isSafeInteger(maxBodyBytes) || maxBodyBytes < 1) {
    fail('maxBodyBytes', maxBodyBytes, 'a positive integer number of bytes');
  }
  if (typeof keep !== 'boolean') fail('keep', keep, 'true or false');
  const maxDecodingBytes = options.maxDecodingBytes ?? 64 * 1024 * 1024;
  if (!Number.isSafeInteger(maxDecodingBytes) || maxDecodingBytes < 1) {
    fail('maxDecodingBytes', maxDecodingBytes, 'a positive integer number of bytes');
  }
  const maxConcurrentRequests = options.maxConcurrentRequests ?? 16;
  if (!Number.isSafeInteger(maxConcurrentRequests) || maxConcurrentRequests < 1) {
    fail('maxConcurrentRequests', maxConcurrentRequests, 'a positive integer');
  }
  if (
    options.jsonLinesFile !== undefined &&
    (typeof options.jsonLinesFile !== 'string' || options.jsonLinesFile === '')
  ) {
    fail('jsonLinesFile', options.jsonLinesFile, 'a file path');
  }
  if (options.onExport !== undefined && typeof options.onExport !== 'function') {
    fail('onExport', options.onExport, 'a function');
  }
  if (options.now !== undefined && typeof options.now !== 'function') fail('now', options.now, 'a function');
  const closeTimeoutMs = options.closeTimeoutMs ?? 5000;
  if (!Number.isFinite(closeTimeoutMs) || closeTimeoutMs < 0) {
    fail('closeTimeoutMs', closeTimeoutMs, 'a number of milliseconds ≥ 0');
  }
  const tls = options.tls;
  if (tls !== undefined) {
    const pem = (value: unknown): boolean => typeof value === 'string' || Buffer.isBuffer(value);
    if (tls === null || typeof tls !== 'object') fail('tls', tls, 'an object with key and cert');
    if (!pem(tls.key)) fail('tls.key', typeof tls.key, 'a PEM string or Buffer');
    if (!pem(tls.cert)) fail('tls.cert', typeof tls.cert, 'a PEM string or Buffer');
    if (tls.ca !== undefined && !pem(tls.ca)) fail('tls.ca', typeof tls.ca, 'a PEM string or Buffer');
  }
  return {
    host,
    port,
    maxBodyBytes,
    maxDecodingBytes,
    maxConcurrentRequests,
    drainBytes: Math.max(maxBodyBytes, 4 * 1024 * 1024),
    keep,
    jsonLinesFile: options.jsonLinesFile,
    onExport: options.onExport,
    tls,
    closeTimeoutMs,
    now: options.now ?? Date.now,
  };
}
