// bench:http's fixed-rate rounds and idle window: the headline servers offered the same request
// rate, one below every one's capacity, so that the CPU each spends per request is compared at equal
// load; then every server with no request at all.
//
// The saturating rounds compare capacity: each server runs as fast as it can, and each at its own
// rate. A production server rarely runs at its limit. At a rate all of them sustain, every variant
// answers the same requests per second, and its CPU per request includes what it spends each second
// whatever the load (timers, metric collection, the queues' housekeeping); idle, that is all it
// spends.

import { median, summary } from './stats.js';

/** The offered rate: this share of the slowest headline variant's median requests/s. */
export const FIXED_RATE_SHARE = 0.5;

/**
 * The offered rate for each app: FIXED_RATE_SHARE of the lowest median requests/s among its
 * headline variants in the saturating rounds, rounded down to 100. `results`: variant → rounds.
 */
export function fixedRates(variants, results) {
  const rates = {};
  for (const [name, rounds] of Object.entries(results)) {
    const { app, kind } = variants[name];
    if (kind !== 'headline') continue;
    const rps = median(rounds.map((r) => r.requestsPerSecond));
    rates[app] = Math.min(rates[app] ?? Infinity, rps);
  }
  for (const app of Object.keys(rates))
    rates[app] = Math.max(100, Math.floor((rates[app] * FIXED_RATE_SHARE) / 100) * 100);
  return rates;
}

/**
 * Runs `rounds` interleaved rounds of every headline variant at its app's fixed rate and returns,
 * per app, the offered rate and each variant's summaries. `measure(variant, round, rate)` runs one
 * round and returns { requestsPerSecond, p99Ms, serverCpuMicrosecondsPerRequest }.
 */
export async function fixedRateRounds({ names, variants, rates, rounds, baselineOf, measure, log }) {
  const headline = names.filter((v) => variants[v].kind === 'headline');
  const runs = Object.fromEntries(headline.map((v) => [v, []]));
  for (let round = 0; round < rounds; round++) {
    const order = headline.map((_, i) => headline[(i + round) % headline.length]);
    for (const variant of order) {
      const rate = rates[variants[variant].app];
      const r = await measure(variant, round, rate);
      runs[variant].push(r);
      log(
        `fixed rate ${round + 1}/${rounds} ${variant.padEnd(18)} offered ${rate} req/s, got ${r.requestsPerSecond.toFixed(0)}  p99 ${r.p99Ms} ms  server CPU ${r.serverCpuMicrosecondsPerRequest.toFixed(1)} µs/req`,
      );
    }
  }
  const out = {};
  for (const variant of headline) {
    const { app } = variants[variant];
    const cpu = summary(runs[variant].map((r) => r.serverCpuMicrosecondsPerRequest));
    const bare = runs[baselineOf(variant)];
    const bareCpu = bare === undefined ? null : median(bare.map((r) => r.serverCpuMicrosecondsPerRequest));
    out[app] ??= { offeredRequestsPerSecond: rates[app], variants: {} };
    out[app].variants[variant] = {
      requestsPerSecond: summary(runs[variant].map((r) => r.requestsPerSecond)),
      p99Ms: summary(runs[variant].map((r) => r.p99Ms)),
      serverCpuMicrosecondsPerRequest: cpu,
      addedMicrosecondsPerRequest: bareCpu === null ? null : cpu.median - bareCpu,
      cpuRatioToBare: bareCpu === null ? null : bareCpu / cpu.median,
      rounds: runs[variant],
    };
  }
  return out;
}

/**
 * CPU ms per second of each variant's server processes over `seconds` with no load (the median of
 * its processes). `servers`: variant → [{ process }]; `cpuMicroseconds(pid)`: a process's CPU so far.
 */
export async function idleCpuMsPerSecond(servers, seconds, cpuMicroseconds) {
  const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
  await sleep(2000); // the last round's work (export, the queues' commits) done first
  const before = Object.values(servers).map((list) => list.map((s) => cpuMicroseconds(s.process.pid)));
  await sleep(seconds * 1000);
  return Object.fromEntries(
    Object.entries(servers).map(([variant, list], i) => [
      variant,
      median(list.map((s, j) => (cpuMicroseconds(s.process.pid) - before[i][j]) / 1000 / seconds)),
    ]),
  );
}
