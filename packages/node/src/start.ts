import { join } from 'node:path';
import { logs, metrics } from '@opentelemetry/api';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { TracerProvider } from '@opentelemetry/sdk-trace';
import {
  createDurableLogRecordProcessor,
  createDurableSpanProcessor,
  createResilientMetricExporter,
} from '@otel-lifeline/exporter';
import type { ResilienceOptions } from '@otel-lifeline/exporter';
import {
  createHttpMetricsProducer,
  createRedactingLogRecordProcessor,
  createRedactingSpanProcessor,
  instrumentApi,
} from '@otel-lifeline/instrumentation-api';
import type {
  HttpMetricsProducer,
  InstrumentApiHandle,
  InstrumentApiOptions,
} from '@otel-lifeline/instrumentation-api';
import { formatProblem } from './config/config-problem.js';
import type { ConfigProblem } from './config/config-problem.js';
import type { LoadedConfig, ResolvedConfig, Signal } from './config/config-types.js';
import { loadConfig } from './config/load-config.js';
import type { LoadConfigOptions } from './config/load-config.js';
import { atLeast, installDiagnosticsLogger } from './sdk/diagnostics-logger.js';
import { buildResource } from './sdk/build-resource.js';
import { registerUnlessOwned } from './sdk/global-owner.js';
import { DEFAULT_SDK_SETTINGS } from './config/otel-env.js';
import { createSignalRedaction } from './sdk/signal-redaction.js';
import { DISTRO_VERSION } from './sdk/distro-version.js';
import { registerProcessMetrics } from './sdk/process-metrics.js';
import { registerRuntimeMetrics } from './sdk/runtime-metrics.js';
import { PooledIdGenerator } from './sdk/pooled-id-generator.js';
import { buildSampler, registerTracerProvider } from './sdk/register-tracer-provider.js';
import type { DeliveryReport } from './sdk/delivery-tracker.js';
import { DeliveryTracker } from './sdk/delivery-tracker.js';
import { createExitDeadline } from './sdk/exit-deadline.js';
import { installExitHooks } from './sdk/exit-hooks.js';
import { createLifecycle } from './sdk/lifecycle.js';
import type { RunningProvider } from './sdk/lifecycle.js';
import { registerHttpInstrumentation } from './sdk/http-instrumentation.js';
import { createSeverityFilterProcessor } from './sdk/severity-filter-processor.js';
import { installFrameworkHooks } from './sdk/framework-hooks.js';
import {
  createFrameworkInstrumentations,
  registerFrameworkLoaderHook,
} from '@otel-lifeline/instrumentation-api/module-hooks';

export interface StartOptions extends LoadConfigOptions {
  /** Code-only instrumentation options (identify, audit rules, trustProxy...); they win over the configuration. */
  instrumentation?: Omit<InstrumentApiOptions, 'loggerProvider' | 'meterProvider' | 'tracerProvider'>;
  /** Flush on SIGTERM/SIGINT and when the event loop empties. Default true. */
  handleSignals?: boolean;
  /** Where start-up messages go. Default stderr. */
  write?: (line: string) => void;
}

export interface Lifeline {
  /** False when telemetry is off (OTEL_SDK_DISABLED, or a configuration that leaves nothing usable). */
  readonly enabled: boolean;
  readonly config: ResolvedConfig;
  readonly problems: readonly ConfigProblem[];
  /** The API instrumentation, to report security and audit events the app detects itself. */
  readonly api: InstrumentApiHandle | undefined;
  /**
   * Everything emitted so far goes to disk, then out; resolves once it was delivered or
   * `shutdown_timeout` passed (after a signal: the exit deadline). Keeps the process alive meanwhile.
   */
  forceFlush(): Promise<DeliveryReport>;
  /**
   * Stops capturing, flushes to disk and sends until delivered or `shutdown_timeout` passed,
   * counted from the first SIGTERM/SIGINT or shutdown() call. Keeps the process alive meanwhile.
   * What was not sent stays on disk (the result and one log line per signal say how much) and the
   * next start sends it.
   */
  shutdown(): Promise<DeliveryReport>;
}

// One running instance per process, also when start() comes from another copy of this module
// (the register entry runs a bundled copy; the app may import start() from the package).
const STARTED = Symbol.for('@otel-lifeline/node.started');
const processWide = globalThis as { [STARTED]?: Lifeline };

/**
 * Starts Lifeline: durable pipelines for logs, traces and metrics, the API instrumentation with
 * redaction, HTTP server spans and runtime metrics. Synchronous and never throws: configuration
 * problems are printed (key, value, expected) and telemetry runs degraded or off; any other failure
 * is one line on stderr and telemetry off.
 */
export function start(options: StartOptions = {}): Lifeline {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const running = processWide[STARTED];
  if (running) {
    write('[lifeline] warn: start() was called again; the running instance is kept');
    return running;
  }
  let started: Lifeline;
  let loaded: LoadedConfig | undefined;
  try {
    loaded = loadConfig(options);
    started = startLoaded(loaded, options, write);
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    write(`[lifeline] TELEMETRY IS OFF: could not start: ${message}`);
    const config = loaded?.config ?? offConfig(options);
    started = disabledInstance(
      { ...config, enabled: false, disabledReason: message },
      loaded?.problems ?? [],
    );
  }
  processWide[STARTED] = started;
  return started;
}

function startLoaded(
  { config, problems }: LoadedConfig,
  options: StartOptions,
  write: (line: string) => void,
) {
  installDiagnosticsLogger(config.logLevel, write);
  for (const problem of problems) {
    if (problem.severity === 'error' || atLeast(config.logLevel, 'warn'))
      write(
        `[lifeline] ${problem.severity === 'error' ? 'configuration error' : 'configuration warning'}: ${formatProblem(problem)}`,
      );
  }
  if (!config.enabled) {
    const loud = config.disabledReason?.endsWith(' is true') !== true;
    if (loud || atLeast(config.logLevel, 'info'))
      write(
        `[lifeline] ${loud ? 'TELEMETRY IS OFF' : 'telemetry is off'}: ${config.disabledReason ?? 'disabled'}`,
      );
    return disabledInstance(config, problems);
  }
  return startPipelines(config, problems, options, write);
}

/** The configuration a start that failed before reading its own reports: the defaults, switched off. */
function offConfig(options: StartOptions): ResolvedConfig {
  return loadConfig({
    env: { OTEL_SDK_DISABLED: 'true' },
    queueDirectory: 'check',
    ...(options.cwd ? { cwd: options.cwd } : {}),
  }).config;
}

function startPipelines(
  config: ResolvedConfig,
  problems: ConfigProblem[],
  options: StartOptions,
  write: (line: string) => void,
): Lifeline {
  const redaction = createSignalRedaction(redactionOptions(config));
  const redactor = redaction.redactor;
  const sdk = config.sdk ?? DEFAULT_SDK_SETTINGS;
  const resource = redaction.resource(buildResource(config, sdk.resourceDetectors));
  const resilience = (signal: Signal) => resilienceOptions(config, signal);
  const providers: RunningProvider[] = [];
  const deadline = createExitDeadline(config.shutdownTimeoutMs);
  const tracker = new DeliveryTracker(deadline);

  let meterProvider: MeterProvider | undefined;
  // The HTTP server histograms are aggregated by the instrumentation and read through this
  // producer: the same data as SDK histograms at a fraction of the cost per request.
  let metricsProducer: HttpMetricsProducer | undefined;
  if (config.signals.metrics.enabled && hasEndpoint(config, 'metrics')) {
    // The exporter's temporality is cumulative (createResilientMetricExporter's default).
    metricsProducer = config.instrumentation.enabled ? createHttpMetricsProducer({ redactor }) : undefined;
    meterProvider = new MeterProvider({
      resource,
      views: redaction.metricViews,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: tracker.metricExporter(createResilientMetricExporter(resilience('metrics'))),
          exportIntervalMillis: config.signals.metrics.exportIntervalMs,
          exportTimeoutMillis: Math.min(sdk.metricExportTimeoutMs, config.signals.metrics.exportIntervalMs),
          ...(metricsProducer ? { metricProducers: [metricsProducer] } : {}),
        }),
      ],
    });
    registerUnlessOwned('metrics', meterProvider, (p) => metrics.setGlobalMeterProvider(p), write);
    providers.push({ signal: 'metrics', provider: meterProvider });
  }

  let loggerProvider: LoggerProvider | undefined;
  if (config.signals.logs.enabled && hasEndpoint(config, 'logs')) {
    const durable = tracker.logProcessor(createDurableLogRecordProcessor(resilience('logs')));
    loggerProvider = new LoggerProvider({
      resource,
      processors: [
        createSeverityFilterProcessor(config.signals.logs.minSeverity, [
          createRedactingLogRecordProcessor({ redactor }),
          durable,
        ]),
      ],
    });
    registerUnlessOwned('logs', loggerProvider, (p) => logs.setGlobalLoggerProvider(p), write);
    providers.push({ signal: 'logs', provider: loggerProvider });
  }

  let tracerProvider: TracerProvider | undefined;
  if (config.signals.traces.enabled && hasEndpoint(config, 'traces')) {
    tracerProvider = new TracerProvider({
      resource,
      sampler: buildSampler(sdk.sampler, config.signals.traces.sampleRatio),
      idGenerator: new PooledIdGenerator(),
      spanProcessors: [
        createRedactingSpanProcessor({ redactor }),
        tracker.spanProcessor(createDurableSpanProcessor(resilience('traces'))),
      ],
    });
    registerUnlessOwned('trace', tracerProvider, (p) => registerTracerProvider(p, sdk.propagators), write);
    providers.push({ signal: 'traces', provider: tracerProvider });
  }

  // Server spans: from the API instrumentation's own request capture when it runs, else from the
  // standard http instrumentation, which also makes the client spans (its metrics off: ours have
  // the route); runtime metrics: event loop, GC and heap (sdk/runtime-metrics.ts), process CPU and memory.
  const unregisters: Array<() => void> = [];
  if (meterProvider && config.signals.metrics.runtime) {
    registerProcessMetrics(meterProvider, DISTRO_VERSION);
    unregisters.push(registerRuntimeMetrics(meterProvider, DISTRO_VERSION));
  }
  // Some signal is on here (with none, start() returned): the API instrumentation runs, also with
  // logs off (traces and metrics only), then for the server spans and the HTTP metrics alone.
  const instrumenting = config.instrumentation.enabled;
  if (tracerProvider) unregisters.push(registerHttpInstrumentation(config, tracerProvider, !instrumenting));

  const api = instrumenting
    ? startInstrumentation(config, options, redaction.options, unregisters, {
        loggerProvider,
        meterProvider,
        metricsProducer,
        tracerProvider,
      })
    : undefined;
  if (api) tracker.beforeFlush = () => api.flushReports();

  const lifecycle = createLifecycle({
    api,
    unregisters,
    providers,
    tracker,
    deadline,
    write: atLeast(config.logLevel, 'warn') ? write : () => undefined,
  });
  if (options.handleSignals !== false) lifecycle.hooks = installExitHooks(lifecycle, deadline);

  if (atLeast(config.logLevel, 'info'))
    write(
      banner(
        config,
        providers.map((p) => p.signal),
      ),
    );
  return {
    enabled: true,
    config,
    problems,
    api,
    forceFlush: () => lifecycle.forceFlush(),
    shutdown: () => lifecycle.shutdown(),
  };
}

/** The API instrumentation, and the framework hooks that give it routes (Express, Koa, Nest, Hono). */
function startInstrumentation(
  config: ResolvedConfig,
  options: StartOptions,
  redaction: ReturnType<typeof createSignalRedaction>['options'],
  unregisters: Array<() => void>,
  sdk: {
    loggerProvider: LoggerProvider | undefined;
    meterProvider: MeterProvider | undefined;
    metricsProducer: HttpMetricsProducer | undefined;
    tracerProvider: TracerProvider | undefined;
  },
): InstrumentApiHandle {
  const { loggerProvider, meterProvider, metricsProducer, tracerProvider } = sdk;
  const api = instrumentApi({
    ...(loggerProvider ? { loggerProvider } : { events: false }),
    ...(meterProvider ? { meterProvider } : {}),
    ...(metricsProducer ? { metricsProducer } : {}),
    ...(tracerProvider ? { tracerProvider } : {}),
    accessSampleRatio: config.instrumentation.accessSampleRatio,
    ignorePaths: config.instrumentation.ignorePaths,
    captureHeaders: {
      request: config.instrumentation.captureRequestHeaders,
      response: config.instrumentation.captureResponseHeaders,
    },
    captureBodies: config.instrumentation.captureBodies,
    loginRoutes: config.instrumentation.loginRoutes,
    audit: config.instrumentation.auditRoutes.map((route) => ({ route })),
    redaction,
    // Each turn's finished requests reported together at its end (less CPU per request
    // under load); every flush and shutdown path above reports them first.
    batchReports: true,
    ...options.instrumentation,
  });
  unregisters.push(installFrameworkHooks());
  // Express, Koa, Nest and Hono: module hooks apply their adapters (ESM through the loader hook).
  registerFrameworkLoaderHook();
  unregisters.push(registerInstrumentations({ instrumentations: createFrameworkInstrumentations() }));
  return api;
}

function resilienceOptions(config: ResolvedConfig, signal: Signal): ResilienceOptions {
  return {
    endpoints: config.endpoints.flatMap((e) => (e.signals[signal] ? [e.signals[signal]] : [])),
    mode: config.mode,
    queueDir: join(config.queue.directory, signal),
    queue: {
      maxBytes: config.queue.maxBytes,
      maxAgeMs: config.queue.maxAgeMs,
      whenFull: config.queue.whenFull,
      fsyncIntervalMs: config.queue.fsyncIntervalMs,
      ...(config.queue.encryption ? { encryption: config.queue.encryption } : {}),
    },
    retry: config.retry,
    probeIntervalMs: config.probeIntervalMs,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    // One line for all signals comes from the lifecycle instead.
    reportUnsent: false,
  };
}

function redactionOptions(config: ResolvedConfig) {
  const redaction = config.instrumentation.redaction;
  return {
    mode: redaction.mode,
    sensitiveKeys: redaction.sensitiveKeys,
    ...(redaction.hashKey ? { hashKey: redaction.hashKey } : {}),
  };
}

function banner(config: ResolvedConfig, running: readonly string[]): string {
  const endpoints = config.endpoints.map((e) => `${e.name} ${describeEndpoint(e.signals)}`).join(', ');
  return `[lifeline] started: service ${config.serviceName}; ${running.join(', ') || 'no signals'} → ${endpoints} (${config.mode}); durable queue ${config.queue.directory}${config.queue.encryption ? ' (encrypted)' : ''}; configuration from ${config.source}`;
}

function hasEndpoint(config: ResolvedConfig, signal: Signal): boolean {
  return config.endpoints.some((e) => e.signals[signal] !== undefined);
}

function describeEndpoint(signals: ResolvedConfig['endpoints'][number]['signals']): string {
  const url = signals.logs?.url ?? signals.traces?.url ?? signals.metrics?.url ?? '';
  return url.replace(/\/v1\/(logs|traces|metrics)$/, '');
}

const NOTHING_SENT: DeliveryReport = { delivered: true, pendingRecords: 0, signals: [] };

function disabledInstance(config: ResolvedConfig, problems: ConfigProblem[]): Lifeline {
  return {
    enabled: false,
    config,
    problems,
    api: undefined,
    forceFlush: async () => NOTHING_SENT,
    shutdown: async () => NOTHING_SENT,
  };
}
