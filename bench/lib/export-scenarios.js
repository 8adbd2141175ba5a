// Scenarios of bench:export that run Lifeline alone: the per-stage profile, the outage under added
// CPU load, the long outage and the worker-thread experiment, with bench:export's child roles
// (lib/export-orchestration.js). bench/export.js runs them.
//
//   profile        20,000 records/s for 4 s (--quick: 2 s) to the receiver, with every stage timed
//                  on `lifeline:stage` (and `lifeline:export:ok` for the HTTP attempt), under
//                  `--cpu-prof`; then the same run with no one subscribed, for the counters' cost;
//                  then the export path's own cost: Lifeline, the stock pipeline and an app whose
//                  processor drops each record (the baseline), 3 rounds in rotated order.
//   outage-load    the outage scenario with one busy process per core beside the app.
//   long-outage    the backend down for 10 min (--quick: 30 s) at 5,000 records/s, Lifeline with
//                  its defaults, after 5 min (--quick: 10 s) at that rate with the backend up (the
//                  steady state the outage starts from); RSS and heap sampled every 5 s, from the
//                  app's start; bytes on disk at the end of the outage, and what the backlog
//                  added per record; time from the backend's return until every record was
//                  delivered. A control app runs beside it at the same rate with its backend (the secondary
//                  receiver) up, sampled the same way; V8's young and old space sizes are sampled too.
//   hour-outage    the long outage at 1,000 records/s for an hour (`--only hour-outage`).
//   worker         the shipped pipeline against its disk half in a worker thread
//                  (bench/lib/worker-pipeline.js), pinned to one core and free on every core.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { categorizeCpuProfile } from './cpu-profile.js';
import { freshQueueDir, QUIET_MS, settle, sleep, spawnRole } from './export-orchestration.js';
import { outage } from './export-runs.js';
import { summary } from './stats.js';

/** Total size of the files under `dir`. */
export function directoryBytes(dir) {
  let total = 0;
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, entry.name);
    if (entry.isDirectory()) total += directoryBytes(p);
    else if (entry.isFile()) total += fs.statSync(p).size;
  }
  return total;
}

/** Runs `fn` with `count` busy-looping processes beside it (killed afterwards, by their pid). */
export async function withCpuLoad(count, fn) {
  const busy = Array.from({ length: count }, () =>
    spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }),
  );
  try {
    return await fn();
  } finally {
    for (const child of busy) child.kill('SIGKILL');
  }
}

/** The outage scenario (bench/export.js's `outage`) with one busy process per core. */
export async function outageUnderLoad(args) {
  const cores = os.cpus().length;
  const r = await withCpuLoad(cores, () => outage({ ...args, variant: 'lifeline' }));
  return { ...r, scenario: 'outageUnderLoad', busyProcesses: cores };
}

const STAGES = ['encode', 'compress', 'frame', 'write', 'read', 'concat', 'http'];

/** One profiled run: per-stage counters and a CPU profile of the app. */
export async function stageProfile({ receiver, tmpRoot, rate, seconds, maxBackoffMs }) {
  const once = async (profile) => {
    await receiver.call('reset');
    const profDir = path.join(tmpRoot, `cpuprof-${Date.now()}`);
    fs.mkdirSync(profDir, { recursive: true });
    const app = await spawnRole(
      'app',
      {
        variant: 'lifeline',
        rate,
        endpoints: [receiver.url],
        queueDir: freshQueueDir(tmpRoot, 'profile'),
        maxBackoffMs,
        profileStages: profile,
      },
      profile ? ['--cpu-prof', '--cpu-prof-dir', profDir] : [],
    );
    const run = await app.call('run', { durationMs: seconds * 1000, flushTimeoutMs: 60_000 });
    const stats = await settle(receiver, run.emitted, QUIET_MS, 60_000);
    await app.close('shutdown');
    const file = fs.readdirSync(profDir).find((n) => n.endsWith('.cpuprofile'));
    const cpuProfile = file
      ? categorizeCpuProfile(JSON.parse(fs.readFileSync(path.join(profDir, file))), run.windowUs)
      : undefined;
    return { run, delivered: stats.unique, cpuProfile };
  };
  const profiled = await once(true);
  const plain = await once(false);
  const exportPath = await exportPathCost({ receiver, tmpRoot, rate, seconds, maxBackoffMs });
  const { run } = profiled;
  const perRecordUs = (ms) => (ms * 1000) / run.emitted;
  const stages = {};
  for (const stage of STAGES) {
    const c = run.stages?.[stage];
    stages[stage] = {
      calls: c?.calls ?? 0,
      counterUsPerRecord: c ? perRecordUs(c.ms) : null,
      bytes: c?.bytes ?? 0,
      cpuProfileUsPerRecord: profiled.cpuProfile ? perRecordUs(profiled.cpuProfile.ms[stage] ?? 0) : null,
    };
  }
  const other = {};
  for (const [k, ms] of Object.entries(profiled.cpuProfile?.ms ?? {})) {
    if (!STAGES.includes(k)) other[k] = perRecordUs(ms);
  }
  return {
    scenario: 'profile',
    offeredPerSec: rate,
    seconds,
    emitted: run.emitted,
    delivered: profiled.delivered,
    stages,
    cpuProfileOtherUsPerRecord: other,
    cpuProfileSampledMs: profiled.cpuProfile?.totalMs ?? null,
    cpuProfileTopFrames: Object.fromEntries(
      Object.entries(profiled.cpuProfile?.topFrames ?? {}).map(([k, frames]) => [
        k,
        frames.map((f) => ({ frame: f.frame, usPerRecord: perRecordUs(f.ms) })),
      ]),
    ),
    cpuProfileTopOther: (profiled.cpuProfile?.topOther ?? []).map((f) => ({
      frame: f.frame,
      usPerRecord: perRecordUs(f.ms),
    })),
    mainThreadUsPerRecord: perRecordUs(run.mainThreadCpuMs),
    processUsPerRecord: perRecordUs(run.processCpuMs),
    offMainThreadUsPerRecord: perRecordUs(run.processCpuMs - run.mainThreadCpuMs),
    withoutCounters: {
      emitted: plain.run.emitted,
      mainThreadUsPerRecord: (plain.run.mainThreadCpuMs * 1000) / plain.run.emitted,
      processUsPerRecord: (plain.run.processCpuMs * 1000) / plain.run.emitted,
    },
    exportPath,
  };
}

/**
 * One run of the app role: the receiver reset, the app started (`pin(app)`, when given, before
 * the run), `seconds` at `rate`, then the receiver settled on what it emitted (an app that drops
 * its records delivers none and loses none). CPU µs per record, main thread and whole process.
 */
async function measureApp({ receiver, tmpRoot, rate, seconds, variant, queueName, maxBackoffMs, pin }) {
  await receiver.call('reset');
  const app = await spawnRole('app', {
    variant,
    rate,
    endpoints: [receiver.url],
    queueDir: freshQueueDir(tmpRoot, queueName),
    maxBackoffMs,
  });
  pin?.(app);
  const run = await app.call('run', { durationMs: seconds * 1000, flushTimeoutMs: 60_000 });
  const delivered =
    variant === 'drop' ? run.emitted : (await settle(receiver, run.emitted, QUIET_MS, 60_000)).unique;
  await app.close('shutdown');
  return {
    emitted: run.emitted,
    lost: run.emitted - delivered,
    drops: run.drops,
    mainThreadUsPerRecord: (run.mainThreadCpuMs * 1000) / run.emitted,
    processUsPerRecord: (run.processCpuMs * 1000) / run.emitted,
  };
}

/** The pipelines whose export path is measured against the dropping app, in each round's order. */
const EXPORT_PATH_VARIANTS = ['lifeline', 'stock', 'drop'];
const EXPORT_PATH_ROUNDS = 3;

/**
 * What exporting a record costs, apart from making it: the same app at the same rate with Lifeline's
 * durable processor (defaults), with the stock pipeline (BatchLogRecordProcessor + OTLPLogExporter,
 * protobuf), and with a processor that drops each record (the SDK's emit and the app alone), in
 * rotated order over EXPORT_PATH_ROUNDS rounds, no counters and no profiler. CPU µs per record, main
 * thread and whole process (every thread), until everything emitted was delivered; each pipeline's
 * export path is its figure minus the dropping app's in the same round.
 */
async function exportPathCost({ receiver, tmpRoot, rate, seconds, maxBackoffMs }) {
  const runs = Object.fromEntries(EXPORT_PATH_VARIANTS.map((v) => [v, []]));
  for (let round = 0; round < EXPORT_PATH_ROUNDS; round++) {
    for (let i = 0; i < EXPORT_PATH_VARIANTS.length; i++) {
      const variant = EXPORT_PATH_VARIANTS[(i + round) % EXPORT_PATH_VARIANTS.length];
      const queueName = `export-path-${variant}`;
      runs[variant][round] = await measureApp({
        receiver,
        tmpRoot,
        rate,
        seconds,
        variant,
        queueName,
        maxBackoffMs,
      });
    }
  }
  const of = (variant, key) => summary(runs[variant].map((r) => r[key]));
  const over = (variant, key) => summary(runs[variant].map((r, round) => r[key] - runs.drop[round][key]));
  const figures = (variant) => ({
    mainUsPerRecord: of(variant, 'mainThreadUsPerRecord'),
    processUsPerRecord: of(variant, 'processUsPerRecord'),
  });
  return {
    rounds: EXPORT_PATH_ROUNDS,
    drop: figures('drop'),
    lifeline: {
      ...figures('lifeline'),
      mainOverDrop: over('lifeline', 'mainThreadUsPerRecord'),
      processOverDrop: over('lifeline', 'processUsPerRecord'),
    },
    stock: {
      ...figures('stock'),
      mainOverDrop: over('stock', 'mainThreadUsPerRecord'),
      processOverDrop: over('stock', 'processUsPerRecord'),
    },
    lost: Object.fromEntries(['lifeline', 'stock'].map((v) => [v, runs[v].reduce((n, r) => n + r.lost, 0)])),
  };
}

/**
 * The backend down for `seconds` at `rate` records/s; Lifeline with its defaults. A control app
 * runs beside it at the same rate for the same time with its backend (`control`) up, so that the
 * memory the backlog costs can be told from what any process at that allocation rate grows to:
 * V8 enlarges its young generation once enough bytes have survived scavenges, whatever they were.
 */
export async function longOutage({
  receiver,
  control,
  tmpRoot,
  rate,
  seconds,
  warmupSeconds,
  sampleEveryMs,
  scenario = 'longOutage',
}) {
  await Promise.all([receiver.call('reset'), control.call('reset')]);
  const queueDir = freshQueueDir(tmpRoot, 'long-outage');
  const startApp = (endpoint, dir) =>
    spawnRole('app', {
      variant: 'lifeline',
      rate,
      endpoints: [endpoint.url],
      queueDir: dir,
      sampleEveryMs,
    });
  const [app, controlApp] = await Promise.all([
    startApp(receiver, queueDir),
    startApp(control, freshQueueDir(tmpRoot, 'long-outage-control')),
  ]);
  const beforeMs = warmupSeconds * 1000;
  const runFor = { durationMs: beforeMs + seconds * 1000, flushTimeoutMs: 900_000 };
  const running = app.call('run', runFor);
  const controlRunning = controlApp.call('run', runFor);
  await sleep(beforeMs);
  // What the queue holds before the outage: records of the warm-up, delivered, whose segment has
  // not been sealed yet.
  const diskBytesAtDown = directoryBytes(queueDir);
  const downAt = (await receiver.call('stop')).at;
  const deliveredAtDown = (await receiver.call('stats')).unique;
  await sleep(seconds * 1000);
  const diskBytes = directoryBytes(queueDir);
  const upAt = (await receiver.call('start')).at;
  const [run, controlRun] = await Promise.all([running, controlRunning]);
  const [stats, controlStats] = await Promise.all([
    settle(receiver, run.emitted, QUIET_MS, 900_000),
    settle(control, controlRun.emitted, QUIET_MS, 900_000),
  ]);
  await Promise.all([app.close('shutdown'), controlApp.close('shutdown')]);
  const memory = memoryOverWindow(run.memory ?? [], downAt, upAt);
  const controlMemory = memoryOverWindow(controlRun.memory ?? [], downAt, upAt);
  return {
    scenario,
    variant: 'lifeline',
    offeredPerSec: rate,
    outageSeconds: seconds,
    outageMs: upAt - downAt,
    warmupSeconds,
    emitted: run.emitted,
    delivered: stats.unique,
    duplicates: stats.duplicates,
    lost: run.emitted - stats.unique,
    countedDrops: run.drops,
    diskBytes,
    diskBytesAtDown,
    // The backlog: the records not delivered when the backend went down (the app stops emitting
    // when it comes back), and the bytes the queue grew by meanwhile.
    backlogRecords: run.emitted - deliveredAtDown,
    diskBytesPerRecord: (diskBytes - diskBytesAtDown) / Math.max(1, run.emitted - deliveredAtDown),
    catchUpMs: stats.lastArrival > upAt ? stats.lastArrival - upAt : 0,
    ...memory,
    control: {
      emitted: controlRun.emitted,
      lost: controlRun.emitted - controlStats.unique,
      ...controlMemory,
    },
  };
}

/**
 * RSS, heap and the V8 spaces at the sample taken when the backend went down, their peaks until it
 * came back, and the growth between the two (MiB); and the RSS from the app's first sample to its
 * peak, warm-up included.
 */
function memoryOverWindow(samples, downAt, upAt) {
  const atDown = samples.filter((s) => s.atMs <= downAt).at(-1) ?? samples[0];
  const during = samples.filter((s) => s.atMs >= downAt && s.atMs <= upAt);
  if (atDown === undefined || during.length === 0) return { samples };
  const peak = (pick) => Math.max(...during.map(pick));
  const growth = (pick) => peak(pick) - pick(atDown);
  const newSpace = (s) => s.spaces?.new_space ?? NaN;
  const oldSpace = (s) => s.spaces?.old_space ?? NaN;
  return {
    rssAtDownMiB: atDown.rssMiB,
    rssPeakMiB: peak((s) => s.rssMiB),
    rssGrowthMiB: growth((s) => s.rssMiB),
    rssAtStartMiB: samples[0].rssMiB,
    rssGrowthFromStartMiB: peak((s) => s.rssMiB) - samples[0].rssMiB,
    heapAtDownMiB: atDown.heapMiB,
    heapPeakMiB: peak((s) => s.heapMiB),
    heapGrowthMiB: growth((s) => s.heapMiB),
    newSpaceAtDownMiB: newSpace(atDown),
    newSpaceGrowthMiB: growth(newSpace),
    oldSpaceGrowthMiB: growth(oldSpace),
    externalGrowthMiB: growth((s) => s.externalMiB),
    samples,
  };
}

/**
 * The shipped pipeline against the same with its disk half in a worker thread
 * (bench/lib/worker-pipeline.js), at `rate` log records/s for `seconds`: with the app's process
 * pinned to one core (every thread, `taskset -a`), and free on the machine's cores. Main-thread
 * and whole-process CPU per record; interleaved, each variant first in turn.
 */
export async function workerPipeline({ receiver, tmpRoot, rate, seconds, rounds }) {
  const cpus = os.cpus().length;
  const canPin =
    process.platform === 'linux' &&
    cpus >= 2 &&
    spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status === 0;
  const placements = canPin ? ['one core', `${cpus} cores`] : [`${cpus} cores`];
  const runs = [];
  for (let round = 0; round < rounds; round++) {
    for (const placement of placements) {
      const variants = round % 2 === 0 ? ['lifeline', 'lifeline-worker'] : ['lifeline-worker', 'lifeline'];
      for (const variant of variants) {
        const pin = (app) => {
          if (placement !== 'one core') return;
          const pinned = spawnSync('taskset', ['-a', '-p', '-c', String(cpus - 1), String(app.pid)]);
          if (pinned.status !== 0) throw new Error(`taskset failed: ${pinned.stderr}`);
        };
        const r = await measureApp({
          receiver,
          tmpRoot,
          rate,
          seconds,
          variant,
          queueName: `worker-${variant}`,
          pin,
        });
        runs.push({ round, placement, variant, ...r });
      }
    }
  }
  const cell = (placement, variant) => {
    const mine = runs.filter((r) => r.placement === placement && r.variant === variant);
    return {
      mainThreadUsPerRecord: summary(mine.map((r) => r.mainThreadUsPerRecord)),
      processUsPerRecord: summary(mine.map((r) => r.processUsPerRecord)),
      lost: summary(mine.map((r) => r.lost)),
    };
  };
  return {
    scenario: 'workerPipeline',
    offeredPerSec: rate,
    seconds,
    rounds,
    placements: Object.fromEntries(
      placements.map((p) => [p, { lifeline: cell(p, 'lifeline'), worker: cell(p, 'lifeline-worker') }]),
    ),
    pinnedSkipped: canPin ? undefined : 'taskset or a second CPU is missing: no pinned rows',
    runs,
  };
}
