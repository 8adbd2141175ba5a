import { verifyQueue } from '@otel-lifeline/disk-queue';
import type { Signal } from '../config/config-types.js';
import type { CliIo } from './cli-io.js';
import { print } from './cli-io.js';
import { findSignalQueues } from './signal-queues.js';

export interface QueueVerifyReport {
  signals: Array<{
    signal: Signal;
    directory: string;
    records: number;
    corrupt: Array<{ segment: string; offset: number; reason: string }>;
  }>;
  records: number;
  corrupt: number;
}

/** Checks every record's checksum (and, with a key, its authentication tag). Exit 1 when any is corrupt. */
export async function runQueueVerify(
  directory: string,
  options: { json?: boolean; signal?: Signal; keys?: Record<string, Uint8Array> },
  io: CliIo,
): Promise<number> {
  const report: QueueVerifyReport = { signals: [], records: 0, corrupt: 0 };
  for (const queue of findSignalQueues(directory, options.signal)) {
    const result = await verifyQueue(queue.directory, options.keys ? { keys: options.keys } : undefined);
    report.signals.push({
      signal: queue.signal,
      directory: queue.directory,
      records: result.records,
      corrupt: result.corrupt,
    });
    report.records += result.records;
    report.corrupt += result.corrupt.length;
  }
  if (options.json) print(io.stdout, JSON.stringify(report, null, 2));
  else {
    for (const s of report.signals) {
      print(io.stdout, `${s.signal}: ${s.records} records checked, ${s.corrupt.length} corrupt`);
      for (const c of s.corrupt)
        print(io.stdout, `  corrupt record in segment ${c.segment} at offset ${c.offset}: ${c.reason}`);
    }
    print(
      io.stdout,
      report.corrupt === 0
        ? `ok: ${report.records} records, all checksums match`
        : `FAILED: ${report.corrupt} corrupt record(s)`,
    );
  }
  return report.corrupt === 0 ? 0 : 1;
}
