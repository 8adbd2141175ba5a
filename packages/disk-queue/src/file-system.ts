import { constants } from 'node:fs';
import * as fsp from 'node:fs/promises';

/** What the queue needs of an open file: positional reads and writes, sync, truncate. */
export interface OpenFile {
  /** Reads up to `length` bytes at file `position` into `buffer[offset..]`; resolves the count read. */
  read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number>;
  /** Writes the buffers in order at file `position` (one `pwritev`); resolves the count written. */
  writev(buffers: readonly Uint8Array[], position: number): Promise<number>;
  /** `fdatasync`: the data and the size are durable. */
  datasync(): Promise<void>;
  /**
   * True when the file was opened with `dsync` and the platform honours it (`O_DSYNC`): each
   * `writev` resolves only once its bytes and the size are durable, as a `writev` followed by a
   * `datasync` would, but in one system call and one trip through the thread pool. Absent or
   * false: the caller must `datasync`.
   */
  readonly durableWrites?: boolean;
  /** `fsync`: data and all metadata are durable. */
  sync(): Promise<void>;
  truncate(length: number): Promise<void>;
  size(): Promise<number>;
  close(): Promise<void>;
}

export interface FileStat {
  size: number;
  mtimeMs: number;
  isDirectory: boolean;
}

/**
 * The file-system seam. The default is node:fs/promises; tests substitute one that fails or
 * stops persisting at a chosen call to prove the queue degrades instead of throwing.
 */
export interface FileSystem {
  mkdir(path: string, mode: number): Promise<void>;
  readdir(path: string): Promise<string[]>;
  /**
   * `flags` as in node:fs: 'r', 'r+', 'wx' (create, fail if it exists), 'wx+' (the same, readable), 'w'. `dsync` asks for
   * durable writes (see `OpenFile.durableWrites`); a file system may ignore it.
   */
  open(path: string, flags: string, mode?: number, options?: OpenOptions): Promise<OpenFile>;
  readFile(path: string): Promise<Uint8Array>;
  stat(path: string): Promise<FileStat>;
  rename(from: string, to: string): Promise<void>;
  /** Hard link; fails with EEXIST when `to` exists (how a lock is created atomically). */
  link(existing: string, to: string): Promise<void>;
  unlink(path: string): Promise<void>;
  rmdir(path: string): Promise<void>;
  chmod(path: string, mode: number): Promise<void>;
  utimes(path: string, atimeMs: number, mtimeMs: number): Promise<void>;
  /** fsync a directory so a created, renamed or removed entry is durable. */
  syncDirectory(path: string): Promise<void>;
}

export interface OpenOptions {
  dsync?: boolean;
}

/** node:fs flag strings for the modes that can write, as numbers that `O_DSYNC` can join. */
const WRITE_FLAGS: Record<string, number> = {
  'r+': constants.O_RDWR,
  w: constants.O_WRONLY | constants.O_CREAT | constants.O_TRUNC,
  wx: constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL,
  'wx+': constants.O_RDWR | constants.O_CREAT | constants.O_EXCL,
};

class NodeOpenFile implements OpenFile {
  constructor(
    private readonly handle: fsp.FileHandle,
    readonly durableWrites: boolean,
  ) {}

  async read(buffer: Uint8Array, offset: number, length: number, position: number): Promise<number> {
    const { bytesRead } = await this.handle.read(buffer, offset, length, position);
    return bytesRead;
  }

  async writev(buffers: readonly Uint8Array[], position: number): Promise<number> {
    const { bytesWritten } = await this.handle.writev(buffers as Uint8Array[], position);
    return bytesWritten;
  }

  datasync(): Promise<void> {
    return this.handle.datasync();
  }

  sync(): Promise<void> {
    return this.handle.sync();
  }

  truncate(length: number): Promise<void> {
    return this.handle.truncate(length);
  }

  async size(): Promise<number> {
    return (await this.handle.stat()).size;
  }

  close(): Promise<void> {
    return this.handle.close();
  }
}

/** The real file system (node:fs/promises). */
export function createNodeFileSystem(): FileSystem {
  return {
    async mkdir(path, mode) {
      await fsp.mkdir(path, { recursive: true, mode });
    },
    readdir: (path) => fsp.readdir(path),
    async open(path, flags, mode, options) {
      // O_DSYNC is undefined where the platform lacks it (Windows): plain writes and datasync then.
      const dsync = options?.dsync === true ? (constants.O_DSYNC as number | undefined) : undefined;
      const numeric = WRITE_FLAGS[flags];
      if (dsync === undefined || numeric === undefined) {
        return new NodeOpenFile(await fsp.open(path, flags, mode), false);
      }
      return new NodeOpenFile(await fsp.open(path, numeric | dsync, mode), true);
    },
    readFile: (path) => fsp.readFile(path),
    async stat(path) {
      const s = await fsp.stat(path);
      return { size: s.size, mtimeMs: s.mtimeMs, isDirectory: s.isDirectory() };
    },
    rename: (from, to) => fsp.rename(from, to),
    link: (existing, to) => fsp.link(existing, to),
    unlink: (path) => fsp.unlink(path),
    rmdir: (path) => fsp.rmdir(path),
    chmod: (path, mode) => fsp.chmod(path, mode),
    utimes: (path, atimeMs, mtimeMs) => fsp.utimes(path, atimeMs / 1000, mtimeMs / 1000),
    async syncDirectory(path) {
      let handle: fsp.FileHandle | undefined;
      try {
        handle = await fsp.open(path, 'r');
        await handle.sync();
      } catch (error) {
        // Some platforms cannot fsync a directory (EISDIR, EPERM, EINVAL); the entry is then as
        // durable as that platform allows and there is nothing better to do.
        const code = (error as NodeJS.ErrnoException).code;
        if (code !== 'EISDIR' && code !== 'EPERM' && code !== 'EINVAL' && code !== 'EBADF') throw error;
      } finally {
        await handle?.close();
      }
    },
  };
}

export function errorCode(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error
    ? String((error as { code: unknown }).code)
    : undefined;
}
