import { hostname } from 'node:os';
import { join } from 'node:path';
import type { FileSystem } from './file-system.js';
import { LOCK_FILE } from './ownership.js';

/** Waits between probes of a disk that refused writes: doubling from the first, capped here. */
const MAX_PROBE_DELAY_MS = 30_000;
/** What a probe writes and syncs: enough to tell "room for a group commit" from "a few blocks". */
const PROBE_BYTES = 64 * 1024;
export const PROBE_FILE = 'probe.tmp';

/**
 * The degraded state's clock: after the disk refused a write, probe it with growing waits (1 s,
 * 2 s, 4 s ... 30 s by default) until a probe writes, syncs and removes one small file. One file at
 * a time, always removed: a full disk collects no debris, however long it stays full.
 *
 *   durable ──write fails (ENOSPC, EROFS, EIO, EACCES, gone)──► degraded ──probe ok──► durable
 *   open fails (the same, or the directory cannot be created) ──►    │   ▲       (a queue that never
 *                                                                   └───┘        opened opens now)
 *                                                      probe (or late open) fails: wait ×2
 */
export class RecoveryProbe {
  private timer: NodeJS.Timeout | undefined;
  private delayMs: number;
  private running: Promise<void> | undefined;

  constructor(
    private readonly o: {
      fs: FileSystem;
      directory: () => string;
      directoryMode: number;
      fileMode: number;
      firstDelayMs: number;
      /** A probe recreates a vanished lock file (false while the queue has never claimed the directory). */
      claimsLock: () => boolean;
      /** Called once a probe succeeded; false: not recovered after all, keep probing. */
      recovered: () => Promise<boolean>;
    },
  ) {
    this.delayMs = o.firstDelayMs;
  }

  get active(): boolean {
    return this.timer !== undefined || this.running !== undefined;
  }

  start(): void {
    if (this.active) return;
    this.delayMs = this.o.firstDelayMs;
    this.schedule();
  }

  stop(): Promise<void> {
    clearTimeout(this.timer);
    this.timer = undefined;
    return this.running ?? Promise.resolve();
  }

  private schedule(): void {
    this.timer = setTimeout(() => {
      this.timer = undefined;
      this.running = this.attempt().finally(() => (this.running = undefined));
    }, this.delayMs);
    this.timer.unref();
  }

  private async attempt(): Promise<void> {
    if ((await this.probe()) && (await this.o.recovered())) return;
    this.delayMs = Math.min(MAX_PROBE_DELAY_MS, this.delayMs * 2);
    this.schedule();
  }

  /** Recreates a vanished directory, then writes, syncs and removes one small file. */
  private async probe(): Promise<boolean> {
    const { fs } = this.o;
    const directory = this.o.directory();
    const path = join(directory, PROBE_FILE);
    try {
      await fs.mkdir(directory, this.o.directoryMode);
      // A directory recreated after it vanished has lost its lock file: claim it again.
      if (this.o.claimsLock()) await ensureLock(fs, directory, this.o.fileMode);
      const file = await fs.open(path, 'w', this.o.fileMode);
      try {
        await file.writev([Buffer.alloc(PROBE_BYTES)], 0);
        await file.datasync();
      } finally {
        await file.close();
      }
      return true;
    } catch {
      return false;
    } finally {
      await fs.unlink(path).catch(() => undefined);
    }
  }
}

async function ensureLock(fs: FileSystem, directory: string, mode: number): Promise<void> {
  const lock = join(directory, LOCK_FILE);
  try {
    await fs.stat(lock);
    return;
  } catch {
    // Written below.
  }
  const file = await fs.open(lock, 'wx', mode);
  try {
    const owner = { pid: process.pid, hostname: hostname(), startedAtMs: Date.now() };
    await file.writev([Buffer.from(JSON.stringify(owner))], 0);
    await file.sync();
  } finally {
    await file.close();
  }
}
