import { DiskQueueError } from './errors.js';
import type { Position } from './ledger.js';
import { DEFAULT_READ_MAX_BYTES, DEFAULT_READ_MAX_RECORDS } from './resolve-options.js';
import { readRecords } from './segment-reader.js';
import { comparePositions, type SegmentStore } from './segment-store.js';
import type { QueueBatch, ReadLimits } from './types.js';

/** What the cursors need from their queue. */
export interface ReadHost {
  /** Adopted stores first (older data), then the queue's own. */
  stores(): readonly SegmentStore[];
  state(): 'opening' | 'open' | 'closing' | 'closed';
  /** After an acknowledgement is durable: delete what is done, retire a drained adopted store. */
  afterAck(store: SegmentStore): Promise<void>;
}

interface BatchOrigin {
  store: SegmentStore;
  cursor: string;
  end: Position;
  newestAppendedAtMs: number;
}

/**
 * The cursors' side of a queue: reads serialised per cursor, acknowledgements, rewinds and
 * waiters. A cursor reads adopted stores before the queue's own; a batch never spans two stores.
 */
export class QueueReads {
  private readonly origins = new WeakMap<QueueBatch, BatchOrigin>();
  private readonly chains = new Map<string, Promise<unknown>>();
  private readonly waiters = new Set<{ cursor: string; resolve: () => void }>();

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
    for (const store of [...this.host.stores()]) {
      for (;;) {
        if (this.host.state() === 'closed') return undefined;
        const p = store.positions(cursor);
        if (!store.hasUnread(cursor)) break;
        const epoch = p.epoch;
        const start = { ...p.read };
        const result = await readRecords(store, start, maxRecords, maxBytes);
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
        });
        return batch;
      }
    }
    return undefined;
  }

  async ack(cursor: string, batch: QueueBatch): Promise<void> {
    const origin = this.origins.get(batch);
    if (origin === undefined || origin.cursor !== cursor) {
      throw new DiskQueueError(
        'LIFELINE_ERR_QUEUE_MISUSE',
        `ack on cursor '${cursor}' of a batch that cursor did not read`,
      );
    }
    if (this.host.state() === 'closed') return;
    const store = origin.store;
    if (!this.host.stores().includes(store)) return;
    if (!store.advance(cursor, origin.end, origin.newestAppendedAtMs)) return;
    await store.ledger.persist();
    await this.host.afterAck(store);
  }

  rewind(cursor: string): void {
    for (const store of this.host.stores()) store.rewind(cursor);
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
    return this.host.stores().some((s) => s.hasUnread(cursor));
  }
}
