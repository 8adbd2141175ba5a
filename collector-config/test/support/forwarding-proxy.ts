import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** A request the proxy passed on, with the Collector's answer. */
export interface Forwarded {
  encoding: string | undefined;
  /** The body as the app sent it (compressed as it came). */
  body: Buffer;
  status: number;
}

/**
 * An OTLP/HTTP logs endpoint on loopback in front of `target` (a Collector's OTLP/HTTP URL): each
 * body goes on to `${target}/v1/logs` as it came, with its content type and encoding, and is kept
 * with the answer. While `up()` is false it answers 503 and keeps nothing (the endpoint is "down").
 *
 *   app ─► proxy (records each body) ─► Collector
 */
export async function startForwardingProxy(
  target: string,
  up: () => boolean = () => true,
): Promise<{ url: string; forwarded: Forwarded[]; close(): Promise<void> }> {
  const forwarded: Forwarded[] = [];
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      if (!up()) {
        res.writeHead(503).end();
        return;
      }
      const out = http.request(`${target}/v1/logs`, {
        method: 'POST',
        headers: {
          'content-type': req.headers['content-type'],
          'content-encoding': req.headers['content-encoding'],
        },
      });
      out.on('response', (answer) => {
        forwarded.push({ encoding: req.headers['content-encoding'], body, status: answer.statusCode ?? 0 });
        res.writeHead(answer.statusCode ?? 502, { 'content-type': answer.headers['content-type'] ?? '' });
        answer.pipe(res);
      });
      out.on('error', () => res.writeHead(502).end());
      out.end(body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    forwarded,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
