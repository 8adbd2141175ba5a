#!/usr/bin/env node
// Export benchmark: the stock OpenTelemetry JS log pipeline (BatchLogRecordProcessor +
// OTLPLogExporter, protobuf) side by side with Lifeline's durable processor, in one run.
//
//   pnpm bench:export              (builds, then runs this file)
//   node bench/export.js [--quick] [--out DIR]
//
// Every variant runs in its own child process (the "app"); the backend is a Lifeline receiver in
// another child process that counts records by their `seq` attribute (so loss and duplicates are
// exact). Scenarios:
//   throughput   offered 10k, 50k and 200k records/s: delivered/s, dropped/s, main-thread CPU per 1k
//   outage       the backend is down for 60 s (--quick: 10 s) at 10k records/s: records lost
//   fail-over    two backends; the primary refuses connections / accepts and never answers
//                (blackholed); time until the secondary receives, and back to the primary after it
//                recovers (Lifeline only: the stock exporter has one endpoint)
// Lifeline runs with its defaults except queue.maxBytes, 1 GiB (default 256 MiB, which holds about
// 55 s of the outage scenario's records). Raw results go to <out>/export.json (default
// bench/results/export.json).
import { fork } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './lib/stats.js';

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

// ─── child roles ────────────────────────────────────────────────────────────────────────────────

/** The backend: a receiver that keeps nothing but a bitmap of the `seq` values it saw. */
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
        receiver.clearFaults();
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
  const drops = {};
  if (config.variant === 'stock') {
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
    processor = new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: config.endpoints[0] }) });
  } else {
    const { createDurableLogRecordProcessor } = await import('@otel-lifeline/exporter');
    const { subscribe } = await import('node:diagnostics_channel');
    subscribe('lifeline:queue:drop', (event) => {
      drops[event.reason] = (drops[event.reason] ?? 0) + event.records;
    });
    processor = createDurableLogRecordProcessor({
      endpoints: config.endpoints.map((url) => ({ url, timeoutMs: config.timeoutMs ?? 10_000 })),
      queueDir: config.queueDir,
      // Sized for the outage scenario: 60 s at 10k records/s of this shape is about 240 MB of OTLP.
      queue: { maxBytes: 1024 * 1024 * 1024 },
      probeIntervalMs: config.probeIntervalMs ?? 30_000,
      shutdownTimeoutMs: 1_000,
    });
  }
  const provider = new LoggerProvider({ processors: [processor] });
  const logger = provider.getLogger('bench-export', '1.0.0');
  const attributes = (seq) => ({
    seq,
    'http.request.method': 'GET',
    'http.route': '/api/orders/:id',
    'http.response.status_code': 200,
    'url.path': `/api/orders/${seq}`,
    'server.address': 'api.example.com',
    'server.port': 443,
    'client.address': '203.0.113.7',
    'user_agent.original': 'bench/1.0',
    'lifeline.duration_ms': 12.5,
  });
  const body = 'GET /api/orders/:id 200 in 12.5 ms — the request completed without incident';

  let emitted = 0;
  let main0;
  let cpu0;
  let t0;
  const emitUntil = (endAt) =>
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
      main0 = mainThreadCpuMs();
      cpu0 = process.cpuUsage();
      t0 = performance.now();
      await emitUntil(t0 + command.durationMs);
      const emitEnd = performance.now();
      // The stock processor drains its in-memory queue; ours flushes to disk and sends until the deadline.
      await Promise.race([provider.forceFlush(), sleep(command.flushTimeoutMs)]).catch(() => undefined);
      const main = mainThreadCpuMs() - main0;
      const cpu = process.cpuUsage(cpu0);
      process.send({
        id: command.id,
        emitted,
        emitMs: emitEnd - t0,
        totalMs: performance.now() - t0,
        mainThreadCpuMs: main,
        processCpuMs: (cpu.user + cpu.system) / 1000,
        rssMiB: process.memoryUsage().rss / 2 ** 20,
        drops,
      });
    } else if (command.op === 'shutdown') {
      await Promise.race([provider.shutdown(), sleep(5_000)]).catch(() => undefined);
      process.send({ id: command.id }, () => process.exit(0));
    }
  });
  process.send({ ready: true });
}

// ─── orchestration ──────────────────────────────────────────────────────────────────────────────

/** A child process speaking request/response over IPC. */
async function spawnRole(role, config = {}) {
  const child = fork(self, ['--role', role, '--config', JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const waiting = new Map();
  let nextId = 1;
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${role} exited early (${code})`)));
    child.on('message', (message) => {
      if (message.ready) resolve(message);
      else waiting.get(message.id)?.(message);
    });
  });
  const info = await ready;
  return {
    info,
    child,
    call(op, extra = {}) {
      const id = nextId++;
      return new Promise((resolve) => {
        waiting.set(id, resolve);
        child.send({ id, op, ...extra });
      });
    },
    async close(op = 'close') {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      this.call(op);
      await Promise.race([exited, sleep(10_000)]);
      if (child.exitCode === null) child.kill('SIGKILL');
    },
  };
}

/** Waits until the receiver's unique count reaches `target` or stops growing for `quietMs`. */
async function settle(receiver, target, quietMs, limitMs) {
  const deadline = Date.now() + limitMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await receiver.call('stats');
    if (stats.unique >= target) return stats;
    if (stats.unique !== last) {
      last = stats.unique;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > quietMs || Date.now() > deadline) return stats;
    await sleep(100);
  }
}

function freshQueueDir(tmpRoot, name) {
  const dir = path.join(tmpRoot, `${name}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

async function throughput({ variant, rate, seconds, tmpRoot }) {
  const receiver = await spawnRole('receiver');
  const app = await spawnRole('app', {
    variant,
    rate,
    endpoints: [`${receiver.info.url}/v1/logs`],
    queueDir: freshQueueDir(tmpRoot, `tp-${variant}`),
  });
  const run = await app.call('run', { durationMs: seconds * 1000, flushTimeoutMs: 30_000 });
  const stats = await settle(receiver, run.emitted, 2_000, 60_000);
  await app.close('shutdown');
  await receiver.close();
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
    countedDrops: run.drops,
    processCpuMsPer1k: run.processCpuMs / (run.emitted / 1000),
    rssMiB: run.rssMiB,
  };
}

async function outage({ variant, rate, outageSeconds, tmpRoot }) {
  const receiver = await spawnRole('receiver');
  const app = await spawnRole('app', {
    variant,
    rate,
    endpoints: [`${receiver.info.url}/v1/logs`],
    queueDir: freshQueueDir(tmpRoot, `outage-${variant}`),
    // Our retry backoff is capped at 30 s; a shorter cap here only shortens the catch-up wait after the outage.
  });
  const before = 2;
  const after = 5;
  const running = app.call('run', {
    durationMs: (before + outageSeconds + after) * 1000,
    flushTimeoutMs: 120_000,
  });
  await sleep(before * 1000);
  await receiver.call('stop');
  await sleep(outageSeconds * 1000);
  await receiver.call('start');
  const run = await running;
  const stats = await settle(receiver, run.emitted, 10_000, 180_000);
  await app.close('shutdown');
  await receiver.close();
  return {
    scenario: 'outage',
    variant,
    offeredPerSec: rate,
    outageSeconds,
    emitted: run.emitted,
    delivered: stats.unique,
    duplicates: stats.duplicates,
    lost: run.emitted - stats.unique,
    countedDrops: run.drops,
  };
}

async function failoverTrial({ fault, rate, tmpRoot, probeIntervalMs, timeoutMs }) {
  const primary = await spawnRole('receiver');
  const secondary = await spawnRole('receiver');
  const app = await spawnRole('app', {
    variant: 'lifeline',
    rate,
    endpoints: [`${primary.info.url}/v1/logs`, `${secondary.info.url}/v1/logs`],
    queueDir: freshQueueDir(tmpRoot, `failover-${fault}`),
    probeIntervalMs,
    timeoutMs,
  });
  const faultSeconds = Math.ceil(probeIntervalMs / 1000) + 3;
  const running = app.call('run', {
    durationMs: (2 + faultSeconds + probeIntervalMs / 1000 + 4) * 1000,
    flushTimeoutMs: 30_000,
  });
  await sleep(2_000);
  await secondary.call('mark');
  const faultAt =
    fault === 'refused'
      ? (await primary.call('stop')).at
      : (await primary.call('fault', { fault: { kind: 'hang' }, when: { forMs: 3_600_000 } })).at;
  await sleep(faultSeconds * 1000);
  const switched = await secondary.call('firstAfterMark');
  await primary.call('mark');
  const recoveredAt =
    fault === 'refused' ? (await primary.call('start')).at : (await primary.call('clearFaults')).at;
  await sleep(probeIntervalMs + 3_000);
  const failedBack = await primary.call('firstAfterMark');
  const run = await running;
  const [p, s] = [await primary.call('stats'), await secondary.call('stats')];
  // A record counts as delivered when either backend holds it.
  const [pb, sb] = [await primary.call('bitmap'), await secondary.call('bitmap')].map((m) =>
    Buffer.from(m.bitmap, 'base64'),
  );
  let union = 0;
  for (let i = 0; i < run.emitted; i++) if ((pb[i] ?? 0) | (sb[i] ?? 0)) union++;
  await app.close('shutdown');
  await Promise.all([primary.close(), secondary.close()]);
  return {
    scenario: 'failover',
    fault,
    probeIntervalMs,
    attemptTimeoutMs: timeoutMs,
    timeToFailoverMs: switched.firstAfterMark === undefined ? null : switched.firstAfterMark - faultAt,
    timeToFailbackMs:
      failedBack.firstAfterMark === undefined ? null : failedBack.firstAfterMark - recoveredAt,
    emitted: run.emitted,
    receivedPrimary: p.unique,
    receivedSecondary: s.unique,
    lost: run.emitted - union,
  };
}

function fmt(n, digits = 0) {
  if (n === null || n === undefined || Number.isNaN(n)) return '—';
  return n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
}

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string' },
      role: { type: 'string' },
      only: { type: 'string' },
      config: { type: 'string' },
    },
  });
  if (values.role === 'receiver') return receiverRole();
  if (values.role === 'app') return appRole(JSON.parse(values.config ?? '{}'));

  if (values.only) {
    // One run, for investigating: --only <variant>:<rate>[:<seconds>] or --only outage:<variant>:<seconds>
    const [variant, rate, secs] = values.only.split(':');
    const tmp = path.join(benchDir, 'results', 'tmp', `export-${process.pid}`);
    fs.mkdirSync(tmp, { recursive: true });
    try {
      console.log(
        variant === 'outage'
          ? await outage({ variant: rate, rate: 10_000, outageSeconds: Number(secs ?? 60), tmpRoot: tmp })
          : await throughput({ variant, rate: Number(rate), seconds: Number(secs ?? 10), tmpRoot: tmp }),
      );
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
    return;
  }
  const quick = values.quick;
  const out = path.resolve(values.out ?? path.join(benchDir, 'results'));
  fs.mkdirSync(out, { recursive: true });
  const tmpRoot = path.join(benchDir, 'results', 'tmp', `export-${process.pid}`);
  fs.mkdirSync(tmpRoot, { recursive: true });
  const seconds = quick ? 3 : 10;
  const outageSeconds = quick ? 10 : 60;
  const trials = quick ? 1 : 3;
  const probeIntervalMs = 5_000;
  const timeoutMs = 1_000;
  const results = [];
  const log = (line) => console.log(line);

  try {
    // The offered rates of the table, both variants; then lower rates for the stock pipeline alone,
    // to find its drop-free maximum.
    const plan = [10_000, 50_000, 100_000].flatMap((rate) =>
      ['stock', 'lifeline'].map((variant) => [variant, rate]),
    );
    plan.push(['stock', 2_000], ['stock', 5_000]);
    {
      for (const [variant, rate] of plan) {
        const r = await throughput({ variant, rate, seconds, tmpRoot });
        results.push(r);
        log(
          `throughput ${variant.padEnd(8)} offered ${fmt(rate)}/s: delivered ${fmt(r.deliveredPerSec)}/s, dropped ${fmt(r.droppedPerSec)}/s, main thread ${fmt(r.mainThreadMsPer1k, 2)} ms/1k`,
        );
      }
    }
    for (const variant of ['stock', 'lifeline']) {
      const r = await outage({ variant, rate: 10_000, outageSeconds, tmpRoot });
      results.push(r);
      log(
        `outage ${outageSeconds} s ${variant.padEnd(8)}: emitted ${fmt(r.emitted)}, lost ${fmt(r.lost)}, duplicates ${fmt(r.duplicates)}`,
      );
    }
    for (let t = 0; t < trials; t++) {
      for (const fault of ['refused', 'blackholed']) {
        const r = await failoverTrial({ fault, rate: 2_000, tmpRoot, probeIntervalMs, timeoutMs });
        results.push(r);
        log(
          `failover ${fault.padEnd(10)} trial ${t + 1}: to secondary ${fmt(r.timeToFailoverMs)} ms, back ${fmt(r.timeToFailbackMs)} ms, lost ${fmt(r.lost)}`,
        );
      }
    }
  } finally {
    fs.rmSync(tmpRoot, { recursive: true, force: true });
  }

  // ─── the table ───
  const tp = (variant, rate) =>
    results.find((r) => r.scenario === 'throughput' && r.variant === variant && r.offeredPerSec === rate);
  const stockDropFree = Math.max(
    0,
    ...results
      .filter((r) => r.scenario === 'throughput' && r.variant === 'stock' && r.lost === 0)
      .map((r) => r.deliveredPerSec),
  );
  const oursMax = Math.max(
    0,
    ...results
      .filter((r) => r.scenario === 'throughput' && r.variant === 'lifeline' && r.lost === 0)
      .map((r) => r.deliveredPerSec),
  );
  const fo = (fault, key) =>
    median(results.filter((r) => r.scenario === 'failover' && r.fault === fault).map((r) => r[key]));
  const foLost = results.filter((r) => r.scenario === 'failover').reduce((n, r) => n + r.lost, 0);
  const outageOf = (variant) => results.find((r) => r.scenario === 'outage' && r.variant === variant);
  const rows = [];
  for (const rate of [10_000, 50_000, 100_000]) {
    const s = tp('stock', rate);
    const l = tp('lifeline', rate);
    rows.push([
      `delivered records/s at ${fmt(rate)}/s offered`,
      fmt(s.deliveredPerSec),
      fmt(l.deliveredPerSec),
      fmt(l.deliveredPerSec / s.deliveredPerSec, 2) + '×',
    ]);
    rows.push([`lost records/s at ${fmt(rate)}/s offered`, fmt(s.droppedPerSec), fmt(l.droppedPerSec), '']);
  }
  for (const rate of [10_000, 50_000]) {
    const s = tp('stock', rate);
    const l = tp('lifeline', rate);
    rows.push([
      `main-thread CPU ms per 1,000 records (${fmt(rate)}/s)`,
      fmt(s.mainThreadMsPer1k, 2),
      fmt(l.mainThreadMsPer1k, 2),
      fmt(l.mainThreadMsPer1k / s.mainThreadMsPer1k, 2) + '×',
    ]);
  }
  rows.push([
    'drop-free delivered throughput (best run with zero loss)',
    stockDropFree > 0 ? fmt(stockDropFree) + '/s' : 'drops at every rate',
    fmt(oursMax) + '/s',
    stockDropFree > 0 ? fmt(oursMax / stockDropFree, 2) + '×' : '',
  ]);
  const so = outageOf('stock');
  const lo = outageOf('lifeline');
  rows.push([
    `records lost in a ${outageSeconds} s backend outage (of ${fmt(lo.emitted)} at 10k/s)`,
    fmt(so.lost),
    fmt(lo.lost),
    '',
  ]);
  rows.push([
    `time to fail over, primary refuses connections (ms, median of ${trials})`,
    'no fail-over',
    fmt(fo('refused', 'timeToFailoverMs')),
    '',
  ]);
  rows.push([
    `time to fail over, primary blackholed (ms, attempt timeout ${timeoutMs} ms)`,
    'no fail-over',
    fmt(fo('blackholed', 'timeToFailoverMs')),
    '',
  ]);
  rows.push([
    `time to fail back after recovery (ms, probe interval ${probeIntervalMs} ms)`,
    '—',
    fmt(median([fo('refused', 'timeToFailbackMs'), fo('blackholed', 'timeToFailbackMs')])),
    '',
  ]);
  rows.push(['records lost across the fail-over trials', '—', fmt(foLost), '']);

  const header = [
    '',
    'stock BatchLogRecordProcessor + OTLPLogExporter (proto)',
    'Lifeline durable processor',
    'ratio',
  ];
  const table = [
    `| ${header.join(' | ')} |`,
    `|${header.map(() => '---').join('|')}|`,
    ...rows.map((r) => `| ${r.join(' | ')} |`),
  ].join('\n');
  console.log(`\n${table}\n`);

  const cpus = os.cpus();
  const report = {
    benchmark: 'export',
    quick,
    date: new Date().toISOString(),
    environment: {
      cpu: cpus[0]?.model,
      cores: cpus.length,
      node: process.version,
      os: `${os.type()} ${os.release()}`,
    },
    settings: { seconds, outageSeconds, trials, probeIntervalMs, attemptTimeoutMs: timeoutMs },
    summary: {
      stockDropFreeMaxPerSec: stockDropFree,
      lifelineMaxDeliveredPerSec: oursMax,
      ratio: stockDropFree > 0 ? oursMax / stockDropFree : null,
      outageLost: { stock: so.lost, lifeline: lo.lost },
      failoverMs: {
        refused: fo('refused', 'timeToFailoverMs'),
        blackholed: fo('blackholed', 'timeToFailoverMs'),
      },
      failbackMs: median([fo('refused', 'timeToFailbackMs'), fo('blackholed', 'timeToFailbackMs')]),
    },
    table,
    results,
  };
  fs.writeFileSync(path.join(out, 'export.json'), JSON.stringify(report, null, 2) + '\n');
  console.log(`raw results: ${path.join(out, 'export.json')}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
