import { join } from 'node:path';
import type { PendingFrames } from './append-buffer.js';
import { errorCode } from './file-system.js';
import type { GroupCommitWriter } from './group-commit.js';
import { isDiskTrouble, MemoryFallback, recordsOfFrames, type MemoryRecord } from './memory-fallback.js';
import { MAX_RECORD_BYTES } from './record-frame.js';
import { LOCK_FILE } from './ownership.js';
import { RecoveryProbe } from './recovery-probe.js';
import { DIRECTORY_MODE, FILE_MODE, type ResolvedOptions } from './resolve-options.js';
import type { SegmentStore } from './segment-store.js';
import type { DropReason, Durability } from './types.js';

const WATCH_EVERY_MS = 1_000;

/** What the degraded path needs of its queue. */
export interface DegradedHost {
  own(): SegmentStore | undefined;
  writer(): GroupCommitWriter | undefined;
  directory(): string;
  isOpen(): boolean;
  /** Readers may have something new. */
  wake(): void;
  reportDrop(reason: DropReason, records: number, bytes: number, items?: number): void;
  /** Opens the directory the queue could not open at start; false: it still cannot. */
  attach(): Promise<boolean>;
}

/**
 * The queue's answer to a disk that refuses writes (full, over quota, read-only, failing, gone):
 * stop writing, keep records in memory (bounded, not durable) where the cursors read them in
 * sequence with the disk's records, probe the disk with growing waits, and write again once a
 * probe succeeds. No new segment is created while degraded, so a full disk collects no files.
 *
 *   durable: append ─► group commit ─► segments ─► cursors
 *   degraded: append ─► memory (≤ memoryFallbackBytes, oldest unread dropped) ─► cursors
 *
 * Sequence numbers stay one series: memory records take theirs from the own store, and the ranges
 * they occupy are marked there, so that a reader meeting the gap on disk counts no loss.
 *
 * A queue whose directory cannot be opened at all (full, read-only, not creatable) starts degraded
 * with no store: records wait in `early`, numbered on their own and read before any disk record,
 * and a successful probe opens the directory. `early` takes nothing more once it has, and shares
 * the memory bound with `memory`.
 */
export class DegradedPath {
  readonly memory: MemoryFallback | undefined;
  /** Records appended before the queue could open its directory (see startDetached). */
  early: MemoryFallback | undefined;
  private earlySeq = 0;
  private state: { reason: string; fromSeq: number; detached: boolean } | undefined;
  private readonly probe: RecoveryProbe;
  private watchTimer: NodeJS.Timeout | undefined;

  constructor(
    private readonly options: ResolvedOptions,
    private readonly host: DegradedHost,
  ) {
    if (options.memoryFallbackBytes > 0) {
      this.memory = new MemoryFallback(
        options.cursors,
        options.memoryFallbackBytes,
        (dropped) => this.reportLost(dropped),
        () => this.early?.bytes ?? 0,
      );
    }
    this.probe = new RecoveryProbe({
      fs: options.fs,
      directory: () => host.directory(),
      directoryMode: DIRECTORY_MODE,
      fileMode: FILE_MODE,
      firstDelayMs: options.recoveryProbeMs,
      claimsLock: () => this.state?.detached !== true,
      recovered: () => this.recovered(),
    });
  }

  get durability(): Durability {
    return this.state === undefined ? 'durable' : 'degraded';
  }

  get active(): boolean {
    return this.state !== undefined;
  }

  /** Stops probing; records still in memory (never durable) are counted as lost unless `crash`. */
  async stop(crash: boolean): Promise<void> {
    clearInterval(this.watchTimer);
    await this.probe.stop();
    if (crash) return;
    this.reportLost(this.early?.takeAll() ?? []);
    this.reportLost(this.memory?.takeAll() ?? []);
  }

  /** The directory could not be opened: start degraded, with no store, and probe until it opens. */
  startDetached(reason: string): void {
    if (this.state !== undefined) return;
    if (this.options.memoryFallbackBytes > 0) {
      this.early = new MemoryFallback(this.options.cursors, this.options.memoryFallbackBytes, (dropped) =>
        this.reportLost(dropped),
      );
    }
    this.state = { reason, fromSeq: 0, detached: true };
    this.notify();
    this.probe.start();
  }

  /**
   * Notices a queue directory deleted (or unmounted) under the running process within a second:
   * writes into files already open would still succeed, into files no one will ever find.
   */
  watch(): void {
    if (this.watchTimer !== undefined) return;
    this.watchTimer = setInterval(() => {
      if (this.state !== undefined || this.host.own() === undefined) return;
      this.options.fs.stat(join(this.host.directory(), LOCK_FILE)).catch((error: unknown) => {
        if (errorCode(error) === 'ENOENT') this.degrade('ENOENT');
      });
    }, WATCH_EVERY_MS);
    this.watchTimer.unref();
  }

  /** Degraded: the record waits in memory (not durable). false: dropped and counted. */
  append(record: Uint8Array, items?: number): boolean {
    if (this.state?.detached === true) return this.appendEarly(record);
    const own = this.host.own();
    if (this.memory === undefined || own === undefined || record.length > MAX_RECORD_BYTES) {
      this.host.reportDrop('io_error', 1, record.length, this.itemsOf([record]));
      return false;
    }
    const entry = {
      seq: own.takeSeq(items),
      payload: new Uint8Array(record),
      appendedAtMs: this.options.clock.now(),
    };
    this.memory.add([entry]);
    this.host.wake();
    return true;
  }

  private appendEarly(record: Uint8Array): boolean {
    if (this.early === undefined || record.length > MAX_RECORD_BYTES) {
      this.host.reportDrop('io_error', 1, record.length, this.itemsOf([record]));
      return false;
    }
    const entry = {
      seq: this.earlySeq++,
      payload: new Uint8Array(record),
      appendedAtMs: this.options.clock.now(),
    };
    this.early.add([entry]);
    this.host.wake();
    return true;
  }

  /**
   * A group commit that did not reach the disk. A disk refusing writes degrades the queue and the
   * records go to memory; anything else (or no memory fallback) leaves them to be counted as lost.
   */
  divert(pending: PendingFrames, error: unknown): boolean {
    if (error !== undefined && isDiskTrouble(error)) this.degrade(errorCode(error) ?? 'EIO');
    if (this.state === undefined || this.memory === undefined) return false;
    this.memory.add(recordsOfFrames(pending, this.options.keys.current));
    this.host.wake();
    return true;
  }

  /** Stops writing to disk (idempotent) and starts probing. */
  degrade(reason: string): void {
    const own = this.host.own();
    if (this.state !== undefined || !this.host.isOpen() || own === undefined) return;
    const writer = this.host.writer();
    // What waits to be written goes to memory now, so that nothing appended later overtakes it.
    const buffered = writer?.takeBuffered();
    if (buffered !== undefined) {
      own.markElsewhere(buffered.firstSeq, buffered.firstSeq + buffered.records);
      const records = recordsOfFrames(buffered, this.options.keys.current);
      if (this.memory !== undefined) this.memory.add(records);
      else this.reportLost(records);
    }
    this.state = { reason, fromSeq: own.nextSeq, detached: false };
    writer?.rollOverNext();
    this.notify();
    this.probe.start();
    this.host.wake();
  }

  private async recovered(): Promise<boolean> {
    const state = this.state;
    if (state?.detached === true) {
      if (!this.host.isOpen()) return true;
      if (!(await this.host.attach())) return false;
      this.state = undefined;
      this.notify();
      this.host.wake();
      return true;
    }
    const own = this.host.own();
    if (state === undefined || own === undefined || !this.host.isOpen()) return true;
    own.markElsewhere(state.fromSeq, own.nextSeq);
    this.state = undefined;
    this.notify();
    this.host.wake();
    // The directory may have been recreated: the cursors' positions go on disk again.
    await own.ledger.persist();
    return true;
  }

  private notify(): void {
    const listener = this.options.onDurabilityChange;
    if (listener === undefined) return;
    try {
      listener({
        state: this.durability,
        ...(this.state !== undefined ? { reason: this.state.reason } : {}),
        memoryRecords: (this.memory?.records ?? 0) + (this.early?.records ?? 0),
        memoryBytes: (this.memory?.bytes ?? 0) + (this.early?.bytes ?? 0),
      });
    } catch {
      // A listener's failure must not reach the appender.
    }
  }

  private reportLost(records: MemoryRecord[]): void {
    if (records.length === 0) return;
    let bytes = 0;
    for (const r of records) bytes += r.payload.length;
    this.host.reportDrop('io_error', records.length, bytes, this.itemsOf(records.map((r) => r.payload)));
  }

  itemsOf(payloads: readonly Uint8Array[]): number | undefined {
    const count = this.options.countItems;
    if (count === undefined) return undefined;
    let items = 0;
    for (const p of payloads) {
      try {
        items += count(p);
      } catch {
        // An undecodable record holds no items we can name.
      }
    }
    return items;
  }
}
