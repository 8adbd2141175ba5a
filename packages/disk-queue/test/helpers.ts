import { mkdtemp, readFile, readdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type DiskQueue, type OpenFile, type QueueCursor } from '@otel-lifeline/disk-queue';
import { checkFrame } from '../src/record-frame.js';
import { decodeSegmentHeader, SEGMENT_FILE_PATTERN } from '../src/segment-header.js';

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(
  prefix = 'lifeline-dq-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function record(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

/** A record of exactly 100 bytes: `t` padded with dots (the bounds tests size segments by it). */
export function padded(t: string): Uint8Array {
  return record(t.padEnd(100, '.'));
}

/** The texts of `padded` records, without their padding. */
export function unpadded(texts: readonly string[]): string[] {
  return texts.map((t) => t.replace(/\.+$/, ''));
}

export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Reads and acknowledges everything a cursor has, returning the payloads as text. */
export async function drain(
  cursor: QueueCursor,
  limits?: { maxRecords?: number; maxBytes?: number },
): Promise<string[]> {
  const out: string[] = [];
  for (;;) {
    const batch = await cursor.read(limits);
    if (batch === undefined) return out;
    out.push(...batch.records.map(text));
    await cursor.ack(batch);
  }
}

export async function appendAll(queue: DiskQueue, texts: readonly string[]): Promise<void> {
  for (const t of texts) if (!queue.append(record(t))) throw new Error(`append of ${t} was dropped`);
  await queue.flush();
}

export function numbered(prefix: string, count: number, from = 0): string[] {
  return Array.from({ length: count }, (_, i) => `${prefix}-${String(from + i).padStart(6, '0')}`);
}

/** Segment files holding data. An empty one is the next segment, opened ahead of need: not counted. */
export async function segmentFiles(dir: string): Promise<string[]> {
  const names = (await readdir(dir)).filter((n) => SEGMENT_FILE_PATTERN.test(n)).sort();
  const sized = await Promise.all(names.map(async (n) => ({ n, size: (await stat(join(dir, n))).size })));
  return sized.filter((f) => f.size > 0).map((f) => f.n);
}

/** The frames of a segment file as written: offset, payload text and sequence number of each. */
export async function framesOf(
  path: string,
): Promise<Array<{ offset: number; end: number; seq: number; payload: string }>> {
  const buf = await readFile(path);
  const header = decodeSegmentHeader(buf);
  if (!header.ok) throw new Error(`${path}: ${header.reason}`);
  const out: Array<{ offset: number; end: number; seq: number; payload: string }> = [];
  let pos = header.header.headerLength;
  while (pos < buf.length) {
    const check = checkFrame(buf, pos, buf.length);
    if (check.kind !== 'ok') break;
    const f = check.frame;
    out.push({
      offset: pos,
      end: f.end,
      seq: f.seq,
      payload: buf.subarray(f.payloadStart, f.end).toString('utf8'),
    });
    pos = f.end;
  }
  return out;
}

/** An open file that forwards every call to `file`, but for those `overrides` replaces (fs seams). */
export function forwardingFile(file: OpenFile, overrides: Partial<OpenFile> = {}): OpenFile {
  return {
    durableWrites: file.durableWrites,
    read: (b, o, l, p) => file.read(b, o, l, p),
    writev: (bufs, p) => file.writev(bufs, p),
    datasync: () => file.datasync(),
    sync: () => file.sync(),
    truncate: (n) => file.truncate(n),
    size: () => file.size(),
    close: () => file.close(),
    ...overrides,
  };
}
