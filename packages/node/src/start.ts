import { createRequire } from 'node:module';
import { join } from 'node:path';
import { context, createNoopMeter, metrics, propagation, trace } from '@opentelemetry/api';
import type { MeterProvider as MeterProviderApi } from '@opentelemetry/api';
import { logs } from '@opentelemetry/api-logs';
import { registerInstrumentations } from '@opentelemetry/instrumentation';
import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { RuntimeNodeInstrumentation } from '@opentelemetry/instrumentation-runtime-node';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { MeterProvider, PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import { ParentBasedSampler, TraceIdRatioBasedSampler } from '@opentelemetry/sdk-trace-base';
import { NodeTracerProvider } from '@opentelemetry/sdk-trace-node';
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
import type { ResolvedConfig, Signal } from './config/config-types.js';
import { loadConfig } from './config/load-config.js';
import type { LoadConfigOptions } from './config/load-config.js';
import { atLeast, installDiagnosticsLogger } from './sdk/diagnostics-logger.js';
import { buildResource } from './sdk/build-resource.js';
import { DISTRO_VERSION } from './sdk/distro-version.js';
import { registerProcessMetrics } from './sdk/process-metrics.js';
import { installExitHooks } from './sdk/exit-hooks.js';
import type { ExitHooks } from './sdk/exit-hooks.js';
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
  /** Everything emitted so far is on disk, then sent until the deadline. */
  forceFlush(): Promise<void>;
  /** Stops capturing, flushes to disk, sends until `shutdown_timeout`, leaves the rest on disk. */
  shutdown(): Promise<void>;
}

let started: Lifeline | undefined;

/**
 * Starts Lifeline: durable pipelines for logs, traces and metrics, the API instrumentation with
 * redaction, HTTP server spans and runtime metrics. Synchronous, never throws for configuration:
 * problems are printed (key, value, expected) and telemetry runs degraded or off.
 */
export function start(options: StartOptions = {}): Lifeline {
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (started) {
    write('[lifeline] warn: start() was called again; the running instance is kept');
    return started;
  }
  const { config, problems } = loadConfig(options);
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
    started = disabledInstance(config, problems);
    return started;
  }
  try {
    started = startPipelines(config, problems, options, write);
  } catch (error) {
    write(
      `[lifeline] TELEMETRY IS OFF: could not start: ${error instanceof Error ? error.message : String(error)}`,
    );
    started = disabledInstance({ ...config, enabled: false, disabledReason: String(error) }, problems);
  }
  return started;
}

function startPipelines(
  config: ResolvedConfig,
  problems: ConfigProblem[],
  options: StartOptions,
  write: (line: string) => void,
): Lifeline {
  const resource = buildResource(config);
  const resilience = (signal: Signal): ResilienceOptions => ({
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
  });
  const redaction = {
    mode: config.instrumentation.redaction.mode,
    sensitiveKeys: config.instrumentation.redaction.sensitiveKeys,
    ...(config.instrumentation.redaction.hashKey
      ? { hashKey: config.instrumentation.redaction.hashKey }
      : {}),
  };
  const shutdowns: Array<() => Promise<void>> = [];
  const flushes: Array<() => Promise<void>> = [];
  const running: string[] = [];

  let meterProvider: MeterProvider | undefined;
  // The HTTP server histograms are aggregated by the instrumentation and read through this
  // producer: the same data as SDK histograms at a fraction of the cost per request.
  let metricsProducer: HttpMetricsProducer | undefined;
  if (config.signals.metrics.enabled && hasEndpoint(config, 'metrics')) {
    // The exporter's temporality is cumulative (createResilientMetricExporter's default).
    metricsProducer = config.instrumentation.enabled ? createHttpMetricsProducer() : undefined;
    meterProvider = new MeterProvider({
      resource,
      readers: [
        new PeriodicExportingMetricReader({
          exporter: createResilientMetricExporter(resilience('metrics')),
          exportIntervalMillis: config.signals.metrics.exportIntervalMs,
          exportTimeoutMillis: Math.min(30_000, config.signals.metrics.exportIntervalMs),
          ...(metricsProducer ? { metricProducers: [metricsProducer] } : {}),
        }),
      ],
    });
    metrics.setGlobalMeterProvider(meterProvider);
    const provider = meterProvider;
    shutdowns.push(() => provider.shutdown());
    flushes.push(() => provider.forceFlush());
    running.push('metrics');
  }

  let loggerProvider: LoggerProvider | undefined;
  if (config.signals.logs.enabled && hasEndpoint(config, 'logs')) {
    const durable = createDurableLogRecordProcessor(resilience('logs'));
    loggerProvider = new LoggerProvider({
      resource,
      processors: [
        createSeverityFilterProcessor(config.signals.logs.minSeverity, [
          createRedactingLogRecordProcessor(redaction),
          durable,
        ]),
      ],
    });
    logs.setGlobalLoggerProvider(loggerProvider);
    const provider = loggerProvider;
    shutdowns.push(() => provider.shutdown());
    flushes.push(() => provider.forceFlush());
    running.push('logs');
  }

  let tracerProvider: NodeTracerProvider | undefined;
  if (config.signals.traces.enabled && hasEndpoint(config, 'traces')) {
    tracerProvider = new NodeTracerProvider({
      resource,
      sampler: new ParentBasedSampler({
        root: new TraceIdRatioBasedSampler(config.signals.traces.sampleRatio),
      }),
      spanProcessors: [
        createRedactingSpanProcessor(redaction),
        createDurableSpanProcessor(resilience('traces')),
      ],
    });
    tracerProvider.register();
    const provider = tracerProvider;
    shutdowns.push(() => provider.shutdown());
    flushes.push(() => provider.forceFlush());
    running.push('traces');
  }

  // Server spans come from the standard http instrumentation (its own metrics are off: the API
  // instrumentation records the semconv HTTP metrics with the route); runtime metrics from the
  // standard runtime instrumentation.
  const unregisters: Array<() => void> = [];
  if (meterProvider && config.signals.metrics.runtime) {
    unregisters.push(
      registerInstrumentations({
        instrumentations: [new RuntimeNodeInstrumentation({ monitoringPrecision: 10 })],
        meterProvider,
      }),
    );
    registerProcessMetrics(meterProvider, DISTRO_VERSION);
  }
  if (tracerProvider) {
    // Our own export requests must not become spans (each export would create more to export).
    const exportTargets = config.endpoints.flatMap((e) =>
      Object.values(e.signals).map((s) => new URL(s.url)),
    );
    const isExport = (options: {
      hostname?: string | null;
      host?: string | null;
      port?: string | number | null;
      path?: string | null;
    }) => {
      const host = options.hostname ?? options.host?.split(':')[0];
      const path = (options.path ?? '/').split('?')[0];
      return exportTargets.some(
        (u) =>
          u.hostname === host &&
          String(options.port ?? (u.protocol === 'https:' ? 443 : 80)) ===
            (u.port || (u.protocol === 'https:' ? '443' : '80')) &&
          u.pathname === path,
      );
    };
    const http = new HttpInstrumentation({ ignoreOutgoingRequestHook: (request) => isExport(request) });
    unregisters.push(registerInstrumentations({ instrumentations: [http], tracerProvider }));
    http.setMeterProvider(noopMeterProvider);
    // The http instrumentation patches when `http` is required; ESM apps import the built-in
    // without require(), so load it once here, after the hook is in place.
    const require = createRequire(import.meta.url);
    require('node:http');
    require('node:https');
  }

  let api: InstrumentApiHandle | undefined;
  if (config.instrumentation.enabled && loggerProvider) {
    api = instrumentApi({
      loggerProvider,
      ...(meterProvider ? { meterProvider } : {}),
      ...(metricsProducer ? { metricsProducer } : {}),
      ...(tracerProvider ? { tracerProvider } : {}),
      accessSampleRatio: config.instrumentation.accessSampleRatio,
      ignorePaths: config.instrumentation.ignorePaths,
      captureHeaders: {
        request: config.instrumentation.captureRequestHeaders,
        response: config.instrumentation.captureResponseHeaders,
      },
      loginRoutes: config.instrumentation.loginRoutes,
      audit: config.instrumentation.auditRoutes.map((route) => ({ route })),
      redaction,
      ...options.instrumentation,
    });
    unregisters.push(installFrameworkHooks());
    // Express, Koa, Nest and Hono: module hooks apply their adapters (ESM through the loader hook).
    registerFrameworkLoaderHook();
    unregisters.push(registerInstrumentations({ instrumentations: createFrameworkInstrumentations() }));
  }

  const forceFlush = async () => {
    await Promise.all(flushes.map((f) => f().catch(() => undefined)));
  };
  let shutdownPromise: Promise<void> | undefined;
  const shutdown = () => {
    shutdownPromise ??= (async () => {
      hooks?.remove();
      await api?.shutdown().catch(() => undefined);
      for (const unregister of unregisters) unregister();
      await Promise.all(shutdowns.map((s) => s().catch(() => undefined)));
    })();
    return shutdownPromise;
  };
  let hooks: ExitHooks | undefined;
  if (options.handleSignals !== false)
    hooks = installExitHooks({ forceFlush, shutdown }, config.shutdownTimeoutMs + 500);

  if (atLeast(config.logLevel, 'info')) {
    const endpoints = config.endpoints.map((e) => `${e.name} ${describeEndpoint(e.signals)}`).join(', ');
    write(
      `[lifeline] started: service ${config.serviceName}; ${running.join(', ') || 'no signals'} → ${endpoints} (${config.mode}); durable queue ${config.queue.directory}${config.queue.encryption ? ' (encrypted)' : ''}; configuration from ${config.source}`,
    );
  }
  // Keep the globals consistent for code that asks the API directly.
  void context;
  void propagation;
  void trace;
  return { enabled: true, config, problems, api, forceFlush, shutdown };
}

const noopMeterProvider: MeterProviderApi = { getMeter: () => createNoopMeter() };

function hasEndpoint(config: ResolvedConfig, signal: Signal): boolean {
  return config.endpoints.some((e) => e.signals[signal] !== undefined);
}

function describeEndpoint(signals: ResolvedConfig['endpoints'][number]['signals']): string {
  const url = signals.logs?.url ?? signals.traces?.url ?? signals.metrics?.url ?? '';
  return url.replace(/\/v1\/(logs|traces|metrics)$/, '');
}

function disabledInstance(config: ResolvedConfig, problems: ConfigProblem[]): Lifeline {
  return {
    enabled: false,
    config,
    problems,
    api: undefined,
    forceFlush: async () => undefined,
    shutdown: async () => undefined,
  };
}
