import {
  createServer as createHttpServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { Socket } from 'node:net';
import { ReceiverError } from './errors.js';
import type { ExportAttempt } from './export-attempt.js';
import { createExportHandler } from './export-handler.js';
import type { Fault, FaultWhen } from './fault.js';
import { createFaultScript } from './fault-script.js';
import { openJsonLinesFile } from './json-lines-file.js';
import {
  createReceivedStore,
  type ReceivedLogRecord,
  type ReceivedMetric,
  type ReceivedRequests,
  type ReceivedSpan,
  type ReceiverCounts,
} from './received-store.js';
import { resolveReceiverOptions, type ReceiverOptions } from './receiver-options.js';

export interface Receiver {
  /** Base URL without a path, e.g. `http://127.0.0.1:43121`; append `/v1/logs` etc. */
  readonly url: string;
  readonly port: number;
  /** Decoded requests in arrival order (empty when `keep` is false). Live arrays. */
  readonly received: ReceivedRequests;
  logRecords(): ReceivedLogRecord[];
  spans(): ReceivedSpan[];
  metrics(): ReceivedMetric[];
  /** Every request in arrival order with its fault and outcome (empty when `keep` is false). */
  attempts(): ExportAttempt[];
  /** A snapshot of the counters. */
  counts(): ReceiverCounts;
  /** Queues a fault; queued faults apply in order. Default `when`: one request of any signal. */
  addFault(fault: Fault, when?: FaultWhen): void;
  clearFaults(): void;
  /** Faults still queued (a time window that has not closed counts as one). */
  pendingFaults(): number;
  /** Forgets everything received and zeroes the counters (faults stay queued). */
  clear(): void;
  /** Stops listening and destroys open connections: new connections are refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  /** Resolves once `predicate` holds, checked now and after every request; rejects after `timeoutMs` (default 10 s). */
  waitFor(predicate: (receiver: Receiver) => boolean, timeoutMs?: number): Promise<void>;
  /**
   * Stops for good: stops listening, lets requests in flight be answered (up to `closeTimeoutMs`),
   * destroys the remaining connections and closes the JSON-lines file.
   */
  close(): Promise<void>;
}

interface Waiter {
  readonly predicate: (receiver: Receiver) => boolean;
  readonly resolve: () => void;
  readonly reject: (error: unknown) => void;
  readonly timer: NodeJS.Timeout;
}

/**
 * Life cycle:
 *
 *   createReceiver ──► listening ──stop()──► stopped ──start()──► listening ── close() ──► closed
 *                          ▲  same port, counters and received data kept  │
 *
 * stop() closes the listening socket and destroys every open connection (keep-alive, in-flight,
 * hung), so clients see connection refused / reset exactly as with a backend that went away.
 * close() is the graceful exit: requests in flight are answered first (bounded by closeTimeoutMs).
 */
export async function createReceiver(options: ReceiverOptions = {}): Promise<Receiver> {
  const resolved = resolveReceiverOptions(options);
  const script = createFaultScript(resolved.now);
  const store = createReceivedStore(resolved.keep);
  const jsonLines =
    resolved.jsonLinesFile === undefined ? undefined : await openJsonLinesFile(resolved.jsonLinesFile);

  const sockets = new Set<Socket>();
  const held = new Set<ServerResponse>();
  const sleeps = new Map<NodeJS.Timeout, () => void>();
  const waiters = new Set<Waiter>();
  let state: 'listening' | 'stopped' | 'closed' = 'stopped';
  /** Requests whose response has not closed yet, and who waits for that number to reach 0. */
  let inFlight = 0;
  const idleWaiters = new Set<() => void>();
  let closing = false;
  let port = resolved.port;
  let transition: Promise<void> = Promise.resolve();

  const notify = (): void => {
    for (const waiter of waiters) {
      let done: boolean;
      try {
        done = waiter.predicate(receiver);
      } catch (error) {
        settleWaiter(waiter);
        waiter.reject(error);
        continue;
      }
      if (done) {
        settleWaiter(waiter);
        waiter.resolve();
      }
    }
  };
  const settleWaiter = (waiter: Waiter): void => {
    clearTimeout(waiter.timer);
    waiters.delete(waiter);
  };

  const handler = createExportHandler({
    options: resolved,
    script,
    store,
    jsonLines,
    hold(response) {
      held.add(response);
      response.once('close', () => held.delete(response));
    },
    sleep(ms) {
      return new Promise((resolve) => {
        const timer = setTimeout(() => {
          sleeps.delete(timer);
          resolve();
        }, ms);
        sleeps.set(timer, resolve);
      });
    },
    notify,
  });

  const server: Server = resolved.tls
    ? createHttpsServer({
        key: resolved.tls.key,
        cert: resolved.tls.cert,
        ...(resolved.tls.ca === undefined ? {} : { ca: resolved.tls.ca }),
        requestCert: resolved.tls.requestCert ?? false,
        rejectUnauthorized: resolved.tls.rejectUnauthorized ?? true,
      })
    : createHttpServer();
  const onRequest = (request: IncomingMessage, response: ServerResponse): void => {
    inFlight += 1;
    response.once('close', () => {
      inFlight -= 1;
      if (inFlight === 0) for (const idle of [...idleWaiters]) idle();
    });
    if (closing) response.setHeader('connection', 'close');
    handler(request, response);
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
        state = 'listening';
        resolve();
      };
      server.once('error', onError);
      server.once('listening', onListening);
      server.listen({ host: resolved.host, port });
    });

  const stopListening = async (): Promise<void> => {
    if (state !== 'listening') return;
    state = 'stopped';
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
    if (state !== 'listening') return;
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
    state = 'stopped';
    for (const socket of sockets) socket.destroy();
    held.clear();
    await closed;
  };

  const serially = (step: () => Promise<void>): Promise<void> => {
    const next = transition.then(step);
    transition = next.catch(() => undefined);
    return next;
  };

  const scheme = resolved.tls ? 'https' : 'http';
  const hostInUrl = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;

  const receiver: Receiver = {
    get url() {
      return `${scheme}://${hostInUrl}:${port}`;
    },
    get port() {
      return port;
    },
    received: store.received,
    logRecords: () => store.logRecords(),
    spans: () => store.spans(),
    metrics: () => store.metrics(),
    attempts: () => store.attempts(),
    counts: () => ({ ...store.counts }),
    addFault(fault: Fault, when?: FaultWhen) {
      script.add(fault, when);
    },
    clearFaults() {
      script.clear();
    },
    pendingFaults() {
      return script.pending;
    },
    clear() {
      store.clear();
    },
    stop() {
      return serially(stopListening);
    },
    start() {
      return serially(async () => {
        if (state === 'closed')
          throw new ReceiverError('LIFELINE_ERR_STATE', 'receiver is closed; create a new one');
        if (state === 'listening') return;
        await listen();
      });
    },
    waitFor(predicate, timeoutMs = 10_000) {
      return new Promise<void>((resolve, reject) => {
        if (predicate(receiver)) {
          resolve();
          return;
        }
        const waiter: Waiter = {
          predicate,
          resolve,
          reject,
          timer: setTimeout(() => {
            waiters.delete(waiter);
            reject(
              new ReceiverError(
                'LIFELINE_ERR_TIMEOUT',
                `waitFor: condition not met within ${timeoutMs} ms; counts ${JSON.stringify(store.counts)}`,
              ),
            );
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    close() {
      return serially(async () => {
        if (state === 'closed') return;
        await drainAndStop();
        state = 'closed';
        for (const [timer, resolve] of sleeps) {
          clearTimeout(timer);
          resolve();
        }
        sleeps.clear();
        for (const waiter of waiters) {
          settleWaiter(waiter);
          waiter.reject(new ReceiverError('LIFELINE_ERR_STATE', 'receiver closed while waiting'));
        }
        await jsonLines?.close();
      });
    },
  };

  try {
    await listen();
  } catch (error) {
    await jsonLines?.close();
    throw error;
  }
  return receiver;
}
