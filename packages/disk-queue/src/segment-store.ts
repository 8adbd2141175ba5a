import { join } from 'node:path';
import type { Clock } from './clock.js';
import type { Segment } from './segment.js';
import { errorCode, type FileSystem, type OpenFile } from './file-system.js';
import { openForReading } from './segment-read-handle.js';
import { LedgerWriter, type LedgerState, type Position } from './ledger.js';
import { ItemIndex } from './item-index.js';
import { LossRanges } from './loss-ranges.js';
import { isDiskTrouble } from './memory-fallback.js';
import { afterAck, inFlightPart, lossesKeptFrom, type CursorPositions } from './cursor-positions.js';
import type { CursorStats, DropReason } from './types.js';

export type { Segment } from './segment.js';

export interface StoreContext {
  fs: FileSystem;
  clock: Clock;
  maxAgeMs: number;
  fileMode: number;
  report(reason: DropReason, records: number, bytes: number, items?: number): void;
  onError(error: unknown): void;
}

/** Read handles kept open per store (two cursors, each on a segment boundary, plus slack). */
const MAX_OPEN_READ_FILES = 4;

export function comparePositions(a: Position, b: Position): number {
  return a.segment !== b.segment ? a.segment - b.segment : a.offset - b.offset;
}

/**
 * One queue directory: its segments in id order, each cursor's positions, and the ledger.
 *
 *   segments:   [ 7 ]──[ 8 ]──[ 9 ]──[ 10 (tail, unsealed) ]
 *                  ▲             ▲          ▲
 *   cursor b ack ──┘             │          └── durableSize: readers stop here
 *   cursor a ack ────────────────┘
 *
 * Invariants: segment ids increase along the list and with them sequence numbers; a segment is
 * deleted only when every cursor's acknowledged position lies beyond it, and only after a ledger
 * saying so is durable (or when it is evicted by a bound, its loss counted); read ≥ ack per cursor.
 */
export class SegmentStore {
  readonly segments: Segment[] = [];
  readonly cursors = new Map<string, CursorPositions>();
  readonly losses = new LossRanges();
  readonly items = new ItemIndex();
  readonly ledger: LedgerWriter;
  /** Sequence number the next record written gets. */
  nextSeq = 0;
  /** Sequence number after the last durable record. */
  durableSeq = 0;
  nextSegmentId = 1;
  /** Segments with an open read handle, most recently opened first. */
  private recentReads: Segment[] = [];
  /** Running average of frame sizes read, to size reads limited by a record count. */
  averageFrameBytes = 4096;

  constructor(
    readonly directory: string,
    readonly context: StoreContext,
    readonly writable: boolean,
  ) {
    this.ledger = new LedgerWriter(
      context.fs,
      directory,
      () => this.ledgerState(),
      context.fileMode,
      (error) => {
        // A full (or read-only) disk cannot take the ledger that would let acknowledged segments
        // go: collect then deletes on the in-memory positions, which frees the space to write it.
        if (isDiskTrouble(error)) this.ledgerRefused = true;
        context.onError(error);
      },
      (state) => {
        this.ledgerRefused = false;
        for (const [name, pos] of Object.entries(state.cursors)) this.persistedAcks.set(name, pos);
      },
    );
  }

  /** The last ledger write failed for lack of space (or a refusing disk): see collect(). */
  private ledgerRefused = false;

  /** Acknowledged positions as the durable ledger has them: only these may delete segments. */
  readonly persistedAcks = new Map<string, Position>();

  /** Drop totals over the directory's lifetime, kept in the ledger for offline inspection. */
  lifetimeDrops: Record<string, number> = {};
  lifetimeDropBytes: Record<string, number> = {};

  ledgerState(): LedgerState {
    const cursors: Record<string, Position> = {};
    for (const [name, p] of this.cursors) cursors[name] = { ...p.ack };
    return {
      cursors,
      writtenAtMs: this.context.clock.now(),
      drops: { ...this.lifetimeDrops },
      dropBytes: { ...this.lifetimeDropBytes },
    };
  }

  addLifetimeDrop(reason: DropReason, records: number, bytes: number): void {
    this.lifetimeDrops[reason] = (this.lifetimeDrops[reason] ?? 0) + records;
    this.lifetimeDropBytes[reason] = (this.lifetimeDropBytes[reason] ?? 0) + bytes;
  }

  /** Counts the records numbered [start, end) not counted before as lost, with their items. */
  countLoss(reason: DropReason, start: number, end: number, bytes: number): void {
    let records = 0;
    let items = 0;
    for (const [s, e] of this.losses.add(start, end)) {
      records += e - s;
      items += this.items.sum(s, e);
    }
    if (records > 0) this.context.report(reason, records, bytes, items);
  }

  /** The next record's sequence number, its items noted for counting a later loss. */
  takeSeq(items: number | undefined): number {
    this.items.set(this.nextSeq, items);
    return this.nextSeq++;
  }

  /** Marks [start, end) as held elsewhere (in memory): a reader meeting the gap counts no loss. */
  markElsewhere(start: number, end: number): void {
    this.losses.add(start, end);
  }

  /** Removes a segment that holds no committed record (its first write failed), file and all. */
  async forget(segment: Segment): Promise<void> {
    const index = this.segments.indexOf(segment);
    if (index < 0) return;
    this.segments.splice(index, 1);
    await this.retire(segment);
  }

  segmentById(id: number): Segment | undefined {
    for (const s of this.segments) if (s.id === id) return s;
    return undefined;
  }

  segmentAfter(id: number): Segment | undefined {
    for (const s of this.segments) if (s.id > id) return s;
    return undefined;
  }

  /**
   * The segment holding `pos`, with `pos` moved to the start of the next existing segment when its
   * own is gone (acknowledged and deleted, evicted, or lost). undefined: nothing at or after it yet.
   */
  locate(pos: Position): { segment: Segment; pos: Position } | undefined {
    for (const s of this.segments) {
      if (s.id === pos.segment) {
        return pos.offset >= s.headerLength
          ? { segment: s, pos }
          : { segment: s, pos: { ...pos, offset: s.headerLength } };
      }
      if (s.id > pos.segment)
        return { segment: s, pos: { segment: s.id, offset: s.headerLength, seq: s.firstSeq } };
    }
    return undefined;
  }

  positions(name: string): CursorPositions {
    const p = this.cursors.get(name);
    if (p === undefined) throw new Error(`unknown cursor '${name}'`);
    return p;
  }

  /** Is there a durable record at or after this cursor's read position? */
  hasUnread(name: string): boolean {
    const found = this.locate(this.positions(name).read);
    if (found === undefined) return false;
    if (found.pos.offset < found.segment.durableSize) return true;
    for (const s of this.segments) if (s.id > found.segment.id && s.durableSize > s.headerLength) return true;
    return false;
  }

  /** Has every cursor acknowledged everything durable here? */
  isDrained(): boolean {
    for (const name of this.cursors.keys()) {
      if (this.pending(name).pendingBytes > 0 || this.hasUnread(name)) return false;
    }
    return true;
  }

  /** Pending (unacknowledged) records and frame bytes for one cursor. */
  pending(name: string): CursorStats {
    const ack = this.positions(name).ack;
    let bytes = 0;
    for (const s of this.segments) {
      if (s.id < ack.segment) continue;
      const from = s.id === ack.segment ? Math.max(ack.offset, s.headerLength) : s.headerLength;
      bytes += Math.max(0, s.durableSize - from);
    }
    const first = this.locate(ack);
    const fromSeq = first === undefined ? this.durableSeq : Math.max(first.pos.seq, ack.seq);
    // Numbers counted as lost, or held in memory (counted there), are no records on disk.
    const records = this.durableSeq - fromSeq - this.losses.count(fromSeq, this.durableSeq);
    return { pendingRecords: Math.max(0, records), pendingBytes: bytes };
  }

  /** The acknowledged (or read) position furthest behind. */
  minAck(key: 'ack' | 'read' = 'ack'): Position | undefined {
    let min: Position | undefined;
    for (const p of this.cursors.values())
      if (min === undefined || comparePositions(p[key], min) < 0) min = p[key];
    return min;
  }

  diskBytes(): number {
    let total = 0;
    for (const s of this.segments) total += s.size;
    return total;
  }

  /** Moves a cursor's acknowledged position forward to `end`; earlier positions are ignored. */
  advance(name: string, end: Position, newestAppendedAtMs = 0): boolean {
    const p = this.positions(name);
    p.evictedInFlight = afterAck(p.evictedInFlight, end.seq);
    if (comparePositions(end, p.ack) <= 0) return false;
    p.ack = { ...end };
    p.ackedAppendedAtMs = Math.max(p.ackedAppendedAtMs, newestAppendedAtMs);
    if (comparePositions(p.read, p.ack) < 0) p.read = { ...end };
    return true;
  }

  /** Unacknowledged reads are read again; those a bound evicted meanwhile are lost now. */
  rewind(name: string): void {
    const p = this.positions(name);
    for (const r of p.evictedInFlight) this.countLoss(r.reason, r.start, r.end, r.bytes);
    p.evictedInFlight = [];
    p.read = { ...p.ack };
    p.epoch++;
  }

  /** Lower bound of the appended-at time of the oldest record some cursor has not acknowledged. */
  oldestPendingAppendedAtMs(): number | undefined {
    let oldest: number | undefined;
    for (const [name, p] of this.cursors) {
      if (this.pending(name).pendingBytes === 0) continue;
      const found = this.locate(p.ack);
      if (found === undefined) continue;
      const t = Math.max(found.segment.createdAtMs, p.ackedAppendedAtMs);
      if (oldest === undefined || t < oldest) oldest = t;
    }
    return oldest;
  }

  /**
   * Deletes the segments every cursor has acknowledged; call once a ledger saying so is durable.
   * When the ledger could not be written because the disk refused it, deletion goes first, on the
   * acknowledged positions in memory (every record in those segments was answered for), and the
   * ledger is written afterwards: a full disk never holds the space that would let it write again.
   */
  async collect(): Promise<void> {
    const deleteFirst = this.ledgerRefused;
    let min: Position | undefined;
    for (const [name, positions] of this.cursors) {
      const p = deleteFirst ? positions.ack : this.persistedAcks.get(name);
      if (p === undefined) return;
      if (min === undefined || comparePositions(p, min) < 0) min = p;
    }
    if (min === undefined) return;
    const done: Segment[] = [];
    for (const s of this.segments) {
      const passed =
        s.id < min.segment ||
        (s.id === min.segment && s.sealed && min.offset >= s.size && this.segmentAfter(s.id) !== undefined);
      if (!passed) break;
      done.push(s);
    }
    const keep = lossesKeptFrom(this.cursors.values(), min.seq);
    this.losses.prune(keep);
    this.items.prune(keep);
    if (done.length === 0) return;
    this.segments.splice(0, done.length);
    await Promise.all(done.map((s) => this.retire(s)));
    if (deleteFirst) await this.ledger.persist();
  }

  /**
   * Removes a segment that not every cursor has acknowledged (a bound was hit), counting the records
   * some cursor had not yet read. Cursors inside it move to the next segment.
   */
  async evict(segment: Segment, reason: DropReason): Promise<void> {
    const index = this.segments.indexOf(segment);
    if (index < 0) return;
    // Records a cursor has read are in flight: its sender answers for them (exported, expired or
    // rejected), so only the records no cursor has read yet are counted lost here; the cursor
    // keeps the in-flight part, counted lost if it rewinds instead (cursor-positions.ts).
    const min = this.minAck('read');
    const next = this.segments[index + 1];
    const endSeq = next?.firstSeq ?? segment.endSeq;
    let fromSeq = segment.firstSeq;
    let fromOffset = segment.headerLength;
    if (min !== undefined && min.segment === segment.id) {
      fromSeq = Math.max(fromSeq, min.seq);
      fromOffset = Math.max(fromOffset, min.offset);
    } else if (min !== undefined && min.segment > segment.id) {
      fromSeq = endSeq;
      fromOffset = segment.size;
    }
    this.countLoss(reason, fromSeq, endSeq, Math.max(0, segment.durableSize - fromOffset));
    this.segments.splice(index, 1);
    const start: Position =
      next !== undefined
        ? { segment: next.id, offset: next.headerLength, seq: next.firstSeq }
        : { segment: this.nextSegmentId, offset: 0, seq: endSeq };
    for (const p of this.cursors.values()) {
      const inFlight = inFlightPart(segment, endSeq, p, reason);
      if (inFlight !== undefined) p.evictedInFlight.push(inFlight);
      if (p.ack.segment <= segment.id) p.ack = { ...start };
      if (p.read.segment <= segment.id) Object.assign(p, { read: { ...start }, epoch: p.epoch + 1 });
    }
    await this.ledger.persist();
    await this.retire(segment);
  }

  /** Evicts sealed segments whose newest record is older than maxAge. */
  async expire(): Promise<void> {
    const horizon = this.context.clock.now() - this.context.maxAgeMs;
    for (const s of [...this.segments]) {
      if (!s.sealed || s.lastAppendedAtMs >= horizon) break;
      await this.evict(s, 'max_age');
    }
  }

  private async retire(segment: Segment): Promise<void> {
    segment.removed = true;
    await this.closeFiles(segment);
    try {
      await this.context.fs.unlink(segment.path);
    } catch (error) {
      if (errorCode(error) !== 'ENOENT') this.context.onError(error);
    }
  }

  async closeFiles(segment: Segment): Promise<void> {
    const write = segment.writeFile;
    segment.writeFile = undefined;
    if (write !== undefined) await write.close().catch((error: unknown) => this.context.onError(error));
    if (segment.readers === 0) await this.closeReadFile(segment);
  }

  private async closeReadFile(segment: Segment): Promise<void> {
    const read = segment.readFile;
    segment.readFile = undefined;
    if (read === undefined) return;
    try {
      await (await read).close();
    } catch {
      // An open that failed has nothing to close; a failed close loses nothing.
    }
  }

  /** Runs `fn` with a read handle on the segment; the handle outlives a concurrent eviction. */
  async withReadFile<T>(segment: Segment, fn: (file: OpenFile) => Promise<T>): Promise<T> {
    segment.readers++;
    try {
      if (segment.readFile === undefined) {
        segment.readFile = openForReading(this.context.fs, segment);
        this.recentReads = [segment, ...this.recentReads.filter((s) => s !== segment)];
        // A cursor walking a long backlog must not keep a descriptor per segment it has passed.
        for (const old of this.recentReads.splice(MAX_OPEN_READ_FILES)) {
          if (old.readers === 0) await this.closeReadFile(old);
          else this.recentReads.push(old);
        }
      }
      let file: OpenFile;
      try {
        file = await segment.readFile;
      } catch (error) {
        segment.readFile = undefined;
        throw error;
      }
      return await fn(file);
    } finally {
      segment.readers--;
      if (segment.removed && segment.readers === 0) await this.closeReadFile(segment);
    }
  }

  async closeAll(): Promise<void> {
    for (const s of this.segments) {
      const write = s.writeFile;
      s.writeFile = undefined;
      if (write !== undefined) await write.close().catch((error: unknown) => this.context.onError(error));
      await this.closeReadFile(s);
    }
    await this.ledger.close();
  }

  segmentPath(name: string): string {
    return join(this.directory, name);
  }
}
