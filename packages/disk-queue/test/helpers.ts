import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { DiskQueue, QueueCursor } from '@otel-lifeline/disk-queue';

/** A fresh temp directory, removed by the returned cleanup. */
export async function tempDir(prefix = 'lifeline-dq-'): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

export function record(text: string): Uint8Array {
  return Buffer.from(text, 'utf8');
}

export function text(bytes: Uint8Array): string {
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('utf8');
}

/** Reads and acknowledges everything a cursor has, returning the payloads as text. */
export async function drain(cursor: QueueCursor, limits?: { maxRecords?: number; maxBytes?: number }): Promise<string[]> {
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
