import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { lifelineBin, runNode, startNode, stop } from '../child-process.js';

const work = mkdtempSync(join(tmpdir(), 'lifeline-cli-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('lifeline receive', () => {
  it('writes each received log record as a JSON line and prints the counts when stopped', async () => {
    const out = join(work, 'out.jsonl');
    const receiver = startNode([lifelineBin, 'receive', '--port', '0', '--out', out]);
    const url = await receiver.url;
    const body = {
      resourceLogs: [
        {
          resource: { attributes: [{ key: 'service.name', value: { stringValue: 'cli-test' } }] },
          scopeLogs: [{ logRecords: [{ eventName: 'hello', body: { stringValue: 'hi' } }] }],
        },
      ],
    };
    const response = await fetch(`${url}/v1/logs`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });
    expect(response.status).toBe(200);
    await stop(receiver.child, 'SIGTERM');
    const line = JSON.parse(readFileSync(out, 'utf8').trim()) as { signal: string; eventName: string };
    expect(line).toMatchObject({ signal: 'logs', eventName: 'hello' });
    expect(receiver.output()).toMatch(/received 1 requests: 1 log records/);
  });

  it('rejects a bad port with the option named', async () => {
    const result = await runNode([lifelineBin, 'receive', '--port', 'x']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/--port.*expected a port number/);
  });
});

describe('lifeline config check', () => {
  it('accepts a valid file (exit 0)', async () => {
    const file = join(work, 'good.yaml');
    writeFileSync(
      file,
      `endpoints:\n  primary: { url: "\${COLLECTOR:-http://127.0.0.1:4318}" }\n  secondary: { url: http://127.0.0.1:5318 }\nqueue: { directory: ${JSON.stringify(join(work, 'q'))}, max_bytes: 64MiB }\n`,
    );
    const result = await runNode([lifelineBin, 'config', 'check', file]);
    expect(result.stdout).toMatch(/^ok: .*good.yaml is valid/m);
    expect(result.code).toBe(0);
  });

  it('names every bad key with its value and exits 1', async () => {
    const file = join(work, 'bad.yaml');
    writeFileSync(
      file,
      'mode: sideways\nqueue:\n  max_bytes: 12XB\n  max_age: 48\nendpoints:\n  primary: { url: "localhost:4318" }\n',
    );
    const result = await runNode([lifelineBin, 'config', 'check', file, '--json']);
    expect(result.code).toBe(1);
    const report = JSON.parse(result.stdout) as {
      valid: boolean;
      problems: Array<{ key: string; value: string; expected: string }>;
    };
    expect(report.valid).toBe(false);
    const keys = report.problems.map((p) => p.key.replace(/^.*: /, ''));
    expect(keys).toEqual(
      expect.arrayContaining(['mode', 'queue.max_bytes', 'queue.max_age', 'endpoints.primary.url']),
    );
    expect(report.problems.find((p) => p.key.endsWith('queue.max_bytes'))).toMatchObject({ value: '"12XB"' });
  });
});
