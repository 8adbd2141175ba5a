import { join } from 'node:path';
import { systemClock } from './clock.js';
import { createNodeFileSystem, errorCode, type FileSystem } from './file-system.js';
import { decodeLedger, LEDGER_FILE, type Position } from './ledger.js';
import { readLock, SUBDIRECTORY_PATTERN } from './ownership.js';
import { readSegmentHeaders } from './recovery.js';
import { DEFAULT_LOCK_STALE_MS } from './resolve-options.js';
import { scanSegment } from './segment-scan.js';
import { DROP_REASONS, type CursorStats, type DropReason, type QueueStats } from './types.js';

export interface SegmentFileInfo {
  /** File name, relative to the inspected directory (`queue-<pid>/…` for a sub-directory's). */
  file: string;
  id: number;
  bytes: number;
  firstSeq: number | undefined;
  createdAtMs: number | undefined;
  encrypted: boolean;
  keyId: string | undefined;
  /** Why the header cannot be read, when it cannot. */
  problem: string | undefined;
}

export interface QueueInspection extends QueueStats {
  directory: string;
  /** The lock's owner, and whether it is alive (a live owner may change the files while we look). */
  owner: { pid: number; hostname: string; startedAtMs: number; alive: boolean } | undefined;
  /** undefined when the ledger is readable; else why not (missing, or the decode error). */
  ledgerProblem: string | undefined;
  /** Each cursor's acknowledged position as the ledger has it. */
  positions: Record<string, Position>;
  segmentFiles: SegmentFileInfo[];
  /** Queues of other processes in `queue-<pid>` sub-directories; their figures are included above. */
  subQueues: QueueInspection[];
}

export interface InspectOptions {
  fs?: FileSystem;
  lockStaleMs?: number;
  nowMs?: number;
  /**
   * Scan the last segment for its records (default true). With false the owner, the ledger's
   * positions and the segment files are read as usual, but the last segment counts as holding no
   * record, so pending counts leave it out and the ledger is not checked against it: for a caller
   * that only needs the owner and the cursor names before opening the queue, which scans it again.
   */
  scanTail?: boolean;
}

/**
 * Reads a queue directory without opening it: no lock is taken and nothing is written. Counts come
 * from segment headers, the ledger, and one scan of the last segment. `drops` are the totals the
 * ledger recorded across the queue's lifetime.
 */
export async function inspectQueue(
  directory: string,
  options: InspectOptions = {},
): Promise<QueueInspection> {
  const fs = options.fs ?? createNodeFileSystem();
  const nowMs = options.nowMs ?? systemClock.now();
  const lockStaleMs = options.lockStaleMs ?? DEFAULT_LOCK_STALE_MS;
  const scanTail = options.scanTail ?? true;
  const own = await inspectOne(fs, directory, '', nowMs, lockStaleMs, scanTail);
  const names = await fs.readdir(directory).catch(() => [] as string[]);
  for (const name of names.filter((n) => SUBDIRECTORY_PATTERN.test(n)).sort()) {
    const dir = join(directory, name);
    const isDir = await fs.stat(dir).then(
      (s) => s.isDirectory,
      () => false,
    );
    if (!isDir) continue;
    const sub = await inspectOne(fs, dir, `${name}/`, nowMs, lockStaleMs, scanTail);
    own.subQueues.push(sub);
    own.pendingRecords += sub.pendingRecords;
    own.pendingBytes += sub.pendingBytes;
    own.diskBytes += sub.diskBytes;
    own.segments += sub.segments;
    own.oldestAgeMs = Math.max(own.oldestAgeMs, sub.oldestAgeMs);
    for (const r of DROP_REASONS) {
      own.drops[r] += sub.drops[r];
      own.dropBytes[r] += sub.dropBytes[r];
    }
    for (const [c, s] of Object.entries(sub.cursors)) {
      const mine = (own.cursors[c] ??= { pendingRecords: 0, pendingBytes: 0 });
      mine.pendingRecords += s.pendingRecords;
      mine.pendingBytes += s.pendingBytes;
    }
  }
  return own;
}

async function inspectOne(
  fs: FileSystem,
  directory: string,
  prefix: string,
  nowMs: number,
  lockStaleMs: number,
  scanTail: boolean,
): Promise<QueueInspection> {
  const zero = (): Record<DropReason, number> =>
    Object.fromEntries(DROP_REASONS.map((r) => [r, 0])) as Record<DropReason, number>;
  const lock = await readLock(fs, directory, nowMs, lockStaleMs).catch(() => undefined);
  const headers = await readSegmentHeaders(fs, directory);
  const segmentFiles: SegmentFileInfo[] = headers.map((h) => ({
    file: prefix + h.name,
    id: h.id,
    bytes: h.size,
    firstSeq: h.header?.firstSeq,
    createdAtMs: h.header?.createdAtMs,
    encrypted: h.header?.encrypted ?? false,
    keyId: h.header?.keyId,
    problem: h.problem?.reason,
  }));
  const usable = headers.filter((h) => h.header !== undefined);
  const last = usable[usable.length - 1];
  let endSeq = last?.header?.firstSeq ?? 0;
  let tailDurable = last?.header?.headerLength ?? 0;
  if (last?.header !== undefined && scanTail) {
    const file = await fs.open(join(directory, last.name), 'r');
    try {
      const scan = await scanSegment(file, last.header.headerLength, last.size);
      endSeq = scan.lastSeq === undefined ? last.header.firstSeq : scan.lastSeq + 1;
      tailDurable = scan.validEnd;
    } finally {
      await file.close();
    }
  }

  let ledgerProblem: string | undefined;
  let positions: Record<string, Position> = {};
  const drops = zero();
  const dropBytes = zero();
  try {
    const decoded = decodeLedger(await fs.readFile(join(directory, LEDGER_FILE)));
    if (decoded.ok) {
      positions = decoded.state.cursors;
      const past = last === undefined || !scanTail ? undefined : pastTheEnd(positions, last.id, endSeq);
      if (past !== undefined) {
        // As the queue itself does on open: a ledger the segments contradict is not believed.
        ledgerProblem = `disagrees with the segments: ${past}; the queue will read every segment again`;
        positions = {};
      }
      for (const r of DROP_REASONS) {
        drops[r] = decoded.state.drops?.[r] ?? 0;
        dropBytes[r] = decoded.state.dropBytes?.[r] ?? 0;
      }
    } else ledgerProblem = decoded.reason;
  } catch (error) {
    ledgerProblem = errorCode(error) === 'ENOENT' ? 'missing' : String(error);
  }

  const cursors: Record<string, CursorStats> = {};
  let pendingRecords = 0;
  let pendingBytes = 0;
  let oldest: number | undefined;
  const names =
    Object.keys(positions).length > 0 ? Object.keys(positions) : usable.length > 0 ? ['default'] : [];
  for (const name of names) {
    const p = positions[name];
    let bytes = 0;
    let fromSeq: number | undefined;
    for (const h of usable) {
      const size = h === last ? tailDurable : h.size;
      if (p !== undefined && h.id < p.segment) continue;
      const from =
        p !== undefined && h.id === p.segment
          ? Math.max(p.offset, h.header!.headerLength)
          : h.header!.headerLength;
      if (size > from) {
        bytes += size - from;
        fromSeq ??= p !== undefined && h.id === p.segment ? p.seq : h.header!.firstSeq;
        const t = h.header!.createdAtMs;
        if (oldest === undefined || t < oldest) oldest = t;
      }
    }
    const records = fromSeq === undefined ? 0 : Math.max(0, endSeq - fromSeq);
    cursors[name] = { pendingRecords: records, pendingBytes: bytes };
    pendingRecords = Math.max(pendingRecords, records);
    pendingBytes = Math.max(pendingBytes, bytes);
  }
  return {
    directory,
    owner: lock?.owner === undefined ? undefined : { ...lock.owner, alive: lock.alive },
    ledgerProblem,
    positions,
    segmentFiles,
    subQueues: [],
    pendingRecords,
    pendingBytes,
    diskBytes: headers.reduce((n, h) => n + h.size, 0),
    segments: usable.length,
    oldestAgeMs: oldest === undefined ? 0 : Math.max(0, nowMs - oldest),
    bufferedRecords: 0,
    bufferedBytes: 0,
    drops,
    dropBytes,
    cursors,
    durability: 'durable',
    memoryRecords: 0,
    memoryBytes: 0,
  };
}

function pastTheEnd(positions: Record<string, Position>, lastId: number, endSeq: number): string | undefined {
  for (const [name, p] of Object.entries(positions)) {
    if (p.segment > lastId || (p.segment === lastId && p.seq > endSeq)) {
      return `cursor '${name}' at segment ${p.segment} seq ${p.seq} is past the last record (segment ${lastId}, seq ${endSeq})`;
    }
  }
  return undefined;
}
