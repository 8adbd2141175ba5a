import type { Signal } from './config-types.js';

/**
 * Environment variable → configuration path (the same path as in the YAML file). This table is
 * the single list of variables Lifeline reads; the README's reference is generated from it by hand.
 */
function signalKeys(signal: Signal): Array<[string, string]> {
  const S = signal.toUpperCase();
  const base = `endpoints.primary.${signal}`;
  return [
    [`OTEL_EXPORTER_OTLP_${S}_ENDPOINT`, `${base}.url`],
    [`OTEL_EXPORTER_OTLP_${S}_HEADERS`, `${base}.headers`],
    [`OTEL_EXPORTER_OTLP_${S}_PROTOCOL`, `${base}.protocol`],
    [`OTEL_EXPORTER_OTLP_${S}_COMPRESSION`, `${base}.compression`],
    [`OTEL_EXPORTER_OTLP_${S}_TIMEOUT`, `${base}.timeout`],
    [`OTEL_EXPORTER_OTLP_${S}_CERTIFICATE`, `${base}.tls.ca_file`],
    [`OTEL_EXPORTER_OTLP_${S}_CLIENT_KEY`, `${base}.tls.key_file`],
    [`OTEL_EXPORTER_OTLP_${S}_CLIENT_CERTIFICATE`, `${base}.tls.cert_file`],
    [`OTEL_${S}_EXPORTER`, `signals.${signal}.exporter`],
  ];
}

export const ENV_KEYS: ReadonlyArray<readonly [env: string, path: string]> = [
  ['OTEL_SDK_DISABLED', 'disabled'],
  ['OTEL_LOG_LEVEL', 'log_level'],
  ['OTEL_SERVICE_NAME', 'service.name'],
  ['OTEL_RESOURCE_ATTRIBUTES', 'resource.attributes'],
  ['OTEL_EXPORTER_OTLP_ENDPOINT', 'endpoints.primary.url'],
  ['OTEL_EXPORTER_OTLP_HEADERS', 'endpoints.primary.headers'],
  ['OTEL_EXPORTER_OTLP_PROTOCOL', 'endpoints.primary.protocol'],
  ['OTEL_EXPORTER_OTLP_COMPRESSION', 'endpoints.primary.compression'],
  ['OTEL_EXPORTER_OTLP_TIMEOUT', 'endpoints.primary.timeout'],
  ['OTEL_EXPORTER_OTLP_CERTIFICATE', 'endpoints.primary.tls.ca_file'],
  ['OTEL_EXPORTER_OTLP_CLIENT_KEY', 'endpoints.primary.tls.key_file'],
  ['OTEL_EXPORTER_OTLP_CLIENT_CERTIFICATE', 'endpoints.primary.tls.cert_file'],
  ...signalKeys('logs'),
  ...signalKeys('traces'),
  ...signalKeys('metrics'),
  ['OTEL_METRIC_EXPORT_INTERVAL', 'signals.metrics.export_interval'],
  ['OTEL_TRACES_SAMPLER_ARG', 'signals.traces.sample_ratio'],
  ['LIFELINE_SECONDARY_ENDPOINT', 'endpoints.secondary.url'],
  ['LIFELINE_SECONDARY_HEADERS', 'endpoints.secondary.headers'],
  ['LIFELINE_SECONDARY_PROTOCOL', 'endpoints.secondary.protocol'],
  ['LIFELINE_SECONDARY_COMPRESSION', 'endpoints.secondary.compression'],
  ['LIFELINE_SECONDARY_TIMEOUT', 'endpoints.secondary.timeout'],
  ['LIFELINE_SECONDARY_CERTIFICATE', 'endpoints.secondary.tls.ca_file'],
  ['LIFELINE_SECONDARY_CLIENT_KEY', 'endpoints.secondary.tls.key_file'],
  ['LIFELINE_SECONDARY_CLIENT_CERTIFICATE', 'endpoints.secondary.tls.cert_file'],
  ['LIFELINE_MODE', 'mode'],
  ['LIFELINE_QUEUE_DIR', 'queue.directory'],
  ['LIFELINE_QUEUE_MAX_BYTES', 'queue.max_bytes'],
  ['LIFELINE_QUEUE_MAX_AGE', 'queue.max_age'],
  ['LIFELINE_QUEUE_WHEN_FULL', 'queue.when_full'],
  ['LIFELINE_QUEUE_FSYNC_INTERVAL', 'queue.fsync_interval'],
  ['LIFELINE_QUEUE_KEY', 'queue.key'],
  ['LIFELINE_QUEUE_KEY_ID', 'queue.key_id'],
  ['LIFELINE_RETRY_INITIAL_BACKOFF', 'retry.initial_backoff'],
  ['LIFELINE_RETRY_MAX_BACKOFF', 'retry.max_backoff'],
  ['LIFELINE_PROBE_INTERVAL', 'probe_interval'],
  ['LIFELINE_SHUTDOWN_TIMEOUT', 'shutdown_timeout'],
  ['LIFELINE_MIN_SEVERITY', 'signals.logs.min_severity'],
  ['LIFELINE_RUNTIME_METRICS', 'signals.metrics.runtime'],
  ['LIFELINE_INSTRUMENTATION_ENABLED', 'instrumentation.enabled'],
  ['LIFELINE_ACCESS_SAMPLE_RATIO', 'instrumentation.access_sample_ratio'],
  ['LIFELINE_IGNORE_PATHS', 'instrumentation.ignore_paths'],
  ['LIFELINE_CAPTURE_REQUEST_HEADERS', 'instrumentation.capture_request_headers'],
  ['LIFELINE_CAPTURE_RESPONSE_HEADERS', 'instrumentation.capture_response_headers'],
  ['LIFELINE_CAPTURE_BODIES', 'instrumentation.capture_bodies'],
  ['LIFELINE_LOGIN_ROUTES', 'instrumentation.login_routes'],
  ['LIFELINE_AUDIT_ROUTES', 'instrumentation.audit_routes'],
  ['LIFELINE_REDACTION_MODE', 'instrumentation.redaction.mode'],
  ['LIFELINE_REDACTION_HASH_KEY', 'instrumentation.redaction.hash_key'],
  ['LIFELINE_SENSITIVE_KEYS', 'instrumentation.redaction.sensitive_keys'],
];

/** Variables read even when a configuration file is used. */
export const CONTROL_ENV_KEYS: readonly string[] = ['LIFELINE_CONFIG_FILE', 'OTEL_CONFIG_FILE'];

/** Paths whose values are secrets and are never printed. */
export function isSecretPath(path: string): boolean {
  return /(^|\.)headers$|(^|\.)key$|hash_key$/.test(path);
}
