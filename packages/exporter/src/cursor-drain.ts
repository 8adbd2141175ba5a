import type { QueueCursor } from '@otel-lifeline/disk-queue';
import { createBatchReader, type BatchLimits, type Part } from './batch-reader.js';
import { sendInParts, type SendResult, type Transport } from './transport.js';

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
 * Replays a cursor until it is empty, DRAIN_REQUESTS_IN_FLIGHT requests in flight, and stops at
 * the first request no endpoint took, leaving its batch (and everything after it) in the queue:
 *
 *   read ~4 requests' worth (batch-reader.ts readParts) ─► a body of each part's fragments
 *        ─► keep 4 requests in flight, answers taken in order; the next read overlaps the sends
 *        ─► ok / partial ─► the batch's last part answered: ack (its ledger write overlaps the
 *           next sends)
 *        └► rejected / retryable ─► wait for those in flight, rewind, stop (parts after it that
 *           went out are sent again by the next drain: at least once)
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
  /** What the parts answered since the last acknowledgement: counted once their batch is acked. */
  const answered: CursorDrainProgress = { records: 0, items: 0, rejectedItems: 0 };
  const inFlight: Array<{ part: Part; items: number; result: Promise<SendResult> }> = [];
  let acking: Promise<void> = Promise.resolve();
  let parts: Part[] = [];
  let reading: Promise<Part[] | undefined> | undefined = batches.readParts(DRAIN_REQUESTS_IN_FLIGHT);
  try {
    for (;;) {
      while (inFlight.length < DRAIN_REQUESTS_IN_FLIGHT && (parts.length > 0 || reading !== undefined)) {
        if (parts.length === 0) {
          parts = (await reading) ?? [];
          // The next read overlaps these sends (into other buffers: this batch is not acked yet).
          reading = parts.length > 0 ? batches.readParts(DRAIN_REQUESTS_IN_FLIGHT) : undefined;
          continue;
        }
        const part = parts.shift() as Part;
        const j = batches.join(part);
        const result = sendInParts(transport, j.parts, { encoding: j.encoding, items: j.items });
        inFlight.push({ part, items: j.items, result });
      }
      const first = inFlight.shift();
      if (first === undefined) return progress;
      const result = await first.result;
      if (result.kind === 'rejected' || result.kind === 'retryable') {
        // The parts after it that went out are sent again by the next drain: at least once.
        await Promise.all(inFlight.splice(0).map((f) => f.result));
        await reading?.catch(() => undefined); // the rewind must come after it, not race it
        reading = undefined;
        cursor.rewind();
        return { ...progress, stopped: result };
      }
      if (result.kind === 'partial') answered.rejectedItems += result.rejected;
      answered.items += first.items;
      answered.records += first.part.records.length;
      if (first.part.ack === undefined) continue;
      progress.records += answered.records;
      progress.items += answered.items;
      progress.rejectedItems += answered.rejectedItems;
      Object.assign(answered, { records: 0, items: 0, rejectedItems: 0 });
      // The cursor moves at once; the ledger writes of consecutive acks overlap the next sends.
      acking = Promise.all([acking, cursor.ack(first.part.ack)]).then(() => undefined);
      options.onAcked?.({ ...progress });
    }
  } finally {
    // Whatever was left under way when something threw must not reject unseen.
    await Promise.all([reading, ...inFlight.map((f) => f.result)].map((p) => p?.catch(() => undefined)));
    await acking;
  }
}
