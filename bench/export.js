#!/usr/bin/env node
// Export benchmark: the stock OpenTelemetry JS log pipeline (BatchLogRecordProcessor +
// OTLPLogExporter, protobuf; the baseline) side by side with Lifeline's durable processor.
//
//   pnpm bench:export              (builds, then runs this file)
//   node bench/export.js [--quick] [--out DIR] [--rounds N] [--only SCENARIO] [--long-outage-seconds S]
//                        [--long-outage-warmup-seconds S] [--hour-outage-seconds S]
//
// Every run of a variant has its own child process (the "app"); the backend is a Lifeline receiver
// in another child process that counts records by their `seq` attribute, so loss and duplicates
// are exact. The benchmark runs in interleaved rounds (5; --quick: 2, with shorter scenarios):
// each round runs every scenario for both variants back to back, stock first in odd rounds and
// Lifeline first in even ones, so slow drifts of the shared machine hit both alike. Every figure is
// the median over rounds with its min–max; ratios are Lifeline's median over the stock pipeline's
// (the raw results also hold the per-round ratios). Scenarios, per round:
//   throughput   offered 10k, 50k and 100k records/s for 2 s each (--quick: 1 s): delivered/s
//                (distinct records received over the run including its final flush), lost/s,
//                main-thread CPU per 1k records offered; the drop-free figure is a round's best
//                delivered/s among its zero-loss runs
//   outage       the backend is down for 15 s (--quick: 4 s) at 10k records/s: records lost, and
//                how long after the backend's return the last record arrived (Lifeline's catch-up,
//                bounded by its retry backoff)
//   fail-over    Lifeline only (the stock exporter has one endpoint), at 2k records/s, two backends;
//                the primary refuses connections, then (next run) accepts and never answers
//                (blackholed). Time to fail over: from the fault to the first request the secondary
//                receives. Time to fail back: from the primary's recovery to the first request it
//                receives again, bounded by the probe interval (plus one attempt timeout when a
//                probe was hanging at the recovery). The fault lasts one attempt timeout + 0.5 s plus
//                a different fraction of the probe interval in each round ((round − 0.5) ÷ rounds),
//                so fail-back times spread over the interval as a recovery at a random moment would.
//   disk full    the queue's volume (a 64 MiB tmpfs mounted for the run) is filled by another file
//                for 30 s (--quick: 8 s) at 10k records/s with the backend up, then freed: records
//                delivered against those emitted, both variants in the same round (the stock
//                pipeline keeps nothing on disk; Lifeline degrades to its memory fallback). Needs
//                permission to mount (root); skipped with a note otherwise.
//                `--only disk-full` runs just this scenario and updates it in an existing export.json.
//   worker       an experiment: the shipped pipeline against the same with its disk half (gzip,
//                queue, sender) in a worker thread (bench/lib/worker-pipeline.js), 20k records/s
//                for 4 s (--quick: 2 s), 3 rounds (--quick: 1), the app pinned to one core and
//                then free on every core: main-thread and whole-process CPU per record.
//                `--only worker` runs just this scenario and updates it in an existing export.json.
//   hour outage  the long outage at 1,000 records/s with the backend down for 1 hour: the outage
//                budget the README states for the default queue. It takes over an hour, so only
//                `--only hour-outage` runs it (updating it in an existing export.json), and a full
//                run keeps the last one measured.
// Lifeline runs with its defaults (its 1 GiB queue holds the outages' records) except, to keep
// runs short: retry backoff cap 5 s (default 30 s), probe interval 2 s (default 30 s) and attempt
// timeout 1 s in the fail-over runs, shutdown timeout 1 s. Raw results, every run of every round
// included, go to <out>/export.json (default bench/results/export.json); bench/report.js renders
// them into BENCHMARKS.md, the charts and the READMEs' bench:export blocks.
import { execFileSync, fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import v8 from 'node:v8';
import { ACCESS_EVENT_BODY, accessEventAttributes } from './lib/access-event.js';
import { longOutage, outageUnderLoad, stageProfile, workerPipeline } from './lib/export-scenarios.js';
import { drainBacklogRows } from './lib/drain-backlog.js';
import { countOption } from './lib/options.js';
import { makeRunDir } from './lib/run-dir.js';
import { ratioOfMedians, summary } from './lib/stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));

/**
 * CPU time of this process's main thread in ms (Linux: /proc/self/task/<pid>/stat, utime + stime),
 * so that work on libuv's thread pool (gzip, fdatasync) is not counted as main-thread time.
 * Elsewhere: the event loop's active time, which also counts time spent descheduled.
 */
function mainThreadCpuMs() {
  try {
    const stat = fs.readFileSync(`/proc/self/task/${process.pid}/stat`, 'utf8');
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100; // utime, stime in USER_HZ (100/s)
  } catch {
    return performance.eventLoopUtilization().active;
  }
}
const self = fileURLToPath(import.meta.url);
const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A sleep that does not keep the process alive: for deadlines raced against the real work. */
const deadline = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

// ─── child roles ────────────────────────────────────────────────────────────────────────────────

/**
 * The backend: a receiver that keeps nothing but a bitmap of the `seq` values it saw. One receiver
 * process serves every run of the benchmark; `reset` forgets what it saw between runs.
 */
async function receiverRole() {
  const { createReceiver } = await import('@otel-lifeline/receiver');
  let seen = new Uint8Array(1 << 20);
  let unique = 0;
  let total = 0;
  let mark;
  let firstAfterMark;
  let lastArrival = 0;
  const record = (seq) => {
    if (seq >= seen.length) {
      const bigger = new Uint8Array(Math.max(seen.length * 2, seq + 1));
      bigger.set(seen);
      seen = bigger;
    }
    total++;
    if (seen[seq] === 0) {
      seen[seq] = 1;
      unique++;
    }
  };
  const receiver = await createReceiver({
    keep: false,
    onExport: (_signal, request) => {
      const now = Date.now();
      lastArrival = now;
      if (mark !== undefined && firstAfterMark === undefined) firstAfterMark = now;
      for (const rl of request.resourceLogs ?? []) {
        for (const sl of rl.scopeLogs ?? []) {
          for (const lr of sl.logRecords ?? []) {
            const attr = lr.attributes?.find((a) => a.key === 'seq');
            const seq = Number(attr?.value?.intValue ?? -1);
            if (seq >= 0) record(seq);
          }
        }
      }
    },
  });
  process.on('message', async (command) => {
    let reply = {};
    switch (command.op) {
      case 'stats':
        reply = { unique, total, duplicates: total - unique, lastArrival };
        break;
      case 'reset':
        seen = new Uint8Array(1 << 20);
        unique = 0;
        total = 0;
        mark = undefined;
        firstAfterMark = undefined;
        lastArrival = 0;
        receiver.clearFaults();
        await receiver.start(); // a no-op unless a scenario left it stopped
        break;
      case 'bitmap':
        reply = { bitmap: Buffer.from(seen.buffer, seen.byteOffset, seen.byteLength).toString('base64') };
        break;
      case 'mark':
        mark = Date.now();
        firstAfterMark = undefined;
        reply = { mark };
        break;
      case 'firstAfterMark':
        reply = { mark, firstAfterMark };
        break;
      case 'stop':
        await receiver.stop();
        reply = { at: Date.now() };
        break;
      case 'start':
        await receiver.start();
        reply = { at: Date.now() };
        break;
      case 'fault':
        receiver.addFault(command.fault, command.when);
        reply = { at: Date.now() };
        break;
      case 'clearFaults':
        receiver.clearFaults();
        reply = { at: Date.now() };
        break;
      case 'close':
        await receiver.close();
        process.send({ id: command.id }, () => process.exit(0));
        return;
    }
    process.send({ id: command.id, ...reply });
  });
  process.send({ ready: true, url: receiver.url });
}

/** The app: emits log records of the L5 fixture shape at a fixed rate through one variant. */
async function appRole(config) {
  const { LoggerProvider, BatchLogRecordProcessor } = await import('@opentelemetry/sdk-logs');
  let processor;
  /** Queue records (fragments) Lifeline dropped, by reason; the stock pipeline drops without telling. */
  let drops = {};
  let degradedSpells = 0;
  /** Per-stage totals from `lifeline:stage` and `lifeline:export:ok` (the profile scenario). */
  const stages = {};
  const addStage = (stage, ms, bytes) => {
    const s = (stages[stage] ??= { calls: 0, ms: 0, bytes: 0 });
    s.calls++;
    s.ms += ms;
    s.bytes += bytes;
  };
  if (config.profileStages) {
    const { subscribe } = await import('node:diagnostics_channel');
    subscribe('lifeline:stage', (m) => addStage(m.stage, m.ms, m.bytes));
    subscribe('lifeline:export:ok', (m) => addStage('http', m.durationMs, 0));
  }
  /** RSS and heap every `sampleEveryMs` (the long outage). */
  const memory = [];
  if (config.sampleEveryMs) {
    const sample = () => {
      const m = process.memoryUsage();
      memory.push({
        atMs: Date.now(),
        rssMiB: m.rss / 2 ** 20,
        heapMiB: m.heapUsed / 2 ** 20,
        heapTotalMiB: m.heapTotal / 2 ** 20,
        externalMiB: m.external / 2 ** 20,
        arrayBuffersMiB: m.arrayBuffers / 2 ** 20,
        // The sizes V8 reserved for its young and old generations (space_size, not what is used).
        spaces: Object.fromEntries(
          v8
            .getHeapSpaceStatistics()
            .filter((x) => x.space_name === 'new_space' || x.space_name === 'old_space')
            .map((x) => [x.space_name, x.space_size / 2 ** 20]),
        ),
      });
    };
    sample();
    setInterval(sample, config.sampleEveryMs).unref();
  }
  if (config.variant === 'stock') {
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
    processor = new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: config.endpoints[0] }) });
  } else if (config.variant === 'lifeline-worker') {
    // The worker-thread experiment (bench/lib/worker-pipeline.js): defaults, as the long outage.
    const { createWorkerLogRecordProcessor } = await import('./lib/worker-pipeline.js');
    processor = createWorkerLogRecordProcessor({
      endpoints: config.endpoints.map((url) => ({ url })),
      queueDir: config.queueDir,
      shutdownTimeoutMs: 1_000,
    });
    drops = processor.drops;
  } else {
    const { createDurableLogRecordProcessor } = await import('@otel-lifeline/exporter');
    const { subscribe } = await import('node:diagnostics_channel');
    subscribe('lifeline:queue:drop', (event) => {
      drops[event.reason] = (drops[event.reason] ?? 0) + event.records;
    });
    // Spells in which the disk refused writes and records went through memory (disk-full runs).
    subscribe('lifeline:queue:durability', (event) => {
      if (event.state === 'degraded') degradedSpells++;
    });
    processor = createDurableLogRecordProcessor({
      endpoints: config.endpoints.map((url) =>
        config.timeoutMs === undefined ? { url } : { url, timeoutMs: config.timeoutMs },
      ),
      queueDir: config.queueDir,
      ...(config.probeIntervalMs === undefined ? {} : { probeIntervalMs: config.probeIntervalMs }),
      ...(config.maxBackoffMs === undefined ? {} : { retry: { maxBackoffMs: config.maxBackoffMs } }),
      shutdownTimeoutMs: 1_000,
    });
  }
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger('bench-export', '1.0.0');
  const attributes = accessEventAttributes;
  const body = ACCESS_EVENT_BODY;

  let emitted = 0;
  let t0 = 0;
  /** When emitting stops: the run's duration, or earlier when the orchestrator sends `end`. */
  let endAt = Infinity;
  const emitUntilEnd = () =>
    new Promise((resolve) => {
      const timer = setInterval(() => {
        const now = performance.now();
        const due = Math.floor(((Math.min(now, endAt) - t0) * config.rate) / 1000);
        while (emitted < due) {
          logger.emit({ severityNumber: 9, severityText: 'INFO', body, attributes: attributes(emitted) });
          emitted++;
        }
        if (now >= endAt) {
          clearInterval(timer);
          resolve();
        }
      }, 1);
    });

  process.on('message', async (command) => {
    if (command.op === 'run') {
      const main0 = mainThreadCpuMs();
      const cpu0 = process.cpuUsage();
      const windowStartUs = Number(process.hrtime.bigint() / 1000n);
      t0 = performance.now();
      endAt = Math.min(endAt, t0 + command.durationMs);
      await emitUntilEnd();
      const emitEnd = performance.now();
      // The stock processor exports what its in-memory queue holds; ours flushes to disk and sends
      // until everything is acknowledged or the timeout passes.
      const flushed = await Promise.race([
        processor.forceFlush({ timeoutMillis: command.flushTimeoutMs }).then(
          () => true,
          () => false,
        ),
        deadline(command.flushTimeoutMs + 1_000).then(() => false),
      ]);
      const main = mainThreadCpuMs() - main0;
      const cpu = process.cpuUsage(cpu0);
      process.send({
        id: command.id,
        emitted,
        emitMs: emitEnd - t0,
        flushMs: performance.now() - emitEnd,
        flushed,
        totalMs: performance.now() - t0,
        mainThreadCpuMs: main,
        windowUs: [windowStartUs, Number(process.hrtime.bigint() / 1000n)],
        processCpuMs: (cpu.user + cpu.system) / 1000,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        drops,
        degradedSpells,
        ...(config.profileStages ? { stages } : {}),
        ...(config.sampleEveryMs ? { memory } : {}),
      });
    } else if (command.op === 'end') {
      endAt = Math.min(endAt, performance.now());
      process.send({ id: command.id });
    } else if (command.op === 'shutdown') {
      await Promise.race([provider.shutdown(), deadline(5_000)]).catch(() => undefined);
      process.send({ id: command.id }, () => process.exit(0));
    }
  });
  process.send({ ready: true });
}

// ─── orchestration ──────────────────────────────────────────────────────────────────────────────

/** A child process speaking request/response over IPC; a call fails if the child dies first. */
async function spawnRole(role, config = {}, execArgv = []) {
  const child = fork(self, ['--role', role, '--config', JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...execArgv],
  });
  const waiting = new Map();
  let nextId = 1;
  let exited = false;
  child.once('exit', (code, signal) => {
    exited = true;
    for (const { reject } of waiting.values()) reject(new Error(`${role} exited (${code ?? signal})`));
    waiting.clear();
  });
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${role} exited early (${code})`)));
    child.on('message', (message) => {
      if (message.ready) resolve(message);
      else {
        waiting.get(message.id)?.resolve(message);
        waiting.delete(message.id);
      }
    });
  });
  const info = await ready;
  return {
    info,
    pid: child.pid,
    url: `${info.url}/v1/logs`,
    call(op, extra = {}) {
      if (exited) return Promise.reject(new Error(`${role} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, op, ...extra });
      });
    },
    async close(op = 'close') {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      this.call(op).catch(() => undefined);
      await Promise.race([gone, deadline(10_000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** Waits until the receiver's unique count reaches `target` or stops growing for `quietMs`. */
async function settle(receiver, target, quietMs, limitMs) {
  const until = Date.now() + limitMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await receiver.call('stats');
    if (stats.unique >= target) return stats;
    if (stats.unique !== last) {
      last = stats.unique;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > quietMs || Date.now() > until) return stats;
    await sleep(50);
  }
}

/** Polls a receiver until it received a request after its mark; the arrival time, or null at the limit. */
async function firstAfterMark(receiver, limitMs) {
  const until = Date.now() + limitMs;
  for (;;) {
    const reply = await receiver.call('firstAfterMark');
    if (reply.firstAfterMark !== undefined) return reply.firstAfterMark;
    if (Date.now() > until) return null;
    await sleep(20);
  }
}

function freshQueueDir(tmpRoot, name) {
  const dir = path.join(tmpRoot, `${name}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// After the app's final flush returns, nothing of the stock pipeline is still in flight, and
// Lifeline has had everything acknowledged; the short quiet wait only lets the counts settle.
const QUIET_MS = 200;

async function throughput({ variant, rate, seconds, maxBackoffMs, receiver, tmpRoot }) {
  await receiver.call('reset');
  const app = await spawnRole('app', {
    variant,
    rate,
    endpoints: [receiver.url],
    queueDir: freshQueueDir(tmpRoot, `tp-${variant}`),
    maxBackoffMs,
  });
  const run = await app.call('run', { durationMs: seconds * 1000, flushTimeoutMs: 60_000 });
  const stats = await settle(receiver, run.emitted, QUIET_MS, 60_000);
  await app.close('shutdown');
  const lost = run.emitted - stats.unique;
  return {
    scenario: 'throughput',
    variant,
    offeredPerSec: rate,
    seconds,
    emitted: run.emitted,
    delivered: stats.unique,
    duplicates: stats.duplicates,
    lost,
    deliveredPerSec: stats.unique / (run.totalMs / 1000),
    droppedPerSec: lost / (run.emitMs / 1000),
    mainThreadMsPer1k: run.mainThreadCpuMs / (run.emitted / 1000),
    processCpuMsPer1k: run.processCpuMs / (run.emitted / 1000),
    rssMiB: run.rssMiB,
    flushMs: run.flushMs,
    flushed: run.flushed,
    countedDrops: run.drops,
  };
}

/**
 * Runs the app through one fault: `aroundMs` of traffic, the fault for `faultMs` (begin ... end),
 * `aroundMs` more, then waits for the receiver to settle and shuts the app down. The outage and
 * disk-full rows differ only in their fault.
 */
async function throughFault(app, receiver, { aroundMs, faultMs, limitMs, begin, end }) {
  const running = app.call('run', { durationMs: aroundMs + faultMs + aroundMs, flushTimeoutMs: limitMs });
  await sleep(aroundMs);
  const began = await begin();
  await sleep(faultMs);
  const ended = await end(began);
  const run = await running;
  const stats = await settle(receiver, run.emitted, QUIET_MS, limitMs);
  await app.close('shutdown');
  return { run, stats, began, ended };
}

async function outage({ variant, rate, outageSeconds, maxBackoffMs, receiver, tmpRoot }) {
  await receiver.call('reset');
  const app = await spawnRole('app', {
    variant,
    rate,
    endpoints: [receiver.url],
    queueDir: freshQueueDir(tmpRoot, `outage-${variant}`),
    maxBackoffMs,
  });
  const {
    run,
    stats,
    began: downAt,
    ended: upAt,
  } = await throughFault(app, receiver, {
    aroundMs: 500,
    faultMs: outageSeconds * 1000,
    limitMs: 120_000,
    begin: async () => (await receiver.call('stop')).at,
    end: async () => (await receiver.call('start')).at,
  });
  return {
    scenario: 'outage',
    variant,
    offeredPerSec: rate,
    outageSeconds,
    outageMs: upAt - downAt,
    emitted: run.emitted,
    delivered: stats.unique,
    duplicates: stats.duplicates,
    lost: run.emitted - stats.unique,
    // From the backend's return to the last record it received: how long the catch-up took.
    catchUpMs: stats.lastArrival > upAt ? stats.lastArrival - upAt : 0,
    flushed: run.flushed,
    countedDrops: run.drops,
  };
}

async function failover({
  fault,
  rate,
  probeIntervalMs,
  timeoutMs,
  maxBackoffMs,
  phase,
  primary,
  secondary,
  tmpRoot,
}) {
  await Promise.all([primary.call('reset'), secondary.call('reset')]);
  const app = await spawnRole('app', {
    variant: 'lifeline',
    rate,
    endpoints: [primary.url, secondary.url],
    queueDir: freshQueueDir(tmpRoot, `failover-${fault}`),
    probeIntervalMs,
    timeoutMs,
    maxBackoffMs,
  });
  const running = app.call('run', { durationMs: 120_000, flushTimeoutMs: 30_000 });
  await sleep(500); // traffic on the primary first
  await secondary.call('mark');
  const faultAt =
    fault === 'refused'
      ? (await primary.call('stop')).at
      : (await primary.call('fault', { fault: { kind: 'hang' }, when: { forMs: 3_600_000 } })).at;
  const switchedAt = await firstAfterMark(secondary, timeoutMs + 5_000);
  const holdMs = timeoutMs + 500 + probeIntervalMs * phase;
  await sleep(Math.max(0, faultAt + holdMs - Date.now()));
  await primary.call('mark');
  const recoveredAt =
    fault === 'refused' ? (await primary.call('start')).at : (await primary.call('clearFaults')).at;
  const failedBackAt = await firstAfterMark(primary, probeIntervalMs + timeoutMs + 3_000);
  await sleep(300); // traffic on the primary again for a moment
  await app.call('end');
  const run = await running;
  const [p, s] = [await primary.call('stats'), await secondary.call('stats')];
  // A record counts as delivered when either backend holds it.
  const [pb, sb] = [await primary.call('bitmap'), await secondary.call('bitmap')].map((m) =>
    Buffer.from(m.bitmap, 'base64'),
  );
  let union = 0;
  for (let i = 0; i < run.emitted; i++) if ((pb[i] ?? 0) | (sb[i] ?? 0)) union++;
  await app.close('shutdown');
  return {
    scenario: 'failover',
    variant: 'lifeline',
    fault,
    offeredPerSec: rate,
    probeIntervalMs,
    attemptTimeoutMs: timeoutMs,
    faultHeldMs: recoveredAt - faultAt,
    timeToFailoverMs: switchedAt === null ? null : switchedAt - faultAt,
    timeToFailbackMs: failedBackAt === null ? null : failedBackAt - recoveredAt,
    emitted: run.emitted,
    receivedPrimary: p.unique,
    receivedSecondary: s.unique,
    duplicates: p.total + s.total - union,
    lost: run.emitted - union,
    flushed: run.flushed,
  };
}

/** Mounts a fresh tmpfs for one run's queue; undefined when this process may not mount. */
function mountVolume(tmpRoot, name, sizeMiB) {
  const dir = freshQueueDir(tmpRoot, name);
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${sizeMiB}m`, 'tmpfs', dir], { stdio: 'ignore' });
    return dir;
  } catch {
    return undefined;
  }
}

/** Fills a volume with one file until ENOSPC; returns the file to remove. */
function fillVolume(dir) {
  const file = path.join(dir, 'filler');
  const fd = fs.openSync(file, 'w');
  const chunk = Buffer.alloc(1024 * 1024, 1);
  try {
    for (;;) fs.writeSync(fd, chunk);
  } catch (error) {
    if (error.code !== 'ENOSPC') throw error;
  } finally {
    fs.closeSync(fd);
  }
  // The last partial chunk: fill the remaining blocks too.
  const small = fs.openSync(path.join(dir, 'filler-tail'), 'w');
  try {
    for (;;) fs.writeSync(small, Buffer.alloc(4096, 1));
  } catch {
    // ENOSPC: full.
  } finally {
    fs.closeSync(small);
  }
  return [file, path.join(dir, 'filler-tail')];
}

async function diskFull({ variant, rate, fullSeconds, maxBackoffMs, receiver, tmpRoot }) {
  await receiver.call('reset');
  const volume = mountVolume(tmpRoot, `diskfull-${variant}`, 64);
  if (volume === undefined)
    return { scenario: 'diskFull', variant, skipped: 'mounting a tmpfs is not allowed (needs root)' };
  try {
    const app = await spawnRole('app', {
      variant,
      rate,
      endpoints: [receiver.url],
      queueDir: path.join(volume, 'logs'),
      maxBackoffMs,
    });
    const { run, stats } = await throughFault(app, receiver, {
      aroundMs: 1_000,
      faultMs: fullSeconds * 1000,
      limitMs: 60_000,
      begin: async () => fillVolume(volume),
      end: async (fillers) => {
        for (const f of fillers) fs.rmSync(f, { force: true });
      },
    });
    return {
      scenario: 'diskFull',
      variant,
      offeredPerSec: rate,
      fullSeconds,
      emitted: run.emitted,
      delivered: stats.unique,
      duplicates: stats.duplicates,
      lost: run.emitted - stats.unique,
      deliveredShare: stats.unique / run.emitted,
      degradedSpells: run.degradedSpells,
      flushed: run.flushed,
      countedDrops: run.drops,
    };
  } finally {
    try {
      execFileSync('umount', ['-l', volume], { stdio: 'ignore' });
    } catch {
      // Already gone.
    }
  }
}

/** The disk-full rows: per variant the median (min–max) of delivered, lost and the delivered share. */
function summarizeDiskFull(settings, results) {
  const runs = results.filter((r) => r.scenario === 'diskFull' && r.skipped === undefined);
  if (runs.length === 0) {
    const skipped = results.find((r) => r.scenario === 'diskFull')?.skipped;
    return skipped === undefined ? undefined : { skipped };
  }
  const out = {
    offeredPerSec: settings.diskFullRate,
    fullSeconds: settings.diskFullSeconds,
    rounds: settings.diskFullRounds,
  };
  for (const variant of VARIANTS) {
    const mine = runs.filter((r) => r.variant === variant);
    out[variant] = {
      emitted: summary(mine.map((r) => r.emitted)),
      delivered: summary(mine.map((r) => r.delivered)),
      lost: summary(mine.map((r) => r.lost)),
      deliveredShare: summary(mine.map((r) => r.deliveredShare)),
    };
  }
  out.ratio = { delivered: ratioOfMedians(out.lifeline.delivered, out.stock.delivered) };
  out.date = new Date().toISOString();
  return out;
}

/** `--only` scenarios, each with its key in export.json. */
const ONLY = {
  'disk-full': 'diskFull',
  'outage-load': 'outageUnderLoad',
  profile: 'profile',
  'long-outage': 'longOutage',
  worker: 'workerPipeline',
  drain: 'drain',
  'hour-outage': 'hourOutage',
};
/** The `--only` scenarios that run in the interleaved rounds; the others run once. */
const IN_ROUNDS = ['disk-full', 'outage-load'];

/** The scenarios Lifeline runs alone: outage under CPU load (per round); profile, the outages and the worker (once). */
function summarizeLifelineOnly(settings, results) {
  const loaded = results.filter((r) => r.scenario === 'outageUnderLoad');
  const out = {};
  if (loaded.length) {
    out.outageUnderLoad = {
      offeredPerSec: settings.outageRate,
      outageSeconds: settings.outageSeconds,
      busyProcesses: loaded[0].busyProcesses,
      rounds: loaded.length,
      emitted: summary(loaded.map((r) => r.emitted)),
      lost: summary(loaded.map((r) => r.lost)),
      catchUpMs: summary(loaded.map((r) => r.catchUpMs)),
      date: new Date().toISOString(),
    };
  }
  for (const scenario of ['profile', 'longOutage', 'hourOutage', 'workerPipeline']) {
    const r = results.find((x) => x.scenario === scenario);
    if (r) out[scenario] = { ...r, date: new Date().toISOString() };
  }
  return out;
}

/** The log line of a long or hour outage's result. */
const describeOutage = (name) => (r) =>
  `${name} ${fmt(r.outageSeconds)} s at ${fmt(r.offeredPerSec)}/s: emitted ${fmt(r.emitted)}, lost ${fmt(r.lost)} (${JSON.stringify(r.countedDrops)}), RSS +${fmt(r.rssGrowthMiB, 1)} MiB (young generation +${fmt(r.newSpaceGrowthMiB, 1)}; the control with its backend up +${fmt(r.control.rssGrowthMiB, 1)}), heap +${fmt(r.heapGrowthMiB, 1)} MiB, ${fmt(r.diskBytes / 2 ** 20, 1)} MiB on disk (the backlog ${fmt((r.diskBytes - r.diskBytesAtDown) / 2 ** 20, 1)} MiB, ${fmt(r.diskBytesPerRecord, 1)} B/record), delivered ${fmt(r.catchUpMs)} ms after the backend returned`;

/**
 * A run as the raw `results` keep it: the outages' memory samples (every 5 s, hundreds of them) are
 * kept once, in the scenario's own entry (`longOutage`, `hourOutage`).
 */
function withoutSamples(r) {
  if (r.samples === undefined) return r;
  const rest = { ...r };
  delete rest.samples;
  if (rest.control !== undefined) {
    rest.control = { ...rest.control };
    delete rest.control.samples;
  }
  return rest;
}

/**
 * The hour outage of the export.json at `file`, if there is one (a full run keeps it). A file that
 * cannot be read costs only that row, not the run that is about to be written.
 */
function previousHourOutage(file) {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).hourOutage;
  } catch (error) {
    console.warn(`the hour outage of ${file} is not kept: ${error.message}`);
    return undefined;
  }
}

const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

const VARIANTS = ['stock', 'lifeline'];
const VARIANT_KEYS = [
  'deliveredPerSec',
  'droppedPerSec',
  'lost',
  'mainThreadMsPer1k',
  'processCpuMsPer1k',
  'rssMiB',
];

/** Median (min–max) of every figure over the rounds, and Lifeline's ratio to the stock pipeline. */
function summarize(settings, results) {
  const runs = (filter) => results.filter((r) => Object.entries(filter).every(([k, v]) => r[k] === v));
  const perRound = (filter, key) =>
    Array.from({ length: settings.rounds }, (_, round) => runs({ ...filter, round })[0]?.[key] ?? null);
  const paired = (filter, key) => {
    const s = perRound({ ...filter, variant: 'stock' }, key);
    const l = perRound({ ...filter, variant: 'lifeline' }, key);
    return summary(l.map((v, i) => (v !== null && s[i] ? v / s[i] : null)));
  };

  const throughput = settings.rates.map((rate) => {
    const filter = { scenario: 'throughput', offeredPerSec: rate };
    const row = { offeredPerSec: rate };
    for (const variant of VARIANTS) {
      row[variant] = {};
      for (const key of VARIANT_KEYS) row[variant][key] = summary(perRound({ ...filter, variant }, key));
    }
    row.ratio = {};
    for (const key of ['deliveredPerSec', 'mainThreadMsPer1k', 'processCpuMsPer1k', 'rssMiB']) {
      row.ratio[key] = ratioOfMedians(row.lifeline[key], row.stock[key]);
    }
    row.pairedRatio = {
      deliveredPerSec: paired(filter, 'deliveredPerSec'),
      mainThreadMsPer1k: paired(filter, 'mainThreadMsPer1k'),
    };
    return row;
  });

  // A round's drop-free throughput: the best delivered/s among that round's zero-loss runs.
  const dropFree = {};
  for (const variant of VARIANTS) {
    const rounds = Array.from({ length: settings.rounds }, (_, round) => {
      const clean = runs({ scenario: 'throughput', variant, round }).filter((r) => r.lost === 0);
      return clean.length ? Math.max(...clean.map((r) => r.deliveredPerSec)) : null;
    });
    dropFree[variant] = summary(rounds);
  }

  const outage = { offeredPerSec: settings.outageRate, outageSeconds: settings.outageSeconds };
  for (const variant of VARIANTS) {
    const filter = { scenario: 'outage', variant };
    outage[variant] = {
      emitted: summary(perRound(filter, 'emitted')),
      lost: summary(perRound(filter, 'lost')),
      duplicates: summary(perRound(filter, 'duplicates')),
      catchUpMs: summary(perRound(filter, 'catchUpMs')),
    };
  }
  outage.ratio = { lost: ratioOfMedians(outage.lifeline.lost, outage.stock.lost) };

  const failover = {
    offeredPerSec: settings.failoverRate,
    probeIntervalMs: settings.probeIntervalMs,
    attemptTimeoutMs: settings.attemptTimeoutMs,
  };
  for (const fault of ['refused', 'blackholed']) {
    const filter = { scenario: 'failover', fault };
    failover[fault] = {
      timeToFailoverMs: summary(perRound(filter, 'timeToFailoverMs')),
      timeToFailbackMs: summary(perRound(filter, 'timeToFailbackMs')),
      lost: summary(perRound(filter, 'lost')),
    };
  }
  const failoverRuns = runs({ scenario: 'failover' });
  failover.timeToFailbackMs = summary(failoverRuns.map((r) => r.timeToFailbackMs));
  failover.runs = failoverRuns.length;
  failover.lostTotal = failoverRuns.reduce((n, r) => n + r.lost, 0);
  failover.emittedTotal = failoverRuns.reduce((n, r) => n + r.emitted, 0);

  return { throughput, dropFree, outage, failover };
}

/** Runs one scenario and keeps its row, with the round and the wall time it took. */
async function timedRow(results, round, scenario) {
  const t = performance.now();
  const r = await scenario();
  results.push({ round, ...r, wallMs: performance.now() - t });
  return r;
}

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      rounds: { type: 'string' },
      only: { type: 'string' },
      role: { type: 'string' },
      config: { type: 'string' },
      'long-outage-seconds': { type: 'string' },
      'long-outage-warmup-seconds': { type: 'string' },
      'hour-outage-seconds': { type: 'string' },
    },
  });
  // A role ends with the run that forked it, even when that run was killed and could not say so.
  if (values.role !== undefined) process.once('disconnect', () => process.exit(1));
  if (values.role === 'receiver') return receiverRole();
  if (values.role === 'app') return appRole(JSON.parse(values.config ?? '{}'));

  const quick = values.quick;
  const rounds = countOption('rounds', values.rounds, quick ? 2 : 5);
  const settings = {
    rounds,
    order: 'interleaved: stock first in odd rounds, Lifeline first in even rounds',
    rates: [10_000, 50_000, 100_000],
    throughputSeconds: quick ? 1 : 2,
    outageRate: 10_000,
    outageSeconds: quick ? 4 : 15,
    failoverRate: 2_000,
    probeIntervalMs: 2_000,
    attemptTimeoutMs: 1_000,
    retryMaxBackoffMs: 5_000,
    diskFullRate: 10_000,
    diskFullSeconds: quick ? 8 : 30,
    diskFullRounds: rounds,
  };
  Object.assign(settings, {
    profileRate: 20_000,
    profileSeconds: quick ? 2 : 4,
    longOutageRate: 5_000,
    // --long-outage-seconds is for exploring; 600 s (--quick: 30 s) otherwise.
    longOutageSeconds: countOption('long-outage-seconds', values['long-outage-seconds'], quick ? 30 : 600),
    // The app runs with its backend up this long before the outage (300 s; --quick: 10 s), so the
    // outage starts from a steady state, as in a service that has been up for a while: at this rate
    // V8 takes about 3 min to grow its young generation to full size, backlog or not.
    longOutageWarmupSeconds: countOption(
      'long-outage-warmup-seconds',
      values['long-outage-warmup-seconds'],
      quick ? 10 : 300,
    ),
    longOutageSampleEveryMs: 5_000,
    hourOutageRate: 1_000,
    // --hour-outage-seconds is for trying the scenario out; 3,600 s otherwise.
    hourOutageSeconds: countOption('hour-outage-seconds', values['hour-outage-seconds'], 3_600),
    workerRate: 20_000,
    workerSeconds: quick ? 2 : 4,
    workerRounds: quick ? 1 : 3,
  });
  if (values.only !== undefined && !Object.hasOwn(ONLY, values.only)) {
    throw new Error(`--only: expected one of ${Object.keys(ONLY).join(', ')}, got "${values.only}"`);
  }
  const onlyDiskFull = values.only === 'disk-full';
  // The hour outage runs only when asked for by name (see the top of the file).
  const runs = (name) => (values.only === undefined ? name !== 'hour-outage' : values.only === name);
  const ctx = { spawnRole, settle, freshQueueDir, sleep, quietMs: QUIET_MS, outage };
  const out = path.resolve(values.out ?? path.join(benchDir, 'results'));
  fs.mkdirSync(out, { recursive: true });
  const tmpRoot = makeRunDir(benchDir, 'export');
  const started = performance.now();
  const results = [];
  const log = (line) => console.log(line);

  const [primary, secondary] = await Promise.all([spawnRole('receiver'), spawnRole('receiver')]);
  let lifelineDrain;
  try {
    for (
      let round = 0;
      round < rounds && (values.only === undefined || IN_ROUNDS.includes(values.only));
      round++
    ) {
      const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
      const tag = `round ${round + 1}/${rounds}`;
      for (const variant of runs('disk-full') ? order : []) {
        const r = await timedRow(results, round, () =>
          diskFull({
            variant,
            rate: settings.diskFullRate,
            fullSeconds: settings.diskFullSeconds,
            maxBackoffMs: settings.retryMaxBackoffMs,
            receiver: primary,
            tmpRoot,
          }),
        );
        log(
          r.skipped
            ? `${tag} disk full ${variant}: skipped (${r.skipped})`
            : `${tag} disk full ${settings.diskFullSeconds} s ${variant.padEnd(8)}: emitted ${fmt(r.emitted)}, delivered ${fmt(r.delivered)} (${fmt(100 * r.deliveredShare, 2)}%), lost ${fmt(r.lost)}, degraded spells ${r.degradedSpells}`,
        );
      }
      if (runs('outage-load')) {
        const r = await timedRow(results, round, () =>
          outageUnderLoad(ctx, {
            rate: settings.outageRate,
            outageSeconds: settings.outageSeconds,
            maxBackoffMs: settings.retryMaxBackoffMs,
            receiver: primary,
            tmpRoot,
          }),
        );
        log(
          `${tag} outage ${settings.outageSeconds} s under load (${r.busyProcesses} busy processes) lifeline: emitted ${fmt(r.emitted)}, lost ${fmt(r.lost)}, caught up ${fmt(r.catchUpMs)} ms after the backend returned`,
        );
      }
      if (values.only !== undefined) continue;
      for (const rate of settings.rates) {
        for (const variant of order) {
          const r = await timedRow(results, round, () =>
            throughput({
              variant,
              rate,
              seconds: settings.throughputSeconds,
              maxBackoffMs: settings.retryMaxBackoffMs,
              receiver: primary,
              tmpRoot,
            }),
          );
          log(
            `${tag} throughput ${variant.padEnd(8)} offered ${fmt(rate).padStart(7)}/s: delivered ${fmt(r.deliveredPerSec).padStart(6)}/s, lost ${fmt(r.droppedPerSec).padStart(6)}/s, main thread ${fmt(r.mainThreadMsPer1k, 2)} ms/1k`,
          );
        }
      }
      for (const variant of order) {
        const r = await timedRow(results, round, () =>
          outage({
            variant,
            rate: settings.outageRate,
            outageSeconds: settings.outageSeconds,
            maxBackoffMs: settings.retryMaxBackoffMs,
            receiver: primary,
            tmpRoot,
          }),
        );
        log(
          `${tag} outage ${settings.outageSeconds} s ${variant.padEnd(8)}: emitted ${fmt(r.emitted)}, lost ${fmt(r.lost)}, duplicates ${fmt(r.duplicates)}, caught up ${fmt(r.catchUpMs)} ms after the backend returned`,
        );
      }
      // Each round holds the fault for a different part of the probe interval (see the top of the file).
      const phase = (round + 0.5) / rounds;
      for (const fault of round % 2 === 0 ? ['refused', 'blackholed'] : ['blackholed', 'refused']) {
        const r = await timedRow(results, round, () =>
          failover({
            fault,
            rate: settings.failoverRate,
            probeIntervalMs: settings.probeIntervalMs,
            timeoutMs: settings.attemptTimeoutMs,
            maxBackoffMs: settings.retryMaxBackoffMs,
            phase,
            primary,
            secondary,
            tmpRoot,
          }),
        );
        log(
          `${tag} failover ${fault.padEnd(10)}: to secondary ${fmt(r.timeToFailoverMs)} ms, back ${fmt(r.timeToFailbackMs)} ms after a ${fmt(r.faultHeldMs)} ms fault, lost ${fmt(r.lost)}`,
        );
      }
    }
    // A scenario run once against the primary receiver: its row and one line of log.
    const once = async (name, scenario, options, describe) => {
      if (!runs(name)) return;
      const r = await scenario(ctx, { receiver: primary, control: secondary, tmpRoot, ...options });
      results.push(r);
      log(describe(r));
    };
    await once(
      'profile',
      stageProfile,
      {
        rate: settings.profileRate,
        seconds: settings.profileSeconds,
        maxBackoffMs: settings.retryMaxBackoffMs,
      },
      (r) =>
        `profile ${fmt(settings.profileRate)}/s: ${Object.entries(r.stages)
          .map(([k, v]) => `${k} ${fmt(v.counterUsPerRecord, 2)}/${fmt(v.cpuProfileUsPerRecord, 2)}`)
          .join(
            ', ',
          )} µs/record (counters/cpu-prof); main thread ${fmt(r.mainThreadUsPerRecord, 2)}, off it ${fmt(r.offMainThreadUsPerRecord, 2)}`,
    );
    await once(
      'long-outage',
      longOutage,
      {
        rate: settings.longOutageRate,
        seconds: settings.longOutageSeconds,
        warmupSeconds: settings.longOutageWarmupSeconds,
        sampleEveryMs: settings.longOutageSampleEveryMs,
      },
      describeOutage('long outage'),
    );
    await once(
      'hour-outage',
      longOutage,
      {
        rate: settings.hourOutageRate,
        seconds: settings.hourOutageSeconds,
        warmupSeconds: settings.longOutageWarmupSeconds,
        sampleEveryMs: settings.longOutageSampleEveryMs,
        scenario: 'hourOutage',
      },
      describeOutage('hour outage'),
    );
    await once(
      'worker',
      workerPipeline,
      { rate: settings.workerRate, seconds: settings.workerSeconds, rounds: settings.workerRounds },
      (r) =>
        `worker thread ${fmt(settings.workerRate)}/s: ${Object.entries(r.placements)
          .map(
            ([p, c]) =>
              `${p}: main thread ${fmt(c.lifeline.mainThreadUsPerRecord.median, 2)} → ${fmt(c.worker.mainThreadUsPerRecord.median, 2)}, process ${fmt(c.lifeline.processUsPerRecord.median, 2)} → ${fmt(c.worker.processUsPerRecord.median, 2)} µs/record`,
          )
          .join('; ')}; lost ${fmt(Math.max(...r.runs.map((x) => x.lost)))}`,
    );
    // Bytes on disk per record and the drain of a backlog to a receiver process (bench/lib/drain-backlog.js).
    if (runs('drain'))
      lifelineDrain = await drainBacklogRows({ quick, tmpRoot: path.join(tmpRoot, 'drain'), log });
  } finally {
    await Promise.all([primary.close(), secondary.close()]);
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  }
  const elapsedSeconds = (performance.now() - started) / 1000;

  const lifelineOnly = { ...summarizeLifelineOnly(settings, results), drain: lifelineDrain };
  if (values.only !== undefined) {
    // Update one scenario's rows of the last full run's results; everything else stays as measured.
    const file = path.join(out, 'export.json');
    const existing = JSON.parse(fs.readFileSync(file, 'utf8'));
    const key = ONLY[values.only];
    existing.settings = {
      ...existing.settings,
      ...settings,
      rounds: existing.settings.rounds,
      diskFullRounds: onlyDiskFull ? rounds : existing.settings.diskFullRounds,
    };
    existing[key] = onlyDiskFull ? summarizeDiskFull(settings, results) : lifelineOnly[key];
    existing.results = [
      ...existing.results.filter((r) => r.scenario !== key),
      ...results.map(withoutSamples),
    ];
    fs.writeFileSync(file, JSON.stringify(existing, null, 2) + '\n');
    console.log(`${values.only} rows updated in ${file} (${fmt(elapsedSeconds)} s)`);
    return;
  }
  const cpus = os.cpus();
  const report = {
    benchmark: 'export',
    command: `node bench/export.js${quick ? ' --quick' : ''}`,
    quick,
    date: new Date().toISOString(),
    environment: {
      cpu: cpus[0]?.model,
      cores: cpus.length,
      node: process.version,
      os: `${os.type()} ${os.release()}`,
    },
    settings,
    elapsedSeconds,
    ...summarize(settings, results),
    diskFull: summarizeDiskFull(settings, results),
    ...lifelineOnly,
    // Measured only on request (it takes an hour): the last one measured, with its date.
    hourOutage: previousHourOutage(path.join(out, 'export.json')),
    results: results.map(withoutSamples),
  };
  fs.writeFileSync(path.join(out, 'export.json'), JSON.stringify(report, null, 2) + '\n');
  const { exportTable } = await import('./report.js');
  console.log(`\n${exportTable(report)}\n`);
  console.log(`${fmt(elapsedSeconds)} s; raw results: ${path.join(out, 'export.json')}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
