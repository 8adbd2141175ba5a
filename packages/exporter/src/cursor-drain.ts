import type { QueueCursor } from '@otel-lifeline/disk-queue';
import { createBatchReader, type BatchLimits } from './batch-reader.js';
import { sendParts, type SendResult, type Transport } from './transport.js';

export interface CursorDrainOptions extends BatchLimits {
  cursor: QueueCursor;
  /** Usually a retrying transport: its attempts bound how long one batch is tried. */
  transport: Transport;
  countItems: (body: Uint8Array) => number;
  /** After each acknowledged batch. */
  onAcked?: (progress: CursorDrainProgress) => void;
}

export interface CursorDrainProgress {
  /** Fragments acknowledged. */
  records: number;
  /** Items (spans, log records, data points) in them. */
  items: number;
  /** Items a partial success refused (acknowledged: the endpoint answered for them). */
  rejectedItems: number;
}

export interface CursorDrainResult extends CursorDrainProgress {
  /** Why the drain stopped before the cursor was empty; the batch in flight stays in the queue. */
  stopped?: Extract<SendResult, { kind: 'rejected' | 'retryable' }>;
}

/*
 * Replays a cursor until it is empty, DRAIN_REQUESTS_IN_FLIGHT requests at a time, and stops at
 * the first batch no endpoint took, leaving it (and everything after it) in the queue:
 *
 *   read ~4 requests' worth (batch-reader.ts readParts) ─► a body of each part's fragments
 *        ─► send them together, and read the next ~4 meanwhile
 *        ─► all ok / partial ─► ack (its ledger write overlaps the next sends) ─► read ...
 *        └► any rejected / retryable ─► rewind, stop (parts after it that went out are sent again
 *           by the next drain: at least once)
 *
 * The queued sender runs forever beside a live app and dead-letters a rejected batch so the
 * queue keeps moving; a drain is run by hand, so a rejection stops it for someone to look at.
 */
/** Requests sent at once (the HTTP agent keeps 4 connections per endpoint). */
export const DRAIN_REQUESTS_IN_FLIGHT = 4;

export async function drainCursor(options: CursorDrainOptions): Promise<CursorDrainResult> {
  const { cursor, transport } = options;
  const batches = createBatchReader(cursor, options, options.countItems);
  const progress: CursorDrainProgress = { records: 0, items: 0, rejectedItems: 0 };
  let acking: Promise<void> = Promise.resolve();
  let next = batches.readParts(DRAIN_REQUESTS_IN_FLIGHT);
  try {
    for (;;) {
      const parts = await next;
      if (parts === undefined) return progress;
      const joined = parts.map((part) => batches.join(part));
      const sending = Promise.all(
        joined.map((j) => sendParts(transport, j.parts, { encoding: j.encoding, items: j.items })),
      );
      // The next read overlaps these sends (into other buffers: this batch is not acknowledged yet).
      next = batches.readParts(DRAIN_REQUESTS_IN_FLIGHT);
      const results = await sending;
      const stopped = results.find(
        (r): r is Extract<SendResult, { kind: 'rejected' | 'retryable' }> =>
          r.kind === 'rejected' || r.kind === 'retryable',
      );
      if (stopped !== undefined) {
        await next.catch(() => undefined); // the rewind must come after it, not race it
        cursor.rewind();
        return { ...progress, stopped };
      }
      for (const [i, result] of results.entries()) {
        if (result.kind === 'partial') progress.rejectedItems += result.rejected;
        progress.items += joined[i]!.items;
        progress.records += parts[i]!.records.length;
      }
      const batch = parts[parts.length - 1]!.ack!;
      // The cursor moves at once; the ledger writes of consecutive acks overlap the next sends.
      acking = Promise.all([acking, cursor.ack(batch)]).then(() => undefined);
      options.onAcked?.({ ...progress });
    }
  } finally {
    // A read started beside sends that failed is not waited for above: it must not reject unseen.
    await next.catch(() => undefined);
    await acking;
  }
}
