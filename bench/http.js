// HTTP overhead of the instrumentation, side by side in one run.
//
//   pnpm bench:http            # builds, then runs the full benchmark
//   node bench/http.js --quick # fewer, shorter rounds (built packages needed)
//
// Five kinds of Fastify server and four of Express, each in processes of its own, answer
// GET /users/:id with a small JSON body:
//   bare               Fastify alone
//   lifeline-null      + @otel-lifeline/instrumentation-api (access events, metrics), stock
//                        BatchLogRecordProcessor into an exporter that drops batches
//   lifeline-durable   the same with Lifeline's own log path: redacting processor, then the durable
//                      processor (disk queue, group commit) exporting to the OTLP receiver process
//   lifeline-receiver  the same, exporting with the stock OTLPLogExporter to an OTLP receiver
//                        running in another process
//   fastify-otel       + @fastify/otel and @opentelemetry/instrumentation-http under NodeSDK,
//                        spans batched into an exporter that drops them (the usual OTel setup)
//   express-bare              Express alone
//   express-lifeline-null     + Lifeline with no code change: the module hooks that
//                             `--import @otel-lifeline/node/register` installs apply the Express
//                             adapter; events and metrics as in lifeline-null
//   express-lifeline-durable  the same with lifeline-durable's log path
//   express-otel              + @opentelemetry/auto-instrumentations-node under NodeSDK, spans
//                             batched into an exporter that drops them (the usual OTel setup)
// Express is loaded with require() in every Express variant, so the OpenTelemetry reference needs
// no ESM loader hook; each Express variant's ratio is to bare Express, each Fastify one's to bare.
// This process generates the load with autocannon. Rounds are interleaved (every variant once per
// round, in a rotating order) so drift on the machine hits all variants alike. Each variant runs in
// two server processes, used in alternate rounds (identical servers in two processes differ by a
// few per cent). Where taskset exists, the servers run on the last CPU and the load generator on
// the first, so they do not trade places on a core mid-round. The table shows the
// median and min–max over rounds and the ratio of medians to bare. Each round also reads the server
// process's CPU time (user + system) over IPC before and after the load: CPU µs per request is far
// less sensitive to other work on the machine than requests/s, and bare's figure over a variant's
// is the capacity ratio. Raw results: bench/results/http.json.
//
// Then a breakdown (in a child process, no sockets): real IncomingMessage/ServerResponse objects
// are pushed through the same diagnostics channels Node publishes on, to measure the CPU time per
// request of the instrumentation's own code (no-op providers), the Logs SDK and the Metrics SDK
// (three interleaved passes, medians), and of the opt-in body-size histograms.
import { fork, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { median } from './lib/stats.js';

const VARIANTS = [
  'bare',
  'lifeline-null',
  'lifeline-receiver',
  'lifeline-durable',
  'fastify-otel',
  'express-bare',
  'express-lifeline-null',
  'express-lifeline-durable',
  'express-otel',
];
/** The variant a variant's ratios are to: bare Express for the Express rows, bare Fastify for the rest. */
const baselineOf = (variant) => (variant.startsWith('express-') ? 'express-bare' : 'bare');
const self = fileURLToPath(import.meta.url);
const SERVER_PROCESSES = 2;

const role = process.argv[2];
if (role === '--serve') await serve(process.argv[3], process.argv[4]);
else if (role === '--receiver') await runReceiver();
else if (role === '--breakdown') await breakdown();
else await main(process.argv.includes('--quick'));

/** The value after `--name` on the command line, if given. */
function flag(name) {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : undefined;
}

async function main(quick) {
  // --rounds, --seconds, --variants (a comma-separated subset; bare is always kept) and
  // --no-breakdown are for exploring (with --out elsewhere); the committed results use the defaults.
  const rounds = Number(flag('rounds') ?? (quick ? 2 : 8));
  const seconds = Number(flag('seconds') ?? (quick ? 3 : 7));
  const only = flag('variants')?.split(',');
  if (only !== undefined) {
    const unknown = only.filter((v) => !VARIANTS.includes(v));
    if (unknown.length > 0)
      throw new Error(`--variants: unknown ${unknown.join(', ')}; expected some of ${VARIANTS.join(', ')}`);
    const baselines = new Set(only.map(baselineOf));
    VARIANTS.splice(0, VARIANTS.length, ...VARIANTS.filter((v) => baselines.has(v) || only.includes(v)));
  }
  const connections = 32;
  const pin = cpuPinning();
  const receiver = await startChild(['--receiver']);
  // Two server processes per variant, used in alternate rounds: identical servers in separate
  // processes differ by a few per cent (code and heap layout), which one process per variant
  // would bake into its ratio.
  const servers = {};
  for (const variant of VARIANTS) {
    servers[variant] = [];
    for (let i = 0; i < SERVER_PROCESSES; i++)
      servers[variant].push(await startChild(['--serve', variant, receiver.url], pin?.server));
  }
  // The load generator (this process) on one CPU, the servers on another, so that the two do not
  // trade places on a core mid-round. Set after forking: children inherit affinity.
  if (pin !== undefined) spawnSync('taskset', ['-a', '-p', '-c', pin.load, String(process.pid)]);

  const results = Object.fromEntries(VARIANTS.map((v) => [v, []]));
  const warmup = quick ? 1 : 2;
  console.log(`warming up (${VARIANTS.length * SERVER_PROCESSES} × ${warmup} s)…`);
  for (const variant of VARIANTS)
    for (const server of servers[variant]) await load(server.url, warmup, connections);
  for (let round = 0; round < rounds; round++) {
    const order = VARIANTS.map((_, i) => VARIANTS[(i + round) % VARIANTS.length]);
    for (const variant of order) {
      const serverProcess = round % SERVER_PROCESSES;
      const server = servers[variant][serverProcess];
      const cpuBefore = await serverCpu(server.process);
      const r = await load(server.url, seconds, connections);
      const cpuAfter = await serverCpu(server.process);
      r.serverCpuMicrosecondsPerRequest = (cpuAfter - cpuBefore) / r.requests;
      r.serverProcess = serverProcess;
      results[variant].push(r);
      console.log(
        `round ${round + 1}/${rounds} ${variant.padEnd(18)} ${r.requestsPerSecond.toFixed(0).padStart(7)} req/s  p99 ${r.p99Ms} ms  server CPU ${r.serverCpuMicrosecondsPerRequest.toFixed(1)} µs/req${r.errors > 0 ? `  ${r.errors} errors` : ''}`,
      );
    }
  }
  for (const child of [...Object.values(servers).flat(), receiver]) {
    child.process.kill('SIGTERM');
    await once(child.process, 'exit');
  }

  const summary = {};
  for (const variant of VARIANTS) {
    const baseline = results[baselineOf(variant)];
    const bareMedian = median(baseline.map((r) => r.requestsPerSecond));
    const bareCpu = median(baseline.map((r) => r.serverCpuMicrosecondsPerRequest));
    const rps = results[variant].map((r) => r.requestsPerSecond);
    const p99 = results[variant].map((r) => r.p99Ms);
    const cpu = results[variant].map((r) => r.serverCpuMicrosecondsPerRequest);
    summary[variant] = {
      baseline: baselineOf(variant),
      requestsPerSecond: { median: median(rps), min: Math.min(...rps), max: Math.max(...rps) },
      p99Ms: { median: median(p99), min: Math.min(...p99), max: Math.max(...p99) },
      ratioToBare: median(rps) / bareMedian,
      serverCpuMicrosecondsPerRequest: { median: median(cpu), min: Math.min(...cpu), max: Math.max(...cpu) },
      // Requests one CPU-second serves, relative to bare: the capacity ratio, far less sensitive
      // to other load on the machine than requests/s.
      cpuRatioToBare: bareCpu / median(cpu),
      rounds: results[variant],
    };
  }
  const parts = process.argv.includes('--no-breakdown')
    ? {}
    : await new Promise((resolve, reject) => {
        const child = fork(self, ['--breakdown'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
        child.once('message', resolve);
        child.once('error', reject);
      });
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
    },
    variants: summary,
    breakdownMicrosecondsPerRequest: parts,
  };
  const outIndex = process.argv.indexOf('--out');
  const outDir =
    outIndex > 0
      ? path.resolve(process.argv[outIndex + 1])
      : fileURLToPath(new URL('./results/', import.meta.url));
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, 'http.json'), `${JSON.stringify(report, null, 2)}\n`);

  console.log(
    `\n${rounds} interleaved rounds × ${seconds} s, ${connections} connections, ${SERVER_PROCESSES} server processes per variant, ${pin ? `servers on CPU ${pin.server}, load on CPU ${pin.load}` : 'not pinned'}, Node ${process.version}, ${cpus().length} CPUs\n`,
  );
  console.log(
    '| variant | requests/s median (min–max) | p99 ms median (min–max) | × bare | server CPU µs/request median (min–max) | × bare by CPU |',
  );
  console.log('|---|---|---|---|---|---|');
  for (const variant of VARIANTS) {
    const s = summary[variant];
    const rps = s.requestsPerSecond;
    const p99 = s.p99Ms;
    const cpu = s.serverCpuMicrosecondsPerRequest;
    console.log(
      `| ${variant} | ${rps.median.toFixed(0)} (${rps.min.toFixed(0)}–${rps.max.toFixed(0)}) | ${p99.median} (${p99.min}–${p99.max}) | ${s.ratioToBare.toFixed(2)} | ${cpu.median.toFixed(1)} (${cpu.min.toFixed(1)}–${cpu.max.toFixed(1)}) | ${s.cpuRatioToBare.toFixed(2)} |`,
    );
  }
  console.log('\nCPU time per request, in process, no sockets (µs):');
  for (const [name, us] of Object.entries(parts)) console.log(`  ${name.padEnd(50)} ${us.toFixed(2)}`);
}

/** CPU µs per request of each part, measured by driving the diagnostics channels directly. */
async function breakdown() {
  const { IncomingMessage, ServerResponse, Server } = await import('node:http');
  const { Socket } = await import('node:net');
  const dc = await import('node:diagnostics_channel');
  const { instrumentApi, createHttpMetricsProducer } = await import('@otel-lifeline/instrumentation-api');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } =
    await import('@opentelemetry/sdk-metrics');
  const start = dc.channel('http.server.request.start');
  const finish = dc.channel('http.server.response.finish');
  const server = new Server(() => {});
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: '127.0.0.1' });
  // A typical API request, different each time: ids from a pool larger than the redactor's memory
  // of clean strings (so the detectors' cost is not hidden by it), a short query, a few headers as
  // browsers and client libraries send them.
  const { randomUUID } = await import('node:crypto');
  const AGENTS = [
    'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 14_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
    'okhttp/4.12.0',
    'python-requests/2.32.3',
  ];
  const WORDS = ['kettle', 'teapot', 'mug', 'saucer', 'spoon', 'tray', 'strainer', 'cosy'];
  const urls = Array.from({ length: 4096 }, (_, i) =>
    i % 2 === 0
      ? `/api/orders/${100000 + i * 37}?page=${i % 9}&sort=created_at`
      : `/api/customers/${randomUUID()}/orders?q=${WORDS[i % 8]}&limit=20`,
  );
  let seq = 0;
  const one = () => {
    const i = seq++ & 4095;
    const request = new IncomingMessage(socket);
    request.method = 'GET';
    request.url = urls[i];
    request.httpVersion = '1.1';
    request.headers = {
      host: 'api.example.com',
      'user-agent': AGENTS[i & 3],
      accept: 'application/json',
      'accept-encoding': 'gzip, deflate, br',
    };
    const response = new ServerResponse(request);
    response.setHeader('content-type', 'application/json');
    response.setHeader('content-length', '40');
    start.publish({ request, response, socket, server });
    server.emit('request', request, response);
    finish.publish({ request, response, socket, server });
  };
  const measure = (n) => {
    for (let i = 0; i < n / 5; i++) one();
    const t0 = process.cpuUsage();
    for (let i = 0; i < n; i++) one();
    const t = process.cpuUsage(t0);
    return (t.user + t.system) / n;
  };
  const dropLogs = {
    export: (_r, done) => done({ code: 0 }),
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  const dropMetrics = { ...dropLogs, selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE };
  const loggerProvider = () =>
    new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: dropLogs })] });
  const meterProvider = (metricProducers = []) =>
    new MeterProvider({
      readers: [
        new PeriodicExportingMetricReader({
          exporter: dropMetrics,
          exportIntervalMillis: 60_000,
          metricProducers,
        }),
      ],
    });
  /** The Metrics SDK with the HTTP histograms aggregated by Lifeline's producer (what @otel-lifeline/node sets up). */
  const withProducer = () => {
    const metricsProducer = createHttpMetricsProducer();
    return { meterProvider: meterProvider([metricsProducer]), metricsProducer };
  };
  const n = 200_000;
  const configs = [
    ['instrumentation, no-op providers', () => ({})],
    // The same without the value detectors: the difference is what they cost per request.
    ['instrumentation, no-op providers, value detectors off', () => ({ redaction: { detectValues: false } })],
    ['instrumentation + Logs SDK (batch, dropping)', () => ({ loggerProvider: loggerProvider() })],
    ['instrumentation + Metrics SDK, histograms in the SDK', () => ({ meterProvider: meterProvider() })],
    ['instrumentation + Metrics SDK, histograms in the producer', withProducer],
    [
      'instrumentation + both SDKs, producer (as in lifeline-null)',
      () => ({ loggerProvider: loggerProvider(), ...withProducer() }),
    ],
    [
      'both SDKs, producer, bodySizeMetrics: true (opt-in histograms)',
      () => ({ loggerProvider: loggerProvider(), ...withProducer(), bodySizeMetrics: true }),
    ],
  ];
  // Three passes over all configurations, interleaved; each figure is the median of its passes
  // minus the median cost of building the request objects alone.
  const samples = Object.fromEntries(
    [['request objects only (baseline)'], ...configs].map(([name]) => [name, []]),
  );
  for (let pass = 0; pass < 3; pass++) {
    samples['request objects only (baseline)'].push(measure(n));
    for (const [name, options] of configs) {
      const api = instrumentApi(options());
      samples[name].push(measure(n));
      await api.shutdown();
    }
  }
  const out = {};
  const baseline = median(samples['request objects only (baseline)']);
  out['request objects only (baseline)'] = baseline;
  for (const [name] of configs) out[name] = median(samples[name]) - baseline;
  out['redaction value detectors (no-op providers, on − off)'] =
    median(samples['instrumentation, no-op providers']) -
    median(samples['instrumentation, no-op providers, value detectors off']);
  // `node bench/http.js --breakdown` alone prints the figures (for exploring; the report reads http.json).
  if (process.send) process.send(out);
  else console.log(JSON.stringify(out, null, 2));
  process.exit(0);
}

/** The server process's CPU time so far (user + system, µs), asked over IPC. */
async function serverCpu(child) {
  child.send('cpu');
  const [message] = await once(child, 'message');
  return message.cpu;
}

async function load(url, seconds, connections) {
  const { default: autocannon } = await import('autocannon');
  const result = await autocannon({
    url: `${url}/users/42?page=2`,
    duration: seconds,
    connections,
    pipelining: 1,
  });
  return {
    requestsPerSecond: result.requests.average,
    p99Ms: result.latency.p99,
    requests: result.requests.total,
    errors: result.errors + result.non2xx,
  };
}

/**
 * Servers on the last CPU and the load generator on the first, where `taskset` exists and there
 * are at least two CPUs; undefined otherwise (then nothing is pinned).
 */
function cpuPinning() {
  const count = cpus().length;
  if (process.platform !== 'linux' || count < 2) return undefined;
  if (spawnSync('taskset', ['-V'], { stdio: 'ignore' }).status !== 0) return undefined;
  return { server: String(count - 1), load: '0' };
}

/** Forks this file in a role (on the given CPUs, through taskset) and waits for the URL it prints. */
async function startChild(args, cpuList) {
  const options = { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] };
  if (cpuList !== undefined)
    Object.assign(options, { execPath: 'taskset', execArgv: ['-c', cpuList, process.execPath] });
  const child = fork(self, args, options);
  const [message] = await once(child, 'message');
  return { process: child, url: message.url };
}

async function runReceiver() {
  const { createReceiver } = await import('@otel-lifeline/receiver');
  const receiver = await createReceiver({ keep: false });
  process.send({ url: receiver.url });
  process.on('SIGTERM', () => void receiver.close().then(() => process.exit(0)));
}

async function serve(variant, receiverUrl) {
  const shutdowns = [];
  const server = variant.startsWith('express-')
    ? await serveExpress(variant.slice('express-'.length), receiverUrl, shutdowns)
    : await serveFastify(variant, receiverUrl, shutdowns);
  process.on('message', (message) => {
    if (message !== 'cpu') return;
    const { user, system } = process.cpuUsage();
    process.send({ cpu: user + system });
  });
  process.send({ url: `http://127.0.0.1:${server.address().port}` });
  process.on('SIGTERM', () => {
    void new Promise((resolve) => server.close(resolve))
      .then(() => Promise.all(shutdowns.map((s) => s())))
      .finally(() => process.exit(0));
  });
}

async function serveFastify(variant, receiverUrl, shutdowns) {
  if (variant === 'fastify-otel') {
    const { HttpInstrumentation } = await import('@opentelemetry/instrumentation-http');
    const { default: FastifyOtelInstrumentation } = await import('@fastify/otel');
    await startNodeSdk(
      [new HttpInstrumentation(), new FastifyOtelInstrumentation({ registerOnInitialization: true })],
      shutdowns,
    );
    // This file is ESM: let the HTTP instrumentation patch the shared http module through require.
    (await import('node:module')).createRequire(import.meta.url)('node:http');
  }
  const { default: Fastify } = await import('fastify');
  const app = Fastify({ logger: false });
  if (variant === 'lifeline-null' || variant === 'lifeline-receiver' || variant === 'lifeline-durable') {
    const { fastifyPlugin } = await import('@otel-lifeline/instrumentation-api');
    await startLifeline(variant.slice('lifeline-'.length), receiverUrl, shutdowns);
    await app.register(fastifyPlugin);
  }
  app.get('/users/:id', async (request) => ({ id: request.params.id, name: 'Ada', plan: 'pro' }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  return app.server;
}

async function serveExpress(variant, receiverUrl, shutdowns) {
  if (variant === 'otel') {
    const { getNodeAutoInstrumentations } = await import('@opentelemetry/auto-instrumentations-node');
    await startNodeSdk([getNodeAutoInstrumentations()], shutdowns);
  } else if (variant === 'lifeline-null' || variant === 'lifeline-durable') {
    await startLifeline(variant.slice('lifeline-'.length), receiverUrl, shutdowns);
    // What `--import @otel-lifeline/node/register` installs: the module hooks, before Express loads.
    const { createFrameworkInstrumentations } =
      await import('@otel-lifeline/instrumentation-api/module-hooks');
    const { registerInstrumentations } = await import('@opentelemetry/instrumentation');
    const unregister = registerInstrumentations({ instrumentations: createFrameworkInstrumentations() });
    shutdowns.push(async () => unregister());
  }
  const express = (await import('node:module')).createRequire(import.meta.url)('express');
  const app = express();
  app.get('/users/:id', (req, res) => res.json({ id: req.params.id, name: 'Ada', plan: 'pro' }));
  return new Promise((resolve) => {
    const server = app.listen(0, '127.0.0.1', () => resolve(server));
  });
}

/** NodeSDK with the given instrumentations, spans batched into an exporter that drops them. */
async function startNodeSdk(instrumentations, shutdowns) {
  const { NodeSDK } = await import('@opentelemetry/sdk-node');
  const { BatchSpanProcessor } = await import('@opentelemetry/sdk-trace');
  const dropSpans = {
    export: (_spans, done) => done({ code: 0 }),
    shutdown: async () => {},
    forceFlush: async () => {},
  };
  const sdk = new NodeSDK({
    spanProcessors: [new BatchSpanProcessor({ exporter: dropSpans })],
    instrumentations,
  });
  sdk.start();
  shutdowns.push(() => sdk.shutdown());
}

/**
 * Lifeline's API instrumentation with its events going to `kind`'s log path — `null`: the stock
 * batch processor into an exporter that drops batches; `receiver`: the stock OTLPLogExporter to
 * the receiver process; `durable`: redaction, then the durable processor (encode at emit, disk
 * queue with group commit, OTLP/HTTP to the receiver process) — and the HTTP histograms through
 * Lifeline's metric producer, as @otel-lifeline/node wires them.
 */
async function startLifeline(kind, receiverUrl, shutdowns) {
  const { instrumentApi, createHttpMetricsProducer, createRedactingLogRecordProcessor } =
    await import('@otel-lifeline/instrumentation-api');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } =
    await import('@opentelemetry/sdk-metrics');
  let processors;
  let removeQueue = () => {};
  if (kind === 'durable') {
    const { createDurableLogRecordProcessor } = await import('@otel-lifeline/exporter');
    const queueDir = mkdtempSync(path.join(tmpdir(), 'lifeline-bench-http-'));
    removeQueue = () => rmSync(queueDir, { recursive: true, force: true });
    processors = [
      createRedactingLogRecordProcessor({}),
      createDurableLogRecordProcessor({ endpoints: [{ url: `${receiverUrl}/v1/logs` }], queueDir }),
    ];
  } else if (kind === 'receiver') {
    const { OTLPLogExporter } = await import('@opentelemetry/exporter-logs-otlp-proto');
    processors = [
      new BatchLogRecordProcessor({ exporter: new OTLPLogExporter({ url: `${receiverUrl}/v1/logs` }) }),
    ];
  } else {
    const dropLogs = {
      export: (_records, done) => done({ code: 0 }),
      shutdown: async () => {},
      forceFlush: async () => {},
    };
    processors = [new BatchLogRecordProcessor({ exporter: dropLogs })];
  }
  const loggerProvider = new LoggerProvider({ processors });
  const dropMetrics = {
    export: (_metrics, done) => done({ code: 0 }),
    shutdown: async () => {},
    forceFlush: async () => {},
    selectAggregationTemporality: () => AggregationTemporality.CUMULATIVE,
  };
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
  const api = instrumentApi({ loggerProvider, meterProvider, metricsProducer });
  shutdowns.push(
    () => api.shutdown(),
    () => loggerProvider.shutdown().finally(removeQueue),
    () => meterProvider.shutdown(),
  );
}
