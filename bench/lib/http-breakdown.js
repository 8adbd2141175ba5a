// bench:http's breakdown: where a request's CPU time goes, without sockets. Real
// IncomingMessage/ServerResponse objects are pushed through the diagnostics channels Node's HTTP
// server publishes on, so that Lifeline's API instrumentation sees them as it sees real requests.
//
//   node bench/lib/http-breakdown.js                 every configuration, 3 passes; prints JSON
//   node bench/lib/http-breakdown.js --config NAME   one measurement of one configuration (a child)
//
// Each measurement runs in a process of its own, as each configuration runs in a real server: run
// one after another in one process, the later configurations measured slower (0.3 µs more for the
// Logs SDK) because V8 had compiled the shared code for the earlier ones. The child measures the
// request objects alone first and then with the configuration; its figure is the difference.
// Three passes over the configurations, each in a different order; a row is the median over passes.
import { fork } from 'node:child_process';
import { once } from 'node:events';
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
  const self = fileURLToPath(import.meta.url);
  const baseline = [];
  const added = Object.fromEntries(NAMES.map((name) => [name, []]));
  for (let pass = 0; pass < PASSES; pass++) {
    for (let i = 0; i < NAMES.length; i++) {
      const name = NAMES[(i + pass * 3) % NAMES.length];
      const child = fork(self, ['--config', name], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
      const [[message], [code]] = await Promise.all([once(child, 'message'), once(child, 'exit')]);
      if (code !== 0) throw new Error(`breakdown of "${name}" exited with code ${code}`);
      baseline.push(message.baseline);
      added[name][pass] = message.value - message.baseline;
    }
  }
  const out = { [BASELINE]: median(baseline) };
  for (const name of NAMES) out[name] = median(added[name]);
  out[DETECTORS] = median(added[NO_OP].map((on, pass) => on - added[DETECTORS_OFF][pass]));
  return out;
}

/** One measurement: the request objects alone, then with configuration `name`; CPU µs per request. */
async function measureOne(name) {
  if (!Object.hasOwn(CONFIGS, name))
    throw new Error(`--config: expected one of ${NAMES.join(' | ')}, got "${name}"`);
  const { IncomingMessage, ServerResponse, Server } = await import('node:http');
  const { Socket } = await import('node:net');
  const dc = await import('node:diagnostics_channel');
  const { randomUUID } = await import('node:crypto');
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

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  if (values.config !== undefined) {
    const result = await measureOne(values.config);
    // The SDKs' timers would keep the process alive: it exits once the parent has the figures.
    if (process.send) process.send(result, () => process.exit(0));
    else {
      console.log(JSON.stringify(result));
      process.exit(0);
    }
  } else console.log(JSON.stringify(await measureBreakdown(), null, 2));
}
