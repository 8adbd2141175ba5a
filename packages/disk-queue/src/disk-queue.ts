import { DiskQueueError } from './errors.js';
import { DegradedPath } from './degraded-path.js';
import { errorCode } from './file-system.js';
import { GroupCommitWriter } from './group-commit.js';
import { hasStagingRoom } from './staging.js';
import { stageEnd, stageStart } from './stage-timing.js';
import { isDiskTrouble } from './memory-fallback.js';
import { forgetLock, releaseLock, touchLock } from './ownership.js';
import { removeQueueDirectory } from './queue-directory.js';
import { openStores } from './open-stores.js';
import { createQueueCursor } from './queue-cursor.js';
import { MAX_RECORD_BYTES } from './record-frame.js';
import { QueueReads } from './queue-reads.js';
import { collectStats } from './queue-stats.js';
import { FILE_MODE, resolveOptions, type ResolvedOptions } from './resolve-options.js';
import type { SegmentStore, StoreContext } from './segment-store.js';
import {
  DROP_REASONS,
  type DiskQueue,
  type DiskQueueOptions,
  type DropReason,
  type QueueBatch,
  type QueueCursor,
  type QueueStats,
  type ReadLimits,
} from './types.js';

/**
 * Opens (creating if needed) a durable queue in `options.directory`. Rejects only for bad options
 * (LIFELINE_ERR_CONFIG) or a key that cannot read existing segments (LIFELINE_ERR_QUEUE_KEY); a
 * directory that cannot be used (full, read-only, not creatable) gives a degraded queue: records
 * wait in memory for the cursors (bounded, not durable) until a probe finds the disk writable.
 */
export async function openDiskQueue(options: DiskQueueOptions): Promise<DiskQueue> {
  const resolved = resolveOptions(options);
  const queue = new DiskQueueImpl(resolved);
  await queue.open();
  return queue;
}

class DiskQueueImpl implements DiskQueue {
  directory: string;
  adopted: string[] = [];
  private readonly drops = zeroDrops();
  private readonly dropBytes = zeroDrops();
  /** Adopted stores first (older data), then our own. */
  private stores: SegmentStore[] = [];
  private own: SegmentStore | undefined;
  private writer: GroupCommitWriter | undefined;
  private readonly cursors = new Map<string, QueueCursor>();
  private readonly reads: QueueReads;
  private state: 'opening' | 'open' | 'closing' | 'closed' = 'opening';
  private closing: Promise<void> | undefined;
  private expiryTimer: NodeJS.Timeout | undefined;
  private heartbeatTimer: NodeJS.Timeout | undefined;
  private readonly context: StoreContext;
  private dropsSinceLedger = false;
  private diskBytesCache: number | undefined;
  /** The periodic expiry pass in progress, awaited by close. */
  private maintenance: Promise<void> | undefined;
  /** Where records go while the disk refuses writes. */
  private readonly degraded: DegradedPath;

  constructor(private readonly options: ResolvedOptions) {
    this.directory = options.directory;
    this.context = {
      fs: options.fs,
      clock: options.clock,
      maxAgeMs: options.maxAgeMs,
      fileMode: FILE_MODE,
      report: (reason, records, bytes, items) => this.reportDrop(reason, records, bytes, items),
      onError: (error) => this.reportError(error),
    };
    this.degraded = new DegradedPath(options, {
      own: () => this.own,
      writer: () => this.writer,
      directory: () => this.directory,
      isOpen: () => this.state === 'open',
      wake: () => this.wake(),
      reportDrop: (reason, records, bytes, items) => this.reportDrop(reason, records, bytes, items),
      attach: () => this.attachLate(),
    });
    this.reads = new QueueReads({
      own: () => this.own,
      memory: () => this.degraded.memory,
      early: () => this.degraded.early,
      firstUnsettledSeq: () => this.writer?.firstUnsettledSeq ?? Infinity,
      stores: () => this.stores,
      state: () => this.state,
      afterAck: async (store) => {
        await store.collect().catch((error: unknown) => this.reportError(error));
        if (store !== this.own && store.isDrained()) await this.retireAdopted(store);
      },
    });
    for (const name of options.cursors) this.cursors.set(name, createQueueCursor(name, this));
  }

  async open(): Promise<void> {
    const o = this.options;
    let refused: unknown;
    try {
      await this.attach();
    } catch (error) {
      if (error instanceof DiskQueueError) throw error;
      // The directory cannot be used (full, read-only, not creatable): records wait in memory and
      // go to the cursors until a probe finds the disk writable and the directory opens.
      this.reportError(error);
      refused = error;
    }
    this.state = 'open';
    if (refused !== undefined) this.degraded.startDetached(errorCode(refused) ?? 'EIO');
    // A ledger from the start: the cursors' names and positions are on disk for offline tools,
    // and the positions recovery settled on become the ones segment deletion may rely on.
    for (const s of this.stores) await s.ledger.persist();
    await this.expire();
    const expiryEvery = Math.max(1_000, Math.min(60_000, Math.floor(o.maxAgeMs / 4)));
    this.expiryTimer = setInterval(() => {
      this.maintenance ??= this.expire().finally(() => (this.maintenance = undefined));
    }, expiryEvery);
    this.expiryTimer.unref();
    const heartbeatEvery = Math.max(1_000, Math.floor(o.lockStaleMs / 3));
    this.heartbeatTimer = setInterval(() => void this.heartbeat(), heartbeatEvery);
    this.heartbeatTimer.unref();
    this.degraded.watch();
  }

  /** Claims and recovers the directory (and dead siblings') and starts the writer. */
  private async attach(): Promise<void> {
    const o = this.options;
    const { own, adopted } = await openStores(o, this.context, (store) => {
      // Losses counted before the store existed (while recovering, or while the directory could
      // not be opened): add them to its totals.
      for (const r of DROP_REASONS) {
        if (this.drops[r] > 0) store.addLifetimeDrop(r, this.drops[r], this.dropBytes[r]);
      }
    });
    this.own = own;
    this.directory = own.directory;
    this.stores = [...adopted, own];
    this.adopted = adopted.map((s) => s.directory);
    this.writer = new GroupCommitWriter(own, {
      segmentBytes: o.segmentBytes,
      fsyncIntervalMs: o.fsyncIntervalMs,
      flushBytes: o.flushBytes,
      key: o.keys.current,
      needsRoom: (bytes) => this.needsRoom(bytes),
      makeRoom: (bytes) => this.makeRoom(bytes),
      onDurable: () => this.wake(),
      divert: (pending, error) => this.degraded.divert(pending, error),
    });
  }

  /** A probe found the disk writable after an open that failed: open the directory now. */
  private async attachLate(): Promise<boolean> {
    try {
      await this.attach();
    } catch (error) {
      this.reportError(error);
      return false;
    }
    for (const s of this.stores) await s.ledger.persist();
    return true;
  }

  append(record: Uint8Array, items?: number): boolean {
    if (!(record instanceof Uint8Array)) {
      throw new DiskQueueError(
        'LIFELINE_ERR_QUEUE_MISUSE',
        `append expects a Uint8Array, got ${typeof record}`,
      );
    }
    const writer = this.writer;
    if (this.state === 'open' && this.degraded.active) return this.degraded.append(record, items);
    if (this.state !== 'open' || writer === undefined) {
      this.reportDrop('io_error', 1, record.length, this.degraded.itemsOf([record]));
      return false;
    }
    const o = this.options;
    const frame = writer.frameBytes(record.length);
    if (record.length > MAX_RECORD_BYTES || !hasStagingRoom(writer, frame, o.maxBufferBytes)) {
      this.reportDrop('buffer_full', 1, record.length, this.degraded.itemsOf([record]));
      return false;
    }
    if (o.whenFull === 'drop-newest' && this.diskBytes() + writer.bufferedBytes + frame > o.maxBytes) {
      this.reportDrop('queue_full', 1, record.length, this.degraded.itemsOf([record]));
      return false;
    }
    const started = stageStart();
    writer.append(record, o.clock.now(), items);
    stageEnd('frame', started, 1, frame);
    return true;
  }

  flush(): Promise<void> {
    return this.writer?.flush() ?? Promise.resolve();
  }

  waitForRoom(bytes = this.options.maxBufferBytes / 2): Promise<void> {
    if (this.state !== 'open' || this.writer === undefined) return Promise.resolve();
    return this.writer.waitForRoom(bytes);
  }

  cursor(name = 'default'): QueueCursor {
    const c = this.cursors.get(name);
    if (c === undefined) {
      throw new DiskQueueError(
        'LIFELINE_ERR_QUEUE_MISUSE',
        `cursor '${name}' is not one of options.cursors (${[...this.cursors.keys()].map((n) => `'${n}'`).join(', ')})`,
      );
    }
    return c;
  }

  read(cursor: string, limits: ReadLimits | undefined): Promise<QueueBatch | undefined> {
    return this.reads.read(cursor, limits);
  }

  ack(cursor: string, batch: QueueBatch): Promise<void> {
    return this.reads.ack(cursor, batch);
  }

  rewind(cursor: string): void {
    this.reads.rewind(cursor);
  }

  waitForData(cursor: string, signal?: AbortSignal): Promise<void> {
    return this.reads.waitForData(cursor, signal);
  }

  private wake(): void {
    this.reads.wake();
  }

  stats(): QueueStats {
    return collectStats({
      stores: this.stores,
      cursors: this.cursors.keys(),
      writer: this.writer,
      diskBytes: this.diskBytes(true),
      nowMs: this.options.clock.now(),
      drops: this.drops,
      dropBytes: this.dropBytes,
      memory: this.degraded.memory,
      early: this.degraded.early,
      durability: this.degraded.durability,
    });
  }

  close(): Promise<void> {
    this.closing ??= this.shutdown(false);
    return this.closing;
  }

  /** Test seam: stop as a crash would (nothing more is written, the lock file stays). */
  abandon(): Promise<void> {
    this.closing ??= this.shutdown(true);
    return this.closing;
  }

  private async shutdown(crash: boolean): Promise<void> {
    this.state = 'closing';
    clearInterval(this.expiryTimer);
    clearInterval(this.heartbeatTimer);
    await this.degraded.stop(crash);
    await this.maintenance;
    if (crash) await this.writer?.abandon();
    else await this.writer?.close();
    this.state = 'closed';
    this.wake();
    for (const store of this.stores) {
      if (!crash) {
        await store.ledger.persist();
        await store.collect().catch((error: unknown) => this.reportError(error));
      }
      await store.ledger.idle();
      await store.closeAll();
      // A drained sub-directory (adopted, or our own beside a live owner) is removed, so that
      // restarted cluster workers do not leave one directory each behind.
      const subdirectory = store.directory !== this.options.directory;
      if (crash) {
        forgetLock(store.directory);
        continue;
      }
      if (subdirectory && store.isDrained()) {
        await removeQueueDirectory(this.options.fs, store.directory).catch(() => undefined);
      }
      await releaseLock(this.options.fs, store.directory);
    }
  }

  private async retireAdopted(store: SegmentStore): Promise<void> {
    this.stores = this.stores.filter((s) => s !== store);
    this.adopted = this.adopted.filter((d) => d !== store.directory);
    await store.ledger.idle();
    await store.closeAll();
    await removeQueueDirectory(this.options.fs, store.directory).catch((error: unknown) =>
      this.reportError(error),
    );
    await releaseLock(this.options.fs, store.directory);
  }

  private diskBytes(fresh = false): number {
    // Segment sizes change only in asynchronous code, never during a synchronous burst of appends:
    // append sums once per burst rather than once per record.
    if (this.diskBytesCache !== undefined && !fresh) return this.diskBytesCache;
    let total = 0;
    for (const s of this.stores) total += s.diskBytes();
    this.diskBytesCache = total;
    queueMicrotask(() => (this.diskBytesCache = undefined));
    return total;
  }

  /** drop-oldest: whether `bytes` more on disk would pass maxBytes, so that makeRoom must evict. */
  private needsRoom(bytes: number): boolean {
    return this.options.whenFull === 'drop-oldest' && this.diskBytes(true) + bytes > this.options.maxBytes;
  }

  /** drop-oldest: evicts whole segments, oldest first, until `bytes` more fit under maxBytes. */
  private async makeRoom(bytes: number): Promise<void> {
    while (this.needsRoom(bytes)) {
      const store = this.stores.find((s) => s.segments.length > 0);
      const oldest = store?.segments[0];
      if (store === undefined || oldest === undefined) return;
      await store.evict(oldest, 'queue_full');
      if (store !== this.own && store.segments.length === 0) await this.retireAdopted(store);
    }
  }

  private async expire(): Promise<void> {
    if (this.state !== 'open') return;
    if (this.dropsSinceLedger && this.own !== undefined) {
      // Keep the lifetime drop totals that offline inspection shows reasonably fresh.
      this.dropsSinceLedger = false;
      await this.own.ledger.persist();
    }
    // An idle segment being written holds records that could only expire one by one as they are
    // read; sealed, it expires whole like the others.
    await this.writer?.sealIfIdle(this.options.clock.now() - this.options.maxAgeMs);
    for (const s of [...this.stores]) {
      if (this.state !== 'open') return;
      await s.expire().catch((error: unknown) => this.reportError(error));
      if (s !== this.own && s.segments.length === 0 && this.stores.includes(s)) await this.retireAdopted(s);
    }
  }

  private async heartbeat(): Promise<void> {
    if (this.state !== 'open') return;
    const now = this.options.clock.now();
    for (const s of this.stores) {
      await touchLock(this.options.fs, s.directory, now).catch((error: unknown) => {
        // The own directory vanished or turned read-only: stop writing into files no one will find.
        if (s === this.own && isDiskTrouble(error)) this.degraded.degrade(errorCode(error) ?? 'EIO');
      });
    }
  }

  private reportDrop(reason: DropReason, records: number, bytes: number, items?: number): void {
    this.drops[reason] += records;
    this.dropBytes[reason] += bytes;
    this.own?.addLifetimeDrop(reason, records, bytes);
    this.dropsSinceLedger = true;
    const onDrop = this.options.onDrop;
    if (onDrop === undefined) return;
    try {
      onDrop(items === undefined ? { reason, records, bytes } : { reason, records, bytes, items });
    } catch {
      // A listener's failure must not reach the appender.
    }
  }

  private reportError(error: unknown): void {
    const onError = this.options.onError;
    if (onError === undefined) return;
    try {
      onError(error instanceof Error ? error : new Error(String(error)));
    } catch {
      // As above.
    }
  }
}

function zeroDrops(): Record<DropReason, number> {
  const r = {} as Record<DropReason, number>;
  for (const reason of DROP_REASONS) r[reason] = 0;
  return r;
}

/** The operations a cursor delegates to its queue. */

/** Drops a queue as a crash would: buffered records are lost, the lock file stays. For tests. */
export function abandonDiskQueue(queue: DiskQueue): Promise<void> {
  if (!(queue instanceof DiskQueueImpl)) throw new TypeError('not a queue from openDiskQueue');
  return queue.abandon();
}
