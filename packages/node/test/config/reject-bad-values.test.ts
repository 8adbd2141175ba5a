import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '@otel-lifeline/node';
import { lifelineBin, runNode } from '../child-process.js';

const work = mkdtempSync(join(tmpdir(), 'lifeline-bad-values-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));
const queueDir = join(work, 'queue');

function problemsOf(env: Record<string, string>): Array<{ key: string; expected: string; severity: string }> {
  return loadConfig({ env: { LIFELINE_QUEUE_DIR: queueDir, ...env }, queueDirectory: 'check' }).problems;
}

function fileProblems(text: string, env: Record<string, string> = {}): ReturnType<typeof problemsOf> {
  const file = join(work, `c${Math.random().toString(36).slice(2)}.yaml`);
  writeFileSync(file, text);
  return loadConfig({ configFile: file, env, queueDirectory: 'check' }).problems;
}

describe('configuration values the runtime could not honour are rejected, naming the key', () => {
  it.each([
    ['LIFELINE_QUEUE_FSYNC_INTERVAL', '25d'],
    ['LIFELINE_SHUTDOWN_TIMEOUT', '30d'],
    ['OTEL_METRIC_EXPORT_INTERVAL', '2592000000'],
  ])('%s=%s: a duration longer than a timer can wait', (key, value) => {
    expect(problemsOf({ [key]: value })).toContainEqual(
      expect.objectContaining({
        severity: 'error',
        key,
        expected: expect.stringMatching(/at most 24d \(2147483647 ms/),
      }),
    );
  });

  it('queue.max_bytes below what one group commit of records needs', () => {
    expect(problemsOf({ LIFELINE_QUEUE_MAX_BYTES: '1' })).toContainEqual(
      expect.objectContaining({
        key: 'LIFELINE_QUEUE_MAX_BYTES',
        expected: expect.stringMatching(/at least 1MiB/),
      }),
    );
  });

  it('a secondary endpoint that is the primary again (mirror or fail-over onto itself)', () => {
    const problems = problemsOf({
      OTEL_EXPORTER_OTLP_ENDPOINT: 'http://collector:4318',
      LIFELINE_SECONDARY_ENDPOINT: 'http://collector:4318',
    });
    expect(problems).toContainEqual(
      expect.objectContaining({
        key: 'LIFELINE_SECONDARY_ENDPOINT',
        expected: expect.stringMatching(/a different endpoint than the primary/),
      }),
    );
  });

  it('a header value with CR/LF, naming the header but not showing its value', () => {
    const problems = problemsOf({ OTEL_EXPORTER_OTLP_HEADERS: 'api-key=abc%0D%0AX-Injected: 1' });
    expect(problems).toContainEqual(
      expect.objectContaining({
        key: 'OTEL_EXPORTER_OTLP_HEADERS',
        expected: expect.stringMatching(/without control characters .* in "api-key"/),
      }),
    );
    expect(JSON.stringify(problems)).not.toContain('abc');
  });

  it('an unset ${VAR} that would leave a key empty, by the variable name', () => {
    expect(
      JSON.stringify(fileProblems('endpoints:\n  primary:\n    url: ${MISSING_COLLECTOR_URL}\n')),
    ).toMatch(
      /line 3: \$\{MISSING_COLLECTOR_URL\} is not set: the environment variable MISSING_COLLECTOR_URL is unset/,
    );
    // An explicit empty default is a choice, not a mistake.
    expect(JSON.stringify(fileProblems('service:\n  name: ${MISSING_NAME:-}\n'))).not.toContain(
      'MISSING_NAME',
    );
  });

  it('a queue directory under a file, which can never be created', () => {
    const file = join(work, 'a-file');
    writeFileSync(file, 'x');
    expect(problemsOf({ LIFELINE_QUEUE_DIR: join(file, 'queue') })).toContainEqual(
      expect.objectContaining({ key: 'LIFELINE_QUEUE_DIR', expected: expect.stringMatching(/ENOTDIR/) }),
    );
  });

  it('lifeline config check exits 1 and names the key', async () => {
    const file = join(work, 'fsync.yaml');
    writeFileSync(file, `queue:\n  directory: ${JSON.stringify(queueDir)}\n  fsync_interval: 30d\n`);
    const result = await runNode([lifelineBin, 'config', 'check', file]);
    expect(result.code).toBe(1);
    expect(result.stdout + result.stderr).toMatch(/queue\.fsync_interval="30d": expected at most 24d/);
  });
});
