import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { MASK } from '@otel-lifeline/instrumentation-api';

// Each app runs twice in a child process of its own (test/majors/): once applying the framework's
// one-line adapter itself, once with no Lifeline line and the module hooks registered from an
// `--import` entry. Both runs send the same requests; the events must be the same. The majors sit
// side by side as npm aliases (express4@npm:express@4, koa2@npm:koa@2, …); Nest, whose packages
// are peers of each other, has one fixture package per major.
const majorsDir = fileURLToPath(new URL('../../../test/majors/', import.meta.url));
const run = promisify(execFile);

interface Event {
  eventName: string;
  severity: string;
  attributes: Record<string, unknown>;
}

async function serve(
  dir: string,
  app: string,
  mode: 'adapter' | 'zero-code',
): Promise<{ events: Event[]; stderr: string }> {
  const hooks = mode === 'zero-code' ? ['--import', '../frameworks/zero-code.mjs'] : [];
  const { stdout, stderr } = await run(process.execPath, [...hooks, 'serve.mjs', app], {
    cwd: `${majorsDir}${dir}`,
    env: { ...process.env, LIFELINE_TEST_MODE: mode },
    timeout: 30_000,
  });
  const line = stdout.split('\n').find((l) => l.startsWith('EVENTS '));
  if (line === undefined) throw new Error(`${dir} ${app} ${mode}: no events\n${stdout}\n${stderr}`);
  return { events: JSON.parse(line.slice('EVENTS '.length)) as Event[], stderr };
}

const ROUTES = [
  ['/users/42', '/users/:id'],
  ['/api/v1/items/7', '/api/v1/items/:itemId'],
  ['/orgs/acme/reports', '/orgs/:org/reports'],
  ['/boom', '/boom'],
  ['/async-boom', '/async-boom'],
  ['/nope/123', undefined],
] as const;

const APPS = [
  { dir: 'frameworks', app: 'express4', label: 'Express 4 (require)' },
  { dir: 'frameworks', app: 'express5', label: 'Express 5 (import)' },
  { dir: 'frameworks', app: 'koa2', label: 'Koa 2 + @koa/router (require)' },
  { dir: 'frameworks', app: 'koa3', label: 'Koa 3 + @koa/router (import)' },
  { dir: 'frameworks', app: 'hono4', label: 'Hono 4 on @hono/node-server (import)' },
  { dir: 'frameworks', app: 'hono4-cjs', label: 'Hono 4 on @hono/node-server (require)' },
  ...[10, 11, 12].flatMap((major) =>
    ['express', 'fastify'].map((platform) => ({
      dir: `nest${major}`,
      app: platform,
      label: `NestJS ${major} on ${platform}`,
    })),
  ),
];

describe('module hooks', () => {
  it.each(APPS)(
    '$label: zero-code events are the adapter’s, routes and one redacted exception event per error included',
    async ({ dir, app }) => {
      const [adapter, zeroCode] = await Promise.all([
        serve(dir, app, 'adapter'),
        serve(dir, app, 'zero-code'),
      ]);
      expect(zeroCode.events).toEqual(adapter.events);
      expect(zeroCode.stderr).not.toMatch(/lifeline/);

      const access = zeroCode.events.filter((e) => e.eventName === 'lifeline.api.access');
      expect(access.map((e) => [e.attributes['url.path'], e.attributes['http.route']])).toEqual(ROUTES);
      const exceptions = zeroCode.events.filter((e) => e.eventName === 'http.server.request.exception');
      expect(exceptions.map((e) => e.attributes['http.route'])).toEqual(['/boom', '/async-boom']);
      const thrown = exceptions[0]?.attributes;
      expect(thrown?.['exception.type']).toBe('Error');
      expect(thrown?.['exception.message']).toBe(`kaboom: ${MASK}`);
      expect(thrown?.['exception.stacktrace']).toBe(`Error: kaboom: ${MASK}`);
    },
    60_000,
  );

  it.each(['express4', 'express5'])(
    '%s: an error answered by an error middleware inside a router gives one exception event',
    async (express) => {
      const { events } = await serve('frameworks', `${express}-router-errors`, 'zero-code');
      const exceptions = events.filter((e) => e.eventName === 'http.server.request.exception');
      expect(exceptions.map((e) => [e.attributes['http.route'], e.attributes['exception.message']])).toEqual([
        ['/boom', `kaboom: ${MASK}`],
        ['/async-boom', 'passed on'],
      ]);
    },
    30_000,
  );

  it('leaves a major it does not know as it is: one diagnostic line, access events without a route', async () => {
    const { events, stderr } = await serve('frameworks', 'express3', 'zero-code');
    expect(stderr.split('\n').filter((line) => line.includes('lifeline'))).toEqual([
      'lifeline instrumentation-api: express 3.21.2 is not a version with route and error capture (majors 4, 5); its requests are reported without http.route',
    ]);
    const access = events.filter((e) => e.eventName === 'lifeline.api.access');
    expect(access.map((e) => [e.attributes['url.path'], e.attributes['http.response.status_code']])).toEqual(
      ROUTES.map(([path]) => [path, path === '/users/42' ? 200 : 404]),
    );
    expect(access.filter((e) => e.attributes['http.route'] !== undefined)).toEqual([]);
  }, 30_000);
});
