import { join } from 'node:path';
import { errorCode, type FileSystem } from './file-system.js';
import { LEDGER_FILE, LEDGER_TEMP_FILE } from './ledger.js';
import { acquireLock, LOCK_FILE, readLock, SUBDIRECTORY_PATTERN, subdirectoryName } from './ownership.js';
import { SEGMENT_FILE_PATTERN } from './segment-header.js';

export interface DirectoryOptions {
  fs: FileSystem;
  nowMs: number;
  lockStaleMs: number;
  fileMode: number;
  directoryMode: number;
}

/**
 * Chooses the directory this process writes to: the one given when it is free or its owner is
 * dead, else a `queue-<pid>` sub-directory of it (cluster workers and PM2 instances share one
 * configured path). Resolves the locked directory.
 */
export async function claimDirectory(root: string, o: DirectoryOptions): Promise<string> {
  await o.fs.mkdir(root, o.directoryMode);
  const lock = { nowMs: o.nowMs, lockStaleMs: o.lockStaleMs, fileMode: o.fileMode };
  if (await acquireLock(o.fs, root, lock)) return root;
  for (let attempt = 0; attempt < 64; attempt++) {
    const sub = join(root, subdirectoryName(process.pid, attempt));
    await o.fs.mkdir(sub, o.directoryMode);
    if (await acquireLock(o.fs, sub, lock)) return sub;
  }
  throw new Error(`no free sub-directory under ${root} for process ${process.pid}`);
}

/** Sibling sub-directories whose owner is dead, now locked by this process for draining. */
export async function claimOrphans(root: string, own: string, o: DirectoryOptions): Promise<string[]> {
  let names: string[];
  try {
    names = await o.fs.readdir(root);
  } catch {
    return [];
  }
  const claimed: string[] = [];
  for (const name of names.filter((n) => SUBDIRECTORY_PATTERN.test(n)).sort()) {
    const dir = join(root, name);
    if (dir === own) continue;
    try {
      if (!(await o.fs.stat(dir)).isDirectory) continue;
      const state = await readLock(o.fs, dir, o.nowMs, o.lockStaleMs);
      if (state?.alive === true) continue;
      if (state === undefined) {
        // No lock: a directory being set up right now, or one left empty. Only data makes it an orphan.
        const entries = await o.fs.readdir(dir);
        if (!entries.some((e) => SEGMENT_FILE_PATTERN.test(e))) continue;
      }
      if (
        await acquireLock(o.fs, dir, { nowMs: o.nowMs, lockStaleMs: o.lockStaleMs, fileMode: o.fileMode })
      ) {
        claimed.push(dir);
      }
    } catch {
      // Unreadable sibling: leave it for a later start.
    }
  }
  return claimed;
}

/** Removes a drained queue directory: its segments, ledger, then lock, then the directory itself. */
export async function removeQueueDirectory(fs: FileSystem, dir: string): Promise<void> {
  const names = await fs.readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (SEGMENT_FILE_PATTERN.test(name) || name === LEDGER_FILE || name === LEDGER_TEMP_FILE) {
      await fs.unlink(join(dir, name)).catch(() => undefined);
    }
  }
  await fs.unlink(join(dir, LOCK_FILE)).catch(() => undefined);
  try {
    await fs.rmdir(dir);
  } catch (error) {
    // Foreign files keep the directory; it holds no queue data any more.
    if (errorCode(error) !== 'ENOTEMPTY' && errorCode(error) !== 'EEXIST' && errorCode(error) !== 'ENOENT')
      throw error;
  }
}
