// The scenarios bench:export runs in every round, for both variants (bench/export.js describes
// them): throughput, outage, fail-over (Lifeline only) and disk full. Each returns one row of the
// raw results.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { firstAfterMark, freshQueueDir, QUIET_MS, settle, sleep, spawnRole } from './export-orchestration.js';

/** A new app of `variant` sending to `receiver` (reset first), its queue in a fresh folder. */
function freshApp({ variant, rate, maxBackoffMs, receiver, tmpRoot }, name) {
  return receiver.call('reset').then(() =>
    spawnRole('app', {
      variant,
      rate,
      endpoints: [receiver.url],
      queueDir: freshQueueDir(tmpRoot, `${name}-${variant}`),
      maxBackoffMs,
    }),
  );
}

export async function throughput(options) {
  const { variant, rate, seconds, receiver } = options;
  const app = await freshApp(options, 'tp');
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

export async function outage(options) {
  const { variant, rate, outageSeconds, receiver } = options;
  const app = await freshApp(options, 'outage');
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

export async function failover({
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

export async function diskFull({ variant, rate, fullSeconds, maxBackoffMs, receiver, tmpRoot }) {
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
