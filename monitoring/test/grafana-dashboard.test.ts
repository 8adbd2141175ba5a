import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/**
 * The Grafana dashboard checked against Grafana's dashboard schema as the Grafana Foundation SDK
 * publishes it (Go types generated from Grafana's schema; a real Grafana server is not available
 * from the package registries this project uses). `check-dashboard` decodes strictly: unknown
 * fields, missing required fields, wrong types, panel options and Prometheus queries by type.
 */
const checker = fileURLToPath(new URL('../grafana/check-dashboard/', import.meta.url));
const dashboard = fileURLToPath(new URL('../grafana/lifeline-api-dashboard.json', import.meta.url));
const go = spawnSync('go', ['version'], { encoding: 'utf8' });
const skipReason = go.error === undefined ? undefined : 'Go is not installed (https://go.dev/dl/)';
if (skipReason && process.env.CI === 'true') throw new Error(`${skipReason}; CI must install it`);
if (skipReason) console.warn(`grafana dashboard test skipped: ${skipReason}`);

const scratch = mkdtempSync(join(tmpdir(), 'lifeline-dashboard-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));
const check = (file: string) =>
  spawnSync('go', ['run', '.', file], { cwd: checker, encoding: 'utf8', timeout: 300_000 });

interface Panel {
  type: string;
  title: string;
  datasource?: { uid: string };
  targets?: Array<{ expr: string }>;
}

describe.skipIf(skipReason !== undefined)('grafana dashboard', () => {
  it("matches Grafana's dashboard schema, every panel and query included", () => {
    const result = check(dashboard);
    expect(result.stderr + result.stdout).toMatch(/^ok .*lifeline-api-dashboard\.json: 18 panels$/m);
    expect(result.status).toBe(0);
  }, 300_000);

  it('is refused when a panel option or a query field is not in the schema', () => {
    const board = JSON.parse(readFileSync(dashboard, 'utf8')) as { panels: Array<Record<string, unknown>> };
    (board.panels[1]!['options'] as Record<string, unknown>)['sparkline'] = true;
    const bad = join(scratch, 'bad.json');
    writeFileSync(bad, JSON.stringify(board));
    const result = check(bad);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/panels\[1\]\.options\.Options: unexpected field 'sparkline'/);
  }, 300_000);

  it('reads every panel from the chosen Prometheus data source and filters by service', () => {
    const board = JSON.parse(readFileSync(dashboard, 'utf8')) as { panels: Panel[] };
    const panels = board.panels.filter((p) => p.type !== 'row');
    expect(panels.map((p) => p.datasource?.uid)).toEqual(panels.map(() => '${datasource}'));
    const exprs = panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr));
    expect(exprs.length).toBeGreaterThanOrEqual(panels.length);
    expect(exprs.filter((e) => !e.includes('job=~"$job"'))).toEqual([]);
  });
});
