import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { formatProblem, loadConfig } from '@otel-lifeline/node';
import { readSdkSettings } from '../src/config/otel-env.js';
import { apiFixture, startNode, stop } from './child-process.js';

const work = mkdtempSync(join(tmpdir(), 'lifeline-otel-env-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/**
 * Each SDK variable Lifeline reads: a value it honours and the setting that follows, a value it
 * refuses, the setting it keeps then and the line that says so.
 */
const SDK_VARIABLES = [
  {
    key: 'OTEL_TRACES_SAMPLER',
    honoured: ['always_off', { sampler: 'always_off' }],
    refused: ['jaeger_remote', { sampler: 'parentbased_traceidratio' }],
    line: /^OTEL_TRACES_SAMPLER="jaeger_remote": expected one of always_on/m,
  },
  {
    key: 'OTEL_PROPAGATORS',
    honoured: ['baggage', { propagators: ['baggage'] }],
    refused: ['tracecontext,b3', { propagators: ['tracecontext'] }],
    line: /^OTEL_PROPAGATORS=.*b3 not included/m,
  },
  {
    key: 'OTEL_NODE_RESOURCE_DETECTORS',
    honoured: ['os,serviceinstance', { resourceDetectors: ['os', 'serviceinstance'] }],
    refused: ['host,gcp', { resourceDetectors: ['host'] }],
    line: /^OTEL_NODE_RESOURCE_DETECTORS=.*gcp not included/m,
  },
  {
    key: 'OTEL_METRIC_EXPORT_TIMEOUT',
    honoured: ['1500', { metricExportTimeoutMs: 1500 }],
    refused: ['2s', { metricExportTimeoutMs: 30_000 }],
    line: /^OTEL_METRIC_EXPORT_TIMEOUT="2s": expected a whole number of milliseconds/m,
  },
] as const;

/** Variables Lifeline does not read, each named with one warning. */
const NOT_READ: Array<[key: string, value: string, line: RegExp]> = [
  [
    'OTEL_BSP_SCHEDULE_DELAY',
    '500',
    /^OTEL_BSP_SCHEDULE_DELAY="500": Lifeline has no in-memory batch processor.*; ignoring it$/m,
  ],
  ['OTEL_BLRP_MAX_QUEUE_SIZE', '10', /^OTEL_BLRP_MAX_QUEUE_SIZE=.*no in-memory batch processor/m],
  [
    'OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT',
    '5',
    /^OTEL_SPAN_ATTRIBUTE_COUNT_LIMIT="5": not an OpenTelemetry variable Lifeline reads; ignoring it$/m,
  ],
];

/** The environment of every SDK variable set to its honoured or refused value, and the settings that follow. */
function sdkCase(which: 'honoured' | 'refused') {
  return {
    env: Object.fromEntries(SDK_VARIABLES.map((v) => [v.key, v[which][0]])),
    settings: Object.assign({}, ...SDK_VARIABLES.map((v) => v[which][1])),
  };
}

describe('OTEL_* variables', () => {
  it('honours the sampler, propagators, resource detectors and metric export timeout', () => {
    const honoured = sdkCase('honoured');
    const { settings, problems } = readSdkSettings(honoured.env);
    expect(problems).toEqual([]);
    expect(settings).toEqual(honoured.settings);
    expect(
      readSdkSettings({ OTEL_PROPAGATORS: 'none', OTEL_NODE_RESOURCE_DETECTORS: 'none' }).settings,
    ).toMatchObject({
      propagators: [],
      resourceDetectors: [],
    });
  });

  it('refuses what it does not have with one line each, naming the variable', () => {
    const refused = sdkCase('refused');
    const { settings, problems } = readSdkSettings({
      ...refused.env,
      ...Object.fromEntries(NOT_READ.map(([key, value]) => [key, value])),
    });
    expect(settings).toEqual(refused.settings);
    const lines = problems.map(formatProblem);
    expect(lines).toHaveLength(SDK_VARIABLES.length + NOT_READ.length);
    for (const line of [...SDK_VARIABLES.map((v) => v.line), ...NOT_READ.map(([, , l]) => l)])
      expect(lines.join('\n')).toMatch(line);
  });

  it('refuses OTEL_CONFIG_FILE (declarative configuration) instead of reading it as its own YAML', () => {
    const file = join(work, 'otel-config.yaml');
    writeFileSync(
      file,
      'file_format: "1.0"\nlogger_provider:\n  processors:\n    - batch: { exporter: { otlp_http: { endpoint: http://127.0.0.1:1/v1/logs } } }\n',
    );
    const { config, problems } = loadConfig({
      env: { OTEL_CONFIG_FILE: file, LIFELINE_QUEUE_DIR: join(work, 'q') },
      queueDirectory: 'check',
    });
    expect(config.source).toBe('environment');
    expect(problems.map(formatProblem)).toEqual([
      expect.stringMatching(
        /^OTEL_CONFIG_FILE=.*OpenTelemetry declarative configuration file, which Lifeline does not read; Lifeline's own YAML file goes in LIFELINE_CONFIG_FILE; ignoring it$/,
      ),
    ]);
  });

  it('OTEL_TRACES_SAMPLER=always_off exports no span, and the access events still arrive', async () => {
    await withRegisteredApp(
      { OTEL_TRACES_SAMPLER: 'always_off' },
      'sampler-queue',
      ['/ok', '/ok', '/ok'],
      (receiver) => {
        expect(
          receiver.logRecords().filter((r) => r.record.eventName === 'lifeline.api.access'),
        ).toHaveLength(3);
        expect(receiver.spans()).toHaveLength(0);
      },
    );
  });
  it('OTEL_LOGS_EXPORTER=none emits no event, and the API instrumentation still makes the server spans and the HTTP metrics', async () => {
    const paths = ['/ok?i=0', '/ok?i=1', '/ok?i=2', '/login'];
    await withRegisteredApp({ OTEL_LOGS_EXPORTER: 'none' }, 'no-logs-queue', paths, (receiver) => {
      expect(receiver.logRecords()).toEqual([]);
      const spans = receiver.spans();
      expect(spans.map((s) => s.scope?.name)).toEqual(Array(4).fill('@otel-lifeline/instrumentation-api'));
      const duration = receiver
        .metrics()
        .filter((m) => m.metric.name === 'http.server.request.duration')
        .flatMap((m) => m.metric.histogram?.dataPoints ?? []);
      const count = (status: number) =>
        duration
          .filter((p) =>
            p.attributes?.some(
              (a) => a.key === 'http.response.status_code' && Number(a.value?.intValue) === status,
            ),
          )
          .reduce((n, p) => n + Number(p.count), 0);
      expect([count(200), count(401)]).toEqual([3, 1]);
    });
  });
});

/**
 * The API fixture started with the register entry and `env`, exporting to a receiver of its own:
 * GETs `paths` in turn, stops the app with SIGTERM (its shutdown delivers what it holds), then
 * hands the receiver to `check`.
 */
async function withRegisteredApp(
  env: Record<string, string>,
  queue: string,
  paths: readonly string[],
  check: (receiver: Receiver) => void,
): Promise<void> {
  const receiver = await createReceiver();
  const app = startNode(['--import', '@otel-lifeline/node/register', apiFixture], {
    env: {
      ...env,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      LIFELINE_QUEUE_DIR: join(work, queue),
      LIFELINE_CONFIG_FILE: undefined,
    },
  });
  try {
    const url = await app.url;
    for (const path of paths) await (await fetch(`${url}${path}`)).text();
    await stop(app.child, 'SIGTERM');
    check(receiver);
  } finally {
    await stop(app.child);
    await receiver.close();
  }
}

describe('an own NodeSDK next to Lifeline', () => {
  it('keeps the globals of the SDK started first, without a duplicate registration, and Lifeline still delivers its events', async () => {
    const receiver = await createReceiver();
    const fixture = fileURLToPath(new URL('./fixtures/own-sdk-then-lifeline.mjs', import.meta.url));
    const app = startNode([fixture], {
      env: {
        RECEIVER_URL: receiver.url,
        QUEUE_DIR: join(work, 'own-sdk-queue'),
        LIFELINE_CONFIG_FILE: undefined,
      },
    });
    try {
      const url = await app.url;
      for (let i = 0; i < 2; i++) await (await fetch(`${url}/users/${i}`)).text();
      await stop(app.child, 'SIGTERM');
      const output = app.output();
      expect(output).not.toMatch(/duplicate registration/);
      expect(output).toMatch(
        /global trace provider is already registered \(your own NodeSDK\?\); Lifeline leaves it in place/,
      );
      expect(output).toMatch(/^own spans: .*app\.work/m);
      expect(receiver.logRecords().filter((r) => r.record.eventName === 'lifeline.api.access')).toHaveLength(
        2,
      );
    } finally {
      await stop(app.child);
      await receiver.close();
    }
  });
});
