import { ReceiverError } from './errors.js';
import type { ExportAttempt } from './export-attempt.js';
import { createExportHandler } from './export-handler.js';
import type { Fault, FaultWhen } from './fault.js';
import { createFaultScript } from './fault-script.js';
import { createHttpListener } from './http-listener.js';
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

  const sleeps = new Map<NodeJS.Timeout, () => void>();
  let closed = false;
  let transition: Promise<void> = Promise.resolve();

  const waiters = createWaiters(
    () => receiver,
    () => store.counts,
  );
  const notify = waiters.notify;

  const handler = createExportHandler({
    options: resolved,
    script,
    store,
    jsonLines,
    hold: (response) => listener.hold(response),
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

  const serially = (step: () => Promise<void>): Promise<void> => {
    const next = transition.then(step);
    transition = next.catch(() => undefined);
    return next;
  };

  const listener = createHttpListener(resolved, handler);
  const scheme = resolved.tls ? 'https' : 'http';
  const hostInUrl = resolved.host.includes(':') ? `[${resolved.host}]` : resolved.host;

  const receiver: Receiver = {
    get url() {
      return `${scheme}://${hostInUrl}:${listener.port}`;
    },
    get port() {
      return listener.port;
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
      return serially(() => listener.stop());
    },
    start() {
      return serially(async () => {
        if (closed) throw new ReceiverError('LIFELINE_ERR_STATE', 'receiver is closed; create a new one');
        if (listener.listening) return;
        await listener.listen();
      });
    },
    waitFor: (predicate, timeoutMs) => waiters.waitFor(predicate, timeoutMs),
    close() {
      return serially(async () => {
        if (closed) return;
        await listener.drainAndStop();
        closed = true;
        for (const [timer, resolve] of sleeps) {
          clearTimeout(timer);
          resolve();
        }
        sleeps.clear();
        waiters.rejectAll(new ReceiverError('LIFELINE_ERR_STATE', 'receiver closed while waiting'));
        await jsonLines?.close();
      });
    },
  };

  try {
    await listener.listen();
  } catch (error) {
    await jsonLines?.close();
    throw error;
  }
  return receiver;
}

/** Who waits for a condition on the receiver (`waitFor`), checked after every request. */
function createWaiters(receiver: () => Receiver, counts: () => ReceiverCounts) {
  const waiters = new Set<Waiter>();
  const settle = (waiter: Waiter): void => {
    clearTimeout(waiter.timer);
    waiters.delete(waiter);
  };
  return {
    notify(): void {
      for (const waiter of waiters) {
        let done: boolean;
        try {
          done = waiter.predicate(receiver());
        } catch (error) {
          settle(waiter);
          waiter.reject(error);
          continue;
        }
        if (done) {
          settle(waiter);
          waiter.resolve();
        }
      }
    },
    waitFor(predicate: (receiver: Receiver) => boolean, timeoutMs = 10_000): Promise<void> {
      return new Promise<void>((resolve, reject) => {
        if (predicate(receiver())) {
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
                `waitFor: condition not met within ${timeoutMs} ms; counts ${JSON.stringify(counts())}`,
              ),
            );
          }, timeoutMs),
        };
        waiters.add(waiter);
      });
    },
    rejectAll(error: Error): void {
      for (const waiter of waiters) {
        settle(waiter);
        waiter.reject(error);
      }
    },
  };
}
