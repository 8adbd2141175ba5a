import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeFileSync } from 'node:fs';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import { start } from '@otel-lifeline/node';
import { createReceiver } from '@otel-lifeline/receiver';
import type { Receiver } from '@otel-lifeline/receiver';
import type { Started } from './child-process.js';
import { apiFixture, closedPort, runNode, startNode, stop } from './child-process.js';

// Real child processes that end the ways apps end: a short-lived script awaiting shutdown(), and
// servers stopped with SIGTERM, with and without their own handler. A dead endpoint must not hold
// the exit past shutdown_timeout, and what it could not take stays on disk for the next start.
const work = mkdtempSync(join(tmpdir(), 'lifeline-lifecycle-'));
const shortLived = new URL('./fixtures/short-lived-start.mjs', import.meta.url).pathname;
const withHandler = new URL('./fixtures/api-server-sigterm-handler.mjs', import.meta.url).pathname;
const SIGNALS = ['logs', 'traces', 'metrics'] as const;
const TIMEOUT_MS = 1_000;
// What a busy machine may add to the exit (`pnpm bench:shutdown` measures the real margin).
const ALLOWANCE_MS = 500;

const children: Started[] = [];
const receivers: Receiver[] = [];
afterEach(async () => {
  await Promise.all(children.splice(0).map((c) => stop(c.child)));
  await Promise.all(receivers.splice(0).map((r) => r.close()));
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

async function receiver(): Promise<Receiver> {
  const r = await createReceiver();
  receivers.push(r);
  return r;
}

function env(endpoint: string, queueDir: string): Record<string, string> {
  return {
    OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
    LIFELINE_QUEUE_DIR: queueDir,
    LIFELINE_SHUTDOWN_TIMEOUT: `${TIMEOUT_MS}ms`,
    OTEL_LOG_LEVEL: 'warn',
  };
}

async function pendingOnDisk(queueDir: string): Promise<Record<string, number>> {
  const pending: Record<string, number> = {};
  for (const signal of SIGNALS) {
    const queue = await openDiskQueue({ directory: join(queueDir, signal) });
    pending[signal] = queue.stats().pendingRecords;
    await queue.close();
  }
  return pending;
}

function accessPaths(r: Receiver): string[] {
  return r
    .logRecords()
    .filter((x) => x.record.eventName === 'lifeline.api.access')
    .map((x) => x.record.attributes?.find((a) => a.key === 'url.path')?.value?.stringValue ?? '');
}

/** The next start on the same queue directory sends what an earlier process left. */
async function nextStartDelivers(queueDir: string, paths: string[]): Promise<void> {
  const live = await receiver();
  const next = await runNode(
    ['--input-type=module', '-e', "import { start } from '@otel-lifeline/node'; await start().shutdown();"],
    { env: env(live.url, queueDir) },
  );
  expect(next.code, next.stderr).toBe(0);
  expect(accessPaths(live).sort()).toEqual([...paths].sort());
  expect(await pendingOnDisk(queueDir)).toEqual({ logs: 0, traces: 0, metrics: 0 });
}

/** Starts an API server with `--import` register, sends `paths`, and sends SIGTERM; resolves at exit. */
async function serveThenTerminate(fixture: string, endpoint: string, queueDir: string, paths: string[]) {
  const app = startNode(['--import', '@otel-lifeline/node/register', fixture], {
    env: env(endpoint, queueDir),
  });
  children.push(app);
  const url = await app.url;
  for (const path of paths) await (await fetch(`${url}${path}`)).text();
  // The access events are durable within the fsync interval (100 ms) of each request.
  await new Promise((resolve) => setTimeout(resolve, 300));
  const exited = new Promise<{ code: number | null; signal: string | null; ms: number }>((resolve) => {
    const sent = performance.now();
    app.child.once('exit', (code, signal) => resolve({ code, signal, ms: performance.now() - sent }));
  });
  app.child.kill('SIGTERM');
  return { ...(await exited), output: app.output() };
}

describe('shutdown in a short-lived script (the README pattern)', () => {
  it('delivers the access event, span and metrics, then lets the script exit', async () => {
    const live = await receiver();
    const run = await runNode([shortLived], { env: env(live.url, join(work, 'short-live')) });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stdout).toMatch(/shutdown \{"delivered":true,"pendingRecords":0,/);
    expect(accessPaths(live)).toEqual(['/hello']);
    expect(live.spans().some((s) => s.span.kind === 2)).toBe(true);
    expect(live.counts().dataPoints).toBeGreaterThan(0);
  });

  it('with a dead endpoint, ends by shutdown_timeout, leaves the records on disk, and the next start sends them', async () => {
    const queueDir = join(work, 'short-dead');
    const run = await runNode([shortLived], { env: env(`http://127.0.0.1:${await closedPort()}`, queueDir) });
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(/shutdown (\{.*\})/.exec(run.stdout)?.[1] ?? '{}') as {
      delivered: boolean;
      pendingRecords: number;
    };
    expect(report.delivered).toBe(false);
    expect(report.pendingRecords).toBeGreaterThanOrEqual(3);
    expect(run.stderr.match(/shutdown left \d+ queue record\(s\) unsent/g)).toHaveLength(1);
    const onDisk = await pendingOnDisk(queueDir);
    expect(onDisk.logs).toBeGreaterThan(0);
    expect(onDisk.traces).toBeGreaterThan(0);
    await nextStartDelivers(queueDir, ['/hello']);
  });
});

describe('SIGTERM with a dead endpoint', () => {
  it('without an app handler: exits by the signal within shutdown_timeout, records on disk', async () => {
    const queueDir = join(work, 'sigterm-plain');
    const exit = await serveThenTerminate(apiFixture, `http://127.0.0.1:${await closedPort()}`, queueDir, [
      '/ok',
      '/login',
    ]);
    expect(exit.signal, exit.output).toBe('SIGTERM');
    expect(exit.ms, exit.output).toBeLessThan(TIMEOUT_MS + ALLOWANCE_MS);
    expect(exit.output).toMatch(/shutdown left \d+ queue record\(s\) unsent/);
    await nextStartDelivers(queueDir, ['/ok', '/login']);
  });

  it("with the app's own handler: the app ends on its own within shutdown_timeout, records on disk", async () => {
    const queueDir = join(work, 'sigterm-handler');
    const exit = await serveThenTerminate(withHandler, `http://127.0.0.1:${await closedPort()}`, queueDir, [
      '/a',
      '/b',
    ]);
    expect(exit.output).toContain('app: SIGTERM, closing the server');
    expect(exit.code, exit.output).toBe(0);
    expect(exit.ms, exit.output).toBeLessThan(TIMEOUT_MS + ALLOWANCE_MS);
    expect(exit.output).toMatch(/shutdown left \d+ queue record\(s\) unsent/);
    await nextStartDelivers(queueDir, ['/a', '/b']);
  });
});

describe('SIGTERM with a live endpoint', () => {
  it('without an app handler: everything is delivered before the process ends', async () => {
    const live = await receiver();
    const exit = await serveThenTerminate(apiFixture, live.url, join(work, 'sigterm-live'), ['/ok']);
    expect(exit.signal, exit.output).toBe('SIGTERM');
    expect(exit.output).not.toMatch(/unsent/);
    expect(accessPaths(live)).toEqual(['/ok']);
  });
});

describe('a start that cannot throw into the app', () => {
  it('runs under --disallow-code-generation-from-strings with env configuration, and events arrive', async () => {
    const live = await receiver();
    const run = await runNode(['--disallow-code-generation-from-strings', shortLived], {
      env: env(live.url, join(work, 'no-codegen-env')),
    });
    expect(run.code, run.stderr).toBe(0);
    expect(run.stderr).not.toMatch(/EvalError|could not start|TELEMETRY IS OFF/);
    expect(accessPaths(live)).toEqual(['/hello']);
  });

  it('runs under --disallow-code-generation-from-strings with --import and a YAML file, and events arrive', async () => {
    const live = await receiver();
    const file = join(work, 'no-codegen.yaml');
    writeFileSync(
      file,
      `service:\n  name: hardened\nendpoints:\n  primary:\n    url: ${live.url}\nqueue:\n  directory: ${join(work, 'no-codegen-yaml')}\n`,
    );
    const app = startNode(
      ['--disallow-code-generation-from-strings', '--import', '@otel-lifeline/node/register', apiFixture],
      {
        env: { LIFELINE_CONFIG_FILE: file },
      },
    );
    children.push(app);
    const url = await app.url;
    await (await fetch(`${url}/login`)).text();
    await live.waitFor((r) => accessPaths(r).includes('/login'), 10_000);
    expect(app.output()).toMatch(/started: service hardened; .*configuration from .*no-codegen\.yaml/);
    expect(app.output()).not.toMatch(/EvalError|could not start/);
  });

  it('turns a failure inside start into one line and telemetry off', () => {
    const lines: string[] = [];
    const lifeline = start({
      // Diagnostics at error level: the assertion is about the failure's own line.
      config: {
        log_level: 'error',
        endpoints: { primary: { url: 'http://127.0.0.1:9' } },
        queue: { directory: join(work, 'failed') },
      },
      instrumentation: { accessSampleRatio: 'half' as unknown as number },
      // Not the runner's environment: only the problem under test is reported.
      env: {},
      handleSignals: false,
      write: (line) => lines.push(line),
    });
    expect(lifeline.enabled).toBe(false);
    expect(lines).toEqual([
      expect.stringMatching(/^\[lifeline\] TELEMETRY IS OFF: could not start: .*accessSampleRatio/),
    ]);
  });
});
