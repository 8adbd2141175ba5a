// HTTP overhead of the distribution as users run it, side by side in one run.
//
//   pnpm bench:http            # builds, then runs the full benchmark (about 18 minutes)
//   node bench/http.js --quick # fewer, shorter rounds (built packages needed)
//
// Every server is a process of its own started the way a user starts it, running the same app
// (bench/http-apps/*.cjs, GET /users/:id answering a small JSON body):
//
// Headline rows (what ships, default configuration, everything exported):
//   fastify-bare / express-bare          `node app.cjs`
//   fastify-lifeline / express-lifeline  `node --import @otel-lifeline/node/register app.cjs` with
//                                        only the endpoint, service name and queue directory set:
//                                        access events, server spans, HTTP and runtime metrics, all
//                                        through the durable queues to the receiver process
//   fastify-otel                         stock OpenTelemetry: `node --require otel-fastify.cjs
//                                        app.cjs`, NodeSDK with the http instrumentation and
//                                        @fastify/otel, spans and metrics exported by the stock
//                                        OTLP/HTTP protobuf exporters to the same receiver
//   express-otel                         stock OpenTelemetry: `node --require
//                                        @opentelemetry/auto-instrumentations-node/register
//                                        app.cjs`, spans and metrics exported as above
// Breakdown rows (not what ships; they show where the cost is):
//   *-lifeline-no-traces   the distribution with OTEL_TRACES_EXPORTER=none (no server spans)
//   fastify-lifeline-no-logs   the distribution with OTEL_LOGS_EXPORTER=none (no access events)
//   fastify-lifeline-no-metrics   the distribution with OTEL_METRICS_EXPORTER=none
//   fastify-lifeline-sampled-tenth   the distribution sampling 1 trace in 10
//                          (OTEL_TRACES_SAMPLER=parentbased_traceidratio, OTEL_TRACES_SAMPLER_ARG=0.1)
//   fastify-lifeline-batched / -unbatched   the distribution started by start() (http-apps/
//                          lifeline-start.mjs) with the API instrumentation reporting each turn's
//                          finished requests together (batchReports, the default) or each at once
//   fastify-handwired-null instrumentApi wired by hand with the stock batch processor into an
//                          exporter that drops batches, metrics dropped in process (no export)
//
// The receiver (@otel-lifeline/receiver) runs in its own process. Where taskset exists, the
// servers run on the last CPU and the load generator and the receiver on the first, so neither
// shares the servers' core. This process generates the load with autocannon. Rounds are
// interleaved (every variant once per round, in a rotating order) so drift on the machine hits all
// variants alike, and each variant runs in two server processes used in alternate rounds
// (identical servers in two processes differ by a few per cent). Server CPU is the whole process
// (every thread: the event loop, the libuv pool's fdatasync and compression, GC), read from
// /proc/<pid>/stat (utime + stime) before and after each round; CPU µs per request is far less
// sensitive to other work on the machine than requests/s, and bare's figure over a variant's is
// the capacity ratio. The table shows the median and min–max over rounds and the ratio of medians
// to bare (each Express row to bare Express, each Fastify row to bare Fastify).
// Raw results: bench/results/http.json.
//
// Then the headline servers again at a fixed rate that every one sustains (half the slowest one's
// requests/s; bench/lib/http-fixed-rate.js), and every server idle for 20 s (3 s with --quick):
// the CPU per request at equal load, and the CPU a server spends a second with no request.
//
// Then a breakdown (bench/lib/http-breakdown.js, no sockets, each configuration in a process of its
// own): real IncomingMessage/ServerResponse objects are pushed through the same diagnostics channels
// Node publishes on, to measure the CPU time per request of the instrumentation's own code (no-op
// providers), the Logs SDK and the Metrics SDK (three passes, medians), and of the opt-in body-size
// histograms; and the distribution's whole-process CPU per request on the same request objects,
// started with --import and exporting to the receiver, with defaults and with traces off.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { measureBreakdown, measureDistribution } from './lib/http-breakdown.js';
import { fixedRateRounds, fixedRates, idleCpuMsPerSecond } from './lib/http-fixed-rate.js';
import { countOption } from './lib/options.js';
import { median } from './lib/stats.js';

const self = fileURLToPath(import.meta.url);
const appsDir = fileURLToPath(new URL('./http-apps/', import.meta.url));
const register = import.meta.resolve('@otel-lifeline/node/register');
const stockAutoRegister = fileURLToPath(
  import.meta.resolve('@opentelemetry/auto-instrumentations-node/register'),
);

/** The distribution's configuration in the bench: where to export and where to queue, nothing else. */
const lifelineEnv = (receiverUrl, queueDir) => ({
  OTEL_SERVICE_NAME: 'bench-http',
  OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
  LIFELINE_QUEUE_DIR: queueDir,
});
/** The stock SDK's configuration: OTLP/HTTP protobuf traces and metrics to the same receiver. */
const stockEnv = (receiverUrl) => ({
  OTEL_SERVICE_NAME: 'bench-http',
  OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
  OTEL_EXPORTER_OTLP_PROTOCOL: 'http/protobuf',
  OTEL_TRACES_EXPORTER: 'otlp',
  OTEL_METRICS_EXPORTER: 'otlp',
  OTEL_LOGS_EXPORTER: 'none',
});

/** The distribution on `app`, its environment overridden by `env` (a breakdown variant when given). */
const withLifeline = (app, env) => ({
  app,
  kind: env === undefined ? 'headline' : 'breakdown',
  start: (r, q) => ({ args: ['--import', register], env: { ...lifelineEnv(r, q()), ...env } }),
});

/** The distribution on `app` started by start() with batchReports `batched` ('true' or 'false'): a breakdown. */
const withLifelineStart = (app, batched) => ({
  app,
  kind: 'breakdown',
  start: (r, q) => ({
    args: ['--import', path.join(appsDir, 'lifeline-start.mjs')],
    env: { ...lifelineEnv(r, q()), BENCH_BATCH_REPORTS: batched },
  }),
});

/**
 * Each variant: its app, its kind (headline: what ships; breakdown: a partial configuration), and
 * the node arguments and environment that start it.
 */
const VARIANTS = {
  'fastify-bare': { app: 'fastify', kind: 'headline', start: () => ({ args: [] }) },
  'fastify-lifeline': withLifeline('fastify'),
  'fastify-otel': {
    app: 'fastify',
    kind: 'headline',
    start: (r) => ({ args: ['--require', path.join(appsDir, 'otel-fastify.cjs')], env: stockEnv(r) }),
  },
  'express-bare': { app: 'express', kind: 'headline', start: () => ({ args: [] }) },
  'express-lifeline': withLifeline('express'),
  'express-otel': {
    app: 'express',
    kind: 'headline',
    start: (r) => ({ args: ['--require', stockAutoRegister], env: stockEnv(r) }),
  },
  'fastify-lifeline-no-traces': withLifeline('fastify', { OTEL_TRACES_EXPORTER: 'none' }),
  'express-lifeline-no-traces': withLifeline('express', { OTEL_TRACES_EXPORTER: 'none' }),
  // What each signal costs on a real server: the defaults less one signal, and spans sampled.
  'fastify-lifeline-no-logs': withLifeline('fastify', { OTEL_LOGS_EXPORTER: 'none' }),
  'fastify-lifeline-no-metrics': withLifeline('fastify', { OTEL_METRICS_EXPORTER: 'none' }),
  'fastify-lifeline-sampled-tenth': withLifeline('fastify', {
    OTEL_TRACES_SAMPLER: 'parentbased_traceidratio',
    OTEL_TRACES_SAMPLER_ARG: '0.1',
  }),
  // The same distribution through start() (http-apps/lifeline-start.mjs), with the API
  // instrumentation's batchReports on (its default) and off.
  'fastify-lifeline-batched': withLifelineStart('fastify', 'true'),
  'fastify-lifeline-unbatched': withLifelineStart('fastify', 'false'),
  'fastify-handwired-null': {
    app: 'fastify',
    kind: 'breakdown',
    start: () => ({ script: [self, '--serve-handwired'] }),
  },
};
/** The variant a variant's ratios are to: bare Express for the Express rows, bare Fastify for the rest. */
const baselineOf = (variant) => `${VARIANTS[variant].app}-bare`;
const SERVER_PROCESSES = 2;
/** Clock ticks per second, the unit of utime and stime in /proc/<pid>/stat. */
const CLOCK_TICKS = Number(spawnSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).stdout?.trim()) || 100;
/** Every process this one started, ended if it exits early (a failed run leaves no servers behind). */
const children = new Set();
process.on('exit', () => {
  for (const child of children) child.kill('SIGKILL');
});

// An unknown option is refused (parseArgs is strict), not read as a full run of some 15 minutes.
const { values: cli } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    rounds: { type: 'string' },
    seconds: { type: 'string' },
    variants: { type: 'string' },
    'no-breakdown': { type: 'boolean', default: false },
    'cpu-prof': { type: 'string' },
    out: { type: 'string' },
    // The processes this script starts of itself.
    'serve-handwired': { type: 'boolean', default: false },
    receiver: { type: 'boolean', default: false },
  },
});
if (cli['serve-handwired']) await serveHandwired();
else if (cli.receiver) await runReceiver();
else await main(cli.quick);

async function main(quick) {
  // --rounds, --seconds, --variants (a comma-separated subset; the bare rows they need are kept),
  // --no-breakdown and --cpu-prof DIR (servers write V8 CPU profiles there) are for exploring
  // (with --out elsewhere); the committed results use the defaults.
  const rounds = countOption('rounds', cli.rounds, quick ? 2 : 6);
  const seconds = countOption('seconds', cli.seconds, quick ? 3 : 7);
  let names = Object.keys(VARIANTS);
  const only = cli.variants?.split(',');
  if (only !== undefined) {
    const unknown = only.filter((v) => !names.includes(v));
    if (unknown.length > 0)
      throw new Error(`--variants: unknown ${unknown.join(', ')}; expected some of ${names.join(', ')}`);
    const baselines = new Set(only.map(baselineOf));
    names = names.filter((v) => baselines.has(v) || only.includes(v));
  }
  const cpuProfDir = cli['cpu-prof'];
  const connections = 32;
  const pin = cpuPinning();
  const receiver = await startReceiver(pin?.load);
  const queueDirs = [];
  const newQueueDir = () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'lifeline-bench-http-'));
    queueDirs.push(dir);
    return dir;
  };
  const servers = {};
  for (const variant of names) {
    servers[variant] = [];
    for (let i = 0; i < SERVER_PROCESSES; i++)
      servers[variant].push(await startServer(variant, receiver.url, newQueueDir, pin?.server, cpuProfDir));
  }
  // The load generator (this process) on one CPU, the servers on another, so that the two do not
  // trade places on a core mid-round.
  if (pin !== undefined) spawnSync('taskset', ['-a', '-p', '-c', pin.load, String(process.pid)]);

  const results = Object.fromEntries(names.map((v) => [v, []]));
  const warmup = quick ? 1 : 2;
  console.log(`warming up (${names.length * SERVER_PROCESSES} × ${warmup} s)…`);
  for (const variant of names)
    for (const server of servers[variant]) await load(server.url, warmup, connections);
  /** One round of `variant` in the server process of `round`, at `rate` requests/s or as fast as it goes. */
  const measure = async (variant, round, rate) => {
    const serverProcess = round % SERVER_PROCESSES;
    const server = servers[variant][serverProcess];
    const cpuBefore = processCpuMicroseconds(server.process.pid);
    const r = await load(server.url, seconds, connections, rate);
    const cpuAfter = processCpuMicroseconds(server.process.pid);
    r.serverCpuMicrosecondsPerRequest = (cpuAfter - cpuBefore) / r.requests;
    r.serverProcess = serverProcess;
    return r;
  };
  for (let round = 0; round < rounds; round++) {
    const order = names.map((_, i) => names[(i + round) % names.length]);
    for (const variant of order) {
      const r = await measure(variant, round);
      results[variant].push(r);
      console.log(
        `round ${round + 1}/${rounds} ${variant.padEnd(26)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms} ms  server CPU ${r.serverCpuMicrosecondsPerRequest.toFixed(1)} µs/req${r.errors > 0 ? `  ${r.errors} errors` : ''}`,
      );
    }
  }
  // The headline servers again, each offered the same rate (half the slowest one's capacity).
  const rates = fixedRates(VARIANTS, results);
  const fixedRate = await fixedRateRounds({
    names,
    variants: VARIANTS,
    rates,
    rounds,
    baselineOf,
    measure,
    log: (line) => console.log(line),
  });
  // Then every server idle at once: the CPU each spends a second with no request at all.
  const idleSeconds = quick ? 3 : 20;
  const idleCpu = await idleCpuMsPerSecond(servers, idleSeconds, processCpuMicroseconds);
  const counts = await receiver.counts();
  const stop = async (children) => {
    for (const child of children) {
      child.process.kill('SIGTERM');
      await once(child.process, 'exit');
    }
  };
  await stop(Object.values(servers).flat());
  for (const dir of queueDirs) rmSync(dir, { recursive: true, force: true });

  const summary = {};
  for (const variant of names) {
    const baseline = results[baselineOf(variant)];
    const bareMedian = median(baseline.map((r) => r.requestsPerSecond));
    const bareCpu = median(baseline.map((r) => r.serverCpuMicrosecondsPerRequest));
    const rps = results[variant].map((r) => r.requestsPerSecond);
    const p99 = results[variant].map((r) => r.p99Ms);
    const cpu = results[variant].map((r) => r.serverCpuMicrosecondsPerRequest);
    summary[variant] = {
      baseline: baselineOf(variant),
      kind: VARIANTS[variant].kind,
      requestsPerSecond: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
      p99Ms: { median: median(p99), min: Math.min(...p99), max: Math.max(...p99) },
      serverCpuMicrosecondsPerRequest: { median: median(cpu), min: Math.min(...cpu), max: Math.max(...cpu) },
      ratioToBare: median(rps) / bareMedian,
      cpuRatioToBare: bareCpu / median(cpu),
      rounds: results[variant],
    };
  }
  // The servers have exited: the breakdown's processes take their CPU (the load generator's also
  // takes more of the machine's own work, which made the figures noisier there).
  if (pin !== undefined) spawnSync('taskset', ['-a', '-p', '-c', pin.server, String(process.pid)]);
  const parts = cli['no-breakdown'] ? {} : await measureBreakdown();
  // The distribution on the same request objects, exporting to the receiver (still on its CPU).
  const distribution = cli['no-breakdown']
    ? undefined
    : await measureDistribution(receiver.url, quick ? 2 : 6);
  await stop([receiver]);
  const report = {
    benchmark: 'http',
    date: new Date().toISOString(),
    node: process.version,
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    settings: {
      rounds,
      secondsPerRound: seconds,
      connections,
      route: 'GET /users/:id',
      quick,
      serverProcessesPerVariant: SERVER_PROCESSES,
      // CPUs (taskset lists) of the servers and of the load generator; null when not pinned.
      pinnedCpus: pin ?? null,
      // The receiver runs on the load generator's CPU (never the servers').
      receiverCpu: pin?.load ?? null,
      // How the breakdown was measured (bench/lib/http-breakdown.js).
      breakdown: 'a process per configuration',
    },
    variants: summary,
    // Per app: the headline variants offered one rate (bench/lib/http-fixed-rate.js).
    fixedRate,
    // CPU ms per second of each variant's servers with no load (median of its processes).
    idle: { seconds: idleSeconds, cpuMsPerSecond: idleCpu },
    // What the receiver process accepted over the whole run (every variant together).
    received: counts,
    breakdownMicrosecondsPerRequest: parts,
    // The distribution's whole-process CPU per request with no socket (bench/lib/http-breakdown.js).
    distributionNoSockets: distribution,
  };
  const outDir =
    cli.out !== undefined ? path.resolve(cli.out) : fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'http.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log(
    `\n${rounds} interleaved rounds × ${seconds} s, ${connections} connections, ${SERVER_PROCESSES} server processes per variant, ${pin ? `servers on CPU ${pin.server}, load on CPU ${pin.load}` : 'not pinned'}, receiver with the load generator, Node ${process.version}, ${cpus().length} CPUs\n`,
  );
  console.log(
    '| variant | kind | requests/s median (min–max) | p99 ms median (min–max) | × bare | server CPU µs/request median (min–max) | × bare by CPU |',
  );
  console.log('|---|---|---|---|---|---|---|');
  for (const variant of names) {
    const s = summary[variant];
    const rps = s.requestsPerSecond;
    const p99 = s.p99Ms;
    const cpu = s.serverCpuMicrosecondsPerRequest;
    console.log(
      `| ${variant} | ${s.kind} | ${rps.median.toFixed(0)} (${rps.min.toFixed(0)}–${rps.max.toFixed(0)}) | ${p99.median} (${p99.min}–${p99.max}) | ${s.ratioToBare.toFixed(2)} | ${cpu.median.toFixed(1)} (${cpu.min.toFixed(1)}–${cpu.max.toFixed(1)}) | ${s.cpuRatioToBare.toFixed(2)} |`,
    );
  }
  for (const [app, f] of Object.entries(fixedRate)) {
    console.log(`\n${app} at a fixed ${f.offeredRequestsPerSecond} requests/s:`);
    for (const [variant, v] of Object.entries(f.variants))
      console.log(
        `  ${variant.padEnd(18)} got ${v.requestsPerSecond.median.toFixed(0)} req/s, server CPU ${v.serverCpuMicrosecondsPerRequest.median.toFixed(1)} µs/req (+${(v.addedMicrosecondsPerRequest ?? 0).toFixed(1)}), × bare by CPU ${v.cpuRatioToBare?.toFixed(2)}`,
      );
  }
  console.log(`\nidle (${idleSeconds} s, no requests), CPU ms per second:`);
  for (const [variant, ms] of Object.entries(idleCpu))
    console.log(`  ${variant.padEnd(26)} ${ms.toFixed(2)}`);
  console.log('\nCPU time per request, in process, no sockets (µs):');
  for (const [name, us] of Object.entries(parts)) console.log(`  ${name.padEnd(50)} ${us.toFixed(2)}`);
}

/** CPU µs per request of each part, measured by driving the diagnostics channels directly. */
/** Load for `seconds`: as fast as the server answers, or at `rate` requests/s over all connections. */
async function load(url, seconds, connections, rate) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({
    url: `${url}/users/42?page=2`,
    duration: seconds,
    connections,
    pipelining: 1,
    ...(rate === undefined ? {} : { overallRate: rate }),
  });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
  };
}

/** A process's CPU time so far, every thread (utime + stime from /proc/<pid>/stat), in µs. */
function processCpuMicroseconds(pid) {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // Fields after the command name (which may hold spaces) start at state, field 3; utime and
  // stime are fields 14 and 15, in clock ticks.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) * 1e6) / CLOCK_TICKS;
}

/**
 * Servers on the last CPU, the load generator and the receiver on the first, where `taskset`
 * exists, /proc is there and there are at least two CPUs; undefined otherwise (then nothing is
 * pinned).
 */
function cpuPinning() {
  const count = cpus().length;
  if (process.platform !== 'linux' || count < 2) return undefined;
  if (spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status !== 0) return undefined;
  return { server: String(count - 1), load: '0' };
}

/** `node args...` (through `taskset -c cpuList` when given; taskset execs, so the pid is node's). */
function spawnNode(args, env, cpuList) {
  const [command, argv] =
    cpuList === undefined
      ? [process.execPath, args]
      : ['taskset', ['-c', cpuList, process.execPath, ...args]];
  const child = spawn(command, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'inherit', 'ipc'],
    cwd: path.dirname(self),
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** Resolves with the first stdout line matching `pattern`; the rest of stdout is passed through. */
async function waitForLine(child, pattern, what) {
  const lines = createInterface({ input: child.stdout });
  return new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${what} exited (${code}) before it was ready`)));
    lines.on('line', (line) => {
      const match = pattern.exec(line);
      if (match) resolve(match[1]);
      else process.stdout.write(`[${what}] ${line}\n`);
    });
  });
}

/** One server process of `variant`, started as its row says; resolves once it listens. */
async function startServer(variant, receiverUrl, newQueueDir, cpuList, cpuProfDir) {
  const { app, start } = VARIANTS[variant];
  const how = start(receiverUrl, newQueueDir);
  const profile = cpuProfDir === undefined ? [] : ['--cpu-prof', '--cpu-prof-dir', path.resolve(cpuProfDir)];
  const args = [...profile, ...(how.script ?? [...how.args, path.join(appsDir, `${app}-app.cjs`)])];
  const child = spawnNode(args, { PORT: '0', ...how.env }, cpuList);
  const url = await waitForLine(child, /^listening (\S+)/, variant);
  return { process: child, url };
}

async function startReceiver(cpuList) {
  const child = spawnNode([self, '--receiver'], {}, cpuList);
  const url = await waitForLine(child, /^receiver (\S+)/, 'receiver');
  const counts = async () => {
    child.send('counts');
    const [message] = await once(child, 'message');
    return message;
  };
  return { process: child, url, counts };
}

async function runReceiver() {
  const { createReceiver } = await import('@otel-lifeline/receiver');
  const receiver = await createReceiver({ keep: false });
  process.on('message', () => process.send(receiver.counts()));
  process.stdout.write(`receiver ${receiver.url}\n`);
  process.on('SIGTERM', () => void receiver.close().then(() => process.exit(0)));
}

/**
 * A breakdown row: Lifeline's API instrumentation wired by hand into the Fastify app — events to
 * the stock batch processor into an exporter that drops batches, the HTTP histograms through
 * Lifeline's metric producer into a reader that drops them. No spans, no export.
 */
async function serveHandwired() {
  const { instrumentApi, createHttpMetricsProducer, fastifyPlugin } =
    await import('@otel-lifeline/instrumentation-api');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } =
    await import('@opentelemetry/sdk-metrics');
  const dropLogs = {
    export: (_records, done) => done({ code: 0 }),
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  const loggerProvider = new LoggerProvider({
    processors: [new BatchLogRecordProcessor({ exporter: dropLogs })],
  });
  const dropMetrics = { ...dropLogs, selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE };
  const metricsProducer = createHttpMetricsProducer();
  const meterProvider = new MeterProvider({
    readers: [
      new PeriodicExportingMetricReader({
        exporter: dropMetrics,
        exportIntervalMillis: 5000,
        metricProducers: [metricsProducer],
      }),
    ],
  });
  instrumentApi({ loggerProvider, meterProvider, metricsProducer });
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  await app.register(fastifyPlugin);
  app.get('/users/:id', async (request) => ({ id: request.params.id, name: 'Ada', plan: 'pro' }));
  const url = await app.listen({ port: 0, host: '127.0.0.1' });
  process.stdout.write(`listening ${url}\n`);
  process.on('SIGTERM', () => void app.close().then(() => process.exit(0)));
}
