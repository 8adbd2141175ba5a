import type { IncomingMessage, ServerResponse } from 'node:http';
import { codecFor, zstdAvailable, type Signal } from '@otel-lifeline/otlp';
import { answerError, answerExport } from './answer.js';
import { bodyEncodingOf, bodyFormatOf, CONTENT_TYPES, type BodyFormat } from './content-type.js';
import { decodeRequest } from './decode-request.js';
import type { ExportAttempt } from './export-attempt.js';
import { decompressBody } from './decompress-body.js';
import { retryAfterHeader, type Fault } from './fault.js';
import type { FaultScript } from './fault-script.js';
import type { JsonLinesFile } from './json-lines-file.js';
import { toJsonLines } from './json-lines.js';
import { DecodeAdmission } from './decode-admission.js';
import { readBody } from './read-body.js';
import type { ReceivedStore } from './received-store.js';
import type { ResolvedReceiverOptions } from './receiver-options.js';

export interface ExportHandlerContext {
  readonly options: ResolvedReceiverOptions;
  readonly script: FaultScript;
  readonly store: ReceivedStore;
  readonly jsonLines: JsonLinesFile | undefined;
  /** Keeps a response that will never be answered (a `hang` fault) until the receiver stops. */
  readonly hold: (response: ServerResponse) => void;
  /** A timer that ends early when the receiver closes. */
  readonly sleep: (ms: number) => Promise<void>;
  /** Called after every request has been handled (for `waitFor`). */
  readonly notify: () => void;
}

const SIGNAL_BY_PATH: Readonly<Record<string, Signal>> = {
  '/v1/logs': 'logs',
  '/v1/traces': 'traces',
  '/v1/metrics': 'metrics',
};

function clientGone(response: ServerResponse): boolean {
  return response.socket === null || response.socket.destroyed;
}

function expectsContinue(request: IncomingMessage): boolean {
  return request.headers.expect?.toLowerCase() === '100-continue';
}

function errorMessage(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

/**
 * Handles one HTTP request. The order of checks fixes which answer wins:
 *
 *   path → 404   method → 405   Content-Type / Content-Encoding → 415   declared size → 413
 *   ── fault taken here; reset (at 'head') acts before the body is read ──
 *   read body → 413 │ status / hang / reset at 'body' │ decompress → 413 / 400 │ decode → 400 │ drop
 *   delay fault │ onExport │ JSON lines │ keep │ reset at 'kept' │ 200 (partial success when items are rejected)
 */
export function createExportHandler(context: ExportHandlerContext) {
  const handler = new ExportHandler(context);
  const { options, store } = context;
  return (request: IncomingMessage, response: ServerResponse): void => {
    const path = (request.url ?? '/').split('?', 1)[0] ?? '/';
    const attempt = store.attempt({ at: options.now(), method: request.method ?? '', path });
    handler
      .handle(request, response, attempt)
      .catch((error: unknown) => {
        // A bug in the receiver must not take it down: answer 500 and keep serving.
        answerError(response, 500, 'protobuf', `receiver error: ${errorMessage(error)}`);
      })
      .finally(() => {
        // Every answer is written inside handle(), so the status is known by now.
        if (response.headersSent) attempt.status = response.statusCode;
        context.notify();
      });
  };
}

/** What the head of an acceptable export request says. */
interface ExportHead {
  signal: Signal;
  format: BodyFormat;
  encoding: NonNullable<ReturnType<typeof bodyEncodingOf>>;
}

class ExportHandler {
  private readonly admission: DecodeAdmission;

  constructor(private readonly context: ExportHandlerContext) {
    const { options } = context;
    this.admission = new DecodeAdmission(options.maxConcurrentRequests, options.maxDecodingBytes);
  }

  /** 503 + Retry-After: too much is being decoded; the client tries again in a second. */
  private busy(response: ServerResponse, format: BodyFormat, message: string, close: boolean): void {
    this.context.store.counts.busy += 1;
    const headers = { 'retry-after': '1' };
    answerError(response, 503, format, message, { headers, close: close || expectsContinue(response.req) });
  }

  private refuse(
    response: ServerResponse,
    status: number,
    format: BodyFormat,
    message: string,
    extra: { headers?: Record<string, string>; close?: boolean } = {},
  ): void {
    this.context.store.counts.invalid += 1;
    // A client that asked `Expect: 100-continue` and got no 100 will not send its body: without
    // closing, the connection would wait for a body that never comes.
    const close = extra.close === true || expectsContinue(response.req);
    answerError(response, status, format, message, { ...extra, close });
  }

  /** Path, method, Content-Type, Content-Encoding and declared size; undefined once refused. */
  private checkHead(
    request: IncomingMessage,
    response: ServerResponse,
    attempt: ExportAttempt,
  ): ExportHead | undefined {
    const { options } = this.context;
    const contentType = request.headers['content-type'];
    const format = bodyFormatOf(contentType);
    const answerFormat = format ?? 'protobuf';
    const path = attempt.path;
    const signal = SIGNAL_BY_PATH[path];
    attempt.signal = signal;
    if (signal === undefined) {
      const message = `no OTLP endpoint at ${path}; use /v1/logs, /v1/traces or /v1/metrics`;
      this.refuse(response, 404, answerFormat, message);
      return undefined;
    }
    if (request.method !== 'POST') {
      const message = `method ${request.method ?? ''} is not allowed on ${path}; use POST`;
      this.refuse(response, 405, answerFormat, message, { headers: { allow: 'POST' } });
      return undefined;
    }
    if (format === undefined) {
      this.refuse(
        response,
        415,
        answerFormat,
        `Content-Type ${JSON.stringify(contentType ?? '')} is not supported; use application/x-protobuf or application/json`,
      );
      return undefined;
    }
    const contentEncoding = request.headers['content-encoding'];
    const encoding = bodyEncodingOf(contentEncoding);
    if (encoding === undefined) {
      this.refuse(
        response,
        415,
        format,
        `Content-Encoding ${JSON.stringify(contentEncoding)} is not supported; use gzip, deflate${zstdAvailable ? ', zstd' : ''} or none`,
      );
      return undefined;
    }
    const declared = Number(request.headers['content-length'] ?? Number.NaN);
    if (declared > options.maxBodyBytes + options.drainBytes) {
      const message = tooLargeMessage(declared, options.maxBodyBytes, 'declared');
      this.refuse(response, 413, format, message, { close: true });
      return undefined;
    }
    return { signal, format, encoding };
  }

  async handle(request: IncomingMessage, response: ServerResponse, attempt: ExportAttempt): Promise<void> {
    this.context.store.counts.requests += 1;
    const head = this.checkHead(request, response, attempt);
    if (head === undefined) return;
    if (!this.admission.admit()) {
      // The body is not read: the connection closes after the answer.
      const limit = this.context.options.maxConcurrentRequests;
      this.busy(response, head.format, `${limit} requests are being decoded; retry later`, true);
      return;
    }
    const ticket = { reserved: 0 };
    try {
      await this.handleAdmitted(request, response, attempt, head, ticket);
    } finally {
      this.admission.release(ticket.reserved);
    }
  }

  private async handleAdmitted(
    request: IncomingMessage,
    response: ServerResponse,
    attempt: ExportAttempt,
    head: ExportHead,
    ticket: { reserved: number },
  ): Promise<void> {
    const { options, script } = this.context;
    const { signal, format, encoding } = head;

    const fault = script.take(signal);
    if (fault !== undefined) {
      this.context.store.counts.faulted += 1;
      attempt.fault = fault.kind;
    }
    if (fault?.kind === 'reset' && (fault.at ?? 'head') === 'head') {
      resetConnection(request);
      return;
    }
    if (expectsContinue(request)) response.writeContinue();

    const read = await readBody(request, { maxBytes: options.maxBodyBytes, drainBytes: options.drainBytes });
    if (read.kind === 'aborted') return;
    const close = read.kind === 'too-large' && !read.drained;
    if (fault !== undefined && this.answeredByFault(fault, response, signal, format, close)) return;
    if (read.kind === 'too-large') {
      this.refuse(response, 413, format, tooLargeMessage(read.bytes, options.maxBodyBytes, 'wire'), {
        close,
      });
      return;
    }

    const decompressed = await decompressBody(read.body, encoding, options.maxBodyBytes);
    if (decompressed.kind === 'too-large') {
      if (fault?.kind === 'drop') return this.drop(response, signal, format, 0);
      this.refuse(
        response,
        413,
        format,
        `decompressed request body passes the limit of ${options.maxBodyBytes} bytes (${read.body.length} bytes of ${encoding})`,
      );
      return;
    }
    if (decompressed.kind === 'corrupt') {
      if (fault?.kind === 'drop') return this.drop(response, signal, format, 0);
      this.refuse(response, 400, format, decompressed.message);
      return;
    }
    const body = decompressed.body;
    if (!this.admission.reserve(body.length)) {
      const message = `${this.admission.decodingBytes} bytes are being decoded (limit ${options.maxDecodingBytes}); retry later`;
      this.busy(response, format, message, false);
      return;
    }
    ticket.reserved = body.length;

    let decoded: unknown;
    try {
      decoded = decodeRequest(signal, format, body);
    } catch (error) {
      if (fault?.kind === 'drop') return this.drop(response, signal, format, 0);
      this.refuse(response, 400, format, errorMessage(error));
      return;
    }
    const items = codecFor(signal).countItems(decoded as never);
    attempt.items = items;
    if (fault?.kind === 'drop') return this.drop(response, signal, format, items);

    if (fault?.kind === 'delay') {
      await this.context.sleep(fault.ms);
      // A client that gave up during the delay gets nothing and nothing is kept, as with a hang.
      if (clientGone(response)) return;
    }
    await this.keep(
      { request, response, head, decoded, items, fault },
      { bytes: body.length, wireBytes: read.body.length },
    );
  }

  /** onExport's verdict, the partial fault, JSON lines, the store; then the answer. */
  private async keep(
    r: {
      request: IncomingMessage;
      response: ServerResponse;
      head: ExportHead;
      decoded: unknown;
      items: number;
      fault: Fault | undefined;
    },
    size: { bytes: number; wireBytes: number },
  ): Promise<void> {
    const { options, store, jsonLines } = this.context;
    const { request, response, decoded, fault } = r;
    const { signal, format, encoding } = r.head;
    let rejected = 0;
    const messages: string[] = [];
    if (options.onExport !== undefined) {
      try {
        const verdict = await options.onExport(signal, decoded, {
          contentType: CONTENT_TYPES[format],
          bytes: size.bytes,
          wireBytes: size.wireBytes,
          encoding,
          headers: request.headers,
        });
        if (verdict !== undefined && verdict !== null) {
          rejected += Math.max(0, Math.trunc(Number(verdict.rejected) || 0));
          if (verdict.errorMessage) messages.push(verdict.errorMessage);
        }
      } catch (error) {
        answerError(response, 500, format, `onExport failed: ${errorMessage(error)}`);
        return;
      }
    }
    if (fault?.kind === 'partial') {
      rejected += fault.rejected;
      messages.push(
        fault.errorMessage ?? `${fault.rejected} item(s) rejected by the receiver's fault script`,
      );
    }

    if (jsonLines !== undefined) {
      try {
        await jsonLines.append(toJsonLines(signal, decoded));
      } catch (error) {
        answerError(response, 500, format, `could not write JSON lines: ${errorMessage(error)}`);
        return;
      }
    }
    store.accept(signal, decoded, r.items);
    store.counts.rejected += rejected;
    if (fault?.kind === 'reset') {
      resetConnection(request); // at: 'kept'
      return;
    }
    answerExport(response, signal, format, { rejected, errorMessage: messages.join('; ') });
  }

  /** Answers for status, hang and reset-after-body faults; true when the request is done. */
  private answeredByFault(
    fault: Fault,
    response: ServerResponse,
    signal: Signal,
    format: BodyFormat,
    close: boolean,
  ): boolean {
    if (fault.kind === 'hang') {
      this.context.hold(response);
      return true;
    }
    if (fault.kind === 'reset' && fault.at === 'body') {
      resetConnection(response.req);
      return true;
    }
    if (fault.kind !== 'status') return false;
    const headers: Record<string, string> = {};
    if (fault.retryAfter !== undefined) headers['retry-after'] = retryAfterHeader(fault.retryAfter);
    if (fault.status < 300) {
      answerExport(
        response,
        signal,
        format,
        { rejected: 0, errorMessage: '' },
        { status: fault.status, headers, close },
      );
    } else {
      answerError(response, fault.status, format, `fault script answered ${fault.status}`, {
        headers,
        close,
      });
    }
    return true;
  }

  private drop(response: ServerResponse, signal: Signal, format: BodyFormat, items: number): void {
    this.context.store.counts.dropped += items;
    answerExport(response, signal, format, { rejected: 0, errorMessage: '' });
  }
}

/** Destroys the connection with a TCP RST; a TLS socket cannot send one itself, so it is just destroyed. */
function resetConnection(request: IncomingMessage): void {
  const socket = request.socket;
  try {
    socket.resetAndDestroy();
  } catch {
    socket.destroy();
  }
}

function tooLargeMessage(bytes: number, limit: number, what: 'declared' | 'wire'): string {
  return what === 'declared'
    ? `request body of ${bytes} bytes (Content-Length) passes the limit of ${limit} bytes`
    : `request body passes the limit of ${limit} bytes (read ${bytes} bytes)`;
}
