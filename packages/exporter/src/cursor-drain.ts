import type { QueueCursor } from '@otel-lifeline/disk-queue';
import { createBatchReader, type BatchLimits } from './batch-reader.js';
import type { SendResult, Transport } from './transport.js';

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
 * Replays a cursor until it is empty, one request at a time, and stops at the first batch no
 * endpoint took, leaving it (and everything after it) in the queue:
 *
 *   read (batch-reader.ts) ─► concatenate ─► send ─► ok / partial ─► ack ─► read ...
 *                                                 └► rejected / retryable ─► rewind, stop
 *
 * The queued sender runs forever beside a live app and dead-letters a rejected batch so the
 * queue keeps moving; a drain is run by hand, so a rejection stops it for someone to look at.
 */
export async function drainCursor(options: CursorDrainOptions): Promise<CursorDrainResult> {
  const { cursor, transport } = options;
  const batches = createBatchReader(cursor, options, options.countItems);
  const progress: CursorDrainProgress = { records: 0, items: 0, rejectedItems: 0 };
  for (;;) {
    const batch = await batches.read();
    if (batch === undefined) return progress;
    const { body, encoding, items } = batches.join(batch);
    const result = await transport.send(body, { encoding, items });
    if (result.kind === 'rejected' || result.kind === 'retryable') {
      cursor.rewind();
      return { ...progress, stopped: result };
    }
    if (result.kind === 'partial') progress.rejectedItems += result.rejected;
    await cursor.ack(batch);
    progress.records += batch.records.length;
    progress.items += items;
    options.onAcked?.({ ...progress });
  }
}
