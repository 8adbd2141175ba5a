import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

const rootDir = fileURLToPath(new URL('../../', import.meta.url));
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeline-bench-quick-'));
const BENCHMARKS = ['encode', 'queue', 'export', 'http', 'lifecycle'];

function run(args: string[]): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { cwd: rootDir });
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, output }));
  });
}

afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

// Checks only that every benchmark still runs and produces results: never a speed.
describe('the benchmark suite in quick mode', () => {
  it('runs every benchmark and writes their results, the report and the charts', async () => {
    const { code, output } = await run(['bench/run.js', '--quick', '--out', outDir]);
    expect(code, output.slice(-4000)).toBe(0);
    for (const name of BENCHMARKS) {
      const result = JSON.parse(fs.readFileSync(path.join(outDir, `${name}.json`), 'utf8')) as {
        benchmark: string;
        quick: boolean;
      };
      expect(result.benchmark).toBe(name);
    }
    const environment = JSON.parse(fs.readFileSync(path.join(outDir, 'environment.json'), 'utf8')) as {
      fdatasync: { medianUs: number };
    };
    expect(environment.fdatasync.medianUs).toBeGreaterThan(0);
    const report = fs.readFileSync(path.join(outDir, 'BENCHMARKS.md'), 'utf8');
    for (const command of ['bench:encode', 'bench:queue', 'bench:export', 'bench:http', 'bench:lifecycle']) {
      expect(report).toContain(`pnpm ${command}`);
    }
    expect(report).not.toContain('NaN');
    // The Lifeline-only scenarios of bench:export: the worker-thread experiment and the long
    // outage's control app delivered everything they emitted, and the report renders both.
    const exp = JSON.parse(fs.readFileSync(path.join(outDir, 'export.json'), 'utf8')) as {
      workerPipeline: { runs: Array<{ variant: string; emitted: number; lost: number }> };
      longOutage: { lost: number; control: { emitted: number; lost: number } };
      profile: {
        exportPath: {
          lost: { lifeline: number };
          lifeline: { processOverDrop: { median: number } };
          stock: { processOverDrop: { median: number } };
        };
      };
    };
    expect(new Set(exp.workerPipeline.runs.map((r) => r.variant))).toEqual(
      new Set(['lifeline', 'lifeline-worker']),
    );
    for (const run of exp.workerPipeline.runs) {
      expect(run.emitted).toBeGreaterThan(0);
      expect(run.lost).toBe(0);
    }
    expect(exp.longOutage.lost).toBe(0);
    expect(exp.longOutage.control.emitted).toBeGreaterThan(0);
    expect(exp.longOutage.control.lost).toBe(0);
    expect(report).toContain('The pipeline in a worker thread');
    expect(report).toContain('long outage, control');
    // The export path's own cost: each pipeline costs more than the app whose processor drops
    // every record, Lifeline delivered all it emitted, and the report renders the rows.
    const exportPath = exp.profile.exportPath;
    expect(exportPath.lost.lifeline).toBe(0);
    expect(exportPath.lifeline.processOverDrop.median).toBeGreaterThan(0);
    expect(exportPath.stock.processOverDrop.median).toBeGreaterThan(0);
    expect(report).toContain('Lifeline’s export path');
    // bench:http's fixed-rate rounds answered what they offered, and the idle window measured
    // every server; the report renders both.
    const http = JSON.parse(fs.readFileSync(path.join(outDir, 'http.json'), 'utf8')) as {
      fixedRate: Record<
        string,
        {
          offeredRequestsPerSecond: number;
          variants: Record<string, { requestsPerSecond: { median: number } }>;
        }
      >;
      idle: { cpuMsPerSecond: Record<string, number> };
      breakdownMicrosecondsPerRequest: Record<string, number>;
      distributionNoSockets: Record<
        'sdkDisabled' | 'defaults' | 'tracesOff' | 'sampledTenth' | 'serverSpans',
        { median: number }
      >;
    };
    for (const app of ['fastify', 'express']) {
      const fixed = http.fixedRate[app]!;
      expect(Object.keys(fixed.variants).sort()).toEqual([`${app}-bare`, `${app}-lifeline`, `${app}-otel`]);
      for (const v of Object.values(fixed.variants))
        expect(v.requestsPerSecond.median).toBeGreaterThan(fixed.offeredRequestsPerSecond * 0.8);
    }
    expect(http.idle.cpuMsPerSecond['fastify-lifeline']).toBeGreaterThanOrEqual(0);
    // The breakdown's processes each measured their configuration: the instrumentation costs
    // something on top of building the request objects, and the value detectors are part of it.
    const parts = http.breakdownMicrosecondsPerRequest;
    expect(Object.keys(parts)).toHaveLength(9);
    expect(parts['instrumentation, no-op providers']).toBeGreaterThan(0);
    expect(parts['instrumentation, no-op providers']).toBeGreaterThan(
      parts['instrumentation, no-op providers, value detectors off']!,
    );
    // The distribution with no socket: traces add the server span's work on top of traces off.
    const dist = http.distributionNoSockets;
    expect(dist.tracesOff.median).toBeGreaterThan(0);
    expect(dist.defaults.median).toBeGreaterThan(dist.tracesOff.median);
    // Head sampling 1 in 10 is measured beside them, and reported.
    expect(dist.sampledTenth.median).toBeGreaterThan(0);
    expect(report).toContain('1 trace in 10 sampled');
    expect(report).toContain('the distribution with no socket');
    expect(report).toContain('at a fixed request rate');
    expect(report).toContain('idle: no request at all');
    const charts = fs.readdirSync(path.join(outDir, 'charts'));
    expect(charts.sort()).toEqual(
      ['export-loss.svg', 'failover.svg', 'http-overhead.svg', 'queue-append.svg', 'queue-read.svg'].sort(),
    );
  }, 900_000);

  // The hour outage runs only when asked for by name; here for seconds, into the results above.
  it('runs the hour outage on request, keeps the rest of export.json, and the report renders it', async () => {
    const file = path.join(outDir, 'export.json');
    const before = JSON.parse(fs.readFileSync(file, 'utf8')) as { longOutage: unknown; hourOutage?: unknown };
    expect(before.hourOutage).toBeUndefined();
    const hour = await run([
      'bench/export.js',
      '--only',
      'hour-outage',
      '--hour-outage-seconds',
      '4',
      '--long-outage-warmup-seconds',
      '2',
      '--out',
      outDir,
    ]);
    expect(hour.code, hour.output.slice(-4000)).toBe(0);
    const after = JSON.parse(fs.readFileSync(file, 'utf8')) as {
      longOutage: unknown;
      hourOutage: { offeredPerSec: number; outageSeconds: number; emitted: number; lost: number };
    };
    expect(after.longOutage).toEqual(before.longOutage);
    expect(after.hourOutage).toMatchObject({ offeredPerSec: 1_000, outageSeconds: 4, lost: 0 });
    expect(after.hourOutage.emitted).toBeGreaterThan(4_000);
    const rendered = await run(['bench/report.js', '--results', outDir]);
    expect(rendered.code, rendered.output.slice(-4000)).toBe(0);
    const report = fs.readFileSync(path.join(outDir, 'BENCHMARKS.md'), 'utf8');
    expect(report).toContain('hour outage, defaults: records lost with the backend down');
  }, 120_000);
});
