// bench:export's rows from its raw results: the median (min–max) of every figure over the rounds
// and Lifeline's ratio to the stock pipeline, and the log lines of the outages.
import fs from 'node:fs';
import { ratioOfMedians, summary } from './stats.js';

export const fmt = (n, digits = 0) =>
  Number.isFinite(n)
    ? n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits })
    : '—';

export const VARIANTS = ['stock', 'lifeline'];
const VARIANT_KEYS = [
  'deliveredPerSec',
  'droppedPerSec',
  'lost',
  'mainThreadMsPer1k',
  'processCpuMsPer1k',
  'rssMiB',
];

/** The disk-full rows: per variant the median (min–max) of delivered, lost and the delivered share. */
export function summarizeDiskFull(settings, results) {
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

/** The scenarios Lifeline runs alone: outage under CPU load (per round); profile, the outages and the worker (once). */
export function summarizeLifelineOnly(settings, results) {
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
export const describeOutage = (name) => (r) =>
  `${name} ${fmt(r.outageSeconds)} s at ${fmt(r.offeredPerSec)}/s: emitted ${fmt(r.emitted)}, lost ${fmt(r.lost)} (${JSON.stringify(r.countedDrops)}), RSS +${fmt(r.rssGrowthMiB, 1)} MiB (young generation +${fmt(r.newSpaceGrowthMiB, 1)}; the control with its backend up +${fmt(r.control.rssGrowthMiB, 1)}), heap +${fmt(r.heapGrowthMiB, 1)} MiB, ${fmt(r.diskBytes / 2 ** 20, 1)} MiB on disk (the backlog ${fmt((r.diskBytes - r.diskBytesAtDown) / 2 ** 20, 1)} MiB, ${fmt(r.diskBytesPerRecord, 1)} B/record), delivered ${fmt(r.catchUpMs)} ms after the backend returned`;

/**
 * A run as the raw `results` keep it: the outages' memory samples (every 5 s, hundreds of them) are
 * kept once, in the scenario's own entry (`longOutage`, `hourOutage`).
 */
export function withoutSamples(r) {
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
export function previousHourOutage(file) {
  if (!fs.existsSync(file)) return undefined;
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8')).hourOutage;
  } catch (error) {
    console.warn(`the hour outage of ${file} is not kept: ${error.message}`);
    return undefined;
  }
}

/** Median (min–max) of every figure over the rounds, and Lifeline's ratio to the stock pipeline. */
export function summarize(settings, results) {
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
