import type { CursorHost } from './disk-queue.js';
import type { QueueBatch, QueueCursor, ReadLimits } from './types.js';

/** A named read position on a queue; the queue does the work. */
export function createQueueCursor(name: string, host: CursorHost): QueueCursor {
  return {
    name,
    read: (limits?: ReadLimits) => host.read(name, limits),
    ack: (batch: QueueBatch) => host.ack(name, batch),
    rewind: () => host.rewind(name),
    waitForData: (signal?: AbortSignal) => host.waitForData(name, signal),
  };
}
