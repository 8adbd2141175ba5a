import { DiskQueueError } from './errors.js';
import { releaseLock } from './ownership.js';
import { claimDirectory, claimOrphans, removeQueueDirectory } from './queue-directory.js';
import { recoverStore } from './recovery.js';
import { DIRECTORY_MODE, FILE_MODE, type ResolvedOptions } from './resolve-options.js';
import type { SegmentStore, StoreContext } from './segment-store.js';

export interface OpenedStores {
  /** The store this process appends to (the configured directory or its `queue-<pid>/`). */
  own: SegmentStore;
  /** Dead owners' stores with records left, to drain before our own. */
  adopted: SegmentStore[];
}

/**
 * Claims a directory (or a sub-directory when a live process holds it), recovers it, then claims
 * and recovers every dead sibling. Throws `LIFELINE_ERR_QUEUE_KEY` for a key problem and the I/O
 * error when the own directory cannot be used; either way every lock taken is released. An
 * orphan that cannot be read is left for a later start; one with nothing left is removed.
 */
export async function openStores(
  o: ResolvedOptions,
  context: StoreContext,
  onOwnRecovered: (own: SegmentStore) => void,
): Promise<OpenedStores> {
  const dirOptions = {
    fs: o.fs,
    nowMs: o.clock.now(),
    lockStaleMs: o.lockStaleMs,
    fileMode: FILE_MODE,
    directoryMode: DIRECTORY_MODE,
  };
  const recoverOptions = { cursors: o.cursors, keys: o.keys };
  const locked: string[] = [];
  const adopted: SegmentStore[] = [];
  try {
    const ownDir = await claimDirectory(o.directory, dirOptions);
    locked.push(ownDir);
    await o.fs.chmod(ownDir, DIRECTORY_MODE).catch(() => undefined);
    const own = await recoverStore(ownDir, context, { ...recoverOptions, writable: true });
    onOwnRecovered(own);
    for (const dir of await claimOrphans(o.directory, ownDir, dirOptions)) {
      locked.push(dir);
      let store: SegmentStore;
      try {
        store = await recoverStore(dir, context, { ...recoverOptions, writable: false });
      } catch (error) {
        if (error instanceof DiskQueueError) throw error;
        context.onError(error);
        await releaseLock(o.fs, dir);
        continue;
      }
      if (store.isDrained()) {
        await store.closeAll();
        await removeQueueDirectory(o.fs, dir);
        await releaseLock(o.fs, dir);
      } else {
        adopted.push(store);
      }
    }
    return { own, adopted };
  } catch (error) {
    for (const s of adopted) await s.closeAll();
    for (const dir of locked) await releaseLock(o.fs, dir);
    throw error;
  }
}
