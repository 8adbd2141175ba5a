import { mkdirSync, readFileSync, renameSync, rmdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { collectorConfigDir } from './collector-binary.js';

export const measuredFile = join(collectorConfigDir, 'results', 'measured.json');

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
 * Merges one section into results/measured.json (test files run in parallel processes, hence
 * the lock and the atomic rename). The README quotes this file.
 */
export function recordMeasurement(section: string, data: Record<string, unknown>): void {
  mkdirSync(join(collectorConfigDir, 'results'), { recursive: true });
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
