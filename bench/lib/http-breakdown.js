// bench:http's breakdown: where a request's CPU time goes, without sockets. Real
// IncomingMessage/ServerResponse objects are pushed through the diagnostics channels Node's HTTP
// server publishes on, so that Lifeline's API instrumentation sees them as it sees real requests.
//
//   node bench/lib/http-breakdown.js [--quick]       every configuration, 3 passes; prints JSON
//   node bench/lib/http-breakdown.js --config NAME   one measurement of one configuration (a child)
//   node --import @otel-lifeline/node/register bench/lib/http-breakdown.js --distribution SECONDS
//                                                    the distribution's CPU per request (a child)
//
// Each measurement runs in a process of its own, as each configuration runs in a real server: run
// one after another in one process, the later configurations measured slower (0.3 µs more for the
// Logs SDK) because V8 had compiled the shared code for the earlier ones. The child measures the
// request objects alone first and then with the configuration; its figure is the difference.
// Three passes over the configurations, each in a different order; a row is the median over passes.
//
// Then the distribution itself, started as users start it (`--import`, defaults, exporting to a
// receiver process), fed the same request objects at a steady 20,000 requests/s: its whole-process
// CPU per request (every thread: encoding, compression, the disk queue, fdatasync, the HTTP export)
// with no socket and no framework around it, whose cost varies more from run to run than the
// distribution's own. Four variants, each in its own process, three passes: the SDK disabled
// (request objects and the pacing alone: the baseline), defaults, traces off, and 1 trace in 10
// sampled; the server span's cost is defaults − traces off, paired by pass.
import { fork } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from './stats.js';

const BASELINE = 'request objects only (baseline)';
const NO_OP = 'instrumentation, no-op providers';
const DETECTORS_OFF = 'instrumentation, no-op providers, value detectors off';
const DETECTORS = 'redaction value detectors (no-op providers, on − off)';

/** Each configuration's name and its instrumentApi options, given the SDK parts (see `sdkParts`). */
const CONFIGS = {
  [NO_OP]: () => ({}),
  // The same without the value detectors: the difference is what they cost per request.
  [DETECTORS_OFF]: () => ({ redaction: { detectValues: false } }),
  'instrumentation + Logs SDK (batch, dropping)': (sdk) => ({ loggerProvider: sdk.loggerProvider() }),
  'instrumentation + Metrics SDK, histograms in the SDK': (sdk) => ({ meterProvider: sdk.meterProvider() }),
  'instrumentation + Metrics SDK, histograms in the producer': (sdk) => sdk.withProducer(),
  'instrumentation + both SDKs, producer (as in fastify-handwired-null)': (sdk) => ({
    loggerProvider: sdk.loggerProvider(),
    ...sdk.withProducer(),
  }),
  'both SDKs, producer, bodySizeMetrics: true (opt-in histograms)': (sdk) => ({
    loggerProvider: sdk.loggerProvider(),
    ...sdk.withProducer(),
    bodySizeMetrics: true,
  }),
};
const NAMES = Object.keys(CONFIGS);
const PASSES = 3;

/**
 * Every configuration, PASSES times, each measurement in a child process (which inherits this
 * process's CPU affinity). Figures in CPU µs per request: the baseline, then each configuration's
 * cost on top of it, then the value detectors' cost (no-op providers, on − off, paired by pass).
 */
export async function measureBreakdown() {
  const baseline = [];
  const added = Object.fromEntries(NAMES.map((name) => [name, []]));
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < NAMES.length; i++) {
      const name = NAMES[(i + pass * 3) % NAMES.length];
      const message = await child(['--config', name], {}, `breakdown of "${name}"`);
      baseline.push(message.baseline);
      added[name][pass] = message.value - message.baseline;
    }
  }
  const out = { [BASELINE]: median(baseline) };
  for (const name of NAMES) out[name] = median(added[name]);
  out[DETECTORS] = median(added[NO_OP].map((on, pass) => on - added[DETECTORS_OFF][pass]));
  return out;
}

const self = fileURLToPath(import.meta.url);
const register = import.meta.resolve('@otel-lifeline/node/register');

/** Runs this script in a child process with `args` and `env`; resolves with the message it sends. */
async function child(args, env, what, execArgv = []) {
  const forked = fork(self, args, {
    env: { ...process.env, ...env },
    execArgv,
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const exited = once(forked, 'exit');
  const message = await Promise.race([
    once(forked, 'message').then(([m]) => m),
    exited.then(([code]) => {
      throw new Error(`${what} exited with code ${code} before it reported`);
    }),
  ]);
  const [code] = await exited;
  if (code !== 0) throw new Error(`${what} exited with code ${code}`);
  return message;
}

export const DISTRIBUTION_REQUESTS_PER_SECOND = 20_000;
/** The distribution's variants: the environment each starts with. */
const DISTRIBUTION = {
  sdkDisabled: { OTEL_SDK_DISABLED: 'true' },
  defaults: {},
  tracesOff: { OTEL_TRACES_EXPORTER: 'none' },
  // The head sampling OpenTelemetry users set to keep 1 trace in 10 (the SDK's environment
  // variables); every access event is still emitted, with its trace ids.
  sampledTenth: { OTEL_TRACES_SAMPLER: 'parentbased_traceidratio', OTEL_TRACES_SAMPLER_ARG: '0.1' },
};

/**
 * The distribution's whole-process CPU per request, each variant in its own process exporting to
 * `receiverUrl`, `seconds` measured after a warm-up of half as long; three passes in rotated
 * order. µs per request: the baseline (SDK disabled), what defaults and traces off add to it, and
 * the server span (defaults − traces off); each {median, min, max} over passes.
 */
export async function measureDistribution(receiverUrl, seconds) {
  const names = Object.keys(DISTRIBUTION);
  const runs = Object.fromEntries(names.map((name) => [name, []]));
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(i + pass) % names.length];
      const queueDir = mkdtempSync(path.join(tmpdir(), 'lifeline-bench-breakdown-'));
      try {
        const env = {
          OTEL_SERVICE_NAME: 'bench-http',
          OTEL_EXPORTER_OTLP_ENDPOINT: receiverUrl,
          LIFELINE_QUEUE_DIR: queueDir,
          ...DISTRIBUTION[name],
        };
        const message = await child(['--distribution', String(seconds)], env, `the distribution (${name})`, [
          '--import',
          register,
        ]);
        runs[name][pass] = message.microsecondsPerRequest;
      } finally {
        rmSync(queueDir, { recursive: true, force: true });
      }
    }
  }
  const spread = (values) => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });
  const over = (name) => runs[name].map((us, pass) => us - runs.sdkDisabled[pass]);
  return {
    requestsPerSecond: DISTRIBUTION_REQUESTS_PER_SECOND,
    seconds,
    passes: PASSES,
    sdkDisabled: spread(runs.sdkDisabled),
    defaults: spread(over('defaults')),
    tracesOff: spread(over('tracesOff')),
    sampledTenth: spread(over('sampledTenth')),
    serverSpans: spread(runs.defaults.map((us, pass) => us - runs.tracesOff[pass])),
    runs,
  };
}

/** One process running the distribution (started by --import): paced requests, whole-process CPU. */
async function measureDistributionOnce(seconds) {
  const one = await requestFactory();
  const rate = DISTRIBUTION_REQUESTS_PER_SECOND;
  const slice = rate / 100; // requests per 10 ms
  const run = async (n) => {
    const started = performance.now();
    for (let done = 0; done < n;) {
      for (let k = 0; k < slice && done < n; k++, done++) one();
      // Every slice ends its event-loop turn, as a server's turns end between socket reads, even
      // when it is behind schedule: the instrumentation reports a turn's finished requests at its
      // end, and a loop that never yields would hold them all (a growing heap, long scavenges,
      // a process falling further behind: passes that differed by half).
      await new Promise((resolve) => setImmediate(resolve));
      const due = started + (done / rate) * 1000;
      while (performance.now() < due) await new Promise((resolve) => setTimeout(resolve, 1));
    }
  };
  await run((rate * seconds) / 2);
  const before = process.cpuUsage();
  const n = rate * seconds;
  await run(n);
  // The last records' encode, commit and export (the durability interval is 100 ms).
  await new Promise((resolve) => setTimeout(resolve, 300));
  const used = process.cpuUsage(before);
  return { microsecondsPerRequest: (used.user + used.system) / n };
}

/**
 * `one()`: a typical API request through Node's HTTP diagnostics channels, as the server publishes
 * them, with a handler that sets the status.
 */
async function requestFactory() {
  const { IncomingMessage, ServerResponse, Server } = await import('node:http');
  const { Socket } = await import('node:net');
  const dc = await import('node:diagnostics_channel');
  const { randomUUID } = await import('node:crypto');
  const start = dc.channel('http.server.request.start');
  const finish = dc.channel('http.server.response.finish');
  const server = new Server((_request, response) => {
    response.statusCode = 200;
  });
  const socket = new Socket();
  Object.defineProperty(socket, 'remoteAddress', { value: '127.0.0.1' });
  // A typical API request, different each time: ids from a pool larger than the redactor's memory
  // of clean strings (so the detectors' cost is not hidden by it), a short query, a few headers as
  // browsers and client libraries send them.
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
  return one;
}

/** One measurement: the request objects alone, then with configuration `name`; CPU µs per request. */
async function measureOne(name) {
  if (!Object.hasOwn(CONFIGS, name))
    throw new Error(`--config: expected one of ${NAMES.join(' | ')}, got "${name}"`);
  const { instrumentApi, createHttpMetricsProducer } = await import('@otel-lifeline/instrumentation-api');
  const { BatchLogRecordProcessor, LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { MeterProvider, PeriodicExportingMetricReader, AggregationTemporality } =
    await import('@opentelemetry/sdk-metrics');
  const one = await requestFactory();
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
  const sdk = {
    loggerProvider: () =>
      new LoggerProvider({ processors: [new BatchLogRecordProcessor({ exporter: dropLogs })] }),
    meterProvider,
    /** The Metrics SDK with the HTTP histograms aggregated by Lifeline's producer (what @otel-lifeline/node sets up). */
    withProducer: () => {
      const metricsProducer = createHttpMetricsProducer();
      return { meterProvider: meterProvider([metricsProducer]), metricsProducer };
    },
  };
  const n = 200_000;
  const baseline = measure(n);
  const api = instrumentApi(CONFIGS[name](sdk));
  const value = measure(n);
  await api.shutdown();
  return { baseline, value };
}

if (process.argv[1] === self) {
  const { values } = parseArgs({
    options: {
      config: { type: 'string' },
      distribution: { type: 'string' },
      quick: { type: 'boolean', default: false },
    },
  });
  // The children send their figures and exit once the parent has them (the SDKs' timers would
  // keep them alive).
  const report = (result) => {
    if (process.send) process.send(result, () => process.exit(0));
    else {
      console.log(JSON.stringify(result));
      process.exit(0);
    }
  };
  if (values.config !== undefined) report(await measureOne(values.config));
  else if (values.distribution !== undefined)
    report(await measureDistributionOnce(Number(values.distribution)));
  else {
    const { createReceiver } = await import('@otel-lifeline/receiver');
    const receiver = await createReceiver({ keep: false });
    const parts = await measureBreakdown();
    const distribution = await measureDistribution(receiver.url, values.quick ? 2 : 6);
    await receiver.close();
    console.log(JSON.stringify({ parts, distribution }, null, 2));
  }
}
