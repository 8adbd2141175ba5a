import { join } from 'node:path';
import { crc32 } from './crc32.js';
import type { FileSystem } from './file-system.js';

/**
 * The ledger: each cursor's acknowledged position. Little-endian:
 *
 *   offset  size  field
 *   0       8     magic "LLQLEDG\n"
 *   8       4     format version (1)
 *   12      4     body length n
 *   16      4     CRC-32 of the body
 *   20      n     body, UTF-8 JSON: { "cursors": { "<name>": { "segment", "offset", "seq" } }, "writtenAtMs" }
 *
 * A position names the next record the cursor has not acknowledged: segment id, byte offset in
 * that segment, and that record's sequence number. Written atomically: `ledger.tmp` is written and
 * fsync'd, renamed over `ledger`, then the directory is fsync'd. A crash leaves the old or the new
 * ledger, never a mix; an old one only means records are delivered again (at-least-once).
 */
export const LEDGER_FILE = 'ledger';
export const LEDGER_TEMP_FILE = 'ledger.tmp';
export const LEDGER_MAGIC = Uint8Array.from(Buffer.from('LLQLEDG\n', 'latin1'));
export const LEDGER_FORMAT_VERSION = 1;
const LEDGER_PREFIX_BYTES = 20;

export interface Position {
  /** Segment id. */
  segment: number;
  /** Byte offset of the record within that segment file. */
  offset: number;
  /** Sequence number of the record at that offset. */
  seq: number;
}

export interface LedgerState {
  cursors: Record<string, Position>;
  writtenAtMs: number;
  /** Records dropped over the queue's lifetime, by reason (for offline inspection). */
  drops?: Record<string, number>;
  dropBytes?: Record<string, number>;
}

export function encodeLedger(state: LedgerState): Buffer {
  const body = Buffer.from(JSON.stringify(state), 'utf8');
  const buf = Buffer.alloc(LEDGER_PREFIX_BYTES + body.length);
  buf.set(LEDGER_MAGIC, 0);
  buf.writeUInt32LE(LEDGER_FORMAT_VERSION, 8);
  buf.writeUInt32LE(body.length, 12);
  buf.writeUInt32LE(crc32(body), 16);
  body.copy(buf, LEDGER_PREFIX_BYTES);
  return buf;
}

export type LedgerDecode = { ok: true; state: LedgerState } | { ok: false; reason: string };

export function decodeLedger(bytes: Uint8Array): LedgerDecode {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < LEDGER_PREFIX_BYTES)
    return { ok: false, reason: `ledger truncated at ${buf.length} bytes` };
  if (!buf.subarray(0, 8).equals(LEDGER_MAGIC)) return { ok: false, reason: 'bad ledger magic at offset 0' };
  const version = buf.readUInt32LE(8);
  if (version !== LEDGER_FORMAT_VERSION)
    return { ok: false, reason: `unsupported ledger version ${version} at offset 8` };
  const length = buf.readUInt32LE(12);
  if (buf.length < LEDGER_PREFIX_BYTES + length) {
    return {
      ok: false,
      reason: `ledger body truncated: ${buf.length - LEDGER_PREFIX_BYTES} of ${length} bytes`,
    };
  }
  const body = buf.subarray(LEDGER_PREFIX_BYTES, LEDGER_PREFIX_BYTES + length);
  if (crc32(body) !== buf.readUInt32LE(16)) return { ok: false, reason: 'ledger crc mismatch' };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body.toString('utf8'));
  } catch {
    return { ok: false, reason: 'ledger body is not JSON' };
  }
  const cursors: Record<string, Position> = {};
  const raw = (parsed as { cursors?: unknown }).cursors;
  if (typeof raw !== 'object' || raw === null) return { ok: false, reason: 'ledger has no cursors object' };
  for (const [name, value] of Object.entries(raw as Record<string, unknown>)) {
    const p = value as Partial<Position> | null;
    if (p === null || !isCount(p.segment) || !isCount(p.offset) || !isCount(p.seq)) {
      return { ok: false, reason: `ledger cursor '${name}' has no valid position` };
    }
    cursors[name] = { segment: p.segment, offset: p.offset, seq: p.seq };
  }
  const writtenAtMs = (parsed as { writtenAtMs?: unknown }).writtenAtMs;
  const state: LedgerState = { cursors, writtenAtMs: typeof writtenAtMs === 'number' ? writtenAtMs : 0 };
  const drops = counts((parsed as { drops?: unknown }).drops);
  const dropBytes = counts((parsed as { dropBytes?: unknown }).dropBytes);
  if (drops !== undefined) state.drops = drops;
  if (dropBytes !== undefined) state.dropBytes = dropBytes;
  return { ok: true, state };
}

function counts(v: unknown): Record<string, number> | undefined {
  if (typeof v !== 'object' || v === null) return undefined;
  const out: Record<string, number> = {};
  for (const [k, n] of Object.entries(v as Record<string, unknown>)) if (isCount(n)) out[k] = n;
  return out;
}

function isCount(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/** Writes the ledger atomically, coalescing requests that arrive while a write is in flight. */
export class LedgerWriter {
  private inFlight: Promise<void> | undefined;
  private again = false;
  private waiters: Array<{ resolve: () => void }> = [];

  constructor(
    private readonly fs: FileSystem,
    private readonly directory: string,
    private readonly snapshot: () => LedgerState,
    private readonly mode: number,
    private readonly onError: (error: unknown) => void,
    private readonly onPersisted: (state: LedgerState) => void = () => undefined,
  ) {}

  /** Resolves once a ledger reflecting the state at the time of the call is durable (or failed and reported). */
  persist(): Promise<void> {
    return new Promise((resolve) => {
      this.waiters.push({ resolve });
      if (this.inFlight === undefined) this.start();
      else this.again = true;
    });
  }

  /** Resolves when no write is in flight. */
  async idle(): Promise<void> {
    while (this.inFlight !== undefined) await this.inFlight;
  }

  private start(): void {
    const waiters = this.waiters;
    this.waiters = [];
    this.again = false;
    this.inFlight = this.write()
      .catch((error: unknown) => this.onError(error))
      .then(() => {
        for (const w of waiters) w.resolve();
        this.inFlight = undefined;
        if (this.again || this.waiters.length > 0) this.start();
      });
  }

  private async write(): Promise<void> {
    const state = this.snapshot();
    const bytes = encodeLedger(state);
    const temp = join(this.directory, LEDGER_TEMP_FILE);
    const file = await this.fs.open(temp, 'w', this.mode);
    try {
      let written = 0;
      while (written < bytes.length) {
        const n = await file.writev([bytes.subarray(written)], written);
        if (n <= 0) throw new Error(`short write of ${temp} at offset ${written}`);
        written += n;
      }
      await file.sync();
    } catch (error) {
      // A partial temp file holds space a full disk needs back.
      await file.close().catch(() => undefined);
      await this.fs.unlink(temp).catch(() => undefined);
      throw error;
    }
    await file.close();
    await this.fs.rename(temp, join(this.directory, LEDGER_FILE));
    await this.fs.syncDirectory(this.directory);
    this.onPersisted(state);
  }
}
