import { inspectQueue, verifyQueue } from '@otel-lifeline/disk-queue';
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
    gaps: Array<{ segment: string; offset: number; fromSeq: number; toSeq: number }>;
    unreadable: Array<{ segment: string; reason: string }>;
    /** Records known to be missing (sequence numbers the gaps skip). */
    missingRecords: number;
    /** Set when the ledger contradicts the segments or cannot be read. */
    ledgerProblem?: string;
  }>;
  records: number;
  corrupt: number;
  missingRecords: number;
  problems: number;
}

/**
 * Checks every record's checksum (and, with a key, its authentication tag), the sequence numbers
 * between records, and the ledger against the segments. Exit 1 when anything is corrupt, missing,
 * unreadable or contradicted, each named with its segment and offset.
 */
export async function runQueueVerify(
  directory: string,
  options: { json?: boolean; signal?: Signal; keys?: Record<string, Uint8Array> },
  io: CliIo,
): Promise<number> {
  const report: QueueVerifyReport = { signals: [], records: 0, corrupt: 0, missingRecords: 0, problems: 0 };
  for (const queue of findSignalQueues(directory, options.signal)) {
    const result = await verifyQueue(queue.directory, options.keys ? { keys: options.keys } : undefined);
    const inspection = await inspectQueue(queue.directory).catch((error: unknown) => ({
      ledgerProblem: `cannot inspect: ${(error as Error).message}`,
    }));
    // A missing ledger is normal for a queue that never acknowledged anything; a contradicting one is not.
    const ledgerProblem =
      inspection.ledgerProblem !== undefined && inspection.ledgerProblem !== 'missing'
        ? inspection.ledgerProblem
        : undefined;
    report.signals.push({
      signal: queue.signal,
      directory: queue.directory,
      records: result.records,
      corrupt: result.corrupt,
      gaps: result.gaps,
      unreadable: result.unreadable,
      missingRecords: result.missingRecords,
      ...(ledgerProblem !== undefined ? { ledgerProblem } : {}),
    });
    report.records += result.records;
    report.corrupt += result.corrupt.length;
    report.missingRecords += result.missingRecords;
    report.problems +=
      result.corrupt.length + result.gaps.length + result.unreadable.length + (ledgerProblem ? 1 : 0);
  }
  if (options.json) print(io.stdout, JSON.stringify(report, null, 2));
  else printReport(report, io);
  return report.problems === 0 ? 0 : 1;
}

function printReport(report: QueueVerifyReport, io: CliIo): void {
  for (const s of report.signals) {
    print(
      io.stdout,
      `${s.signal}: ${s.records} records checked, ${s.missingRecords} missing, ${s.corrupt.length} corrupt region(s), ${s.unreadable.length} unreadable`,
    );
    for (const c of s.corrupt)
      print(io.stdout, `  corrupt record in segment ${c.segment} at offset ${c.offset}: ${c.reason}`);
    for (const g of s.gaps)
      print(
        io.stdout,
        `  missing ${g.toSeq - g.fromSeq} record(s) (seq ${g.fromSeq}–${g.toSeq - 1}) before segment ${g.segment} offset ${g.offset}`,
      );
    for (const u of s.unreadable) print(io.stdout, `  unreadable ${u.segment}: ${u.reason}`);
    if (s.ledgerProblem) print(io.stdout, `  ledger: ${s.ledgerProblem}`);
  }
  print(
    io.stdout,
    report.problems === 0
      ? `ok: ${report.records} records, all checksums match, no records missing`
      : `FAILED: ${report.missingRecords} record(s) missing, ${report.corrupt} corrupt region(s), ${report.problems} problem(s) in all`,
  );
}
