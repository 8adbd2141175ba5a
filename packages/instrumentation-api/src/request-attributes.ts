import type { Attributes } from '@opentelemetry/api';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { resolveClientAddress } from './client-address.js';
import type { TrustProxy } from './client-address.js';
import type { Redactor } from './redactor.js';
import type { ReplyHeaders } from './request-record.js';

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
  'QUERY',
]);

/** The parts of a request every event about it carries, computed once when it finishes. */
export interface RequestFacts {
  method: string;
  scheme: 'http' | 'https';
  path: string;
  query: string | undefined;
  route: string | undefined;
  status: number;
  clientAddress: string | undefined;
  /** The socket's peer (`request.socket.remoteAddress`, a getter worth reading once). */
  peerAddress: string | undefined;
}

export function requestMethod(request: IncomingMessage): string {
  const m = request.method ?? 'GET';
  return m === 'GET' || KNOWN_METHODS.has(m) ? m : '_OTHER';
}

/**
 * `12.3`: milliseconds to one decimal, for a message. Integer arithmetic, whose small results
 * V8 turns into strings from a cache; `toFixed(1)` costs about six times as much.
 */
export function formatMillis(ms: number): string {
  if (!(ms >= 0 && ms < 1e9)) return ms.toFixed(1);
  const tenths = Math.round(ms * 10);
  return `${(tenths - (tenths % 10)) / 10}.${tenths % 10}`;
}

export function requestScheme(request: IncomingMessage): 'http' | 'https' {
  return (request.socket as TLSSocket | undefined)?.encrypted === true ? 'https' : 'http';
}

/** What the request lifecycle saw of a request, for `requestFacts`. */
export interface RequestSighting {
  /** `request.url` as received (frameworks rewrite it while routing). */
  url: string;
  /** The response's status (`response.statusCode`; 0 before one is decided). */
  status: number;
  route: string | undefined;
  /** Method and scheme as counted when the request started (default: read from the request now). */
  method?: string;
  scheme?: 'http' | 'https';
}

/** How request facts are scrubbed and whom `client.address` trusts: fixed for an instrumentation. */
export interface FactsPolicy {
  redactor: Redactor;
  trustProxy: TrustProxy;
}

export function requestFacts(
  request: IncomingMessage,
  seen: RequestSighting,
  policy: FactsPolicy,
): RequestFacts {
  const url = seen.url;
  const q = url.indexOf('?');
  const rawPath = q === -1 ? url : url.slice(0, q);
  const peerAddress = request.socket.remoteAddress;
  const redactor = policy.redactor;
  return {
    method: seen.method ?? requestMethod(request),
    scheme: seen.scheme ?? requestScheme(request),
    // The path is redacted here already, for display lines (`GET /reset/REDACTED 404`); the
    // query stays raw until the event's attributes pass through the policy as a whole.
    path: redactor.redactPath(rawPath),
    query: q === -1 ? undefined : url.slice(q + 1),
    route: seen.route,
    status: seen.status,
    clientAddress: resolveClientAddress(request, policy.trustProxy, peerAddress),
    peerAddress,
  };
}

/** Stable HTTP server semantic-convention attributes of a request. */
export function baseAttributes(request: IncomingMessage, facts: RequestFacts): Attributes {
  const attributes: Attributes = {
    'http.request.method': facts.method,
    'url.path': facts.path,
    'url.scheme': facts.scheme,
    'http.response.status_code': facts.status,
    'network.protocol.version': request.httpVersion,
  };
  if (facts.method === '_OTHER') attributes['http.request.method_original'] = request.method ?? '';
  if (facts.query !== undefined) attributes['url.query'] = facts.query;
  if (facts.route !== undefined) attributes['http.route'] = facts.route;
  const host = request.headers.host;
  if (host !== undefined) {
    const { address, port } = splitHost(host);
    attributes['server.address'] = address;
    if (port !== undefined) attributes['server.port'] = port;
  } else if (request.socket.localAddress !== undefined) {
    attributes['server.address'] = request.socket.localAddress;
    if (request.socket.localPort !== undefined) attributes['server.port'] = request.socket.localPort;
  }
  if (facts.clientAddress !== undefined) attributes['client.address'] = facts.clientAddress;
  const peer = facts.peerAddress;
  if (peer !== undefined && peer !== facts.clientAddress) attributes['network.peer.address'] = peer;
  const ua = request.headers['user-agent'];
  if (ua !== undefined) attributes['user_agent.original'] = ua;
  return attributes;
}

/** Host header → address and port; a small cache, as servers see few distinct Host values (cleared when full). */
const hostCache = new Map<string, { address: string; port: number | undefined }>();

let lastHost = '';
let lastSplit: { address: string; port: number | undefined } = { address: '', port: undefined };

function splitHost(host: string): { address: string; port: number | undefined } {
  // Most requests carry the Host of the one before: a string compare, no hashing of a fresh string.
  if (host === lastHost) return lastSplit;
  let hit = hostCache.get(host);
  if (hit === undefined) {
    hit = parseHost(host);
    if (hostCache.size >= 64) hostCache.clear();
    hostCache.set(host, hit);
  }
  lastHost = host;
  lastSplit = hit;
  return hit;
}

function parseHost(host: string): { address: string; port: number | undefined } {
  if (host.startsWith('[')) {
    const end = host.indexOf(']');
    const port = host.slice(end + 2);
    return { address: host.slice(1, end), port: port.length > 0 ? Number(port) : undefined };
  }
  const colon = host.lastIndexOf(':');
  if (colon === -1) return { address: host, port: undefined };
  const port = Number(host.slice(colon + 1));
  return { address: host.slice(0, colon), port: Number.isInteger(port) ? port : undefined };
}

/** Body size from what was counted, else from Content-Length; undefined when unknown (chunked, not captured). */
export function contentLength(value: number | string | string[] | undefined): number | undefined {
  if (typeof value === 'number') return value;
  if (typeof value !== 'string') return undefined;
  const n = Number(value);
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined;
}

/** `exception.type`: the error's class name (`TypeError`), not its `code`. */
export function exceptionType(error: unknown): string {
  if (error instanceof Error) {
    const ctor = error.constructor?.name;
    return ctor !== undefined && ctor !== '' && ctor !== 'Object' ? ctor : error.name;
  }
  return typeof error;
}

/** Framework "HTTP errors" with a status below 500 (a 404 thrown on purpose) are outcomes, not exceptions. */
export function isArtificialHttpError(error: unknown): boolean {
  if (error === null || typeof error !== 'object') return false;
  const e = error as { status?: unknown; statusCode?: unknown; getStatus?: unknown };
  const status =
    typeof e.statusCode === 'number'
      ? e.statusCode
      : typeof e.status === 'number'
        ? e.status
        : typeof e.getStatus === 'function'
          ? (e.getStatus as () => unknown)()
          : undefined;
  return typeof status === 'number' && status >= 400 && status < 500;
}

/**
 * Response body size: the Content-Length header the app set, else the length Node computed for
 * a body passed whole to `end()` (kept in `_contentLength`, which Node has had since v12).
 */
export function responseContentLength(
  response: ServerResponse,
  replyHeaders?: ReplyHeaders,
): number | undefined {
  const header = contentLength(responseHeader(response, 'content-length', replyHeaders));
  if (header !== undefined) return header;
  const computed = (response as ServerResponse & { _contentLength?: unknown })._contentLength;
  return typeof computed === 'number' ? computed : undefined;
}

/**
 * A response header as sent. `getHeader` misses headers passed straight to `writeHead(status,
 * headers)` (Node writes them without storing them; Fastify sends every response this way). The
 * framework's own copy (`replyHeaders`, from the adapter) is asked next; only then the header
 * block Node sent (`_header`, a string since Node 0.x) is searched. That search is the costly
 * step (the block is a rope of concatenations that the first search flattens, about 0.4 µs), so
 * it is the last resort. `name` is lower case: the block is first searched as is, which finds
 * lower-case names (what Fastify and most apps write) without copying it; only a block without
 * that spelling is lower-cased and searched again, for `Content-Length`-style names.
 */
export function responseHeader(
  response: ServerResponse,
  name: string,
  replyHeaders?: ReplyHeaders,
): number | string | string[] | undefined {
  const value = response.getHeader(name);
  if (value !== undefined) return value;
  if (replyHeaders !== undefined) {
    const kept = replyHeaders.getHeader(name);
    if (typeof kept === 'string' || typeof kept === 'number') return kept;
    if (Array.isArray(kept)) return kept.map(String);
  }
  const block = (response as ServerResponse & { _header?: unknown })._header;
  if (typeof block !== 'string') return undefined;
  const needle = `\r\n${name}:`;
  const values = headerValues(block, block, needle) ?? headerValues(block, block.toLowerCase(), needle);
  if (values === undefined) return undefined;
  return values.length === 1 ? values[0] : values;
}

/** Values of the header lines starting with `needle` in `searched` (the block or its lower-case copy). */
function headerValues(block: string, searched: string, needle: string): string[] | undefined {
  let at = searched.indexOf(needle);
  if (at === -1) return undefined;
  const values: string[] = [];
  while (at !== -1) {
    const start = at + needle.length;
    const end = block.indexOf('\r\n', start);
    values.push(block.slice(start, end === -1 ? undefined : end).trim());
    at = searched.indexOf(needle, start);
  }
  return values;
}
