import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { accessEvents, examplesDir, exitOf, fixturesDir, startApp, useE2eWorld } from './support.js';

const world = useE2eWorld('lifeline-e2e-config-');
const { work, apps } = world;
const aFile = join(work, 'a-file');
writeFileSync(aFile, '');

function yamlFile(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

// A real app per bad configuration: the message names the key, and the app serves requests.
// `delivers`: telemetry still works (the bad value fell back to its default).
const CASES: Array<{ name: string; env: () => Record<string, string>; message: RegExp; delivers: boolean }> =
  [
    {
      name: 'a bad size',
      env: () => ({ LIFELINE_QUEUE_MAX_BYTES: '12XB' }),
      message: /configuration error: LIFELINE_QUEUE_MAX_BYTES="12XB": expected a size/,
      delivers: true,
    },
    {
      name: 'a bad duration',
      env: () => ({ LIFELINE_QUEUE_MAX_AGE: '48' }),
      message: /LIFELINE_QUEUE_MAX_AGE="48": expected a duration with a unit/,
      delivers: true,
    },
    {
      name: 'a bad endpoint URL',
      env: () => ({ OTEL_EXPORTER_OTLP_ENDPOINT: 'localhost:4318' }),
      message:
        /OTEL_EXPORTER_OTLP_ENDPOINT="localhost:4318": expected an http:\/\/[\s\S]*TELEMETRY IS OFF: no usable OTLP endpoint/,
      delivers: false,
    },
    {
      name: 'a short encryption key',
      env: () => ({ LIFELINE_QUEUE_KEY: 'deadbeef' }),
      message: /LIFELINE_QUEUE_KEY=<secret, 8 characters>: expected a 32-byte key[\s\S]*TELEMETRY IS OFF/,
      delivers: false,
    },
    {
      name: 'an unusable queue directory',
      env: () => ({ LIFELINE_QUEUE_DIR: join(aFile, 'queue') }),
      message:
        /LIFELINE_QUEUE_DIR=".*a-file\/queue": expected a directory Lifeline can create, read and write \(ENOTDIR\)[\s\S]*TELEMETRY IS OFF/,
      delivers: false,
    },
    {
      name: 'a missing configuration file',
      env: () => ({ LIFELINE_CONFIG_FILE: join(work, 'missing.yaml') }),
      message: /LIFELINE_CONFIG_FILE=".*missing.yaml": .*cannot read the configuration file \(ENOENT\)/,
      delivers: false,
    },
    {
      name: 'an unknown key and a wrong type in the file',
      env: () => ({
        LIFELINE_CONFIG_FILE: yamlFile(
          'bad.yaml',
          `endpoints:\n  primary: { url: "\${RECEIVER}" }\nqueue:\n  directory: ${JSON.stringify(join(work, 'q-bad-yaml'))}\n  max_bytes: [1]\nsampling: 0.5\n`,
        ),
        RECEIVER: world.receiver.url,
      }),
      message:
        /(?=[\s\S]*bad.yaml: queue.max_bytes=\[1\]: expected a string or an integer)(?=[\s\S]*bad.yaml: sampling: unknown key)/,
      delivers: true,
    },
  ];

describe('bad configuration, in a real app', () => {
  it.each(CASES)(
    '$name: reported with its key on stderr, and the app keeps serving',
    async ({ name, env, message, delivers }) => {
      const serviceName = `e2e-bad-${name.replace(/\W+/g, '-')}`;
      const app = startApp(
        join(examplesDir, 'http-esm'),
        ['--import', '@otel-lifeline/node/register', 'server.mjs'],
        {
          OTEL_SERVICE_NAME: serviceName,
          OTEL_EXPORTER_OTLP_ENDPOINT: world.receiver.url,
          LIFELINE_QUEUE_DIR: join(work, serviceName),
          ...env(),
        },
      );
      apps.push(app);
      const url = await app.url;
      for (let i = 0; i < 3; i += 1) {
        const response = await fetch(`${url}/api/items/1?rid=${i}`);
        expect(response.status).toBe(200);
        await response.text();
      }
      expect(app.output()).toMatch(message);
      if (delivers) {
        // A file ignores OTEL_SERVICE_NAME: the service name then comes from the app's package.json.
        await world.receiver.waitFor(
          () =>
            [...world.receiver.logRecords()].some(
              (r) =>
                r.record.eventName === 'lifeline.api.access' &&
                r.resource?.attributes?.some(
                  (a) =>
                    a.value?.stringValue === serviceName ||
                    a.value?.stringValue === '@otel-lifeline/example-http-esm',
                ),
            ),
          15_000,
        );
      }
      await app.stop('SIGKILL');
    },
    30_000,
  );
});

describe('stopping', () => {
  it('an app without a SIGTERM handler flushes, then exits by the signal as it would have', async () => {
    const app = startApp(fixturesDir, ['--import', '@otel-lifeline/node/register', 'plain-server.cjs'], {
      OTEL_SERVICE_NAME: 'e2e-sigterm-default',
      OTEL_EXPORTER_OTLP_ENDPOINT: world.receiver.url,
      LIFELINE_QUEUE_DIR: join(work, 'sigterm-default'),
      OTEL_METRICS_EXPORTER: 'none',
    });
    apps.push(app);
    const url = await app.url;
    for (let i = 0; i < 5; i += 1) await (await fetch(`${url}/x?rid=t${i}`)).text();
    const exit = await app.stop('SIGTERM');
    expect(exit).toEqual({ code: null, signal: 'SIGTERM' });
    expect([...accessEvents(world.receiver, 'e2e-sigterm-default').keys()].sort()).toEqual([
      't0',
      't1',
      't2',
      't3',
      't4',
    ]);
  });

  it('an app with its own SIGTERM handler is not made to exit: its handler decides, and events are delivered', async () => {
    const app = startApp(fixturesDir, ['--import', '@otel-lifeline/node/register', 'graceful-server.mjs'], {
      OTEL_SERVICE_NAME: 'e2e-sigterm-own',
      OTEL_EXPORTER_OTLP_ENDPOINT: world.receiver.url,
      LIFELINE_QUEUE_DIR: join(work, 'sigterm-own'),
      OTEL_METRICS_EXPORTER: 'none',
    });
    apps.push(app);
    const url = await app.url;
    for (let i = 0; i < 5; i += 1) await (await fetch(`${url}/x?rid=g${i}`)).text();
    const exit = await app.stop('SIGTERM');
    expect(exit).toEqual({ code: 0, signal: null });
    expect(app.output()).toContain('app: SIGTERM, closing');
    await world.receiver.waitFor(() => accessEvents(world.receiver, 'e2e-sigterm-own').size === 5, 10_000);
  });

  it('a script that simply ends has its events sent before it exits', async () => {
    const app = startApp(fixturesDir, ['--import', '@otel-lifeline/node/register', 'short-script.mjs'], {
      OTEL_SERVICE_NAME: 'e2e-short-script',
      OTEL_EXPORTER_OTLP_ENDPOINT: world.receiver.url,
      LIFELINE_QUEUE_DIR: join(work, 'short-script'),
    });
    apps.push(app);
    await exitOf(app.child);
    expect(app.child.exitCode).toBe(0);
    expect([...accessEvents(world.receiver, 'e2e-short-script').keys()]).toEqual(['short-1']);
  });

  it('OTEL_SDK_DISABLED=true starts nothing and says so only at info level', async () => {
    const app = startApp(
      join(examplesDir, 'http-esm'),
      ['--import', '@otel-lifeline/node/register', 'server.mjs'],
      { OTEL_SDK_DISABLED: 'true', LIFELINE_QUEUE_DIR: join(work, 'disabled') },
    );
    apps.push(app);
    const response = await fetch(`${await app.url}/api/items/1`);
    expect(response.status).toBe(200);
    expect(app.output()).toMatch(/telemetry is off: OTEL_SDK_DISABLED is true/);
    expect(app.output()).not.toMatch(/TELEMETRY IS OFF/);
  });
});
