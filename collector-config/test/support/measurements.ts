import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { collectorConfigDir } from './collector-binary.js';

/**
 * Where a run's measurements go: a git-ignored file, so that running the tests leaves the tree as
 * it was. `results/measured.json` (tracked, what the README and BENCHMARKS.md quote) is refreshed
 * on purpose: `LIFELINE_MEASURED_FILE=collector-config/results/measured.json`.
 */
export const measuredFile =
  process.env['LIFELINE_MEASURED_FILE'] !== undefined && process.env['LIFELINE_MEASURED_FILE'] !== ''
    ? resolve(process.env['LIFELINE_MEASURED_FILE'])
    : join(collectorConfigDir, 'results', 'last-run', 'measured.json');

function withLock(fn: () => void): void {
  const lock = `${measuredFile}.lock`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST' || Date.now() > deadline) throw error;
      Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20);
    }
  }
  try {
    fn();
  } finally {
    rmdirSync(lock);
  }
}

/**
 * Merges one section into the measurements file (test files run in parallel processes, hence
 * the lock and the atomic rename).
 */
export function recordMeasurement(section: string, data: Record<string, unknown>): void {
  mkdirSync(dirname(measuredFile), { recursive: true });
  withLock(() => {
    let current: Record<string, unknown> = {};
    try {
      current = JSON.parse(readFileSync(measuredFile, 'utf8')) as Record<string, unknown>;
    } catch {
      // first section
    }
    current[section] = { ...data, measuredAt: new Date().toISOString() };
    const sorted = Object.fromEntries(Object.entries(current).sort(([a], [b]) => a.localeCompare(b)));
    const tmp = `${measuredFile}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
    renameSync(tmp, measuredFile);
  });
}
