import { hostname } from 'node:os';
import { join } from 'node:path';
import { errorCode, type FileSystem } from './file-system.js';

/**
 * Ownership of a queue directory: a lock file holding the owner's pid, host and start time.
 *
 *   <directory>/lock            {"pid":4242,"hostname":"api-7","startedAtMs":...}
 *   <directory>/queue-<pid>/    a second live process on the same directory writes here instead
 *
 * A lock is live when its host is this host and its pid is alive (and is not this very process,
 * which can only mean a previous process that had the same pid, as in a restarted container), or,
 * for another host, when the owner refreshed its mtime within `lockStaleMs`. A directory whose
 * owner is dead is taken over: its records are recovered and delivered.
 */
export const LOCK_FILE = 'lock';
export const SUBDIRECTORY_PATTERN = /^queue-\d+(-\d+)?$/;

export interface LockOwner {
  pid: number;
  hostname: string;
  startedAtMs: number;
}

/** Directories locked by queues of this process (a second queue on one of them must go elsewhere). */
const heldHere = new Set<string>();

export function isHeldHere(directory: string): boolean {
  return heldHere.has(directory);
}

export function subdirectoryName(pid: number, attempt: number): string {
  return attempt === 0 ? `queue-${pid}` : `queue-${pid}-${attempt}`;
}

export function parseLock(bytes: Uint8Array): LockOwner | undefined {
  try {
    const v = JSON.parse(Buffer.from(bytes).toString('utf8')) as Partial<LockOwner>;
    if (typeof v.pid !== 'number' || !Number.isInteger(v.pid) || v.pid <= 0) return undefined;
    return { pid: v.pid, hostname: String(v.hostname ?? ''), startedAtMs: Number(v.startedAtMs ?? 0) };
  } catch {
    return undefined;
  }
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return errorCode(error) === 'EPERM';
  }
}

export function ownerAlive(owner: LockOwner, mtimeMs: number, nowMs: number, lockStaleMs: number): boolean {
  if (owner.hostname === hostname()) return owner.pid !== process.pid && processAlive(owner.pid);
  return nowMs - mtimeMs < lockStaleMs;
}

export interface LockState {
  owner: LockOwner | undefined;
  alive: boolean;
}

/** Reads a directory's lock without taking it (for the offline tools). */
export async function readLock(
  fs: FileSystem,
  directory: string,
  nowMs: number,
  lockStaleMs: number,
): Promise<LockState | undefined> {
  const path = join(directory, LOCK_FILE);
  let bytes: Uint8Array;
  let mtimeMs: number;
  try {
    bytes = await fs.readFile(path);
    mtimeMs = (await fs.stat(path)).mtimeMs;
  } catch (error) {
    if (errorCode(error) === 'ENOENT') return undefined;
    throw error;
  }
  const owner = parseLock(bytes);
  // An unparsable lock is a lock being written right now, or a crash while writing it.
  if (owner === undefined) return { owner: undefined, alive: nowMs - mtimeMs < 5_000 };
  return { owner, alive: isHeldHere(directory) || ownerAlive(owner, mtimeMs, nowMs, lockStaleMs) };
}

/**
 * Takes the directory's lock if it is free or its owner is dead. Resolves true when this process
 * now owns it. A stale lock is first renamed aside (only one contender's rename succeeds), then
 * the lock is created with O_EXCL.
 */
export async function acquireLock(
  fs: FileSystem,
  directory: string,
  options: { nowMs: number; lockStaleMs: number; fileMode: number },
): Promise<boolean> {
  if (heldHere.has(directory)) return false;
  const path = join(directory, LOCK_FILE);
  const owner: LockOwner = { pid: process.pid, hostname: hostname(), startedAtMs: options.nowMs };
  for (let attempt = 0; attempt < 4; attempt++) {
    if (await createLock(fs, directory, owner, options.fileMode)) {
      heldHere.add(directory);
      return true;
    }
    const state = await readLock(fs, directory, options.nowMs, options.lockStaleMs);
    if (state === undefined) continue; // released meanwhile: try again
    if (state.alive) return false;
    const aside = `${path}.stale-${process.pid}-${attempt}`;
    try {
      await fs.rename(path, aside);
    } catch (error) {
      if (errorCode(error) === 'ENOENT') continue; // someone else took it aside first
      throw error;
    }
    // Between reading the stale lock and renaming it, another contender may have replaced it with
    // its own fresh lock: check that what was moved aside is the lock judged stale.
    const moved = parseLock(await fs.readFile(aside).catch(() => new Uint8Array()));
    const judged = state.owner;
    if (
      moved !== undefined &&
      (judged === undefined || moved.pid !== judged.pid || moved.startedAtMs !== judged.startedAtMs)
    ) {
      // Put it back unless yet another lock appeared meanwhile (link never overwrites).
      await fs.link(aside, path).catch(() => undefined);
      await fs.unlink(aside).catch(() => undefined);
      return false;
    }
    await fs.unlink(aside).catch(() => undefined);
  }
  return false;
}

/**
 * Creates the lock with its content in one step: the owner is written to a temporary file, synced,
 * then hard-linked to `lock`, which fails if a lock exists. So a lock is never seen empty or half
 * written. Where hard links are not supported, falls back to an O_EXCL create and write.
 * Resolves false when a lock already exists.
 */
async function createLock(
  fs: FileSystem,
  directory: string,
  owner: LockOwner,
  mode: number,
): Promise<boolean> {
  const path = join(directory, LOCK_FILE);
  const bytes = Buffer.from(JSON.stringify(owner));
  const temp = `${path}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  try {
    // Inside the try: a disk that refuses the write must not keep the empty temporary file.
    await writeSynced(fs, temp, 'wx', bytes, mode);
    await fs.link(temp, path);
    return true;
  } catch (error) {
    const code = errorCode(error);
    if (code === 'EEXIST') return false;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw error;
  } finally {
    await fs.unlink(temp).catch(() => undefined);
  }
  try {
    await writeSynced(fs, path, 'wx', bytes, mode);
    return true;
  } catch (error) {
    if (errorCode(error) === 'EEXIST') return false;
    throw error;
  }
}

async function writeSynced(
  fs: FileSystem,
  path: string,
  flags: string,
  bytes: Uint8Array,
  mode: number,
): Promise<void> {
  const file = await fs.open(path, flags, mode);
  try {
    await file.writev([bytes], 0);
    await file.sync();
  } finally {
    await file.close();
  }
}

export async function releaseLock(fs: FileSystem, directory: string): Promise<void> {
  heldHere.delete(directory);
  await fs.unlink(join(directory, LOCK_FILE)).catch(() => undefined);
}

/** Forgets this process's hold without touching the file: what a crash leaves behind. */
export function forgetLock(directory: string): void {
  heldHere.delete(directory);
}

export async function touchLock(fs: FileSystem, directory: string, nowMs: number): Promise<void> {
  await fs.utimes(join(directory, LOCK_FILE), nowMs, nowMs);
}
