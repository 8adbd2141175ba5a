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
//
// Its parts: the child roles (lib/export-roles.js), forking and calling them
// (lib/export-orchestration.js), the per-round scenarios (lib/export-runs.js), the Lifeline-only
// ones (lib/export-scenarios.js), the drain rows (lib/drain-backlog.js) and the summaries
// (lib/export-summary.js); this file holds the settings and the order of the run.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { drainBacklogRows } from './lib/drain-backlog.js';
import { spawnRole } from './lib/export-orchestration.js';
import { appRole, receiverRole } from './lib/export-roles.js';
import { diskFull, failover, outage, throughput } from './lib/export-runs.js';
import { longOutage, outageUnderLoad, stageProfile, workerPipeline } from './lib/export-scenarios.js';
import {
  describeOutage,
  fmt,
  previousHourOutage,
  summarize,
  summarizeDiskFull,
  summarizeLifelineOnly,
  VARIANTS,
  withoutSamples,
} from './lib/export-summary.js';
import { countOption } from './lib/options.js';
import { makeRunDir } from './lib/run-dir.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));

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

/** Runs one scenario and keeps its row, with the round and the wall time it took. */
async function timedRow(results, round, scenario) {
  const t = performance.now();
  const r = await scenario();
  results.push({ round, ...r, wallMs: performance.now() - t });
  return r;
}

/** The run's settings, from the command line's values (`--quick` shortens the scenarios). */
function settingsOf(values) {
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
  return settings;
}

/**
 * One interleaved round: disk full and the outage under load (also alone with `--only`), then
 * throughput, outage and fail-over, both variants in the round's order.
 */
async function runRound({ settings, only, runs, primary, secondary, tmpRoot, results, log }, round) {
  const order = round % 2 === 0 ? VARIANTS : [...VARIANTS].reverse();
  const tag = `round ${round + 1}/${settings.rounds}`;
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
  // The outage runs, under load (Lifeline) and plain (both variants).
  const outageOptions = {
    rate: settings.outageRate,
    outageSeconds: settings.outageSeconds,
    maxBackoffMs: settings.retryMaxBackoffMs,
    receiver: primary,
    tmpRoot,
  };
  if (runs('outage-load')) {
    const r = await timedRow(results, round, () => outageUnderLoad(outageOptions));
    log(
      `${tag} outage ${settings.outageSeconds} s under load (${r.busyProcesses} busy processes) lifeline: emitted ${fmt(r.emitted)}, lost ${fmt(r.lost)}, caught up ${fmt(r.catchUpMs)} ms after the backend returned`,
    );
  }
  if (only !== undefined) return;
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
    const r = await timedRow(results, round, () => outage({ variant, ...outageOptions }));
    log(
      `${tag} outage ${settings.outageSeconds} s ${variant.padEnd(8)}: emitted ${fmt(r.emitted)}, lost ${fmt(r.lost)}, duplicates ${fmt(r.duplicates)}, caught up ${fmt(r.catchUpMs)} ms after the backend returned`,
    );
  }
  // Each round holds the fault for a different part of the probe interval (see the top of the file).
  const phase = (round + 0.5) / settings.rounds;
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

/** The scenarios run once, after the rounds; resolves with the drain rows when they ran. */
async function runOnceScenarios({ settings, quick, runs, primary, secondary, tmpRoot, results, log }) {
  // A scenario run once against the primary receiver: its row and one line of log.
  const once = async (name, scenario, options, describe) => {
    if (!runs(name)) return;
    const r = await scenario({ receiver: primary, control: secondary, tmpRoot, ...options });
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
  return runs('drain') ? drainBacklogRows({ quick, tmpRoot: path.join(tmpRoot, 'drain'), log }) : undefined;
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
  const settings = settingsOf(values);
  const rounds = settings.rounds;
  if (values.only !== undefined && !Object.hasOwn(ONLY, values.only)) {
    throw new Error(`--only: expected one of ${Object.keys(ONLY).join(', ')}, got "${values.only}"`);
  }
  const onlyDiskFull = values.only === 'disk-full';
  // The hour outage runs only when asked for by name (see the top of the file).
  const runs = (name) => (values.only === undefined ? name !== 'hour-outage' : values.only === name);
  const out = path.resolve(values.out ?? path.join(benchDir, 'results'));
  fs.mkdirSync(out, { recursive: true });
  const tmpRoot = makeRunDir(benchDir, 'export');
  const started = performance.now();
  const results = [];
  const log = (line) => console.log(line);

  const [primary, secondary] = await Promise.all([spawnRole('receiver'), spawnRole('receiver')]);
  let lifelineDrain;
  const run = { settings, quick, only: values.only, runs, primary, secondary, tmpRoot, results, log };
  try {
    const inRounds = values.only === undefined || IN_ROUNDS.includes(values.only);
    for (let round = 0; round < rounds && inRounds; round++) await runRound(run, round);
    lifelineDrain = await runOnceScenarios(run);
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
