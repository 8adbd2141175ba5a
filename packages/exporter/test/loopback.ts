import http from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';

export interface CapturedRequest {
  method: string;
  url: string;
  headers: http.IncomingHttpHeaders;
  /** Body after content-encoding gzip is undone (any other encoding is left as it came). */
  body: Buffer;
  /** Body as it came. */
  raw: Buffer;
  remotePort: number;
}

/** A plain node:http server on 127.0.0.1:0 that records requests and answers with `handler`. */
export async function startLoopbackServer(
  handler: (request: CapturedRequest, response: http.ServerResponse) => void = (_r, res) => res.end(),
): Promise<{
  url: string;
  port: number;
  requests: CapturedRequest[];
  connections: number;
  close(): Promise<void>;
}> {
  const requests: CapturedRequest[] = [];
  const state = { connections: 0 };
  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const body = req.headers['content-encoding'] === 'gzip' ? zlib.gunzipSync(raw) : raw;
      const captured = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body,
        raw,
        remotePort: req.socket.remotePort ?? 0,
      };
      requests.push(captured);
      handler(captured, res);
    });
  });
  server.on('connection', () => state.connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get connections() {
      return state.connections;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A port on 127.0.0.1 that nothing listens on (connections are refused). */
export async function refusedPort(): Promise<number> {
  const server = http.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}
