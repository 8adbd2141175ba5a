import { DiskQueueError } from './errors.js';
import type { Position } from './ledger.js';
import { DEFAULT_READ_MAX_BYTES, DEFAULT_READ_MAX_RECORDS } from './resolve-options.js';
import type { MemoryFallback } from './memory-fallback.js';
import { ReadBuffers } from './read-buffers.js';
import { readRecords } from './segment-reader.js';
import { comparePositions, type SegmentStore } from './segment-store.js';
import type { QueueBatch, ReadLimits } from './types.js';
import { stageEnd, stageStart } from './stage-timing.js';

/** What the cursors need from their queue. */
export interface ReadHost {
  /** Adopted stores first (older data), then the queue's own. */
  stores(): readonly SegmentStore[];
  state(): 'opening' | 'open' | 'closing' | 'closed';
  /** After an acknowledgement is durable: delete what is done, retire a drained adopted store. */
  afterAck(store: SegmentStore): Promise<void>;
  /** The store appended to, whose sequence numbers the memory fallback shares. */
  own(): SegmentStore | undefined;
  memory(): MemoryFallback | undefined;
  /** Records appended before the queue could open its directory: read before anything else. */
  early(): MemoryFallback | undefined;
  /** Records from this sequence number on may still be committed or diverted: not readable yet. */
  firstUnsettledSeq(): number;
}

type BatchOrigin =
  | {
      store: SegmentStore;
      cursor: string;
      end: Position;
      newestAppendedAtMs: number;
      /** Read with `recycle`: given back to the read buffers at the acknowledgement. */
      taken: Buffer[];
    }
  | { store: undefined; memory: MemoryFallback; cursor: string; endSeq: number };

/**
 * The cursors' side of a queue: reads serialised per cursor, acknowledgements, rewinds and
 * waiters. A cursor reads adopted stores before the queue's own; a batch never spans two stores.
 */
export class QueueReads {
  private readonly origins = new WeakMap<QueueBatch, BatchOrigin>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly waiters = new Set<{ cursor: string; resolve: () => void }>();
  /** Buffers of the reads made with `recycle`, back after their batch is acknowledged. */
  private readonly buffers = new ReadBuffers();

  constructor(private readonly host: ReadHost) {}

  /** Serialises reads per cursor so that two concurrent reads never hand out the same records. */
  read(cursor: string, limits: ReadLimits | undefined): Promise<QueueBatch | undefined> {
    const previous = this.chains.get(cursor) ?? Promise.resolve();
    const next = previous.then(() => this.readNow(cursor, limits));
    this.chains.set(
      cursor,
      next.catch(() => undefined),
    );
    return next;
  }

  private async readNow(cursor: string, limits: ReadLimits | undefined): Promise<QueueBatch | undefined> {
    const maxRecords = limits?.maxRecords ?? DEFAULT_READ_MAX_RECORDS;
    const maxBytes = limits?.maxBytes ?? DEFAULT_READ_MAX_BYTES;
    if (!(Number.isInteger(maxRecords) && maxRecords > 0) || !(Number.isFinite(maxBytes) && maxBytes > 0)) {
      throw new DiskQueueError(
        'LIFELINE_ERR_QUEUE_MISUSE',
        `read limits must be positive (maxRecords ${maxRecords}, maxBytes ${maxBytes})`,
      );
    }
    const early = this.host.early();
    if (early?.hasUnread(cursor) === true)
      return this.readMemory(early, cursor, Infinity, maxRecords, maxBytes);
    for (const store of [...this.host.stores()]) {
      for (;;) {
        if (this.host.state() === 'closed') return undefined;
        // Records the disk refused sit in memory between disk records: whichever is older goes first.
        let diskRecords = maxRecords;
        if (store === this.host.own()) {
          const next = this.nextInMemory(store, cursor);
          if (next === 'none') return undefined;
          if (typeof next === 'object')
            return this.readMemory(next.memory, cursor, next.beforeSeq, maxRecords, maxBytes);
          diskRecords = Math.min(maxRecords, next);
        }
        const p = store.positions(cursor);
        if (!store.hasUnread(cursor)) break;
        const epoch = p.epoch;
        const start = { ...p.read };
        const started = stageStart();
        const result = await readRecords(
          store,
          start,
          diskRecords,
          maxBytes,
          limits?.recycle === true ? this.buffers : undefined,
        );
        stageEnd('read', started, result.records.length, result.bytes);
        if (p.epoch !== epoch || result.records.length === 0) this.buffers.give(result.taken);
        if (p.epoch !== epoch) continue; // rewound meanwhile: read again from the rewound position
        if (comparePositions(result.end, p.read) > 0) p.read = { ...result.end };
        if (result.records.length === 0) {
          // Only skipped records (expired or corrupt): nothing to deliver. With nothing in flight the
          // acknowledged position moves past them too.
          if (comparePositions(p.ack, start) === 0 && comparePositions(result.end, start) > 0) {
            store.advance(cursor, result.end);
          }
          if (comparePositions(result.end, start) <= 0) break;
          continue;
        }
        const batch: QueueBatch = {
          records: result.records,
          bytes: result.bytes,
          oldestAppendedAtMs: result.oldestAppendedAtMs,
        };
        this.origins.set(batch, {
          store,
          cursor,
          end: result.end,
          newestAppendedAtMs: result.newestAppendedAtMs,
          taken: result.taken,
        });
        return batch;
      }
    }
    return undefined;
  }

  /**
   * What comes next for `cursor` in the own store: a memory read (below `beforeSeq`), 'none' (memory
   * records come first but are not settled yet), or how many disk records may be read before the
   * first memory record.
   */
  private nextInMemory(
    store: SegmentStore,
    cursor: string,
  ): { memory: MemoryFallback; beforeSeq: number } | 'none' | number {
    const memory = this.host.memory();
    const memorySeq = memory?.nextUnread(cursor);
    if (memory === undefined || memorySeq === undefined) return Infinity;
    const diskSeq = nextDiskSeq(store, cursor);
    if (diskSeq < memorySeq) return memorySeq - diskSeq;
    const beforeSeq = Math.min(diskSeq, this.host.firstUnsettledSeq());
    return memorySeq < beforeSeq ? { memory, beforeSeq } : 'none';
  }

  private readMemory(
    memory: MemoryFallback,
    cursor: string,
    beforeSeq: number,
    maxRecords: number,
    maxBytes: number,
  ): QueueBatch | undefined {
    const read = memory.read(cursor, beforeSeq, maxRecords, maxBytes);
    if (read === undefined) return undefined;
    let oldest = Infinity;
    for (const r of read.records) oldest = Math.min(oldest, r.appendedAtMs);
    const batch: QueueBatch = {
      records: read.records.map((r) => r.payload),
      bytes: read.bytes,
      oldestAppendedAtMs: oldest,
    };
    this.origins.set(batch, { store: undefined, memory, cursor, endSeq: read.endSeq });
    return batch;
  }

  async ack(cursor: string, batch: QueueBatch): Promise<void> {
    const origin = this.origins.get(batch);
    if (origin === undefined || origin.cursor !== cursor) {
      throw new DiskQueueError(
        'LIFELINE_ERR_QUEUE_MISUSE',
        `ack on cursor '${cursor}' of a batch that cursor did not read`,
      );
    }
    if (origin.store !== undefined && origin.taken.length > 0) {
      // The reader is done with the records: their buffers serve the next reads (once: a second
      // ack of the same batch must not hand them out twice).
      this.buffers.give(origin.taken);
      origin.taken = [];
    }
    if (this.host.state() === 'closed') return;
    if (origin.store === undefined) {
      origin.memory.ack(cursor, origin.endSeq);
      return;
    }
    const store = origin.store;
    if (!this.host.stores().includes(store)) return;
    if (!store.advance(cursor, origin.end, origin.newestAppendedAtMs)) return;
    await store.ledger.persist();
    await this.host.afterAck(store);
  }

  rewind(cursor: string): void {
    for (const store of this.host.stores()) store.rewind(cursor);
    this.host.memory()?.rewind(cursor);
    this.host.early()?.rewind(cursor);
    this.wake();
  }

  waitForData(cursor: string, signal?: AbortSignal): Promise<void> {
    if (this.host.state() !== 'open' || signal?.aborted === true || this.hasUnread(cursor))
      return Promise.resolve();
    return new Promise((resolve) => {
      const waiter = {
        cursor,
        resolve: () => {
          this.waiters.delete(waiter);
          signal?.removeEventListener('abort', waiter.resolve);
          resolve();
        },
      };
      this.waiters.add(waiter);
      signal?.addEventListener('abort', waiter.resolve, { once: true });
    });
  }

  /** Resolves the waiters that now have data (all of them once the queue is no longer open). */
  wake(): void {
    const open = this.host.state() === 'open';
    for (const w of [...this.waiters]) if (!open || this.hasUnread(w.cursor)) w.resolve();
  }

  private hasUnread(cursor: string): boolean {
    if (this.host.early()?.hasUnread(cursor) === true) return true;
    const memory = this.host.memory();
    if (memory !== undefined && (memory.nextUnread(cursor) ?? Infinity) < this.host.firstUnsettledSeq()) {
      return true;
    }
    return this.host.stores().some((s) => s.hasUnread(cursor));
  }
}

/** Sequence number of the next durable record `cursor` would read from `store`; Infinity when none. */
function nextDiskSeq(store: SegmentStore, cursor: string): number {
  const found = store.locate(store.positions(cursor).read);
  if (found === undefined) return Infinity;
  if (found.pos.offset < found.segment.durableSize) return found.pos.seq;
  for (const s of store.segments) {
    if (s.id > found.segment.id && s.durableSize > s.headerLength) return s.firstSeq;
  }
  return Infinity;
}
