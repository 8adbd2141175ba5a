import type { QueueBatch, QueueCursor, ReadLimits } from './types.js';

/** What a cursor asks of its queue: the queue does the work, keyed by cursor name. */
export interface CursorHost {
  read(cursor: string, limits: ReadLimits | undefined): Promise<QueueBatch | undefined>;
  ack(cursor: string, batch: QueueBatch): Promise<void>;
  rewind(cursor: string): void;
  waitForData(cursor: string, signal?: AbortSignal): Promise<void>;
}

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
