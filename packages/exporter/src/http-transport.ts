import http from 'node:http';
import https from 'node:https';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { context, createContextKey } from '@opentelemetry/api';
import type { Signal } from '@otel-lifeline/otlp';
import {
  codecFor,
  zstdCompress,
  zstdDecompress,
  zstdDecompressAsync,
  zstdMissing,
} from '@otel-lifeline/otlp';
import type { Clock } from './clock.js';
import { systemClock } from './clock.js';
import { classifyNetworkError, classifyStatus, errorMessage } from './classify-outcome.js';
import { hasAuthorizationHeader, maskUserinfo, splitUserinfo } from './endpoint-credentials.js';
import { configError } from './errors.js';
import type { StoredForm } from './fragment-format.js';
import { parseRetryAfter } from './retry-after.js';
import { sendNegotiated, validateCompression } from './zstd-acceptance.js';
import type { Compression, WireCompression, ZstdAcceptance, ZstdVerdict } from './zstd-acceptance.js';
import { joinParts, partsBytes, type SendOptions, type SendResult, type Transport } from './transport.js';

const gzip = promisify(zlib.gzip);
const gunzip = promisify(zlib.gunzip);

/** One OTLP/HTTP endpoint. */
/**
 * `suppressTracing` of `@opentelemetry/core`: the key is made with `Symbol.for` of this name, so
 * every copy and line of core (2.x and 3.x) reads the same key. Made here so the exporter does not
 * depend on a core whose line must match the application's.
 */
const SUPPRESS_TRACING = createContextKey('OpenTelemetry SDK Context Key SUPPRESS_TRACING');

export interface EndpointOptions {
  /** Full signal URL, e.g. http://127.0.0.1:4318/v1/logs. */
  url: string;
  headers?: Record<string, string>;
  /** Default 'http/protobuf'. 'http/json' transcodes the stored protobuf at send time. */
  protocol?: 'http/protobuf' | 'http/json';
  /**
   * Default 'auto'. 'zstd' (Node 22.15 or later) for endpoints that take `Content-Encoding: zstd`,
   * such as the Collector's OTLP receiver: less CPU and fewer bytes than gzip; the OTLP
   * specification asks endpoints for gzip only. 'auto': gzip, and zstd once the endpoint has
   * taken a zstd request (tried on the request after its first accepted one; Node 22.15 or later).
   */
  compression?: Compression;
  /** Per attempt, default 10_000 ms: past it the attempt counts as retryable. */
  timeoutMs?: number;
  tls?: { ca?: string | Buffer; cert?: string | Buffer; key?: string | Buffer; rejectUnauthorized?: boolean };
}

export interface HttpTransportOptions extends EndpointOptions {
  signal: Signal;
  /** Upper bound for a server's Retry-After, default 300_000 ms: a longer hint is clamped to it. */
  maxRetryAfterMs?: number;
  /** Largest response body read, default 1 MiB; the rest is discarded. */
  maxResponseBytes?: number;
  /** Keep-alive connections per endpoint, default 4. */
  maxSockets?: number;
  clock?: Clock;
  /** Name resolution, default the system resolver (`dns.lookup`). */
  lookup?: http.RequestOptions['lookup'];
  /** With compression 'auto': where what the endpoint takes is kept (the queue reads it too). */
  zstdAcceptance?: ZstdAcceptance;
  /** With compression 'auto': told what the endpoint settled on, once per change. */
  onCompression?: (event: { endpoint: string } & ZstdVerdict) => void;
}

/** A Transport that POSTs an OTLP request body to one endpoint and classifies the answer. */
export interface HttpTransport extends Transport {
  readonly url: string;
  sendParts(parts: readonly Uint8Array[], options: SendOptions): Promise<SendResult>;
  close(): Promise<void>;
}

const USER_AGENT = 'otel-lifeline-exporter/0.1.0';

class AttemptTimeoutError extends Error {
  readonly code = 'LIFELINE_ATTEMPT_TIMEOUT';
  constructor(ms: number) {
    super(`no answer within the attempt timeout of ${ms} ms`);
  }
}

class AbortedError extends Error {
  readonly code = 'ABORT_ERR';
  constructor() {
    super('the send was abandoned (shutdown or deadline)');
  }
}

class HttpTransportImpl implements HttpTransport {
  readonly url: string;
  readonly #target: URL;
  readonly #client: typeof http | typeof https;
  readonly #agent: http.Agent;
  readonly #codec;
  readonly #json: boolean;
  /** The compression of every request, unless it is 'auto' (then gzip until zstd is taken). */
  readonly #compression: WireCompression;
  /** With compression 'auto', what the endpoint takes; undefined otherwise. */
  readonly #acceptance: ZstdAcceptance | undefined;
  /** Tells `onCompression` what 'auto' settled on. */
  readonly #reportVerdict: (verdict: ZstdVerdict) => void;
  readonly #timeoutMs: number;
  readonly #headers: Record<string, string>;
  readonly #maxRetryAfterMs: number;
  readonly #maxResponseBytes: number;
  readonly #clock: Clock;
  readonly #lookup: http.RequestOptions['lookup'];

  constructor(options: HttpTransportOptions) {
    let target: URL;
    const { url, authorization } = splitUserinfo(options.url);
    try {
      target = new URL(url);
    } catch {
      throw configError(
        'url',
        maskUserinfo(options.url),
        'an absolute http:// or https:// URL such as http://127.0.0.1:4318/v1/logs',
      );
    }
    if (target.protocol !== 'http:' && target.protocol !== 'https:') {
      throw configError('url', url, 'an http:// or https:// URL');
    }
    if (authorization !== undefined && hasAuthorizationHeader(options.headers)) {
      throw configError(
        'url',
        maskUserinfo(options.url),
        'user-info in the URL or an Authorization header, not both (the user-info becomes Basic authorization)',
      );
    }
    const protocol = options.protocol ?? 'http/protobuf';
    if (protocol !== 'http/protobuf' && protocol !== 'http/json') {
      throw configError('protocol', protocol, "'http/protobuf' or 'http/json'");
    }
    const compression = options.compression ?? 'auto';
    validateCompression('compression', compression);
    const timeoutMs = options.timeoutMs ?? 10_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) {
      throw configError('timeoutMs', timeoutMs, 'a positive number of milliseconds');
    }
    for (const [name, value] of Object.entries(options.headers ?? {})) {
      if (typeof value !== 'string') throw configError(`headers.${name}`, value, 'a string');
    }
    this.url = target.href;
    this.#target = target;
    this.#codec = codecFor(options.signal);
    this.#json = protocol === 'http/json';
    this.#compression = compression === 'auto' ? 'gzip' : compression;
    this.#acceptance = compression === 'auto' ? (options.zstdAcceptance ?? { zstd: 'untried' }) : undefined;
    const onCompression = options.onCompression;
    this.#reportVerdict = (verdict) => onCompression?.({ endpoint: this.url, ...verdict });
    this.#timeoutMs = timeoutMs;
    this.#maxRetryAfterMs = options.maxRetryAfterMs ?? 300_000;
    this.#maxResponseBytes = options.maxResponseBytes ?? 1024 * 1024;
    this.#clock = options.clock ?? systemClock;
    this.#lookup = options.lookup;
    this.#headers = {
      ...options.headers,
      ...(authorization !== undefined ? { authorization } : {}),
      'content-type': this.#json ? 'application/json' : 'application/x-protobuf',
      'user-agent': USER_AGENT,
    };
    const maxSockets = options.maxSockets ?? 4;
    if (target.protocol === 'https:') {
      this.#client = https;
      this.#agent = new https.Agent({
        keepAlive: true,
        maxSockets,
        ...(options.tls?.ca !== undefined ? { ca: options.tls.ca } : {}),
        ...(options.tls?.cert !== undefined ? { cert: options.tls.cert } : {}),
        ...(options.tls?.key !== undefined ? { key: options.tls.key } : {}),
        rejectUnauthorized: options.tls?.rejectUnauthorized ?? true,
      });
    } else {
      this.#client = http;
      this.#agent = new http.Agent({ keepAlive: true, maxSockets });
    }
  }

  send(body: Uint8Array, options: SendOptions): Promise<SendResult> {
    return this.sendParts([body], options);
  }

  /** The parts go out one after the other, as one body, when they need no recompression. */
  async sendParts(parts: readonly Uint8Array[], options: SendOptions): Promise<SendResult> {
    const signal = options.signal;
    if (signal?.aborted) return classifyNetworkError(new AbortedError());
    const stored = options.encoding ?? 'identity';
    const acceptance = this.#acceptance;
    if (acceptance === undefined) return this.#sendAs(this.#compression, parts, stored, signal);
    return sendNegotiated(
      acceptance,
      stored,
      (compression) => this.#sendAs(compression, parts, stored, signal),
      () => signal?.aborted === true,
      this.#reportVerdict,
    );
  }

  /** One attempt with the request compressed as `compression`, the stored body as it is when it matches. */
  async #sendAs(
    compression: WireCompression,
    parts: readonly Uint8Array[],
    stored: StoredForm | 'identity',
    signal: AbortSignal | undefined,
  ): Promise<SendResult> {
    // Fragments compressed at rest: their concatenation is the body an endpoint of the same
    // compression takes as it is; any other gets the protobuf, compressed its own way below.
    if (stored !== 'identity' && stored === compression && !this.#json)
      return this.#post(parts, compression, signal);
    let body = joinParts(parts);
    if (stored !== 'identity') {
      try {
        body = stored === 'gzip' ? await gunzip(body) : await zstdDecompressAsync(body);
      } catch (error) {
        return {
          kind: 'rejected',
          reason: `cannot decompress the stored batch: ${(error as Error).message}`,
        };
      }
    }
    let payload: Uint8Array;
    try {
      // The queue stores protobuf: OTLP-JSON needs a decode of the concatenated fragments, then toJson.
      payload = this.#json ? Buffer.from(this.#codec.toJson(this.#codec.decode(body) as never)) : body;
    } catch (error) {
      return {
        kind: 'rejected',
        reason: `cannot transcode the batch to OTLP-JSON: ${(error as Error).message}`,
      };
    }
    // Level 1: telemetry compresses almost as well as at the default level, for a fraction of the CPU.
    if (compression === 'gzip') payload = await gzip(payload, { level: zlib.constants.Z_BEST_SPEED });
    else if (compression === 'zstd') payload = zstdCompress(payload);
    return this.#post([payload], compression, signal);
  }

  #post(
    payload: readonly Uint8Array[],
    compression: WireCompression,
    signal: AbortSignal | undefined,
  ): Promise<SendResult> {
    // Our own export requests must not become client spans (an HTTP instrumentation would trace
    // them, and those spans would be exported in turn, without end).
    return context.with(context.active().setValue(SUPPRESS_TRACING, true), () =>
      this.#request(payload, compression, signal),
    );
  }

  /**
   * One attempt. It answers only once the body is out of its hands: written to the socket, or the
   * request destroyed. An endpoint that answers before reading the whole body gets the request
   * cut off, so no part is read after the answer (the parts may be reused memory by then).
   */
  #request(
    payload: readonly Uint8Array[],
    compression: WireCompression,
    signal: AbortSignal | undefined,
  ): Promise<SendResult> {
    return new Promise<SendResult>((resolve) => {
      let result: SendResult | undefined;
      let released = false;
      // Both are needed: the answer, and the body out of its hands (a second resolve does nothing).
      const settle = (): void => {
        if (result !== undefined && released) resolve(result);
      };
      const release = (): void => {
        released = true;
        settle();
      };
      const finish = (answer: SendResult): void => {
        if (result !== undefined) return;
        result = answer;
        clearTimeout(timer);
        signal?.removeEventListener('abort', onAbort);
        if (!released) request.destroy();
        settle();
      };
      const request = this.#client.request({
        agent: this.#agent,
        method: 'POST',
        protocol: this.#target.protocol,
        hostname: this.#target.hostname.replace(/^\[|\]$/g, ''),
        port: this.#target.port,
        path: `${this.#target.pathname}${this.#target.search}`,
        headers: {
          ...this.#headers,
          ...(compression !== 'none' ? { 'content-encoding': compression } : {}),
          'content-length': String(partsBytes(payload)),
        },
        ...(this.#lookup ? { lookup: this.#lookup } : {}),
      });
      const timer = setTimeout(
        () => request.destroy(new AttemptTimeoutError(this.#timeoutMs)),
        this.#timeoutMs,
      );
      timer.unref();
      const onAbort = (): void => {
        request.destroy(new AbortedError());
      };
      signal?.addEventListener('abort', onAbort, { once: true });

      request.on('response', (response) => {
        const chunks: Buffer[] = [];
        let size = 0;
        response.on('data', (chunk: Buffer) => {
          size += chunk.length;
          if (size <= this.#maxResponseBytes) chunks.push(chunk);
        });
        response.on('end', () => finish(this.#classify(response, Buffer.concat(chunks))));
        response.on('error', (error) => finish(classifyNetworkError(error)));
        response.on('aborted', () =>
          finish(classifyNetworkError(Object.assign(new Error('response aborted'), { code: 'ECONNRESET' }))),
        );
      });
      request.on('error', (error) => finish(classifyNetworkError(error)));
      request.once('finish', release);
      request.once('close', release);
      for (let i = 0; i < payload.length - 1; i++) request.write(payload[i]);
      request.end(payload[payload.length - 1]);
    });
  }

  #classify(response: http.IncomingMessage, raw: Buffer): SendResult {
    const status = response.statusCode ?? 0;
    const body = this.#decodeBody(response, raw);
    const json = (response.headers['content-type'] ?? '').includes('json');
    if (status >= 200 && status < 300) {
      if (body.length === 0) return classifyStatus(status, {});
      try {
        const answer = json
          ? this.#codec.responseFromJson(body.toString('utf8'))
          : this.#codec.decodeResponse(body);
        return classifyStatus(status, { rejected: answer.rejected, message: answer.errorMessage });
      } catch {
        // The endpoint said 2xx: the batch was accepted even if its answer is unreadable.
        return classifyStatus(status, {});
      }
    }
    const retryAfterHeader = response.headers['retry-after'];
    const retryAfterMs = parseRetryAfter(
      Array.isArray(retryAfterHeader) ? retryAfterHeader[0] : retryAfterHeader,
      this.#clock.now(),
      this.#maxRetryAfterMs,
    );
    return classifyStatus(status, {
      message: errorMessage(body, json),
      ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
    });
  }

  #decodeBody(response: http.IncomingMessage, raw: Buffer): Buffer {
    const encoding = response.headers['content-encoding'];
    try {
      if (encoding === 'gzip') return zlib.gunzipSync(raw);
      if (encoding === 'deflate') return zlib.inflateSync(raw);
      if (encoding === 'zstd' && zstdMissing === undefined)
        return zstdDecompress(raw, this.#maxResponseBytes);
    } catch {
      return Buffer.alloc(0);
    }
    return raw;
  }

  async close(): Promise<void> {
    this.#agent.destroy();
  }
}

/** Creates the HTTP transport for one endpoint: keep-alive, gzip by default, TLS/mTLS, protobuf or JSON. */
export function createHttpTransport(endpoint: HttpTransportOptions): HttpTransport {
  return new HttpTransportImpl(endpoint);
}
