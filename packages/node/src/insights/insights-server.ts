import { readFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { InsightsModel } from './insights-model.js';

/**
 * Serves the live view: the page and its script (no build step: plain files shipped in
 * `insights-ui/`), Chart.js from the installed `chart.js` package, and the model's snapshot as
 * JSON (`/api/snapshot`) and as a Server-Sent Events stream (`/api/stream`, one snapshot per
 * `intervalMs`; the browser's EventSource reconnects by itself after a restart).
 */
export interface InsightsServer {
  readonly url: string;
  close(): Promise<void>;
}

export interface InsightsServerOptions {
  model: InsightsModel;
  host: string;
  port: number;
  /** Snapshot period of the event stream. Default 1000 ms. */
  intervalMs?: number;
}

const uiDir = fileURLToPath(new URL('../../insights-ui/', import.meta.url));
const chartJs = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');

const STATIC: Readonly<Record<string, { file: string; type: string }>> = {
  '/': { file: join(uiDir, 'index.html'), type: 'text/html; charset=utf-8' },
  '/insights.js': { file: join(uiDir, 'insights.js'), type: 'text/javascript; charset=utf-8' },
  '/insights.css': { file: join(uiDir, 'insights.css'), type: 'text/css; charset=utf-8' },
  '/vendor/chart.umd.min.js': { file: chartJs, type: 'text/javascript; charset=utf-8' },
};

export async function startInsightsServer(options: InsightsServerOptions): Promise<InsightsServer> {
  const { model, intervalMs = 1000 } = options;
  const streams = new Set<ServerResponse>();
  const timer = setInterval(() => {
    if (streams.size === 0) return;
    const data = `data: ${JSON.stringify(model.snapshot())}\n\n`;
    for (const response of streams) response.write(data);
  }, intervalMs);
  timer.unref();

  const server: Server = createServer((request: IncomingMessage, response: ServerResponse) => {
    const path = new URL(request.url ?? '/', 'http://localhost').pathname;
    if (request.method !== 'GET' && request.method !== 'HEAD') {
      response.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    if (path === '/api/snapshot') {
      response.writeHead(200, { 'content-type': 'application/json', 'cache-control': 'no-store' });
      response.end(JSON.stringify(model.snapshot()));
      return;
    }
    if (path === '/api/stream') {
      response.writeHead(200, {
        'content-type': 'text/event-stream',
        'cache-control': 'no-store',
        connection: 'keep-alive',
      });
      response.write(`retry: 1000\ndata: ${JSON.stringify(model.snapshot())}\n\n`);
      streams.add(response);
      response.once('close', () => streams.delete(response));
      return;
    }
    const asset = STATIC[path];
    if (asset === undefined) {
      response.writeHead(404, { 'content-type': 'text/plain' }).end('not found\n');
      return;
    }
    readFile(asset.file).then(
      (body) => response.writeHead(200, { 'content-type': asset.type }).end(body),
      (error: unknown) =>
        response
          .writeHead(500, { 'content-type': 'text/plain' })
          .end(`cannot read ${path}: ${String(error)}\n`),
    );
  });
  server.listen(options.port, options.host);
  await new Promise<void>((resolve, reject) => {
    server.once('listening', resolve);
    server.once('error', reject);
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;
  return {
    url: `http://${host}:${address.port}/`,
    async close() {
      clearInterval(timer);
      for (const response of streams) response.end();
      streams.clear();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      server.closeAllConnections();
      await closed;
    },
  };
}
