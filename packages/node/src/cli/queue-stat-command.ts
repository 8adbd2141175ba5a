import { resolve } from 'node:path';
import { inspectQueue } from '@otel-lifeline/disk-queue';
import type { Signal } from '../config/config-types.js';
import type { CliIo } from './cli-io.js';
import { print } from './cli-io.js';
import { countDeadLetters } from './dead-letters.js';
import { formatBytes, formatDuration } from './format.js';
import { findSignalQueues } from './signal-queues.js';

/** One signal's queue in `lifeline queue stat --json` (documented in the README). */
export interface QueueStatEntry {
  signal: Signal;
  directory: string;
  pendingRecords: number;
  pendingBytes: number;
  diskBytes: number;
  segments: number;
  oldestAgeMs: number;
  drops: Record<string, number>;
  cursors: Record<string, { pendingRecords: number; pendingBytes: number }>;
  deadLetters: { files: number; bytes: number };
  /** The process holding the queue's lock, if any, and whether it is alive. */
  owner: { pid: number; alive: boolean } | null;
}

export interface QueueStatReport {
  directory: string;
  signals: QueueStatEntry[];
  total: {
    pendingRecords: number;
    pendingBytes: number;
    diskBytes: number;
    segments: number;
    drops: number;
    deadLetterFiles: number;
  };
}

export async function queueStat(directory: string, signal?: Signal): Promise<QueueStatReport> {
  const entries: QueueStatEntry[] = [];
  for (const queue of findSignalQueues(directory, signal)) {
    const stats = await inspectQueue(queue.directory);
    entries.push({
      signal: queue.signal,
      directory: queue.directory,
      pendingRecords: stats.pendingRecords,
      pendingBytes: stats.pendingBytes,
      diskBytes: stats.diskBytes,
      segments: stats.segments,
      oldestAgeMs: stats.oldestAgeMs,
      drops: { ...stats.drops },
      cursors: { ...stats.cursors },
      deadLetters: countDeadLetters(queue.directory),
      owner: stats.owner ? { pid: stats.owner.pid, alive: stats.owner.alive } : null,
    });
  }
  const sum = (pick: (e: QueueStatEntry) => number) => entries.reduce((n, e) => n + pick(e), 0);
  return {
    directory: resolve(directory),
    signals: entries,
    total: {
      pendingRecords: sum((e) => e.pendingRecords),
      pendingBytes: sum((e) => e.pendingBytes),
      diskBytes: sum((e) => e.diskBytes),
      segments: sum((e) => e.segments),
      drops: sum((e) => Object.values(e.drops).reduce((a, b) => a + b, 0)),
      deadLetterFiles: sum((e) => e.deadLetters.files),
    },
  };
}

export async function runQueueStat(
  directory: string,
  options: { json?: boolean; signal?: Signal },
  io: CliIo,
): Promise<number> {
  const report = await queueStat(directory, options.signal);
  if (options.json) {
    print(io.stdout, JSON.stringify(report, null, 2));
    return 0;
  }
  const rows = [['signal', 'pending', 'bytes', 'oldest', 'segments', 'on disk', 'drops', 'dead letters']];
  for (const e of report.signals) {
    const drops = Object.entries(e.drops)
      .filter(([, n]) => n > 0)
      .map(([reason, n]) => `${reason}=${n}`)
      .join(' ');
    rows.push([
      e.signal,
      String(e.pendingRecords),
      formatBytes(e.pendingBytes),
      formatDuration(e.oldestAgeMs),
      String(e.segments),
      formatBytes(e.diskBytes),
      drops || '0',
      String(e.deadLetters.files),
    ]);
  }
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length)));
  print(io.stdout, `queue ${report.directory}`);
  for (const row of rows)
    print(
      io.stdout,
      row
        .map((cell, i) => cell.padEnd(widths[i] ?? 0))
        .join('  ')
        .trimEnd(),
    );
  for (const e of report.signals) {
    const cursors = Object.entries(e.cursors);
    if (cursors.length > 1)
      print(
        io.stdout,
        `${e.signal} cursors: ${cursors.map(([name, c]) => `${name}=${c.pendingRecords}`).join(', ')}`,
      );
  }
  return 0;
}
