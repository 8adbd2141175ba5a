import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** The Prometheus rules checked and unit-tested by the real promtool (Debian's `prometheus` package). */
const promtool = process.env.PROMTOOL_BIN ?? 'promtool';
const dir = fileURLToPath(new URL('../prometheus/', import.meta.url));
const found = spawnSync(promtool, ['--version'], { encoding: 'utf8' });
const skipReason =
  found.error === undefined
    ? undefined
    : `promtool not found (apt-get install prometheus, or set PROMTOOL_BIN)`;
if (skipReason && process.env.CI === 'true') throw new Error(`${skipReason}; CI must install it (.ci/run)`);
if (skipReason) console.warn(`prometheus rules tests skipped: ${skipReason}`);

const run = (args: string[], cwd = dir) =>
  spawnSync(promtool, args, { cwd, encoding: 'utf8', timeout: 60_000 });
const scratch = mkdtempSync(join(tmpdir(), 'lifeline-promtool-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

describe.skipIf(skipReason !== undefined)('prometheus rules', () => {
  it('pass `promtool check rules`', () => {
    const result = run(['check', 'rules', 'lifeline-rules.yaml']);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS: 17 rules found/);
    expect(result.status).toBe(0);
  });

  it('pass their unit tests on synthetic series (`promtool test rules`)', () => {
    const result = run(['test', 'rules', 'lifeline-rules.test.yaml']);
    expect(result.stdout + result.stderr).toMatch(/SUCCESS/);
    expect(result.status).toBe(0);
  });

  it('have unit tests that fail when an alert stops firing (threshold raised above the test data)', () => {
    copyFileSync(join(dir, 'lifeline-rules.test.yaml'), join(scratch, 'lifeline-rules.test.yaml'));
    const rules = readFileSync(join(dir, 'lifeline-rules.yaml'), 'utf8');
    const raised = rules.replace(
      'job:http_server_request_errors:ratio_rate5m > 0.05',
      'job:http_server_request_errors:ratio_rate5m > 0.5',
    );
    expect(raised).not.toBe(rules);
    writeFileSync(join(scratch, 'lifeline-rules.yaml'), raised);
    const result = run(['test', 'rules', 'lifeline-rules.test.yaml'], scratch);
    expect(result.status).not.toBe(0);
    expect(result.stdout + result.stderr).toMatch(/alertname: LifelineApiHighErrorRatio/);
  });
});
