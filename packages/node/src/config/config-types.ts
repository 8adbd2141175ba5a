import type { Compression } from '@otel-lifeline/exporter';
import type { ConfigProblem } from './config-problem.js';

export type Signal = 'logs' | 'traces' | 'metrics';
export const SIGNALS: readonly Signal[] = ['logs', 'traces', 'metrics'];

export type LogLevel = 'none' | 'error' | 'warn' | 'info' | 'debug' | 'verbose' | 'all';
export type Severity = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal';

/** One endpoint for one signal, in the shape the exporter takes (`EndpointOptions`). */
export interface SignalEndpoint {
  url: string;
  headers: Record<string, string>;
  protocol: 'http/protobuf' | 'http/json';
  compression: Compression;
  timeoutMs: number;
  tls?: { ca?: Buffer; cert?: Buffer; key?: Buffer; rejectUnauthorized?: boolean };
}

export interface ResolvedEndpoint {
  name: 'primary' | 'secondary';
  signals: Record<Signal, SignalEndpoint>;
}

/** The configuration after every source was read, validated and given its defaults. */
export interface ResolvedConfig {
  /** false when Lifeline must not start (OTEL_SDK_DISABLED, or a problem that leaves nothing usable). */
  enabled: boolean;
  /** Why `enabled` is false, for the start-up message. */
  disabledReason?: string;
  /** Where the values came from: 'environment', or the file's path. */
  source: string;
  logLevel: LogLevel;
  serviceName: string;
  resourceAttributes: Record<string, string | number | boolean>;
  endpoints: ResolvedEndpoint[];
  mode: 'failover' | 'mirror';
  queue: {
    directory: string;
    maxBytes: number;
    maxAgeMs: number;
    whenFull: 'drop-newest' | 'drop-oldest';
    fsyncIntervalMs: number;
    encryption?: { keyId: string; key: Uint8Array };
  };
  retry: { initialBackoffMs: number; maxBackoffMs: number };
  probeIntervalMs: number;
  shutdownTimeoutMs: number;
  signals: {
    logs: { enabled: boolean; minSeverity: Severity };
    traces: { enabled: boolean; sampleRatio: number };
    metrics: { enabled: boolean; exportIntervalMs: number; runtime: boolean };
  };
  /** The SDK's own OTEL_* settings (sampler, propagators, resource detectors, metric timeout); set by loadConfig. */
  sdk?: SdkSettings;
  instrumentation: {
    enabled: boolean;
    accessSampleRatio: number;
    ignorePaths: string[];
    captureRequestHeaders: string[];
    /** Request and response bodies (text types, size-capped, redacted). Default false. */
    captureBodies: { request: boolean; response: boolean };
    captureResponseHeaders: string[];
    loginRoutes: string[];
    auditRoutes: string[];
    redaction: { mode: 'mask' | 'hash' | 'drop'; hashKey?: string; sensitiveKeys: string[] };
  };
}

export interface LoadedConfig {
  config: ResolvedConfig;
  problems: ConfigProblem[];
}

export const DEFAULTS = {
  endpoint: 'http://localhost:4318',
  queueDirectory: '.lifeline-queue',
  maxBytes: 1024 * 1024 * 1024,
  maxAgeMs: 48 * 3_600_000,
  fsyncIntervalMs: 100,
  timeoutMs: 10_000,
  initialBackoffMs: 1_000,
  maxBackoffMs: 30_000,
  probeIntervalMs: 30_000,
  shutdownTimeoutMs: 5_000,
  exportIntervalMs: 60_000,
  ignorePaths: ['/health', '/healthz', '/ready', '/readyz', '/live', '/livez', '/metrics'],
} as const;

/** The SDK's own settings, read from `OTEL_*` variables by otel-env.ts. */
export type SamplerName =
  | 'always_on'
  | 'always_off'
  | 'traceidratio'
  | 'parentbased_always_on'
  | 'parentbased_always_off'
  | 'parentbased_traceidratio';
export type PropagatorName = 'tracecontext' | 'baggage';
export type ResourceDetectorName = 'env' | 'host' | 'os' | 'process' | 'serviceinstance';

export interface SdkSettings {
  /** OTEL_TRACES_SAMPLER; the ratio is signals.traces.sample_ratio (OTEL_TRACES_SAMPLER_ARG). */
  sampler: SamplerName;
  /** OTEL_PROPAGATORS, in order; empty for `none`. */
  propagators: PropagatorName[];
  /** OTEL_NODE_RESOURCE_DETECTORS. */
  resourceDetectors: ResourceDetectorName[];
  /** OTEL_METRIC_EXPORT_TIMEOUT, capped at the export interval (the reader requires it). */
  metricExportTimeoutMs: number;
}
