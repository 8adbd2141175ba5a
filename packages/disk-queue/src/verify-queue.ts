import { join } from 'node:path';
import { decryptPayload, makeKey, type QueueKey } from './encryption.js';
import { createNodeFileSystem, type FileSystem } from './file-system.js';
import { SUBDIRECTORY_PATTERN } from './ownership.js';
import { readSegmentHeaders } from './recovery.js';
import { FRAME_HEADER_BYTES } from './record-frame.js';
import { scanSegment } from './segment-scan.js';

export interface CorruptRecord {
  /** Segment file name, relative to the verified directory. */
  segment: string;
  /** Byte offset in that file where the unreadable bytes start. */
  offset: number;
  reason: string;
}

export interface QueueVerification {
  /** Records whose checksum (and, with a key, authentication tag) is valid. */
  records: number;
  corrupt: CorruptRecord[];
  /** Missing sequence numbers between intact records (a deleted segment, or a write that failed). */
  gaps: Array<{ segment: string; offset: number; fromSeq: number; toSeq: number }>;
  /** Encrypted segments whose key was not given: checksums verified, payloads not authenticated. */
  unauthenticated: Array<{ segment: string; keyId: string }>;
  /** Segment files (or directories) that could not be opened or read at all, and why. */
  unreadable: Array<{ segment: string; reason: string }>;
  /** Records known to be missing: the sequence numbers the gaps skip (corrupt records among them). */
  missingRecords: number;
  segments: number;
}

/**
 * Reads every record of a queue directory (and its `queue-<pid>` sub-directories) and checks it,
 * without a lock and without writing. Each unreadable region is reported by segment file and
 * byte offset.
 */
export async function verifyQueue(
  directory: string,
  options: { keys?: Record<string, Uint8Array>; fs?: FileSystem } = {},
): Promise<QueueVerification> {
  const fs = options.fs ?? createNodeFileSystem();
  const keys = new Map<string, QueueKey>();
  for (const [id, key] of Object.entries(options.keys ?? {})) keys.set(id, makeKey(id, key));
  const result: QueueVerification = {
    records: 0,
    corrupt: [],
    gaps: [],
    unauthenticated: [],
    unreadable: [],
    missingRecords: 0,
    segments: 0,
  };
  await verifyOne(fs, directory, '', keys, result);
  const names = await fs.readdir(directory).catch(() => [] as string[]);
  for (const name of names.filter((n) => SUBDIRECTORY_PATTERN.test(n)).sort()) {
    const dir = join(directory, name);
    if (
      await fs.stat(dir).then(
        (s) => s.isDirectory,
        () => false,
      )
    )
      await verifyOne(fs, dir, `${name}/`, keys, result);
  }
  result.missingRecords = result.gaps.reduce((n, g) => n + (g.toSeq - g.fromSeq), 0);
  return result;
}

async function verifyOne(
  fs: FileSystem,
  directory: string,
  prefix: string,
  keys: Map<string, QueueKey>,
  result: QueueVerification,
): Promise<void> {
  let expectedSeq: number | undefined;
  let headers;
  try {
    headers = await readSegmentHeaders(fs, directory);
  } catch (error) {
    result.unreadable.push({ segment: prefix || '.', reason: (error as Error).message });
    return;
  }
  for (const h of headers) {
    // An empty file is a segment created just before a crash (its header goes out with its first
    // write): nothing was ever confirmed in it.
    if (h.size === 0) continue;
    const segment = prefix + h.name;
    result.segments++;
    if (h.header === undefined) {
      result.corrupt.push({ segment, offset: 0, reason: h.problem?.reason ?? 'unreadable segment header' });
      expectedSeq = undefined;
      continue;
    }
    const header = h.header;
    let key: QueueKey | undefined;
    if (header.encrypted) {
      const keyId = header.keyId ?? '';
      key = keys.get(keyId);
      if (key !== undefined && header.keyCheck !== undefined && !key.check.equals(header.keyCheck)) {
        result.corrupt.push({
          segment,
          offset: 0,
          reason: `the key given for key id '${keyId}' is not the one this segment was written with`,
        });
        key = undefined;
      }
      if (key === undefined) result.unauthenticated.push({ segment, keyId });
    }
    if (expectedSeq !== undefined && header.firstSeq > expectedSeq) {
      result.gaps.push({ segment, offset: 0, fromSeq: expectedSeq, toSeq: header.firstSeq });
    }
    expectedSeq = header.firstSeq;
    let file;
    try {
      file = await fs.open(join(directory, h.name), 'r');
    } catch (error) {
      result.unreadable.push({ segment, reason: (error as Error).message });
      expectedSeq = undefined;
      continue;
    }
    try {
      const scan = await scanSegment(file, header.headerLength, h.size, (buf, frame, fileOffset) => {
        const frameAt = frame.payloadStart - FRAME_HEADER_BYTES;
        if (key !== undefined && decryptPayload(key, buf, frameAt, frame.payloadLength) === undefined) {
          result.corrupt.push({
            segment,
            offset: fileOffset,
            reason: 'authentication failed (payload altered)',
          });
        } else {
          result.records++;
        }
        if (expectedSeq !== undefined && frame.seq > expectedSeq) {
          result.gaps.push({ segment, offset: fileOffset, fromSeq: expectedSeq, toSeq: frame.seq });
        }
        expectedSeq = Math.max(expectedSeq ?? 0, frame.seq + 1);
      });
      for (const c of scan.corrupt) result.corrupt.push({ segment, offset: c.offset, reason: c.reason });
      if (scan.trailing !== undefined)
        result.corrupt.push({ segment, offset: scan.trailing.offset, reason: scan.trailing.reason });
    } catch (error) {
      result.unreadable.push({ segment, reason: (error as Error).message });
      expectedSeq = undefined;
    } finally {
      await file.close();
    }
  }
}
