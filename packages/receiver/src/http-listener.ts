import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { ReceiverError } from './errors.js';
import type { ResolvedReceiverOptions } from './receiver-options.js';

/**
 * The receiver's HTTP(S) server and the connections it holds:
 *
 *   stopped ──listen()──► listening ──stop()──► stopped        (connections destroyed at once)
 *                              └──drainAndStop()──► stopped    (requests in flight answered first)
 */
export interface HttpListener {
  readonly port: number;
  readonly listening: boolean;
  listen(): Promise<void>;
  stop(): Promise<void>;
  drainAndStop(): Promise<void>;
  /** Keeps a response that will never be answered until the listener stops. */
  hold(response: ServerResponse): void;
}

export function createHttpListener(
  resolved: ResolvedReceiverOptions,
  handle: (request: IncomingMessage, response: ServerResponse) => void,
): HttpListener {
  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  let listening = false;
  /** Requests whose response has not closed yet, and who waits for that number to reach 0. */
  let inFlight = 0;
  const idleWaiters = new Set<() => void>();
  let closing = false;
  let port = resolved.port;

  const server = createServerFor(resolved);
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) for (const idle of [...idleWaiters]) idle();
    });
    if (closing) response.setHeader('connection', 'close');
    handle(request, response);
  };
  server.on('request', onRequest);
  // With a 'checkContinue' listener Node leaves `Expect: 100-continue` to the handler, which
  // answers 413/415/... before the client sends the body, and continues otherwise.
  server.on('checkContinue', onRequest);
  const track = (socket: Socket): void => {
    sockets.add(socket);
    socket.once('close', () => sockets.delete(socket));
  };
  server.on('connection', track);
  server.on('secureConnection', track);
  // A failed TLS handshake is the client's problem: drop the connection. Malformed HTTP is left to
  // Node's default 'clientError' answer (400, 408 or 431, then close).
  server.on('tlsClientError', (_error: Error, socket: Socket) => socket.destroy());

  const listen = (): Promise<void> =>
    new Promise((resolve, reject) => {
      const onError = (error: Error): void => {
        server.off('listening', onListening);
        reject(
          new ReceiverError(
            'LIFELINE_ERR_STATE',
            `receiver cannot listen on ${resolved.host}:${port}: ${error.message}`,
          ),
        );
      };
      const onListening = (): void => {
        server.off('error', onError);
        const address = server.address();
        if (address !== null && typeof address === 'object') port = address.port;
        listening = true;
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: resolved.host, port });
    });

  const stop = async (): Promise<void> => {
    if (!listening) return;
    listening = false;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const socket of sockets) socket.destroy();
    held.clear();
    await closed;
  };

  /**
   * The graceful way out: stop listening, let requests in flight be answered (each with
   * `Connection: close`) for up to `closeTimeoutMs`, then destroy whatever is left. Hung requests
   * would never be answered, so they go at once.
   */
  const drainAndStop = async (): Promise<void> => {
    if (!listening) return;
    closing = true;
    const closed = new Promise<void>((resolve) => server.close(() => resolve()));
    for (const response of held) response.socket?.destroy();
    server.closeIdleConnections();
    if (inFlight > 0) {
      await new Promise<void>((resolve) => {
        const timer = setTimeout(done, resolved.closeTimeoutMs);
        function done(): void {
          clearTimeout(timer);
          idleWaiters.delete(done);
          resolve();
        }
        idleWaiters.add(done);
      });
    }
    listening = false;
    for (const socket of sockets) socket.destroy();
    held.clear();
    await closed;
  };

  return {
    get port() {
      return port;
    },
    get listening() {
      return listening;
    },
    listen,
    stop,
    drainAndStop,
    hold(response) {
      held.add(response);
      response.once('close', () => held.delete(response));
    },
  };
}

function createServerFor(resolved: ResolvedReceiverOptions): Server {
  if (!resolved.tls) return createHttpServer();
  return createHttpsServer({
    key: resolved.tls.key,
    cert: resolved.tls.cert,
    ...(resolved.tls.ca === undefined ? {} : { ca: resolved.tls.ca }),
    requestCert: resolved.tls.requestCert ?? false,
    rejectUnauthorized: resolved.tls.rejectUnauthorized ?? true,
  });
}
