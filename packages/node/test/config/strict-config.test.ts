import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createReceiver } from '@otel-lifeline/receiver';
import { loadConfig } from '@otel-lifeline/node';
import { apiFixture, lifelineBin, runNode, startNode, stop } from '../child-process.js';

const work = mkdtempSync(join(tmpdir(), 'lifeline-strict-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

function yamlFile(name: string, text: string): string {
  const file = join(work, name);
  writeFileSync(file, text);
  return file;
}

describe('strict configuration', () => {
  it('makes an unknown key in the file an error, with a did-you-mean', () => {
    const file = yamlFile(
      'typo.yaml',
      `queue: { directory: ${JSON.stringify(join(work, 'q1'))}, max_byte: 1MiB }\n`,
    );
    const { problems } = loadConfig({ configFile: file, env: {}, queueDirectory: 'check' });
    expect(problems).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        key: `${file}: queue.max_byte`,
        expected: expect.stringMatching(/^unknown key \(did you mean max_bytes\?\)/),
      }),
    );
  });

  it('makes an unknown LIFELINE_ variable an error, with a did-you-mean', () => {
    const { problems } = loadConfig({
      env: { LIFELINE_QUEUE_DIRECTORY: join(work, 'q2') },
      queueDirectory: 'check',
    });
    expect(problems).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        key: 'LIFELINE_QUEUE_DIRECTORY',
        expected: 'unknown variable (did you mean LIFELINE_QUEUE_DIR?)',
      }),
    );
  });

  it('lifeline config check prints each unknown key and exits 1, for a top-level typo too', async () => {
    const file = yamlFile(
      'top-level.yaml',
      `exporter: { url: http://127.0.0.1:1 }\nqueue: { directory: ${JSON.stringify(join(work, 'q3'))}, max_agee: 1h }\n`,
    );
    const result = await runNode([lifelineBin, 'config', 'check', file], {
      env: { LIFELINE_CONFIG_FILE: '' },
    });
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^error: .*top-level\.yaml: exporter: unknown key/m);
    expect(result.stdout).toMatch(/^error: .*queue\.max_agee: unknown key \(did you mean max_age\?\)/m);
    expect(result.stdout).toMatch(/^invalid: 2 error\(s\)/m);
  });

  it('starts the app anyway: it serves, its events are delivered, and the error is logged once', async () => {
    const receiver = await createReceiver();
    const file = yamlFile(
      'serving.yaml',
      `endpoints: { primary: { url: ${JSON.stringify(receiver.url)} } }\nqueue: { directory: ${JSON.stringify(join(work, 'q4'))} }\nsignal: { logs: { enabled: false } }\n`,
    );
    const app = startNode(['--import', '@otel-lifeline/node/register', apiFixture], {
      env: { LIFELINE_CONFIG_FILE: file, OTEL_SERVICE_NAME: undefined },
    });
    try {
      const url = await app.url;
      for (let i = 0; i < 3; i++) expect((await fetch(`${url}/ok`)).status).toBe(200);
      await stop(app.child, 'SIGTERM');
      const errors = app.output().match(/configuration error: .*signal: unknown key.*/g) ?? [];
      expect(errors, app.output()).toHaveLength(1);
      expect(errors[0]).toMatch(/did you mean signals\?/);
      const access = receiver.logRecords().filter((r) => r.record.eventName === 'lifeline.api.access');
      expect(access).toHaveLength(3);
    } finally {
      await stop(app.child);
      await receiver.close();
    }
  });
});
