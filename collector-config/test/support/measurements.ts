import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { collectorConfigDir } from './collector-binary.js';

/**
 * Where a test run writes its figures: git-ignored, so a run leaves the checkout unchanged.
 * Publishing them is a deliberate step (README, "What the tests measured"): copy this folder's
 * files over results/ and render with bench/report.js.
 */
export const lastRunDir = join(collectorConfigDir, 'results', 'last-run');
export const measuredFile = join(lastRunDir, 'measured.json');

function withLock(file: string, fn: () => void): void {
  const lock = `${file}.lock`;
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
 * Merges one section into `file`, by default results/last-run/measured.json (test files run in
 * parallel processes, hence the lock and the atomic rename).
 */
export function recordMeasurement(
  section: string,
  data: Record<string, unknown>,
  file: string = measuredFile,
): void {
  mkdirSync(dirname(file), { recursive: true });
  withLock(file, () => {
    let current: Record<string, unknown> = {};
    try {
      current = JSON.parse(readFileSync(file, 'utf8')) as Record<string, unknown>;
    } catch {
      // first section
    }
    current[section] = { ...data, measuredAt: new Date().toISOString() };
    const sorted = Object.fromEntries(Object.entries(current).sort(([a], [b]) => a.localeCompare(b)));
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, `${JSON.stringify(sorted, null, 2)}\n`);
    renameSync(tmp, file);
  });
}
