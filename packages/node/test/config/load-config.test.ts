import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { formatProblem, loadConfig } from '@otel-lifeline/node';

const dir = mkdtempSync(join(tmpdir(), 'lifeline-config-'));
const queueDir = join(dir, 'queue');
const aFile = join(dir, 'not-a-directory');
writeFileSync(aFile, 'x');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const base = { LIFELINE_QUEUE_DIR: queueDir };

function fromEnv(env: Record<string, string>) {
  return loadConfig({ env: { ...base, ...env }, cwd: dir });
}

let fileCount = 0;
function fromYaml(yaml: string, env: Record<string, string> = {}) {
  const file = join(dir, `config-${(fileCount += 1)}.yaml`);
  writeFileSync(file, yaml);
  return loadConfig({ env: { LIFELINE_CONFIG_FILE: file, ...env }, cwd: dir });
}

describe('loadConfig', () => {
  describe('reads the OpenTelemetry environment variables', () => {
    it('appends /v1/<signal> to OTEL_EXPORTER_OTLP_ENDPOINT, keeping its path', () => {
      const { config, problems } = fromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318/mycollector',
      });
      expect(problems).toEqual([]);
      expect(config.endpoints[0]?.signals.logs.url).toBe('http://127.0.0.1:4318/mycollector/v1/logs');
      expect(config.endpoints[0]?.signals.traces.url).toBe('http://127.0.0.1:4318/mycollector/v1/traces');
    });

    it('uses a per-signal endpoint as-is, adding only a "/" when it has no path', () => {
      const { config } = fromEnv({
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
        OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://127.0.0.1:9999',
        OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://127.0.0.1:9999/custom/traces',
      });
      expect(config.endpoints[0]?.signals.logs.url).toBe('http://127.0.0.1:9999/');
      expect(config.endpoints[0]?.signals.traces.url).toBe('http://127.0.0.1:9999/custom/traces');
      expect(config.endpoints[0]?.signals.metrics.url).toBe('http://127.0.0.1:4318/v1/metrics');
    });

    it('defaults the primary to http://localhost:4318 and has no secondary unless asked', () => {
      const { config } = fromEnv({});
      expect(config.endpoints.map((e) => e.name)).toEqual(['primary']);
      expect(config.endpoints[0]?.signals.metrics.url).toBe('http://localhost:4318/v1/metrics');
    });

    it('reads headers, compression, timeout and protocol, per signal winning over the common value', () => {
      const { config, problems } = fromEnv({
        OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc,tenant=a%20b',
        OTEL_EXPORTER_OTLP_LOGS_HEADERS: 'tenant=logs',
        OTEL_EXPORTER_OTLP_COMPRESSION: 'none',
        OTEL_EXPORTER_OTLP_TIMEOUT: '2500',
        OTEL_EXPORTER_OTLP_TRACES_PROTOCOL: 'http/json',
      });
      expect(problems).toEqual([]);
      const primary = config.endpoints[0]!;
      expect(primary.signals.logs.headers).toEqual({ 'api-key': 'abc', tenant: 'logs' });
      expect(primary.signals.metrics.headers).toEqual({ 'api-key': 'abc', tenant: 'a b' });
      expect(primary.signals.logs.compression).toBe('none');
      expect(primary.signals.logs.timeoutMs).toBe(2500);
      expect(primary.signals.traces.protocol).toBe('http/json');
      expect(primary.signals.logs.protocol).toBe('http/protobuf');
    });

    it('compresses auto by default (gzip, zstd once taken), the secondary inheriting it', () => {
      const { config, problems } = fromEnv({ LIFELINE_SECONDARY_ENDPOINT: 'http://127.0.0.1:14318' });
      expect(problems).toEqual([]);
      for (const endpoint of config.endpoints) {
        for (const signal of ['logs', 'traces', 'metrics'] as const)
          expect(endpoint.signals[signal].compression).toBe('auto');
      }
      expect(config.endpoints).toHaveLength(2);
    });

    it('reads zstd compression, per signal and for the secondary, which inherits the primary compression', () => {
      const { config, problems } = fromEnv({
        OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd',
        OTEL_EXPORTER_OTLP_METRICS_COMPRESSION: 'gzip',
        LIFELINE_SECONDARY_ENDPOINT: 'http://127.0.0.1:14318',
      });
      expect(problems).toEqual([]);
      const [primary, secondary] = config.endpoints;
      expect(primary?.signals.logs.compression).toBe('zstd');
      expect(primary?.signals.traces.compression).toBe('zstd');
      expect(primary?.signals.metrics.compression).toBe('gzip');
      expect(secondary?.signals.logs.compression).toBe('zstd');
    });

    it('reads the secondary, mode, queue bounds, key and sampling', () => {
      const { config, problems } = fromEnv({
        OTEL_SERVICE_NAME: 'checkout',
        OTEL_RESOURCE_ATTRIBUTES: 'deployment.environment.name=prod,service.name=ignored',
        LIFELINE_SECONDARY_ENDPOINT: 'http://127.0.0.1:5318',
        LIFELINE_SECONDARY_HEADERS: 'x=1',
        LIFELINE_MODE: 'mirror',
        LIFELINE_QUEUE_MAX_BYTES: '64MiB',
        LIFELINE_QUEUE_MAX_AGE: '1h30m',
        LIFELINE_QUEUE_KEY: Buffer.alloc(32, 7).toString('base64'),
        LIFELINE_MIN_SEVERITY: 'warn',
        LIFELINE_ACCESS_SAMPLE_RATIO: '0.25',
      });
      expect(problems).toEqual([]);
      expect(config.serviceName).toBe('checkout');
      expect(config.resourceAttributes['deployment.environment.name']).toBe('prod');
      expect(config.endpoints[1]?.signals.logs.url).toBe('http://127.0.0.1:5318/v1/logs');
      expect(config.endpoints[1]?.signals.logs.headers).toEqual({ x: '1' });
      expect(config.mode).toBe('mirror');
      expect(config.queue.maxBytes).toBe(64 * 1024 * 1024);
      expect(config.queue.maxAgeMs).toBe(90 * 60_000);
      expect(config.queue.encryption?.key).toEqual(new Uint8Array(32).fill(7));
      expect(config.signals.logs.minSeverity).toBe('warn');
      expect(config.instrumentation.accessSampleRatio).toBe(0.25);
    });

    it('treats an empty variable as unset and OTEL_SDK_DISABLED=TRUE as off, creating nothing', () => {
      expect(fromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: '' }).problems).toEqual([]);
      const untouched = join(dir, 'never-created');
      const off = fromEnv({ OTEL_SDK_DISABLED: 'TRUE', LIFELINE_QUEUE_DIR: untouched });
      expect(off.config.enabled).toBe(false);
      expect(off.config.disabledReason).toContain('OTEL_SDK_DISABLED');
      expect(existsSync(untouched)).toBe(false);
    });

    it('turns a signal off with OTEL_<SIGNAL>_EXPORTER=none', () => {
      const { config } = fromEnv({ OTEL_METRICS_EXPORTER: 'none' });
      expect(config.signals.metrics.enabled).toBe(false);
      expect(config.signals.logs.enabled).toBe(true);
    });
  });

  describe('reads a YAML file named by LIFELINE_CONFIG_FILE', () => {
    it('substitutes ${VAR} and ${VAR:-default} in values and types them afterwards', () => {
      const { config, problems } = fromYaml(
        [
          'endpoints:',
          '  primary:',
          '    url: http://127.0.0.1:${PRIMARY_PORT}',
          '    headers: { api-key: "${API_KEY}" }',
          '    timeout: ${TIMEOUT:-1500}',
          '  secondary: { url: "${SECONDARY:-http://127.0.0.1:5318}" }',
          'queue: { directory: ' + JSON.stringify(queueDir) + ', max_bytes: 1GiB, max_age: 2d }',
          'service: { name: "price is $$5" }',
        ].join('\n'),
        { PRIMARY_PORT: '4318', API_KEY: '123', SECONDARY: '' },
      );
      expect(problems).toEqual([]);
      expect(config.endpoints[0]?.signals.logs.url).toBe('http://127.0.0.1:4318/v1/logs');
      expect(config.endpoints[0]?.signals.logs.headers).toEqual({ 'api-key': '123' });
      expect(config.endpoints[0]?.signals.logs.timeoutMs).toBe(1500);
      expect(config.endpoints[1]?.signals.logs.url).toBe('http://127.0.0.1:5318/v1/logs');
      expect(config.queue.maxBytes).toBe(1024 ** 3);
      expect(config.queue.maxAgeMs).toBe(2 * 86_400_000);
      expect(config.serviceName).toBe('price is $5');
      expect(config.source).toMatch(/config-\d+\.yaml$/);
    });

    it('ignores the other variables when a file is given, and says so', () => {
      const { config, problems } = fromYaml(`queue: { directory: ${JSON.stringify(queueDir)} }`, {
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:1/',
      });
      expect(config.endpoints[0]?.signals.logs.url).toBe('http://localhost:4318/v1/logs');
      expect(problems.map(formatProblem).join('\n')).toMatch(/ignored: OTEL_EXPORTER_OTLP_ENDPOINT/);
    });

    it('does not substitute keys', () => {
      const { problems } = fromYaml(`queue: { directory: ${JSON.stringify(queueDir)} }\n\${KEY}: 1`, {
        KEY: 'mode',
      });
      expect(problems.some((p) => p.key.endsWith('${KEY}') && p.expected.startsWith('unknown key'))).toBe(
        true,
      );
    });

    it('lets code options win over the file', () => {
      const file = join(dir, 'code-wins.yaml');
      writeFileSync(file, `mode: mirror\nqueue: { directory: ${JSON.stringify(queueDir)} }`);
      const { config } = loadConfig({ configFile: file, env: {}, cwd: dir, config: { mode: 'failover' } });
      expect(config.mode).toBe('failover');
    });
  });

  // Each bad value: the key named in the message, the app keeps running (no throw).
  const env = (vars: Record<string, string>) => () => fromEnv(vars);
  const yaml =
    (text: string, vars: Record<string, string> = {}) =>
    () =>
      fromYaml(`queue: { directory: ${JSON.stringify(queueDir)} }\n${text}`, vars);
  const badConfigurations: Array<[string, () => ReturnType<typeof loadConfig>, string, RegExp]> = [
    [
      'a base URL that is not a URL',
      env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'not a url' }),
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      /http:\/\/ or https:\/\/ URL/,
    ],
    [
      'a base URL with another scheme',
      env({ OTEL_EXPORTER_OTLP_ENDPOINT: 'ftp://127.0.0.1' }),
      'OTEL_EXPORTER_OTLP_ENDPOINT',
      /http:\/\/ or https:\/\//,
    ],
    [
      'a per-signal URL without a host',
      env({ OTEL_EXPORTER_OTLP_LOGS_ENDPOINT: 'http://' }),
      'OTEL_EXPORTER_OTLP_LOGS_ENDPOINT',
      /URL/,
    ],
    [
      'a secondary URL with a query',
      env({ LIFELINE_SECONDARY_ENDPOINT: 'http://127.0.0.1:5318/?a=1' }),
      'LIFELINE_SECONDARY_ENDPOINT',
      /without a query/,
    ],
    [
      'headers without =',
      env({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key' }),
      'OTEL_EXPORTER_OTLP_HEADERS',
      /key=value/,
    ],
    [
      'secondary headers with an empty name',
      env({ LIFELINE_SECONDARY_ENDPOINT: 'http://127.0.0.1:1', LIFELINE_SECONDARY_HEADERS: '=v' }),
      'LIFELINE_SECONDARY_HEADERS',
      /key=value/,
    ],
    [
      'an unknown compression',
      env({ OTEL_EXPORTER_OTLP_COMPRESSION: 'brotli' }),
      'OTEL_EXPORTER_OTLP_COMPRESSION',
      /gzip, zstd, none/,
    ],
    [
      'grpc protocol',
      env({ OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
      'OTEL_EXPORTER_OTLP_PROTOCOL',
      /http\/protobuf, http\/json/,
    ],
    [
      'a timeout that is not a number',
      env({ OTEL_EXPORTER_OTLP_TIMEOUT: 'soon' }),
      'OTEL_EXPORTER_OTLP_TIMEOUT',
      /milliseconds/,
    ],
    [
      'a negative per-signal timeout',
      env({ OTEL_EXPORTER_OTLP_TRACES_TIMEOUT: '-5' }),
      'OTEL_EXPORTER_OTLP_TRACES_TIMEOUT',
      /duration/,
    ],
    [
      'an unreadable CA file',
      env({ OTEL_EXPORTER_OTLP_CERTIFICATE: join(dir, 'missing.pem') }),
      'OTEL_EXPORTER_OTLP_CERTIFICATE',
      /readable PEM file \(ENOENT\)/,
    ],
    [
      'an unreadable client key',
      env({ OTEL_EXPORTER_OTLP_CLIENT_KEY: join(dir, 'missing-key.pem') }),
      'OTEL_EXPORTER_OTLP_CLIENT_KEY',
      /readable PEM/,
    ],
    ['OTEL_SDK_DISABLED=yes', env({ OTEL_SDK_DISABLED: 'yes' }), 'OTEL_SDK_DISABLED', /true or false/],
    ['an unknown log level', env({ OTEL_LOG_LEVEL: 'loud' }), 'OTEL_LOG_LEVEL', /none, error, warn, info/],
    [
      'resource attributes without =',
      env({ OTEL_RESOURCE_ATTRIBUTES: 'a=1,b' }),
      'OTEL_RESOURCE_ATTRIBUTES',
      /key=value/,
    ],
    ['an unknown mode', env({ LIFELINE_MODE: 'both' }), 'LIFELINE_MODE', /failover, mirror/],
    [
      'a size with an unknown unit',
      env({ LIFELINE_QUEUE_MAX_BYTES: '12XB' }),
      'LIFELINE_QUEUE_MAX_BYTES',
      /unknown unit "XB"/,
    ],
    [
      'a size of zero',
      env({ LIFELINE_QUEUE_MAX_BYTES: '0' }),
      'LIFELINE_QUEUE_MAX_BYTES',
      /size such as 256MiB/,
    ],
    ['a negative size', env({ LIFELINE_QUEUE_MAX_BYTES: '-1MiB' }), 'LIFELINE_QUEUE_MAX_BYTES', /size/],
    [
      'a duration without a unit',
      env({ LIFELINE_QUEUE_MAX_AGE: '48' }),
      'LIFELINE_QUEUE_MAX_AGE',
      /duration with a unit/,
    ],
    [
      'a duration with an unknown unit',
      env({ LIFELINE_QUEUE_MAX_AGE: '2w' }),
      'LIFELINE_QUEUE_MAX_AGE',
      /48h/,
    ],
    [
      'a duration with trailing text',
      env({ LIFELINE_QUEUE_FSYNC_INTERVAL: '100ms please' }),
      'LIFELINE_QUEUE_FSYNC_INTERVAL',
      /duration/,
    ],
    [
      'an unknown when-full policy',
      env({ LIFELINE_QUEUE_WHEN_FULL: 'block' }),
      'LIFELINE_QUEUE_WHEN_FULL',
      /drop-newest, drop-oldest/,
    ],
    [
      'a 16-byte key',
      env({ LIFELINE_QUEUE_KEY: Buffer.alloc(16).toString('hex') }),
      'LIFELINE_QUEUE_KEY',
      /decodes to 16 bytes/,
    ],
    [
      'a key that is neither hex nor base64',
      env({ LIFELINE_QUEUE_KEY: 'not a key!' }),
      'LIFELINE_QUEUE_KEY',
      /32-byte key/,
    ],
    [
      'a queue directory that is a file',
      env({ LIFELINE_QUEUE_DIR: aFile }),
      'LIFELINE_QUEUE_DIR',
      /cannot|create, read and write/,
    ],
    [
      'a queue directory under a file',
      env({ LIFELINE_QUEUE_DIR: join(aFile, 'sub') }),
      'LIFELINE_QUEUE_DIR',
      /ENOTDIR/,
    ],
    [
      'a sample ratio above 1',
      env({ LIFELINE_ACCESS_SAMPLE_RATIO: '2' }),
      'LIFELINE_ACCESS_SAMPLE_RATIO',
      /0 to 1/,
    ],
    [
      'a sample ratio that is not a number',
      env({ LIFELINE_ACCESS_SAMPLE_RATIO: 'half' }),
      'LIFELINE_ACCESS_SAMPLE_RATIO',
      /0 to 1/,
    ],
    [
      'an unknown minimum severity',
      env({ LIFELINE_MIN_SEVERITY: 'critical' }),
      'LIFELINE_MIN_SEVERITY',
      /trace, debug, info, warn, error, fatal/,
    ],
    [
      'a misspelt variable',
      env({ LIFELINE_QUEUE_MAXBYTES: '1MiB' }),
      'LIFELINE_QUEUE_MAXBYTES',
      /did you mean LIFELINE_QUEUE_MAX_BYTES/,
    ],
    [
      'an unknown OTEL_LOGS_EXPORTER',
      env({ OTEL_LOGS_EXPORTER: 'console' }),
      'OTEL_LOGS_EXPORTER',
      /otlp, none/,
    ],
    [
      'max backoff below the initial backoff',
      env({ LIFELINE_RETRY_INITIAL_BACKOFF: '5s', LIFELINE_RETRY_MAX_BACKOFF: '1s' }),
      'LIFELINE_RETRY_MAX_BACKOFF',
      /at least retry.initial_backoff/,
    ],
    [
      'an unknown top-level key',
      yaml('endpoint: { url: http://127.0.0.1:4318 }'),
      'endpoint',
      /unknown key \(did you mean endpoints\?\)/,
    ],
    [
      'an unknown nested key',
      yaml('queue2: 1\nsignals: { logs: { enable: false } }'),
      'signals.logs.enable',
      /did you mean enabled/,
    ],
    [
      'a string where a mapping belongs',
      yaml('endpoints: http://127.0.0.1:4318'),
      'endpoints',
      /expected a mapping/,
    ],
    ['a number where a boolean belongs', yaml('disabled: 1'), 'disabled', /expected true or false/],
    ['a wrong enum in the file', yaml('mode: active-active'), 'mode', /failover, mirror/],
    [
      'a bad URL in the file',
      yaml('endpoints: { primary: { url: "127.0.0.1:4318" } }'),
      'endpoints.primary.url',
      /http:\/\/ or https:\/\//,
    ],
    [
      'a bad size in the file',
      () => fromYaml(`queue: { directory: ${JSON.stringify(queueDir)}, max_bytes: lots }`),
      'queue.max_bytes',
      /size such as 256MiB/,
    ],
    [
      'a bad duration in the file',
      () => fromYaml(`queue: { directory: ${JSON.stringify(queueDir)}, max_age: forever }`),
      'queue.max_age',
      /duration/,
    ],
    [
      'a list item of the wrong type',
      yaml('instrumentation: { ignore_paths: [/health, 5] }'),
      'instrumentation.ignore_paths.1',
      /expected a string/,
    ],
    [
      'a substituted value of the wrong type',
      yaml('signals:\n  metrics:\n    runtime: ${RUNTIME}', { RUNTIME: '12' }),
      'signals.metrics.runtime',
      /true or false/,
    ],
    [
      'a bad substitution',
      yaml('service: { name: "${1NAME}" }'),
      'LIFELINE_CONFIG_FILE',
      /invalid substitution "\$\{1NAME\}"/,
    ],
    [
      'an unclosed substitution',
      yaml('service: { name: "${NAME" }'),
      'LIFELINE_CONFIG_FILE',
      /invalid substitution/,
    ],
    ['a file that is not YAML', yaml('endpoints: [unclosed'), 'LIFELINE_CONFIG_FILE', /not valid YAML/],
    [
      'a file that does not exist',
      () => loadConfig({ env: { LIFELINE_CONFIG_FILE: join(dir, 'nope.yaml') }, cwd: dir }),
      'LIFELINE_CONFIG_FILE',
      /ENOENT/,
    ],
    ['a top-level list', () => fromYaml('- a\n- b'), 'LIFELINE_CONFIG_FILE', /mapping at the top level/],
  ];

  describe('reports every bad configuration with its key, value and what was expected', () => {
    it('has at least 30 cases', () => expect(badConfigurations.length).toBeGreaterThanOrEqual(30));
    it.each(badConfigurations)('%s', (_name, load, key, expected) => {
      const { problems } = load();
      const matching = problems.filter((p) => p.key === key || p.key.endsWith(`: ${key}`));
      expect(matching, problems.map(formatProblem).join('\n')).not.toHaveLength(0);
      expect(matching.map(formatProblem).join('\n')).toMatch(expected);
      for (const p of matching) expect(p.effect).not.toBe('');
    });
  });

  it('never prints a secret value', () => {
    const { problems } = fromEnv({
      LIFELINE_QUEUE_KEY: 'c2VjcmV0LXNlY3JldC1zZWNyZXQ=',
      OTEL_EXPORTER_OTLP_HEADERS: 'token',
    });
    const text = problems.map(formatProblem).join('\n');
    expect(text).not.toContain('c2VjcmV0');
    expect(text).not.toContain('token');
    expect(text).toContain('<secret, 28 characters>');
  });

  it('turns telemetry off, and says why, when nothing usable is left', () => {
    expect(fromEnv({ OTEL_EXPORTER_OTLP_ENDPOINT: 'nope' }).config).toMatchObject({
      enabled: false,
      disabledReason: 'no usable OTLP endpoint',
    });
    expect(fromEnv({ LIFELINE_QUEUE_DIR: aFile }).config.enabled).toBe(false);
    expect(fromEnv({ LIFELINE_QUEUE_KEY: 'abcd' }).config.enabled).toBe(false);
    expect(fromEnv({ LIFELINE_QUEUE_MAX_BYTES: 'lots' }).config.enabled).toBe(true);
  });
});
