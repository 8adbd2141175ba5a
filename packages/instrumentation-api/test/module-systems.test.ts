import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createReceiver } from '@otel-lifeline/receiver';
import type { Receiver } from '@otel-lifeline/receiver';

/**
 * The built package in a child process, once as an ESM app and once as a CommonJS app: capture
 * through diagnostics_channel needs no loader hook, so both report the same events.
 */
let receiver: Receiver;
beforeAll(async () => {
  receiver = await createReceiver();
});
afterAll(async () => {
  await receiver.close();
});

function attr(
  record: { attributes?: Array<{ key: string; value?: { stringValue?: string; intValue?: string } }> },
  key: string,
) {
  const value = record.attributes?.find((a) => a.key === key)?.value;
  return value?.stringValue ?? (value?.intValue !== undefined ? Number(value.intValue) : undefined);
}

describe.each([
  ['ESM', 'esm-app.mjs', 'esm'],
  ['CommonJS', 'cjs-app.cjs', 'cjs'],
])('%s app', (_name, file, tag) => {
  it('reports access, exception and security events through the stock exporter to the receiver', async () => {
    const child = spawn(process.execPath, [fileURLToPath(new URL(`./fixtures/${file}`, import.meta.url))], {
      env: { ...process.env, LIFELINE_TEST_RECEIVER: receiver.url, NODE_NO_WARNINGS: '1' },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const [chunk] = (await once(child.stdout, 'data')) as [Buffer];
      const base = `http://127.0.0.1:${chunk.toString().trim()}`;
      // A number after /users: another segment there would be a username, masked by the policy.
      for (const path of [`/users/1?run=${tag}`, '/boom', '/private', '/missing'])
        await (await fetch(base + path)).text();
    } finally {
      child.kill('SIGTERM');
      await once(child, 'exit');
    }
    // The child flushed on SIGTERM before exiting, so everything it emitted has arrived.
    const records = receiver.logRecords().map((r) => r.record);
    const access = records.filter(
      (r) => r.eventName === 'lifeline.api.access' && String(attr(r, 'url.query')).includes(tag),
    );
    expect(access).toHaveLength(1);
    expect(attr(access[0]!, 'http.route')).toBe('/users/:id');
    expect(attr(access[0]!, 'http.response.status_code')).toBe(200);
    const exception = records.find(
      (r) =>
        r.eventName === 'http.server.request.exception' &&
        attr(r, 'exception.message') === `kaboom from ${tag}`,
    );
    expect(exception).toBeDefined();
    expect(String(attr(exception!, 'exception.stacktrace'))).toContain(file);
    expect(attr(exception!, 'http.route')).toBe('/boom');
    const ports = new Set(
      records
        .filter((r) => attr(r, 'exception.message') === `kaboom from ${tag}`)
        .map((r) => attr(r, 'server.port')),
    );
    const fromThisApp = records.filter((r) => ports.has(attr(r, 'server.port')));
    expect(fromThisApp.filter((r) => r.eventName === 'lifeline.security.authn_login_fail')).toHaveLength(1);
    const missing = fromThisApp.find(
      (r) => r.eventName === 'lifeline.api.access' && attr(r, 'url.path') === '/missing',
    );
    expect(attr(missing!, 'http.response.status_code')).toBe(404);
    expect(attr(missing!, 'http.route')).toBeUndefined();
  });
});
