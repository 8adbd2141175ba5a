import type { IncomingMessage } from 'node:http';

/**
 * Which `Forwarded` / `X-Forwarded-For` entries to believe:
 * - `false` (default): none — `client.address` is the socket's peer address, which a client cannot forge;
 * - `true`: the left-most entry (only when every hop is a proxy you run);
 * - a number `n`: the n-th entry from the right, i.e. trust `n` proxies in front of the server.
 * `Forwarded` (RFC 7239) wins over `X-Forwarded-For` when both are present.
 */
export type TrustProxy = boolean | number;

export function resolveClientAddress(
  request: IncomingMessage,
  trust: TrustProxy,
  /** `request.socket.remoteAddress`, read once by the caller. */
  peer: string | undefined,
): string | undefined {
  if (trust === false || trust === 0) return peer;
  const hops = forwardedFor(request);
  if (hops.length === 0) return peer;
  const index = trust === true ? 0 : hops.length - trust;
  return hops[Math.max(0, index)] ?? peer;
}

function forwardedFor(request: IncomingMessage): string[] {
  const forwarded = request.headers.forwarded;
  if (typeof forwarded === 'string' && forwarded.length > 0) {
    const out: string[] = [];
    for (const element of forwarded.split(',')) {
      for (const pair of element.split(';')) {
        const eq = pair.indexOf('=');
        if (eq === -1 || pair.slice(0, eq).trim().toLowerCase() !== 'for') continue;
        const address = stripPort(unquote(pair.slice(eq + 1).trim()));
        if (address.length > 0) out.push(address);
      }
    }
    if (out.length > 0) return out;
  }
  const xff = request.headers['x-forwarded-for'];
  const text = Array.isArray(xff) ? xff.join(',') : xff;
  if (typeof text !== 'string' || text.length === 0) return [];
  return text
    .split(',')
    .map((s) => stripPort(s.trim()))
    .filter((s) => s.length > 0);
}

function unquote(s: string): string {
  return s.length >= 2 && s.startsWith('"') && s.endsWith('"') ? s.slice(1, -1) : s;
}

/** `[2001:db8::1]:4711` → `2001:db8::1`, `192.0.2.1:80` → `192.0.2.1`, bare IPv6 unchanged. */
function stripPort(s: string): string {
  if (s.startsWith('[')) {
    const end = s.indexOf(']');
    return end === -1 ? s : s.slice(1, end);
  }
  const colon = s.indexOf(':');
  return colon !== -1 && colon === s.lastIndexOf(':') ? s.slice(0, colon) : s;
}
