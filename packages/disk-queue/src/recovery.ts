import { join } from 'node:path';
import type { KeyRing, QueueKey } from './encryption.js';
import { DiskQueueError } from './errors.js';
import { errorCode, type FileSystem, type OpenFile } from './file-system.js';
import { decodeLedger, LEDGER_FILE, LEDGER_TEMP_FILE, type LedgerState, type Position } from './ledger.js';
import {
  decodeSegmentHeader,
  SEGMENT_FILE_PATTERN,
  SEGMENT_HEADER_FIXED_BYTES,
  type SegmentHeader,
} from './segment-header.js';
import { FRAME_HEADER_BYTES, FRAME_MAGIC_U32 } from './record-frame.js';
import { readAt, scanSegment } from './segment-scan.js';
import { SegmentStore, type Segment, type StoreContext } from './segment-store.js';

export const CORRUPT_SUFFIX = '.corrupt';

export interface SegmentFileHeader {
  name: string;
  id: number;
  size: number;
  header: SegmentHeader | undefined;
  problem: { reason: string; incomplete: boolean } | undefined;
}

/** Lists segment files in id order and decodes each header (one small read per file). */
export async function readSegmentHeaders(fs: FileSystem, directory: string): Promise<SegmentFileHeader[]> {
  const names = (await fs.readdir(directory)).filter((n) => SEGMENT_FILE_PATTERN.test(n)).sort();
  const out: SegmentFileHeader[] = [];
  // Small, bounded parallelism: opening a queue with many segments costs one round of reads.
  for (let i = 0; i < names.length; i += 16) {
    const batch = names.slice(i, i + 16);
    out.push(...(await Promise.all(batch.map((name) => readOneHeader(fs, directory, name)))));
  }
  return out;
}

async function readOneHeader(fs: FileSystem, directory: string, name: string): Promise<SegmentFileHeader> {
  const id = Number(SEGMENT_FILE_PATTERN.exec(name)![1]);
  let file: OpenFile;
  try {
    file = await fs.open(join(directory, name), 'r');
  } catch (error) {
    // Unreadable (EACCES, EIO): treated like a damaged header, set aside rather than fatal.
    const size = await fs.stat(join(directory, name)).then(
      (s) => s.size,
      () => 1,
    );
    return {
      name,
      id,
      size,
      header: undefined,
      problem: { reason: `cannot open: ${String(error)}`, incomplete: false },
    };
  }
  try {
    const size = await file.size();
    const buf = Buffer.alloc(Math.min(size, SEGMENT_HEADER_FIXED_BYTES + 255));
    const n = await readAt(file, buf, buf.length, 0);
    const decoded = decodeSegmentHeader(buf.subarray(0, n));
    if (!decoded.ok) return { name, id, size, header: undefined, problem: decoded };
    if (decoded.header.id !== id) {
      return {
        name,
        id,
        size,
        header: undefined,
        problem: { reason: `header names segment ${decoded.header.id}`, incomplete: false },
      };
    }
    return { name, id, size, header: decoded.header, problem: undefined };
  } catch (error) {
    // Opened but unreadable (EIO, EISDIR): set aside like a damaged header.
    return {
      name,
      id,
      size: 1,
      header: undefined,
      problem: { reason: `cannot read: ${String(error)}`, incomplete: false },
    };
  } finally {
    await file.close();
  }
}

/** The key a segment needs, or the error that says why it cannot be read. Destroys nothing. */
export function keyForSegment(keys: KeyRing, name: string, header: SegmentHeader): QueueKey | undefined {
  if (!header.encrypted) return undefined;
  const keyId = header.keyId ?? '';
  const key = keys.byId.get(keyId);
  if (key === undefined) {
    throw new DiskQueueError(
      'LIFELINE_ERR_QUEUE_KEY',
      keys.current === undefined
        ? `segment ${name} is encrypted with key id '${keyId}' but no encryption key is configured; set encryption.keyId/key (or encryption.previousKeys['${keyId}'])`
        : `segment ${name} is encrypted with key id '${keyId}', which is neither encryption.keyId ('${keys.current.keyId}') nor in encryption.previousKeys`,
      { keyId, file: name },
    );
  }
  if (header.keyCheck === undefined || !key.check.equals(header.keyCheck)) {
    throw new DiskQueueError(
      'LIFELINE_ERR_QUEUE_KEY',
      `the key configured for key id '${keyId}' is not the key segment ${name} was written with (key check mismatch); nothing was read or changed`,
      { keyId, file: name },
    );
  }
  return key;
}

/**
 * Opens a queue directory after a clean close or a crash. Reads the ledger and every segment
 * header, validates keys before touching anything, and scans only the last segment: a torn tail is
 * truncated there; the rest of the backlog is not read. Damaged files are set aside, never fatal.
 */
export async function recoverStore(
  directory: string,
  context: StoreContext,
  options: { writable: boolean; cursors: readonly string[]; keys: KeyRing },
): Promise<SegmentStore> {
  const { fs } = context;
  const store = new SegmentStore(directory, context, options.writable);
  const files = await readSegmentHeaders(fs, directory);

  // Keys first: a wrong key must fail before any truncation or deletion.
  const keyed = new Map<string, QueueKey | undefined>();
  for (const f of files)
    if (f.header !== undefined) keyed.set(f.name, keyForSegment(options.keys, f.name, f.header));

  await fs.unlink(join(directory, LEDGER_TEMP_FILE)).catch(() => undefined);

  const usable: Array<SegmentFileHeader & { header: SegmentHeader }> = [];
  for (const [i, f] of files.entries()) {
    if (f.header !== undefined) {
      usable.push(f as SegmentFileHeader & { header: SegmentHeader });
      continue;
    }
    const path = join(directory, f.name);
    const isLast = i === files.length - 1;
    if (f.size === 0 || (isLast && f.problem?.incomplete === true)) {
      // Created but never completed (a crash during creation): it holds nothing.
      await fs.unlink(path).catch((error: unknown) => context.onError(error));
      continue;
    }
    // A damaged header: keep the file aside for inspection, count what it held.
    const lost = await seqRange(fs, path, f.size).catch(() => undefined);
    if (lost !== undefined) store.countLoss('corrupt', lost.first, lost.end, lost.bytes);
    context.onError(
      new DiskQueueError(
        'LIFELINE_ERR_QUEUE_IO',
        `segment ${f.name} has an unreadable header (${f.problem?.reason}); renamed to ${f.name}${CORRUPT_SUFFIX}`,
        { file: f.name },
      ),
    );
    await fs.rename(path, path + CORRUPT_SUFFIX).catch((error: unknown) => context.onError(error));
  }

  for (const [i, f] of usable.entries()) {
    const next = usable[i + 1];
    const segment: Segment = {
      id: f.id,
      name: f.name,
      path: join(directory, f.name),
      headerLength: f.header.headerLength,
      firstSeq: f.header.firstSeq,
      endSeq: next?.header.firstSeq ?? f.header.firstSeq,
      size: f.size,
      durableSize: f.size,
      createdAtMs: f.header.createdAtMs,
      lastAppendedAtMs: next?.header.createdAtMs ?? f.header.createdAtMs,
      keyId: f.header.keyId,
      key: keyed.get(f.name),
      sealed: true,
      writeFile: undefined,
      readFile: undefined,
      readers: 0,
      removed: false,
    };
    store.segments.push(segment);
  }

  const tail = store.segments[store.segments.length - 1];
  if (tail !== undefined) await recoverTail(store, tail);

  const saved = await readLedger(fs, directory, context);
  const disagreement = saved === undefined ? undefined : ledgerDisagreement(store, saved.cursors);
  if (disagreement !== undefined) {
    // Never delete on a ledger the segments contradict: every cursor reads again from the oldest
    // record (duplicates at worst, never a silent loss).
    context.onError(
      new DiskQueueError(
        'LIFELINE_ERR_QUEUE_IO',
        `ledger in ${directory} disagrees with the segments (${disagreement}); every cursor starts again at the oldest record`,
        { file: LEDGER_FILE },
      ),
    );
  }
  const ledger = disagreement === undefined ? (saved?.cursors ?? {}) : {};
  store.lifetimeDrops = { ...saved?.drops };
  store.lifetimeDropBytes = { ...saved?.dropBytes };
  let maxSeq = tail?.endSeq ?? 0;
  let maxSegment = tail?.id ?? 0;
  for (const p of Object.values(ledger)) {
    maxSeq = Math.max(maxSeq, p.seq);
    maxSegment = Math.max(maxSegment, p.segment);
  }
  store.nextSeq = maxSeq;
  store.durableSeq = maxSeq;
  store.nextSegmentId = maxSegment + 1;

  const first = store.segments[0];
  for (const name of options.cursors) {
    const savedPos = ledger[name];
    const start: Position =
      savedPos ??
      (first !== undefined
        ? { segment: first.id, offset: first.headerLength, seq: first.firstSeq }
        : { segment: store.nextSegmentId, offset: 0, seq: store.nextSeq });
    const pos = normalize(store, start);
    const headAppendedAtMs = await appendedAtAt(store, pos);
    store.cursors.set(name, {
      ack: pos,
      read: { ...pos },
      ackedAppendedAtMs: headAppendedAtMs,
      epoch: 0,
      evictedInFlight: [],
    });
    if (savedPos !== undefined) store.persistedAcks.set(name, pos);
  }
  await store.collect();
  return store;
}

/**
 * Why a ledger's positions cannot be true of these segments (a position past the last record, or
 * inside a segment beyond its end or before its first record); undefined when they can.
 */
export function ledgerDisagreement(
  store: SegmentStore,
  cursors: Record<string, Position>,
): string | undefined {
  const tail = store.segments[store.segments.length - 1];
  if (tail === undefined) return undefined;
  for (const [name, p] of Object.entries(cursors)) {
    const at = `cursor '${name}' at segment ${p.segment} offset ${p.offset} seq ${p.seq}`;
    if (p.segment > tail.id || (p.segment === tail.id && p.seq > tail.endSeq)) {
      return `${at} is past the last record (segment ${tail.id}, seq ${tail.endSeq})`;
    }
    const own = store.segmentById(p.segment);
    if (own === undefined) continue;
    if (p.offset > own.size) return `${at} is past the end of that segment (${own.size} bytes)`;
    if (p.seq < own.firstSeq) return `${at} is before that segment's first record (seq ${own.firstSeq})`;
  }
  return undefined;
}

/** Scans the last segment: its record count, newest time, and a torn tail to cut off. */
async function recoverTail(store: SegmentStore, tail: Segment): Promise<void> {
  const { fs } = store.context;
  const file = await fs.open(tail.path, 'r+');
  try {
    const scan = await scanSegment(file, tail.headerLength, tail.size);
    tail.endSeq = scan.lastSeq === undefined ? tail.firstSeq : scan.lastSeq + 1;
    tail.lastAppendedAtMs = scan.lastAppendedAtMs ?? tail.createdAtMs;
    if (scan.trailing !== undefined) {
      // A record cut short by a crash (or damaged at the very end): drop it so that appends and
      // readers start from a clean frame boundary.
      if (scan.trailing.looksLikeFrame) store.context.report('corrupt', 1, scan.trailing.length);
      await file.truncate(scan.validEnd);
      await file.datasync();
      tail.size = scan.validEnd;
      tail.durableSize = scan.validEnd;
    }
  } finally {
    await file.close();
  }
}

/**
 * The appended-at time of the record at a position (one 28-byte read), so that the age of the oldest
 * pending record is exact from the start; 0 when there is no readable frame there.
 */
async function appendedAtAt(store: SegmentStore, pos: Position): Promise<number> {
  const segment = store.segmentById(pos.segment);
  if (segment === undefined || pos.offset + FRAME_HEADER_BYTES > segment.durableSize) return 0;
  try {
    const head = Buffer.alloc(FRAME_HEADER_BYTES);
    const n = await store.withReadFile(segment, (file) => readAt(file, head, FRAME_HEADER_BYTES, pos.offset));
    if (n !== FRAME_HEADER_BYTES || head.readUInt32LE(0) !== FRAME_MAGIC_U32) return 0;
    const t = head.readDoubleLE(20);
    return Number.isFinite(t) && t > 0 ? t : 0;
  } catch {
    return 0;
  }
}

/** Puts a saved position on an existing segment, counting records lost when its segment is gone. */
function normalize(store: SegmentStore, pos: Position): Position {
  const own = store.segmentById(pos.segment);
  if (own !== undefined) {
    if (pos.offset < own.headerLength)
      return { segment: own.id, offset: own.headerLength, seq: Math.max(pos.seq, own.firstSeq) };
    if (pos.offset > own.durableSize)
      return { segment: own.id, offset: own.durableSize, seq: Math.max(pos.seq, own.endSeq) };
    return pos;
  }
  const found = store.locate(pos);
  if (found === undefined)
    return { segment: store.nextSegmentId, offset: 0, seq: Math.max(pos.seq, store.nextSeq) };
  if (found.pos.seq > pos.seq) store.countLoss('corrupt', pos.seq, found.pos.seq, 0);
  return found.pos;
}

async function readLedger(
  fs: FileSystem,
  directory: string,
  context: StoreContext,
): Promise<LedgerState | undefined> {
  let bytes: Uint8Array;
  try {
    bytes = await fs.readFile(join(directory, LEDGER_FILE));
  } catch (error) {
    if (errorCode(error) !== 'ENOENT') context.onError(error);
    return undefined;
  }
  const decoded = decodeLedger(bytes);
  if (!decoded.ok) {
    context.onError(
      new DiskQueueError(
        'LIFELINE_ERR_QUEUE_IO',
        `ledger in ${directory} is unreadable (${decoded.reason}); every cursor starts again at the oldest record`,
        {
          file: LEDGER_FILE,
        },
      ),
    );
    return undefined;
  }
  return decoded.state;
}

/** The sequence numbers (and payload bytes) of the intact frames in a file whose header is damaged. */
async function seqRange(
  fs: FileSystem,
  path: string,
  size: number,
): Promise<{ first: number; end: number; bytes: number } | undefined> {
  const file = await fs.open(path, 'r');
  let first: number | undefined;
  let end = 0;
  let bytes = 0;
  try {
    await scanSegment(file, 0, size, (_buf, frame) => {
      first = Math.min(first ?? frame.seq, frame.seq);
      end = Math.max(end, frame.seq + 1);
      bytes += frame.payloadLength;
    });
  } finally {
    await file.close();
  }
  return first === undefined ? undefined : { first, end, bytes };
}
