import type { QueueBatch, QueueCursor } from '@otel-lifeline/disk-queue';
import { stageEnd, stageStart } from './diagnostics.js';
import { fragmentParts, plainBytes, type FragmentParts } from './fragment-format.js';
import { partsBytes } from './transport.js';

export interface BatchLimits {
  maxBatchRecords: number;
  /** Bound on the request before compression, whatever the fragments weigh at rest. */
  maxBatchBytes: number;
}

/** One request's fragments; the part that ends a queue batch carries it, to be acknowledged. */
export interface Part {
  records: Uint8Array[];
  bytes: number;
  oldestAppendedAtMs: number;
  ack?: QueueBatch;
}

export interface BatchReader {
  /**
   * About `requests` requests' worth of fragments in one read, split into parts of at most
   * maxBatchRecords fragments and maxBatchBytes of protobuf (each fragment's gzip ISIZE), so none
   * is read twice. The last part carries the queue batch. The fragments are views of read buffers
   * that the queue reuses once the batch is acknowledged: nothing may hold them past the ack.
   */
  readParts(requests: number): Promise<Part[] | undefined>;
  /** One OTLP request from the fragments, in parts: never decoded or recompressed. */
  join(batch: { readonly records: readonly Uint8Array[] }): FragmentParts;
}

/**
 * Reads a cursor in requests of at most maxBatchRecords fragments and maxBatchBytes of protobuf —
 * the request before compression, whatever the fragments weigh at rest: the read is sized by the
 * last batch's stored-to-plain ratio and split by each fragment's size. Shared by the exporter's
 * queued sender and `lifeline queue drain`.
 */
export function createBatchReader(
  cursor: QueueCursor,
  limits: BatchLimits,
  countItems: (body: Uint8Array) => number,
): BatchReader {
  /** Stored bytes per protobuf byte in the last batch (below 1 when fragments rest compressed). */
  let storedRatio = 1;
  const count = (body: Uint8Array): number => {
    try {
      return countItems(body);
    } catch {
      return 0;
    }
  };
  return {
    async readParts(requests) {
      const { maxBatchRecords, maxBatchBytes } = limits;
      const batch = await cursor.read({
        maxRecords: maxBatchRecords * requests,
        maxBytes: Math.max(1, Math.floor(maxBatchBytes * storedRatio)) * requests,
        recycle: true,
      });
      if (batch === undefined) return undefined;
      const parts: Part[] = [];
      const at = batch.oldestAppendedAtMs;
      let part: Part = { records: [], bytes: 0, oldestAppendedAtMs: at };
      let plain = 0;
      let totalPlain = 0;
      for (const record of batch.records) {
        const size = plainBytes(record);
        totalPlain += size;
        // The first fragment goes even alone past the bound (as a large fragment always did).
        if (
          part.records.length > 0 &&
          (plain + size > maxBatchBytes || part.records.length >= maxBatchRecords)
        ) {
          parts.push(part);
          part = { records: [], bytes: 0, oldestAppendedAtMs: at };
          plain = 0;
        }
        part.records.push(record);
        part.bytes += record.byteLength;
        plain += size;
      }
      parts.push({ ...part, ack: batch });
      storedRatio = totalPlain > 0 ? Math.min(1, batch.bytes / totalPlain) : 1;
      return parts;
    },
    join(batch) {
      const started = stageStart();
      const joined = fragmentParts(batch.records, count);
      // Summed only when someone listens: this runs once per request.
      if (started >= 0) stageEnd('concat', started, batch.records.length, partsBytes(joined.parts));
      return joined;
    },
  };
}
