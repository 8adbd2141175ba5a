import { request as httpRequest, type Agent, type IncomingHttpHeaders } from 'node:http';
import { request as httpsRequest } from 'node:https';

export interface HttpAnswer {
  status: number;
  headers: IncomingHttpHeaders;
  body: Buffer;
}

export interface HttpRequestOptions {
  method?: string;
  headers?: Record<string, string | number>;
  body?: Uint8Array | string;
  /** Default: a fresh connection per request. */
  agent?: Agent | false;
  /** HTTPS only. */
  tls?: { ca?: string | Buffer; key?: string | Buffer; cert?: string | Buffer };
  /** Give up (destroy the request) after this long. */
  timeoutMs?: number;
}

/** A plain node:http(s) request to the receiver; rejects with the socket error (ECONNRESET, ...). */
export function httpSend(url: string, options: HttpRequestOptions = {}): Promise<HttpAnswer> {
  return new Promise((resolve, reject) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const body = typeof options.body === 'string' ? Buffer.from(options.body) : options.body;
    const headers = { ...options.headers };
    if (body !== undefined && !Object.keys(headers).some((name) => name.toLowerCase() === 'content-length')) {
      headers['content-length'] = body.length;
    }
    const request = send(
      target,
      { method: options.method ?? 'POST', headers, agent: options.agent ?? false, ...options.tls },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({
            status: response.statusCode ?? 0,
            headers: response.headers,
            body: Buffer.concat(chunks),
          }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    if (options.timeoutMs !== undefined) {
      request.setTimeout(options.timeoutMs, () =>
        request.destroy(new Error(`gave up after ${options.timeoutMs} ms`)),
      );
    }
    request.end(body);
  });
}

export const PROTOBUF = { 'content-type': 'application/x-protobuf' } as const;
export const JSON_TYPE = { 'content-type': 'application/json' } as const;
