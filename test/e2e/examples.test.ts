import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MASK } from '@otel-lifeline/instrumentation-api';
import { createReceiver } from '@otel-lifeline/receiver';
import type { Receiver } from '@otel-lifeline/receiver';
import { accessEvents, examplesDir, killAll, startApp } from './support.js';
import type { App } from './support.js';

// Every example, started exactly as its README says: `node --import @otel-lifeline/node/register`
// and environment variables, nothing else. Requests carry ?rid= so each access event is found.
const EXAMPLES: Array<{ name: string; entry: string; flag?: '--import' | '--require' }> = [
  { name: 'http-esm', entry: 'server.mjs' },
  { name: 'http-cjs', entry: 'server.cjs' },
  { name: 'http-cjs', entry: 'server.cjs', flag: '--require' },
  { name: 'express', entry: 'server.mjs' },
  { name: 'fastify', entry: 'server.mjs' },
  { name: 'koa', entry: 'server.mjs' },
  { name: 'hono', entry: 'server.mjs' },
  { name: 'nest', entry: 'server.cjs' },
];

const work = mkdtempSync(join(tmpdir(), 'lifeline-e2e-'));
let receiver: Receiver;
let secondary: Receiver;
const apps: App[] = [];

beforeAll(async () => {
  receiver = await createReceiver();
  secondary = await createReceiver();
});
afterAll(async () => {
  await killAll(apps);
  await receiver.close();
  await secondary.close();
  rmSync(work, { recursive: true, force: true });
});

const service = (e: { name: string; flag?: string }) =>
  `e2e-${e.name}${e.flag === '--require' ? '-require' : ''}`;

async function exercise(url: string, prefix: string): Promise<Record<string, number>> {
  const expected: Record<string, number> = {};
  const call = async (rid: string, path: string, method = 'GET') => {
    const response = await fetch(`${url}${path}${path.includes('?') ? '&' : '?'}rid=${rid}`, { method });
    await response.text();
    expected[rid] = response.status;
  };
  await call(`${prefix}-ok`, '/api/items/1?token=s3cr3t');
  await call(`${prefix}-missing`, '/api/items/404');
  await call(`${prefix}-login`, '/api/login', 'POST');
  await call(`${prefix}-fail`, '/api/fail');
  return expected;
}

describe('examples started with --import and environment variables only', () => {
  it('every framework, ESM and CommonJS, delivers one access event per request to the receiver, with secrets redacted', async () => {
    const started = EXAMPLES.map((example) => {
      const app = startApp(
        join(examplesDir, example.name),
        [example.flag ?? '--import', '@otel-lifeline/node/register', example.entry],
        {
          OTEL_SERVICE_NAME: service(example),
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          LIFELINE_QUEUE_DIR: join(work, service(example)),
          OTEL_METRIC_EXPORT_INTERVAL: '60000',
        },
      );
      apps.push(app);
      return { example, app };
    });
    const expectations = await Promise.all(
      started.map(async ({ example, app }) => ({
        example,
        expected: await exercise(await app.url, example.name),
      })),
    );
    for (const { example, expected } of expectations) {
      await receiver
        .waitFor((r) => accessEvents(r, service(example)).size >= Object.keys(expected).length, 20_000)
        .catch(() => undefined);
      const events = accessEvents(receiver, service(example));
      const got = Object.fromEntries([...events].map(([rid, e]) => [rid, Number(e.status)]));
      expect(got, `${service(example)}\n${started.find((s) => s.example === example)?.app.output()}`).toEqual(
        expected,
      );
      expect(events.get(`${example.name}-ok`)?.query).toBe(`token=REDACTED&rid=${example.name}-ok`);
      expect(events.get(`${example.name}-fail`)?.severity).toBe(17);
    }
    // Fastify announces itself on a diagnostics channel: its route templates need no code either.
    expect(accessEvents(receiver, 'e2e-fastify').get('fastify-ok')?.route).toBe('/api/items/:id');
    // Server spans too, one per request.
    await receiver.waitFor((r) => r.counts().spans >= EXAMPLES.length * 4, 20_000).catch(() => undefined);
    expect(receiver.counts().spans).toBeGreaterThanOrEqual(EXAMPLES.length * 4);
  }, 90_000);

  it('in mirror mode (LIFELINE_MODE=mirror) both endpoints receive every event', async () => {
    const app = startApp(
      join(examplesDir, 'koa'),
      ['--import', '@otel-lifeline/node/register', 'server.mjs'],
      {
        OTEL_SERVICE_NAME: 'e2e-mirror',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        LIFELINE_SECONDARY_ENDPOINT: secondary.url,
        LIFELINE_MODE: 'mirror',
        LIFELINE_QUEUE_DIR: join(work, 'mirror'),
      },
    );
    apps.push(app);
    const expected = await exercise(await app.url, 'mirror');
    for (const target of [receiver, secondary]) {
      await target.waitFor((r) => accessEvents(r, 'e2e-mirror').size >= 4, 20_000).catch(() => undefined);
      const got = Object.fromEntries(
        [...accessEvents(target, 'e2e-mirror')].map(([rid, e]) => [rid, Number(e.status)]),
      );
      expect(got, app.output()).toEqual(expected);
    }
  }, 60_000);

  it('applies the instrumentation settings from the environment: minimum severity, captured headers', async () => {
    const app = startApp(
      join(examplesDir, 'hono'),
      ['--import', '@otel-lifeline/node/register', 'server.mjs'],
      {
        OTEL_SERVICE_NAME: 'e2e-settings',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        LIFELINE_QUEUE_DIR: join(work, 'settings'),
        LIFELINE_MIN_SEVERITY: 'warn',
        LIFELINE_CAPTURE_REQUEST_HEADERS: 'x-request-id,authorization',
      },
    );
    apps.push(app);
    const url = await app.url;
    const headers = { 'x-request-id': 'abc-123', authorization: 'Bearer very-secret-token' };
    for (const [rid, path] of [
      ['s-ok', '/api/items/1'],
      ['s-missing', '/api/items/404'],
    ]) {
      await (await fetch(`${url}${path}?rid=${rid}`, { headers })).text();
    }
    await receiver.waitFor((r) => accessEvents(r, 'e2e-settings').has('s-missing'), 20_000);
    await (await fetch(`${url}/api/items/404?rid=s-last`)).text();
    await receiver.waitFor((r) => accessEvents(r, 'e2e-settings').has('s-last'), 20_000);
    // INFO (the 200) is below the minimum; WARN (the 404) is kept.
    expect([...accessEvents(receiver, 'e2e-settings').keys()]).toEqual(['s-missing', 's-last']);
    const record = receiver
      .logRecords()
      .find(
        (r) =>
          r.record.eventName === 'lifeline.api.access' &&
          r.resource?.attributes?.some(
            (a) => a.key === 'service.name' && a.value?.stringValue === 'e2e-settings',
          ) &&
          r.record.attributes?.some((a) => a.key === 'url.query' && a.value?.stringValue === 'rid=s-missing'),
      );
    const header = (name: string) =>
      record?.record.attributes?.find((a) => a.key === `http.request.header.${name}`)?.value?.arrayValue
        ?.values?.[0]?.stringValue;
    expect(header('x-request-id')).toBe('abc-123');
    expect(header('authorization')).toBe(MASK);
    expect(header('authorization')).not.toContain('very-secret-token');
  }, 60_000);

  it('reads a YAML file named by LIFELINE_CONFIG_FILE, with ${VAR} substitution, and fails over to its secondary', async () => {
    const file = join(work, 'lifeline.yaml');
    writeFileSync(
      file,
      [
        'service:',
        '  name: ${SERVICE:-e2e-yaml}',
        'endpoints:',
        '  primary:',
        '    url: http://127.0.0.1:${DEAD_PORT}',
        '    timeout: 1s',
        '  secondary:',
        '    url: ${SECONDARY_URL}',
        'queue:',
        `  directory: ${JSON.stringify(join(work, 'yaml-queue'))}`,
        '  max_bytes: 32MiB',
        'signals:',
        '  metrics: { enabled: false }',
      ].join('\n'),
    );
    const app = startApp(
      join(examplesDir, 'express'),
      ['--import', '@otel-lifeline/node/register', 'server.mjs'],
      {
        LIFELINE_CONFIG_FILE: file,
        DEAD_PORT: '9',
        SECONDARY_URL: secondary.url,
      },
    );
    apps.push(app);
    const expected = await exercise(await app.url, 'yaml');
    await secondary.waitFor((r) => accessEvents(r, 'e2e-yaml').size >= 4, 20_000).catch(() => undefined);
    const got = Object.fromEntries(
      [...accessEvents(secondary, 'e2e-yaml')].map(([rid, e]) => [rid, Number(e.status)]),
    );
    expect(got, app.output()).toEqual(expected);
    expect(app.output()).toMatch(/configuration from .*lifeline\.yaml/);
  }, 60_000);
});
