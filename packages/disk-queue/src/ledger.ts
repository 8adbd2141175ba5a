import { join } from 'node:path';
import { crc32 } from './crc32.js';
import type { FileSystem, OpenFile } from './file-system.js';

/**
 * The ledger: each cursor's acknowledged position. Little-endian, format version 2:
 *
 *   offset              size       field
 *   0                   8          magic "LLQLEDG\n"
 *   8                   4          format version (2)
 *   12                  4          slot size S, a multiple of 4096
 *   16                  4080       zeros (the header fills one 4 KiB block)
 *   4096                S          slot 0 ┐ each slot:  0  4  CRC-32 of bytes 4 .. 16+n
 *   4096 + S            S          slot 1 ┘             4  8  sequence number (u32 low, u32 high)
 *                                                      12  4  body length n
 *                                                      16  n  body, UTF-8 JSON: { "cursors": { "<name>":
 *                                                             { "segment", "offset", "seq" } }, "writtenAtMs", ... }
 *
 * A position names the next record the cursor has not acknowledged: segment id, byte offset in
 * that segment, and that record's sequence number. The slot with the higher sequence number and a
 * good CRC is the ledger.
 *
 * Writes alternate between the two slots of a file that keeps its size: a slot is written in
 * place and fdatasync'd, and the other slot still holds the previous ledger, so a crash during a
 * write leaves the old or the new one, never a mix; an old one only means records are delivered
 * again (at-least-once). The whole file is written afresh (`ledger.tmp`, fsync, renamed over
 * `ledger`, the directory fsync'd) only when a process writes its first ledger or a body outgrows
 * the slots. Rewriting the file that way for every acknowledgement cost 557 µs of process CPU and
 * 816 µs of wall time per write (open, write, fsync, close, rename, directory fsync), against
 * 126 µs and 192 µs for a slot write (side by side, 5 interleaved rounds of 1,000 writes, Node 24,
 * ext4).
 *
 * Version 1, read as before: magic, version 1, body length n, CRC-32 of the body, the body.
 */
export const LEDGER_FILE = 'ledger';
export const LEDGER_TEMP_FILE = 'ledger.tmp';
export const LEDGER_MAGIC = Uint8Array.from(Buffer.from('LLQLEDG\n', 'latin1'));
export const LEDGER_FORMAT_VERSION = 2;
const V1_PREFIX_BYTES = 20;
const HEADER_BYTES = 4096;
const SLOT_PREFIX_BYTES = 16;
const SLOT_ALIGN = 4096;

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

/** The ledger's body: its state as JSON. */
function ledgerBody(state: LedgerState): Buffer {
  return Buffer.from(JSON.stringify(state), 'utf8');
}

/** A slot's bytes: the prefix (CRC, sequence number, length) and the body. */
function encodeSlot(body: Uint8Array, seq: number): Buffer {
  const slot = Buffer.allocUnsafe(SLOT_PREFIX_BYTES + body.length);
  slot.writeUInt32LE(seq >>> 0, 4);
  slot.writeUInt32LE(Math.floor(seq / 0x1_0000_0000), 8);
  slot.writeUInt32LE(body.length, 12);
  slot.set(body, SLOT_PREFIX_BYTES);
  slot.writeUInt32LE(crc32(slot.subarray(4)), 0);
  return slot;
}

/** The smallest slot size that holds this body, with room to grow: a multiple of 4 KiB. */
function slotSizeFor(bodyBytes: number): number {
  return Math.ceil((SLOT_PREFIX_BYTES + bodyBytes * 2) / SLOT_ALIGN) * SLOT_ALIGN;
}

/**
 * A whole ledger file: the header, the state in slot 0 (sequence number `seq`), slot 1 empty
 * (zeros, which fail the CRC). `slotBytes` is chosen for the body when not given.
 */
export function encodeLedger(state: LedgerState, seq = 1, slotBytes?: number): Buffer {
  const body = ledgerBody(state);
  return ledgerFile(body, seq, slotBytes ?? slotSizeFor(body.length));
}

/** A whole ledger file around an encoded body, with slots of `size` bytes (see encodeLedger). */
function ledgerFile(body: Buffer, seq: number, size: number): Buffer {
  const file = Buffer.alloc(HEADER_BYTES + 2 * size);
  file.set(LEDGER_MAGIC, 0);
  file.writeUInt32LE(LEDGER_FORMAT_VERSION, 8);
  file.writeUInt32LE(size, 12);
  file.set(encodeSlot(body, seq), HEADER_BYTES);
  return file;
}

export type LedgerDecode = { ok: true; state: LedgerState } | { ok: false; reason: string };

export function decodeLedger(bytes: Uint8Array): LedgerDecode {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12) return { ok: false, reason: `ledger truncated at ${buf.length} bytes` };
  if (!buf.subarray(0, 8).equals(LEDGER_MAGIC)) return { ok: false, reason: 'bad ledger magic at offset 0' };
  const version = buf.readUInt32LE(8);
  if (version === 1) return decodeV1(buf);
  if (version !== LEDGER_FORMAT_VERSION)
    return { ok: false, reason: `unsupported ledger version ${version} at offset 8` };
  if (buf.length < 16) return { ok: false, reason: `ledger truncated at ${buf.length} bytes` };
  const size = buf.readUInt32LE(12);
  if (size < SLOT_ALIGN || size % SLOT_ALIGN !== 0)
    return { ok: false, reason: `bad ledger slot size ${size} at offset 12` };
  let best: { seq: number; state: LedgerState } | undefined;
  const problems: string[] = [];
  for (let k = 0; k < 2; k++) {
    const at = HEADER_BYTES + k * size;
    const slot = decodeSlot(buf, at, size);
    if (!slot.ok) problems.push(`slot ${k} at offset ${at}: ${slot.reason}`);
    else if (best === undefined || slot.seq > best.seq) best = slot;
  }
  if (best === undefined) return { ok: false, reason: `no readable ledger slot (${problems.join('; ')})` };
  return { ok: true, state: best.state };
}

function decodeSlot(
  buf: Buffer,
  at: number,
  size: number,
): { ok: true; seq: number; state: LedgerState } | { ok: false; reason: string } {
  if (buf.length < at + SLOT_PREFIX_BYTES) return { ok: false, reason: `truncated at ${buf.length} bytes` };
  const length = buf.readUInt32LE(at + 12);
  if (SLOT_PREFIX_BYTES + length > size || buf.length < at + SLOT_PREFIX_BYTES + length)
    return { ok: false, reason: `body of ${length} bytes does not fit` };
  const end = at + SLOT_PREFIX_BYTES + length;
  if (crc32(buf.subarray(at + 4, end)) !== buf.readUInt32LE(at)) return { ok: false, reason: 'crc mismatch' };
  const state = decodeBody(buf.subarray(at + SLOT_PREFIX_BYTES, end));
  if (!state.ok) return state;
  return {
    ok: true,
    seq: buf.readUInt32LE(at + 4) + buf.readUInt32LE(at + 8) * 0x1_0000_0000,
    state: state.state,
  };
}

function decodeV1(buf: Buffer): LedgerDecode {
  if (buf.length < V1_PREFIX_BYTES) return { ok: false, reason: `ledger truncated at ${buf.length} bytes` };
  const length = buf.readUInt32LE(12);
  if (buf.length < V1_PREFIX_BYTES + length) {
    return {
      ok: false,
      reason: `ledger body truncated: ${buf.length - V1_PREFIX_BYTES} of ${length} bytes`,
    };
  }
  const body = buf.subarray(V1_PREFIX_BYTES, V1_PREFIX_BYTES + length);
  if (crc32(body) !== buf.readUInt32LE(16)) return { ok: false, reason: 'ledger crc mismatch' };
  return decodeBody(body);
}

function decodeBody(body: Uint8Array): LedgerDecode {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body.buffer, body.byteOffset, body.byteLength).toString('utf8'));
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

/**
 * Writes the ledger, coalescing requests that arrive while a write is in flight: the first write
 * of the process (or one whose body outgrew the slots) makes the whole file afresh; every other
 * one goes to the slot not holding the newest ledger. The file stays open between writes.
 */
export class LedgerWriter {
  private inFlight: Promise<void> | undefined;
  private again = false;
  private waiters: Array<{ resolve: () => void }> = [];
  /** The ledger file, open after a fresh file was written; undefined until then and after a failure. */
  private file: OpenFile | undefined;
  private slotBytes = 0;
  /** The sequence number of the newest ledger written, in slot `seq % 2`. */
  private seq = 0;

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

  /** Waits for the write in flight, then closes the file; a later write opens it afresh. */
  async close(): Promise<void> {
    await this.idle();
    await this.release();
  }

  private async release(): Promise<void> {
    const file = this.file;
    this.file = undefined;
    await file?.close().catch(() => undefined);
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
    const body = ledgerBody(state);
    if (this.file === undefined || SLOT_PREFIX_BYTES + body.length > this.slotBytes) {
      await this.release();
      await this.writeFresh(body);
    } else {
      const seq = this.seq + 1;
      const slot = encodeSlot(body, seq);
      const at = HEADER_BYTES + (seq % 2) * this.slotBytes;
      try {
        await writeAll(this.file, slot, at, LEDGER_FILE);
        await this.file.datasync();
      } catch (error) {
        // The slot may be torn; the other one holds the previous ledger. The next write starts afresh.
        await this.release();
        throw error;
      }
      this.seq = seq;
    }
    this.onPersisted(state);
  }

  /** The whole file, atomically: written to the temp file, synced, renamed over the ledger. */
  private async writeFresh(body: Buffer): Promise<void> {
    const slotBytes = slotSizeFor(body.length);
    const bytes = ledgerFile(body, 0, slotBytes);
    const temp = join(this.directory, LEDGER_TEMP_FILE);
    const file = await this.fs.open(temp, 'w', this.mode);
    try {
      await writeAll(file, bytes, 0, temp);
      await file.sync();
      await this.fs.rename(temp, join(this.directory, LEDGER_FILE));
      await this.fs.syncDirectory(this.directory);
    } catch (error) {
      // A partial temp file holds space a full disk needs back.
      await file.close().catch(() => undefined);
      await this.fs.unlink(temp).catch(() => undefined);
      throw error;
    }
    // Renamed, the open file is the ledger: the next writes go to its slots.
    this.file = file;
    this.slotBytes = slotBytes;
    this.seq = 0;
  }
}

async function writeAll(file: OpenFile, bytes: Uint8Array, position: number, name: string): Promise<void> {
  let written = 0;
  while (written < bytes.length) {
    const n = await file.writev([bytes.subarray(written)], position + written);
    if (n <= 0) throw new Error(`short write of ${name} at offset ${position + written}`);
    written += n;
  }
}
