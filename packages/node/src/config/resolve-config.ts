import { accessSync, constants, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { ConfigProblem } from './config-problem.js';
import { createConfigReader } from './config-reader.js';
import type { ConfigReader } from './config-reader.js';
import type { ConfigSource } from './config-source.js';
import { DEFAULTS } from './config-types.js';
import type { LoadedConfig, LogLevel, ResolvedConfig, Severity } from './config-types.js';
import {
  parseBoolean,
  parseDuration,
  parseEnum,
  parseKey32,
  parseKeyValueList,
  parseRatio,
  parseSize,
  parseStringList,
} from './parse-values.js';
import type { Parsed } from './parse-values.js';
import { resolveEndpoints } from './resolve-endpoints.js';

export interface ResolveOptions {
  /** Base for relative paths and for reading the service name from package.json. */
  cwd: string;
  /** 'create' makes the queue directory (start); 'check' only tests that it could be (config check). */
  queueDirectory: 'create' | 'check';
  /** Name of the source for messages: 'environment' or the file path. */
  sourceName: string;
  problems?: ConfigProblem[];
}

const aString = (value: unknown): Parsed<string> =>
  typeof value === 'string' || typeof value === 'number'
    ? { ok: true, value: String(value).trim() }
    : { ok: false, expected: 'expected a string' };

/** Turns raw values into a ResolvedConfig; every bad value is a ConfigProblem, never an exception. */
export function resolveConfig(source: ConfigSource, options: ResolveOptions): LoadedConfig {
  const reader = createConfigReader(source, options.problems ?? []);
  const disabled = reader.read('disabled', parseBoolean, false);
  const logLevel = reader.read(
    'log_level',
    (v) => parseEnum<LogLevel>(v, ['none', 'error', 'warn', 'info', 'debug', 'verbose', 'all']),
    'info',
  );
  const serviceName = reader.readOptional('service.name', aString) ?? serviceNameFromPackage(options.cwd);

  const resourceAttributes: ResolvedConfig['resourceAttributes'] = {};
  const attrs = reader.readOptional('resource.attributes', parseKeyValueList);
  if (attrs) Object.assign(resourceAttributes, attrs);
  const version = reader.readOptional('service.version', aString);
  if (version) resourceAttributes['service.version'] = version;
  const namespace = reader.readOptional('service.namespace', aString);
  if (namespace) resourceAttributes['service.namespace'] = namespace;

  const endpoints = resolveEndpoints(reader);
  const mode = reader.read('mode', (v) => parseEnum(v, ['failover', 'mirror'] as const), 'failover');

  // Turned off: look at the queue directory, but create nothing.
  const queue = resolveQueue(
    reader,
    disabled ? { ...options, queueDirectory: 'check' } : options,
    serviceName,
  );
  const signals = resolveSignals(reader);

  const config: ResolvedConfig = {
    enabled: true,
    source: options.sourceName,
    logLevel,
    serviceName,
    resourceAttributes,
    endpoints,
    mode,
    queue: queue.settings,
    retry: {
      initialBackoffMs: reader.read(
        'retry.initial_backoff',
        (v) => parseDuration(v, { bareMilliseconds: true }),
        DEFAULTS.initialBackoffMs,
        '1s',
      ),
      maxBackoffMs: reader.read(
        'retry.max_backoff',
        (v) => parseDuration(v, { bareMilliseconds: true }),
        DEFAULTS.maxBackoffMs,
        '30s',
      ),
    },
    probeIntervalMs: reader.read(
      'probe_interval',
      (v) => parseDuration(v, { bareMilliseconds: true }),
      DEFAULTS.probeIntervalMs,
      '30s',
    ),
    shutdownTimeoutMs: reader.read(
      'shutdown_timeout',
      (v) => parseDuration(v, { bareMilliseconds: true, allowZero: true }),
      DEFAULTS.shutdownTimeoutMs,
      '5s',
    ),
    signals,
    instrumentation: resolveInstrumentation(reader),
  };
  if (config.retry.maxBackoffMs < config.retry.initialBackoffMs) {
    const entry = reader.entry('retry.max_backoff');
    if (entry)
      reader.report(
        entry,
        `expected at least retry.initial_backoff (${config.retry.initialBackoffMs}ms)`,
        `using ${config.retry.initialBackoffMs}ms`,
      );
    config.retry.maxBackoffMs = config.retry.initialBackoffMs;
  }

  if (disabled) {
    config.enabled = false;
    config.disabledReason = `${reader.entry('disabled')?.key ?? 'disabled'} is true`;
  } else if (queue.unusable) {
    config.enabled = false;
    config.disabledReason = `the queue directory ${config.queue.directory} cannot be used`;
  } else if (endpoints.length === 0) {
    config.enabled = false;
    config.disabledReason = 'no usable OTLP endpoint';
  } else if (!signals.logs.enabled && !signals.traces.enabled && !signals.metrics.enabled) {
    config.enabled = false;
    config.disabledReason = 'every signal is turned off';
  }
  return { config, problems: reader.problems };
}

function resolveSignals(reader: ConfigReader): ResolvedConfig['signals'] {
  return {
    logs: {
      enabled: readEnabled(reader, 'logs'),
      minSeverity: reader.read(
        'signals.logs.min_severity',
        (v) => parseEnum<Severity>(v, ['trace', 'debug', 'info', 'warn', 'error', 'fatal']),
        'trace',
      ),
    },
    traces: {
      enabled: readEnabled(reader, 'traces'),
      sampleRatio: reader.read('signals.traces.sample_ratio', parseRatio, 1),
    },
    metrics: {
      enabled: readEnabled(reader, 'metrics'),
      exportIntervalMs: reader.read(
        'signals.metrics.export_interval',
        (v) => parseDuration(v, { bareMilliseconds: true }),
        DEFAULTS.exportIntervalMs,
        '60s',
      ),
      runtime: reader.read('signals.metrics.runtime', parseBoolean, true),
    },
  };
}

function resolveInstrumentation(reader: ConfigReader): ResolvedConfig['instrumentation'] {
  const instrumentation: ResolvedConfig['instrumentation'] = {
    enabled: reader.read('instrumentation.enabled', parseBoolean, true),
    accessSampleRatio: reader.read('instrumentation.access_sample_ratio', parseRatio, 1),
    ignorePaths: reader.read(
      'instrumentation.ignore_paths',
      parseStringList,
      [...DEFAULTS.ignorePaths],
      DEFAULTS.ignorePaths.join(','),
    ),
    captureRequestHeaders: reader.read(
      'instrumentation.capture_request_headers',
      parseStringList,
      [],
      'none',
    ),
    captureResponseHeaders: reader.read(
      'instrumentation.capture_response_headers',
      parseStringList,
      [],
      'none',
    ),
    captureBodies: bodies(reader.read('instrumentation.capture_bodies', parseBoolean, false)),
    loginRoutes: reader.read('instrumentation.login_routes', parseStringList, [], 'none'),
    auditRoutes: reader.read('instrumentation.audit_routes', parseStringList, [], 'none'),
    redaction: {
      mode: reader.read(
        'instrumentation.redaction.mode',
        (v) => parseEnum(v, ['mask', 'hash', 'drop'] as const),
        'mask',
      ),
      sensitiveKeys: reader.read('instrumentation.redaction.sensitive_keys', parseStringList, [], 'none'),
    },
  };
  const hashKey = reader.readOptional('instrumentation.redaction.hash_key', (v) => {
    const text = aString(v);
    return text.ok && Buffer.byteLength(text.value) < 16
      ? { ok: false, expected: 'expected a secret of at least 16 bytes' }
      : text;
  });
  if (hashKey) instrumentation.redaction.hashKey = hashKey;
  else if (instrumentation.redaction.mode === 'hash') {
    const entry = reader.entry('instrumentation.redaction.mode');
    if (entry)
      reader.report(
        entry,
        'hash mode needs instrumentation.redaction.hash_key (LIFELINE_REDACTION_HASH_KEY) of at least 16 bytes',
        'using mask',
      );
    instrumentation.redaction.mode = 'mask';
  }
  return instrumentation;
}

function readEnabled(reader: ConfigReader, signal: 'logs' | 'traces' | 'metrics'): boolean {
  const fromExporter = reader.readOptional(
    `signals.${signal}.exporter`,
    (v) => parseEnum(v, ['otlp', 'none'] as const),
    `keeping ${signal} on`,
  );
  const enabled = reader.read(`signals.${signal}.enabled`, parseBoolean, true);
  return fromExporter === 'none' ? false : enabled;
}

function resolveQueue(
  reader: ConfigReader,
  options: ResolveOptions,
  serviceName: string,
): { settings: ResolvedConfig['queue']; unusable: boolean } {
  const dirEntry = reader.entry('queue.directory');
  const asked = reader.readOptional('queue.directory', aString, 'using the default ./.lifeline-queue');
  let directory = resolve(options.cwd, asked ?? DEFAULTS.queueDirectory);
  let unusable = false;
  const problem = probeDirectory(directory, options.queueDirectory);
  if (problem !== undefined) {
    if (asked !== undefined && dirEntry !== undefined) {
      reader.report(
        dirEntry,
        `expected a directory Lifeline can create, read and write (${problem})`,
        'telemetry is off: records cannot be made durable',
      );
      unusable = true;
    } else {
      // The default sits in the working directory, which a container may mount read-only.
      const fallback = join(tmpdir(), `lifeline-queue-${safeName(serviceName)}`);
      reader.problems.push({
        severity: 'warning',
        key: 'queue.directory',
        value: JSON.stringify(directory),
        expected: `the default queue directory is not writable (${problem})`,
        effect: `using ${fallback}; set LIFELINE_QUEUE_DIR to a persistent volume`,
      });
      directory = fallback;
      unusable = probeDirectory(directory, options.queueDirectory) !== undefined;
    }
  }
  const settings: ResolvedConfig['queue'] = {
    directory,
    maxBytes: reader.read('queue.max_bytes', parseQueueSize, DEFAULTS.maxBytes, '1GiB'),
    maxAgeMs: reader.read(
      'queue.max_age',
      (v) => parseDuration(v, { maxMs: 365 * 86_400_000 }),
      DEFAULTS.maxAgeMs,
      '48h',
    ),
    whenFull: reader.read(
      'queue.when_full',
      (v) => parseEnum(v, ['drop-newest', 'drop-oldest'] as const),
      'drop-newest',
    ),
    fsyncIntervalMs: reader.read(
      'queue.fsync_interval',
      (v) => parseDuration(v, { bareMilliseconds: true }),
      DEFAULTS.fsyncIntervalMs,
      '100ms',
    ),
  };
  const key = reader.readOptional(
    'queue.key',
    parseKey32,
    'telemetry is off: an encryption key was asked for but is unusable',
  );
  if (key) settings.encryption = { keyId: reader.read('queue.key_id', aString, 'k1'), key };
  else if (reader.entry('queue.key') !== undefined) unusable = true; // never fall back to plaintext silently
  return { settings, unusable };
}

/** The smallest queue that holds a segment and a group commit of records: 1 MiB. */
const MIN_QUEUE_BYTES = 1024 * 1024;

function parseQueueSize(value: unknown): Parsed<number> {
  const parsed = parseSize(value);
  if (!parsed.ok || parsed.value >= MIN_QUEUE_BYTES) return parsed;
  return {
    ok: false,
    expected: 'expected at least 1MiB (room for a segment and one group commit of records)',
  };
}

/** undefined when the directory exists (or can be created) and is readable and writable. */
function probeDirectory(directory: string, mode: 'create' | 'check'): string | undefined {
  try {
    if (mode === 'create') {
      mkdirSync(directory, { recursive: true, mode: 0o700 });
      accessSync(directory, constants.R_OK | constants.W_OK | constants.X_OK);
      return undefined;
    }
    let probe = directory;
    while (!existsSync(probe)) {
      const parent = dirname(probe);
      if (parent === probe) break;
      probe = parent;
    }
    // A file where a directory should be (`/etc/hosts/queue`): nothing can ever be created under it.
    if (!statSync(probe).isDirectory()) return `ENOTDIR: ${probe} is not a directory`;
    accessSync(probe, constants.R_OK | constants.W_OK | constants.X_OK);
    return undefined;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code ?? String(error);
  }
}

function serviceNameFromPackage(cwd: string): string {
  try {
    const pkg = JSON.parse(readFileSync(join(cwd, 'package.json'), 'utf8')) as { name?: unknown };
    if (typeof pkg.name === 'string' && pkg.name !== '') return pkg.name;
  } catch {
    // no package.json: the OTel default below
  }
  return 'unknown_service:node';
}

function safeName(name: string): string {
  return name.replace(/[^A-Za-z0-9._-]+/g, '_').slice(0, 64);
}

/** Body capture on both sides, or off. */
function bodies(on: boolean): { request: boolean; response: boolean } {
  return { request: on, response: on };
}
