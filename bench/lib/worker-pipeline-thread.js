// The worker side of bench/lib/worker-pipeline.js: the shipped signal queue for logs, fed with
// the fragments the main thread encoded.
import { subscribe } from 'node:diagnostics_channel';
import { parentPort, workerData } from 'node:worker_threads';

const { options, exporterDist } = workerData;
const { createSignalQueue } = await import(new URL('signal-queue.js', exporterDist).href);
const { durabilityBudget } = await import(new URL('durability-budget.js', exporterDist).href);

const budget = durabilityBudget(options.queue?.fsyncIntervalMs ?? 100, true);
const queue = createSignalQueue('logs', options, 'lifeline_worker_log_processor', budget);
const drops = {};
subscribe('lifeline:queue:drop', (event) => {
  drops[event.reason] = (drops[event.reason] ?? 0) + event.records;
});

parentPort.on('message', async (m) => {
  if (m.op === 'append') {
    if (!queue.append(m.fragment, m.items)) {
      const reason = `${queue.lastRefusal} (refused)`;
      drops[reason] = (drops[reason] ?? 0) + m.items;
    }
  } else if (m.op === 'forceFlush' || m.op === 'shutdown') {
    const result = await queue[m.op](m.timeoutMillis);
    parentPort.postMessage({ id: m.id, result: { ...result }, drops });
  }
});
