import type { QueueKey } from './encryption.js';
import { errorCode, type OpenFile } from './file-system.js';
import type { PendingFrames } from './append-buffer.js';
import { encodeSegmentHeader, segmentFileName } from './segment-header.js';
import type { Segment, SegmentStore } from './segment-store.js';
import { stageEnd, stageStart } from './stage-timing.js';

/** A new segment's header, written with the first frames that go into it. */
export interface NewSegmentHeader {
  header: Buffer;
  /** The file's directory entry was already synced (a spare), so that this write need not do it. */
  entryDurable: boolean;
}

/**
 * The segment files the group commit writes into: creating the next one (from a spare opened
 * ahead of need when there is one), writing a flight's frames durably at an offset, sealing.
 *
 *   create(firstSeq) ─► segment + header ─► write(segment, offset, frames, header) ─► … ─► seal(segment)
 */
export class SegmentFiles {
  /**
   * The next segment's file, opened and its directory entry synced once the current segment is
   * half full, so that rolling over costs the flush that does it no `open` and no directory `fsync`.
   * Its id is `store.nextSegmentId` at the time; it stays empty until used (recovery removes an
   * empty segment file, so a crash leaves nothing to clean up).
   */
  private spare: Promise<{ id: number; file: OpenFile } | undefined> | undefined;

  constructor(
    private readonly store: SegmentStore,
    private readonly key: QueueKey | undefined,
  ) {}

  /** Opens the next segment's file ahead of need (see `spare`). A failure just means no spare. */
  prepareSpare(): void {
    if (this.spare !== undefined) return;
    const store = this.store;
    const { fs, fileMode } = store.context;
    const id = store.nextSegmentId;
    const path = store.segmentPath(segmentFileName(id));
    this.spare = (async () => {
      const file = await fs.open(path, 'wx+', fileMode, { dsync: true });
      try {
        await fs.syncDirectory(store.directory);
      } catch {
        await file.close().catch(() => undefined);
        await fs.unlink(path).catch(() => undefined);
        return undefined;
      }
      return { id, file };
    })().catch(() => undefined);
  }

  /** Closes an unused spare; `remove` deletes its (empty) file too, as a clean close should. */
  async dropSpare(remove: boolean): Promise<void> {
    const taken = this.spare;
    this.spare = undefined; // taken before the await: a concurrent create() must not get it closed
    const spare = await taken;
    if (spare === undefined) return;
    const { fs } = this.store.context;
    await spare.file.close().catch(() => undefined);
    if (remove) await fs.unlink(this.store.segmentPath(segmentFileName(spare.id))).catch(() => undefined);
  }

  /** One `pwritev` (more if the kernel writes less), made durable. */
  async write(
    segment: Segment,
    offset: number,
    frames: PendingFrames,
    newHeader: NewSegmentHeader | undefined,
  ): Promise<void> {
    const file = segment.writeFile!;
    const header = newHeader?.header;
    const all = header === undefined ? frames.buffers : [header, ...frames.buffers];
    const total = (header?.length ?? 0) + frames.bytes;
    let written = 0;
    let buffers = all;
    const started = stageStart();
    while (written < total) {
      const n = await file.writev(buffers, offset + written);
      if (n <= 0) throw new Error(`write to ${segment.name} at offset ${offset + written} made no progress`);
      written += n;
      if (written < total) buffers = remainder(all, written);
    }
    // An O_DSYNC segment file made each write durable as it returned: nothing left to sync.
    if (file.durableWrites !== true) await file.datasync();
    // A new file: its directory entry must be durable before anything in it is confirmed.
    if (header !== undefined && newHeader?.entryDurable !== true) {
      await this.store.context.fs.syncDirectory(this.store.directory);
    }
    stageEnd('write', started, frames.records, total);
  }

  /**
   * After a failed write: whatever part of it (and of later writes into the segment) landed must
   * not be read. Once `laterWrites` are done, the file is cut back to its last committed byte and
   * sealed; the writer starts afresh. (A new segment whose first write failed is cut to nothing.)
   * False when an earlier failure had already cut and closed it.
   */
  async cutBack(segment: Segment, endSeq: number, laterWrites: Promise<void>[]): Promise<boolean> {
    segment.sealed = true;
    segment.endSeq = endSeq;
    const file = segment.writeFile;
    if (file === undefined) return false;
    await Promise.all(laterWrites);
    await file.truncate(segment.size).catch(() => undefined);
    await this.seal(segment);
    return true;
  }

  /** Marks the segment sealed and closes its write file. */
  async seal(segment: Segment): Promise<void> {
    segment.sealed = true;
    const file = segment.writeFile;
    segment.writeFile = undefined;
    await file?.close().catch((error: unknown) => this.store.context.onError(error));
  }

  /** A new segment whose first record will be `firstSeq`, and the header its first write carries. */
  async create(firstSeq: number): Promise<{ segment: Segment; header: NewSegmentHeader }> {
    const store = this.store;
    const { fs, clock, fileMode } = store.context;
    const key = this.key;
    const taken = this.spare;
    this.spare = undefined; // taken before the await: a concurrent dropSpare must not close it
    const spare = await taken;
    if (spare !== undefined && spare.id !== store.nextSegmentId) {
      await spare.file.close().catch(() => undefined); // stale: never happens while ids only grow here
    }
    for (let attempt = 0; ; attempt++) {
      const id = store.nextSegmentId;
      const name = segmentFileName(id);
      const path = store.segmentPath(name);
      let file;
      const entryDurable = spare?.id === id;
      try {
        file = entryDurable ? spare.file : await fs.open(path, 'wx+', fileMode, { dsync: true });
      } catch (error) {
        // A leftover file with this id (never ours to overwrite): skip the id.
        if (errorCode(error) === 'EEXIST' && attempt < 16) {
          store.nextSegmentId++;
          continue;
        }
        throw error;
      }
      store.nextSegmentId = id + 1;
      const createdAtMs = clock.now();
      const header = encodeSegmentHeader({
        id,
        firstSeq,
        createdAtMs,
        encrypted: key !== undefined,
        keyId: key?.keyId,
        keyCheck: key?.check,
      });
      // The header goes out with the first batch, in the same pwritev and fdatasync.
      const segment: Segment = {
        id,
        name,
        path,
        headerLength: header.length,
        firstSeq,
        endSeq: firstSeq,
        size: 0,
        durableSize: 0,
        createdAtMs,
        lastAppendedAtMs: createdAtMs,
        keyId: key?.keyId,
        key,
        sealed: false,
        writeFile: file,
        readFile: undefined,
        readers: 0,
        removed: false,
      };
      store.segments.push(segment);
      return { segment, header: { header, entryDurable } };
    }
  }
}

function remainder(buffers: Buffer[], skip: number): Buffer[] {
  const out: Buffer[] = [];
  for (const b of buffers) {
    if (skip >= b.length) {
      skip -= b.length;
      continue;
    }
    out.push(skip > 0 ? b.subarray(skip) : b);
    skip = 0;
  }
  return out;
}
