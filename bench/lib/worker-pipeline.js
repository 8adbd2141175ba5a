// An experiment of bench:export, not a shipped part: Lifeline's durable log pipeline with its
// disk half in a worker thread, as pino's transports run theirs.
//
//   main thread:   SDK emit ─► the shipped fragment encoder (each record encoded at emit, a group of
//                  them closed into one OTLP fragment)
//                  ─► postMessage, the fragment's bytes transferred (not copied)
//   worker thread: the shipped signal queue: gzip at rest ─► disk queue ─► sender ─► endpoint
//
// The encode stays on the main thread: the SDK's records are objects of the main thread's heap,
// which another thread could only see copied. Counting on the main side is reduced to what the
// bench reads (refusals and drops come back with forceFlush).
import { Worker } from 'node:worker_threads';
import { createIncrementalLogsEncoder } from '@otel-lifeline/otlp';

// The exporter's own modules, from its build (its package exports only its public API).
const exporterDist = new URL('../../packages/exporter/dist/', import.meta.url);
const { createFragmentEncoder } = await import(new URL('fragment-encoder.js', exporterDist).href);
const { durabilityBudget } = await import(new URL('durability-budget.js', exporterDist).href);

const THREAD = new URL('./worker-pipeline-thread.js', import.meta.url);

/** A LogRecordProcessor whose queue and sender run in a worker thread; `options` as the durable one's. */
export function createWorkerLogRecordProcessor(options) {
  const budget = durabilityBudget(options.queue?.fsyncIntervalMs ?? 100, true);
  const worker = new Worker(THREAD, { workerData: { options, exporterDist: exporterDist.href } });
  const waiting = new Map();
  let nextId = 1;
  worker.on('message', (m) => {
    waiting.get(m.id)?.(m);
    waiting.delete(m.id);
  });
  const call = (op, timeoutMillis) =>
    new Promise((resolve) => {
      const id = nextId++;
      waiting.set(id, resolve);
      worker.postMessage({ op, id, timeoutMillis });
    });
  const mainDrops = {};
  const count = (reason, n) => (mainDrops[reason] = (mainDrops[reason] ?? 0) + n);
  const signalQueue = {
    outcomes: {
      processed() {},
      notQueued: (n, reason) => count(reason, n),
      bufferFull: (n) => count('buffer_full', n),
      encodeFailed: (n) => count('encode_failed', n),
    },
    lastRefusal: 'queue_full',
    isShutdown: false,
    append(fragment, items) {
      const owned =
        fragment.byteOffset === 0 && fragment.byteLength === fragment.buffer.byteLength
          ? fragment
          : fragment.slice();
      worker.postMessage({ op: 'append', fragment: owned, items }, [owned.buffer]);
      return true;
    },
  };
  const encoder = createFragmentEncoder({
    signalQueue,
    delayMs: budget.encodeDelayMs,
    encoder: createIncrementalLogsEncoder(),
  });
  /** Drops counted on either thread, by reason (records), as of the latest forceFlush or shutdown. */
  const drops = {};
  const settle = (reply) => {
    for (const reason of new Set([...Object.keys(reply.drops), ...Object.keys(mainDrops)]))
      drops[reason] = (reply.drops[reason] ?? 0) + (mainDrops[reason] ?? 0);
    return reply.result;
  };
  return {
    drops,
    onEmit(record) {
      encoder.add(record);
    },
    async forceFlush(o) {
      encoder.drain();
      return settle(await call('forceFlush', o?.timeoutMillis));
    },
    async shutdown(o) {
      encoder.drain();
      const result = settle(await call('shutdown', o?.timeoutMillis));
      await worker.terminate();
      return result;
    },
  };
}
