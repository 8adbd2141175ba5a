// The fail-over demo: `pnpm demo`.
//
//   load generator ──► example API (Express, `--import @otel-lifeline/node/register`)
//   (this process)          │ access events, durable on disk, then OTLP/HTTP
//                           ├──► primary receiver    (`lifeline receive`, a child process)
//                           └──► secondary receiver  (`lifeline receive`, a child process)
//
// Part-way through, the primary is killed (SIGKILL): traffic fails over to the secondary. Then the
// secondary is killed too, so events pile up on disk, and the API itself is killed with SIGKILL and
// restarted on the same queue directory. The secondary comes back and receives the backlog,
// including what the killed API had queued; then the primary comes back and traffic fails back. Every request
// carries a unique id (?rid=N), so each access event is found at the receivers and counted exactly:
// delivered, duplicated or lost. Exit status 0 only when nothing was lost.
//
// `pnpm demo --insights` also serves each receiver's live view (`lifeline receive --ui`) on fixed
// ports (4320 for the primary, 4321 for the secondary; `--insights-port N` moves them to N and N+1)
// and keeps the receivers and their views up after the table until Ctrl-C; `--open` opens them in
// the default browser. A restarted receiver starts its view from zero; the page reconnects itself.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { fileURLToPath } from 'node:url';
import { MultiBar, Presets } from 'cli-progress';
import Table from 'cli-table3';
import { Pool } from 'undici';

const FSYNC_INTERVAL_MS = 100;
const PROBE_INTERVAL_MS = 2_000;
const RATE_PER_SECOND = 120;
const CONCURRENCY = 6;
// The script, in seconds from the start of the load.
const KILL_PRIMARY_AT = 5;
const KILL_SECONDARY_AT = 10;
const KILL_APP_AT = 13;
const RESTART_SECONDARY_AT = 17;
const RESTART_PRIMARY_AT = 22;
const STOP_LOAD_AT = 28;
const DRAIN_DEADLINE_S = 30;

const { values: flags } = parseArgs({
  options: {
    insights: { type: 'boolean', default: false },
    'insights-port': { type: 'string', default: '4320' },
    open: { type: 'boolean', default: false },
  },
});
const insightsPort = Number(flags['insights-port']);
if (!Number.isInteger(insightsPort) || insightsPort < 1 || insightsPort > 65534) {
  console.error(`--insights-port ${flags['insights-port']}: expected a port number from 1 to 65534`);
  process.exit(2);
}
const here = dirname(fileURLToPath(import.meta.url));
const lifelineBin = join(
  dirname(fileURLToPath(import.meta.resolve('@otel-lifeline/node/package.json'))),
  'bin',
  'lifeline.js',
);
const appDir = join(here, '..', 'express');
const work = mkdtempSync(join(tmpdir(), 'lifeline-demo-'));
const queueDir = join(work, 'queue');
const children = new Set();
const t0 = performance.now();
const now = () => performance.now() - t0;

// ── child processes ────────────────────────────────────────────────────────────────────────────

function startChild(name, args, options) {
  const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
  children.add(child);
  child.once('exit', () => children.delete(child));
  let output = '';
  const collect = (chunk) => {
    output += chunk.toString();
    if (output.length > 200_000) output = output.slice(-100_000);
  };
  child.stdout.on('data', collect);
  child.stderr.on('data', collect);
  const listening = new Promise((resolve, reject) => {
    const onData = () => {
      const match = /listening on (http:\/\/[0-9.:]+)/.exec(output);
      if (match) {
        child.stdout.off('data', onData);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code, signal) =>
      reject(new Error(`${name} exited (${signal ?? code}) before listening:\n${output}`)),
    );
  });
  return { child, listening, output: () => output };
}

async function kill(child, signal = 'SIGKILL') {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

const viewUrl = (name) => `http://127.0.0.1:${insightsPort + (name === 'secondary' ? 1 : 0)}/`;

function startReceiver(name, port) {
  const ui = flags.insights ? ['--ui', '--ui-port', new URL(viewUrl(name)).port] : [];
  return startChild(
    name,
    [lifelineBin, 'receive', '--port', String(port), '--out', join(work, `${name}.jsonl`), ...ui],
    {},
  );
}

function openInBrowser(url) {
  const command =
    process.platform === 'darwin' ? 'open' : process.platform === 'win32' ? 'explorer' : 'xdg-open';
  const child = spawn(command, [url], { stdio: 'ignore', detached: true });
  child.once('error', () => console.log(`could not run ${command}; open ${url} yourself`));
  child.unref();
}

function startApp(primary, secondary) {
  return startChild('api', ['--import', '@otel-lifeline/node/register', 'server.mjs'], {
    cwd: appDir,
    env: {
      ...process.env,
      PORT: '0',
      OTEL_SERVICE_NAME: 'demo-api',
      OTEL_EXPORTER_OTLP_ENDPOINT: primary,
      OTEL_EXPORTER_OTLP_TIMEOUT: '2000',
      OTEL_METRIC_EXPORT_INTERVAL: '5000',
      LIFELINE_SECONDARY_ENDPOINT: secondary,
      LIFELINE_QUEUE_DIR: queueDir,
      LIFELINE_QUEUE_FSYNC_INTERVAL: `${FSYNC_INTERVAL_MS}ms`,
      LIFELINE_PROBE_INTERVAL: `${PROBE_INTERVAL_MS}ms`,
      LIFELINE_RETRY_INITIAL_BACKOFF: '200ms',
      LIFELINE_RETRY_MAX_BACKOFF: '2s',
    },
  });
}

// ── what the receivers got: tail their JSON-lines files ───────────────────────────────────────

function createTail(name) {
  const file = join(work, `${name}.jsonl`);
  const state = { name, offset: 0, partial: '', lines: 0, access: new Map(), firstAccessAfter: [] };
  state.poll = () => {
    let size;
    try {
      size = statSync(file).size;
    } catch {
      return;
    }
    if (size <= state.offset) return;
    const fd = openSync(file, 'r');
    const buffer = Buffer.alloc(size - state.offset);
    readSync(fd, buffer, 0, buffer.length, state.offset);
    closeSync(fd);
    state.offset = size;
    const text = state.partial + buffer.toString('utf8');
    const lines = text.split('\n');
    state.partial = lines.pop() ?? '';
    const at = now();
    for (const line of lines) {
      if (line === '') continue;
      state.lines += 1;
      const item = JSON.parse(line);
      if (item.signal !== 'logs' || item.eventName !== 'lifeline.api.access') continue;
      const rid = new URLSearchParams(item.attributes?.['url.query'] ?? '').get('rid');
      if (rid === null) continue;
      state.access.set(rid, (state.access.get(rid) ?? 0) + 1);
      state.lastAccessAt = at;
      for (const watch of state.firstAccessAfter)
        if (watch.at === undefined && at >= watch.since) watch.at = at;
    }
  };
  state.watchFrom = (since) => {
    const watch = { since, at: undefined };
    state.firstAccessAfter.push(watch);
    return watch;
  };
  return state;
}

// ── load ──────────────────────────────────────────────────────────────────────────────────────

const requests = new Map(); // rid -> { sentAt, doneAt?, status?, error? }
let target; // the API's Pool
let paused = false;
let running = true;
let nextId = 1;

async function worker(index) {
  const interval = (1000 * CONCURRENCY) / RATE_PER_SECOND;
  await sleep(index * (interval / CONCURRENCY));
  while (running) {
    const started = performance.now();
    if (!paused && target) {
      const rid = String(nextId++);
      const record = { sentAt: now() };
      requests.set(rid, record);
      const kind = Number(rid) % 10;
      const path =
        kind === 0
          ? `/api/login?rid=${rid}`
          : `/api/items/${kind === 9 ? 'missing' : (kind % 2) + 1}?rid=${rid}`;
      try {
        const res = await target.request({
          path,
          method: kind === 0 ? 'POST' : 'GET',
          headersTimeout: 5000,
          bodyTimeout: 5000,
        });
        await res.body.text();
        record.status = res.statusCode;
        record.doneAt = now();
      } catch (error) {
        record.error = error.code ?? error.message;
      }
    }
    const wait = interval - (performance.now() - started);
    if (wait > 0) await sleep(wait);
  }
}

// ── the script ────────────────────────────────────────────────────────────────────────────────

async function main() {
  const interactive = process.stdout.isTTY === true;
  console.log(`Lifeline fail-over demo — working directory ${work}`);

  let primary = startReceiver('primary', 0);
  let secondary = startReceiver('secondary', 0);
  const primaryUrl = await primary.listening;
  const secondaryUrl = await secondary.listening;
  const primaryPort = new URL(primaryUrl).port;
  const secondaryPort = new URL(secondaryUrl).port;
  if (flags.insights) {
    console.log(`live views: primary ${viewUrl('primary')} · secondary ${viewUrl('secondary')}`);
    if (flags.open) for (const name of ['primary', 'secondary']) openInBrowser(viewUrl(name));
  }
  let app = startApp(primaryUrl, secondaryUrl);
  const appUrl = await app.listening;
  target = new Pool(appUrl, { connections: CONCURRENCY });
  console.log(
    `primary receiver ${primaryUrl} · secondary receiver ${secondaryUrl} · Express API with --import ${appUrl}`,
  );
  console.log(
    `script: ${RATE_PER_SECOND} req/s; kill -9 the primary at ${KILL_PRIMARY_AT}s and the secondary at ${KILL_SECONDARY_AT}s; ` +
      `kill -9 the API at ${KILL_APP_AT}s and restart it; restart the secondary at ${RESTART_SECONDARY_AT}s and the primary at ${RESTART_PRIMARY_AT}s; stop at ${STOP_LOAD_AT}s`,
  );

  const tails = { primary: createTail('primary'), secondary: createTail('secondary') };
  const poller = setInterval(() => {
    tails.primary.poll();
    tails.secondary.poll();
  }, 100);

  const bars = new MultiBar(
    {
      format: '{bar} {phase} | sent {sent} | at primary {p} | at secondary {s}',
      hideCursor: true,
      noTTYOutput: !interactive,
      notTTYSchedule: 3000,
      barsize: 24,
      clearOnComplete: false,
    },
    Presets.shades_classic,
  );
  const status = bars.create(STOP_LOAD_AT, 0, { phase: 'starting', sent: 0, p: 0, s: 0 });
  let phase = 'steady load';
  const loadStart = now();
  const tick = setInterval(() => {
    status.update(Math.min(STOP_LOAD_AT, (now() - loadStart) / 1000), {
      phase,
      sent: requests.size,
      p: tails.primary.access.size,
      s: tails.secondary.access.size,
    });
  }, 200);
  const workers = Array.from({ length: CONCURRENCY }, (_, i) => worker(i));
  const at = (s) => sleep(Math.max(0, loadStart + s * 1000 - now()));
  const timeline = {};

  await at(KILL_PRIMARY_AT);
  phase = 'primary KILLED → fail-over';
  await kill(primary.child);
  timeline.primaryKilledAt = now();
  const failoverWatch = tails.secondary.watchFrom(timeline.primaryKilledAt);

  await at(KILL_SECONDARY_AT);
  phase = 'secondary KILLED too → queueing on disk';
  await kill(secondary.child);
  timeline.secondaryKilledAt = now();

  await at(KILL_APP_AT - 0.5);
  phase = 'pausing load before SIGKILL of the API';
  paused = true;
  await sleep(500);
  phase = 'API KILLED (SIGKILL)';
  const appPid = app.child.pid;
  await kill(app.child);
  timeline.appKilledAt = now();
  tails.primary.poll();
  tails.secondary.poll();
  // Events answered before the kill but not yet at any receiver: they exist only in the queue on disk.
  const onDiskAtKill = [...requests]
    .filter(
      ([rid, r]) =>
        r.doneAt !== undefined && !tails.primary.access.has(rid) && !tails.secondary.access.has(rid),
    )
    .map(([rid]) => rid);
  await target.close().catch(() => undefined);
  target = undefined;
  app = startApp(primaryUrl, secondaryUrl);
  target = new Pool(await app.listening, { connections: CONCURRENCY });
  timeline.appRestartedAt = now();
  paused = false;
  phase = `API restarted (was pid ${appPid}) on the same queue`;

  await at(RESTART_SECONDARY_AT);
  secondary = startReceiver('secondary', secondaryPort);
  await secondary.listening;
  timeline.secondaryRestartedAt = now();
  const backlogWatch = tails.secondary.watchFrom(timeline.secondaryRestartedAt);
  phase = 'secondary restarted → backlog delivered';

  await at(RESTART_PRIMARY_AT);
  primary = startReceiver('primary', primaryPort);
  await primary.listening;
  timeline.primaryRestartedAt = now();
  const failbackWatch = tails.primary.watchFrom(timeline.primaryRestartedAt);
  phase = 'primary restarted → fail-back';

  await at(STOP_LOAD_AT);
  running = false;
  await Promise.all(workers);
  phase = 'load stopped, waiting for delivery';

  // The rule for what must arrive: every request whose response completed more than one fsync
  // interval (plus a scheduling margin) before the SIGKILL, and every request after the restart.
  const windowStart = timeline.appKilledAt - 2 * FSYNC_INTERVAL_MS;
  const mustArrive = [];
  const atRisk = [];
  let failed = 0;
  for (const [rid, r] of requests) {
    if (r.doneAt === undefined) {
      failed += 1;
      continue;
    }
    if (r.doneAt > windowStart && r.doneAt <= timeline.appKilledAt) atRisk.push(rid);
    else mustArrive.push(rid);
  }
  const seen = (rid) => tails.primary.access.has(rid) || tails.secondary.access.has(rid);
  const deadline = now() + DRAIN_DEADLINE_S * 1000;
  while (now() < deadline && !mustArrive.every(seen)) await sleep(200);
  await sleep(500);
  tails.primary.poll();
  tails.secondary.poll();
  clearInterval(tick);
  status.update(STOP_LOAD_AT, {
    phase: 'done',
    sent: requests.size,
    p: tails.primary.access.size,
    s: tails.secondary.access.size,
  });
  bars.stop();
  clearInterval(poller);

  // Graceful stop of the API (flushes), then the receivers.
  await target.close().catch(() => undefined);
  await kill(app.child, 'SIGTERM');
  const stopReceivers = async () => {
    await kill(primary.child, 'SIGTERM');
    await kill(secondary.child, 'SIGTERM');
  };
  if (!flags.insights) await stopReceivers();

  let duplicates = 0;
  let lost = 0;
  const lostIds = [];
  for (const rid of mustArrive) {
    const copies = (tails.primary.access.get(rid) ?? 0) + (tails.secondary.access.get(rid) ?? 0);
    if (copies === 0) {
      lost += 1;
      if (lostIds.length < 10) lostIds.push(rid);
    } else duplicates += copies - 1;
  }
  const atRiskLost = atRisk.filter((rid) => !seen(rid)).length;
  const completed = mustArrive.length + atRisk.length;
  const fmt = (ms) => (ms === undefined ? 'not observed' : `${(ms / 1000).toFixed(2)} s`);

  const recovered = onDiskAtKill.filter(seen).length;
  const table = new Table({ head: ['', 'count'], style: { head: [], border: interactive ? ['grey'] : [] } });
  table.push(
    ['requests sent', requests.size],
    ['responses received (= access events emitted)', completed],
    ['requests failed (no response: API down)', failed],
    ['access events delivered to the primary', sumCopies(tails.primary.access)],
    ['access events delivered to the secondary', sumCopies(tails.secondary.access)],
    ['duplicates (at-least-once)', duplicates],
    ['in the SIGKILL loss window ¹ / of them missing', `${atRisk.length} / ${atRiskLost}`],
    ['on disk only at the SIGKILL → delivered after the restart', `${onDiskAtKill.length} → ${recovered}`],
    ['LOST', lost],
    [
      'time to fail over (primary killed → data at secondary)',
      fmt(failoverWatch.at === undefined ? undefined : failoverWatch.at - timeline.primaryKilledAt),
    ],
    [
      'time to deliver the backlog (secondary restarted → data)',
      fmt(backlogWatch.at === undefined ? undefined : backlogWatch.at - timeline.secondaryRestartedAt),
    ],
    [
      'time to fail back (primary restarted → data at primary)',
      fmt(failbackWatch.at === undefined ? undefined : failbackWatch.at - timeline.primaryRestartedAt),
    ],
  );
  console.log(table.toString());
  console.log(
    `¹ A record is durable ${FSYNC_INTERVAL_MS} ms (fsync interval) after it is emitted; the guarantee allows losing events emitted in that\n` +
      `  window before a kill -9. The demo pauses the load 500 ms before the SIGKILL, and counts as "must arrive" every request whose\n` +
      `  response completed more than ${2 * FSYNC_INTERVAL_MS} ms before the kill or after the restart; missing ones in the window are shown, not counted as lost.`,
  );
  if (lost > 0) {
    console.log(`LOST request ids (first ${lostIds.length}): ${lostIds.join(', ')}`);
    console.log(`logs kept in ${work}`);
    process.exitCode = 1;
  } else {
    console.log(`nothing lost: ${mustArrive.length} of ${mustArrive.length} access events delivered.`);
  }
  if (flags.insights) {
    console.log(
      `live views still up: primary ${viewUrl('primary')} · secondary ${viewUrl('secondary')}; Ctrl-C to stop`,
    );
    waitingOnViews = true;
    await once(process, 'SIGINT');
    await stopReceivers();
  }
  if (lost === 0) rmSync(work, { recursive: true, force: true });
}

function sumCopies(map) {
  let n = 0;
  for (const copies of map.values()) n += copies;
  return n;
}

async function cleanup() {
  for (const child of children) child.kill('SIGKILL');
}

let waitingOnViews = false;
process.once('SIGINT', () => {
  // At the end of an --insights run, Ctrl-C only closes the live views (main awaits it).
  if (!waitingOnViews) void cleanup().then(() => process.exit(130));
});

main().catch(async (error) => {
  console.error(error);
  await cleanup();
  console.error(`logs kept in ${work}`);
  process.exitCode = 1;
});
