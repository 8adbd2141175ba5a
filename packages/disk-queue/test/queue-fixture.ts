import { afterEach, beforeEach } from 'vitest';
import {
  openDiskQueue,
  type DiskQueue,
  type DiskQueueOptions,
  type DropEvent,
} from '@otel-lifeline/disk-queue';
import { tempDir } from './helpers.js';

export interface QueueDir {
  /** This test's own temp directory, removed after it. */
  readonly dir: string;
  /** Every drop the queues opened by `open` reported during this test. */
  readonly drops: DropEvent[];
  /** Opens a queue in `dir` that reports its drops into `drops`; the last one opened is closed after the test. */
  open(options?: Omit<DiskQueueOptions, 'directory'>): Promise<DiskQueue>;
}

/** A small disk bound: 4 KiB in 1 KiB segments, with a buffer of one segment. */
export const SMALL_DISK = { maxBytes: 4096, segmentBytes: 1024, maxBufferBytes: 1024 } as const;

/** Registers the hooks that give each test of the enclosing describe a fresh queue directory. */
export function useQueueDir(prefix: string): QueueDir {
  let dir = '';
  let cleanup: () => Promise<void> = async () => {};
  let queue: DiskQueue | undefined;
  const drops: DropEvent[] = [];

  beforeEach(async () => {
    ({ dir, cleanup } = await tempDir(prefix));
    drops.length = 0;
  });

  afterEach(async () => {
    await queue?.close();
    queue = undefined;
    await cleanup();
  });

  return {
    get dir() {
      return dir;
    },
    drops,
    async open(options = {}) {
      queue = await openDiskQueue({ directory: dir, onDrop: (e) => drops.push(e), ...options });
      return queue;
    },
  };
}
