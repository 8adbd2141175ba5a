import { AppendBuffer, type PendingFrames } from './append-buffer.js';
import type { QueueKey } from './encryption.js';
import { errorCode, type OpenFile } from './file-system.js';
import { encodeSegmentHeader, segmentFileName } from './segment-header.js';
import type { Segment, SegmentStore } from './segment-store.js';

export interface GroupCommitOptions {
  segmentBytes: number;
  fsyncIntervalMs: number;
  flushBytes: number;
  key: QueueKey | undefined;
  /** Called before each write with the frame bytes about to land (drop-oldest makes room here). */
  makeRoom(bytes: number): Promise<void>;
  /** Called after each flush that made records durable. */
  onDurable(): void;
}

/**
 * Group commit: appends land in memory; one flush per interval (or as soon as `flushBytes` are
 * buffered, or on request) writes them with one `pwritev` and one `fdatasync`, then wakes readers.
 * Flushes never overlap. A failed write drops that flush's records as 'io_error', seals the
 * segment and carries on with a fresh one at the next flush: the caller never sees the error.
 *
 *   append ─► [ buffer ]──take──► [ in flight: pwritev ─► fdatasync ] ─► durable, readers woken
 *                 ▲                         │
 *                 └── appends keep landing ─┘  (bufferedBytes = buffer + in flight ≤ maxBufferBytes)
 *
 *   counters: settled ≤ appended; flush() waits until settled reaches `appended` at its call.
 */
export class GroupCommitWriter {
  private readonly buffer: AppendBuffer;
  private inFlight: Promise<void> | undefined;
  private inFlightRecords = 0;
  private inFlightBytes = 0;
  private inFlightOldest = 0;
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private appended = 0;
  private settled = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];
  private roomWaiters: Array<{ bytes: number; resolve: () => void }> = [];
  private stopped = false;
  /**
   * Headers of segments just created: written with their first batch. `entryDurable` when the
   * file's directory entry was already synced (a spare), so that first write need not do it.
   */
  private readonly unwrittenHeaders = new Map<Segment, { header: Buffer; entryDurable: boolean }>();
  /**
   * The next segment's file, opened and its directory entry synced once the current segment is
   * half full, so that rolling over costs the flush that does it no `open` and no directory `fsync`.
   * Its id is `store.nextSegmentId` at the time; it stays empty until used (recovery removes an
   * empty segment file, so a crash leaves nothing to clean up).
   */
  private spare: Promise<{ id: number; file: OpenFile } | undefined> | undefined;

  constructor(
    private readonly store: SegmentStore,
    private readonly options: GroupCommitOptions,
  ) {
    this.buffer = new AppendBuffer(options.key);
  }

  frameBytes(length: number): number {
    return this.buffer.frameBytes(length);
  }

  /** Records and frame bytes appended but not yet durable (buffered or being written). */
  get bufferedRecords(): number {
    return this.buffer.records + this.inFlightRecords;
  }

  get bufferedBytes(): number {
    return this.buffer.bytes + this.inFlightBytes;
  }

  get oldestBufferedAtMs(): number | undefined {
    if (this.inFlightRecords > 0) return this.inFlightOldest;
    return this.buffer.records > 0 ? this.buffer.oldestAppendedAtMs : undefined;
  }

  /** Frames the record now (sequence number, CRC, encryption) and buffers it for the next flush. */
  append(record: Uint8Array, appendedAtMs: number): void {
    this.buffer.append(record, appendedAtMs, this.store.nextSeq++);
    this.appended++;
    if (this.buffer.bytes >= this.options.flushBytes) this.schedule(true);
    else this.schedule(false);
  }

  /** Resolves when every record appended so far is durable or dropped; never rejects. */
  flush(): Promise<void> {
    if (this.settled >= this.appended) return Promise.resolve();
    const target = this.appended;
    const done = new Promise<void>((resolve) => this.waiters.push({ target, resolve }));
    this.schedule(true);
    return done;
  }

  /** Resolves once at most `bytes` frame bytes are buffered or being written; at once when stopped. */
  waitForRoom(bytes: number): Promise<void> {
    if (this.stopped || this.bufferedBytes <= bytes) return Promise.resolve();
    return new Promise<void>((resolve) => this.roomWaiters.push({ bytes, resolve }));
  }

  /** Stops timers and drops the buffer without writing (a crash, as far as the disk can tell). */
  async abandon(): Promise<void> {
    this.stopped = true;
    this.clearTimers();
    this.buffer.take();
    while (this.inFlight !== undefined) await this.inFlight;
    this.settled = this.appended;
    this.release();
    this.releaseRoom();
    await this.dropSpare(false);
  }

  /** Writes what is buffered, then stops. */
  async close(): Promise<void> {
    await this.flush();
    this.stopped = true;
    this.clearTimers();
    this.releaseRoom();
    while (this.inFlight !== undefined) await this.inFlight;
    await this.dropSpare(true);
  }

  /** Opens the next segment's file ahead of need (see `spare`). A failure just means no spare. */
  private prepareSpare(): void {
    if (this.spare !== undefined || this.stopped) return;
    const store = this.store;
    const { fs, fileMode } = store.context;
    const id = store.nextSegmentId;
    const path = store.segmentPath(segmentFileName(id));
    this.spare = (async () => {
      const file = await fs.open(path, 'wx', fileMode, { dsync: true });
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
  private async dropSpare(remove: boolean): Promise<void> {
    const spare = await this.spare;
    this.spare = undefined;
    if (spare === undefined) return;
    const { fs } = this.store.context;
    await spare.file.close().catch(() => undefined);
    if (remove) await fs.unlink(this.store.segmentPath(segmentFileName(spare.id))).catch(() => undefined);
  }

  /**
   * Seals the open segment when nothing is buffered or being written and its newest record is
   * older than `horizon`, so that maxAge can expire it whole. Resolves whether it did.
   */
  async sealIfIdle(horizon: number): Promise<boolean> {
    if (this.stopped || this.inFlight !== undefined || this.buffer.records > 0) return false;
    const last = this.store.segments[this.store.segments.length - 1];
    if (last === undefined || last.sealed || last.lastAppendedAtMs >= horizon) return false;
    await this.sealSegment(last);
    return true;
  }

  private clearTimers(): void {
    if (this.timer !== undefined) clearTimeout(this.timer);
    if (this.immediate !== undefined) clearImmediate(this.immediate);
    this.timer = undefined;
    this.immediate = undefined;
  }

  private schedule(now: boolean): void {
    if (this.stopped || this.inFlight !== undefined) return; // the running flush reschedules
    if (now) {
      if (this.timer !== undefined) clearTimeout(this.timer);
      this.timer = undefined;
      this.immediate ??= setImmediate(() => {
        this.immediate = undefined;
        this.start();
      });
    } else if (this.timer === undefined && this.immediate === undefined) {
      // Due one interval after the oldest buffered record was appended (records that arrived
      // while the previous flush was being written are already part-way through theirs).
      const interval = this.options.fsyncIntervalMs;
      const waited =
        this.buffer.records > 0 ? this.store.context.clock.now() - this.buffer.oldestAppendedAtMs : 0;
      const delay = Math.min(interval, Math.max(0, interval - waited));
      this.timer = setTimeout(() => {
        this.timer = undefined;
        this.start();
      }, delay);
    }
  }

  /** Starts a flush at once when none is running and nothing stopped the writer. */
  private startNow(): void {
    if (this.stopped) return;
    this.clearTimers();
    this.start();
  }

  private start(): void {
    if (this.inFlight !== undefined || this.buffer.records === 0) return;
    this.inFlightOldest = this.buffer.oldestAppendedAtMs;
    const pending = this.buffer.take();
    this.inFlightRecords = pending.records;
    this.inFlightBytes = pending.bytes;
    const target = this.appended;
    this.inFlight = this.write(pending)
      .catch((error: unknown) => this.store.context.onError(error))
      .then(() => {
        this.inFlight = undefined;
        this.inFlightRecords = 0;
        this.inFlightBytes = 0;
        this.settled = target;
        this.release();
        this.releaseRoom();
        this.buffer.recycle(pending);
        if (this.buffer.records > 0) {
          // A waiter or a full buffer: write the next batch now, without an event-loop turn in
          // between (the appends it holds landed while this one was written). Otherwise the timer.
          if (this.waiters.length > 0 || this.buffer.bytes >= this.options.flushBytes) this.startNow();
          else this.schedule(false);
        }
      });
  }

  private releaseRoom(): void {
    const buffered = this.stopped ? 0 : this.bufferedBytes;
    this.roomWaiters = resolveReady(this.roomWaiters, (w) => buffered <= w.bytes);
  }

  private release(): void {
    this.waiters = resolveReady(this.waiters, (w) => w.target <= this.settled);
  }

  private async write(pending: PendingFrames): Promise<void> {
    const store = this.store;
    const firstSeq = pending.firstSeq;
    const endSeq = firstSeq + pending.records;
    let segment: Segment | undefined;
    try {
      await this.options.makeRoom(pending.bytes);
      segment = await this.tail(pending.bytes, firstSeq);
      const file = segment.writeFile!;
      const unwritten = this.unwrittenHeaders.get(segment);
      const header = unwritten?.header;
      const all = header === undefined ? pending.buffers : [header, ...pending.buffers];
      const total = (header?.length ?? 0) + pending.bytes;
      let written = 0;
      let buffers = all;
      while (written < total) {
        const n = await file.writev(buffers, segment.size + written);
        if (n <= 0)
          throw new Error(`write to ${segment.name} at offset ${segment.size + written} made no progress`);
        written += n;
        if (written < total) buffers = remainder(all, written);
      }
      // An O_DSYNC segment file made each write durable as it returned: nothing left to sync.
      if (file.durableWrites !== true) await file.datasync();
      if (header !== undefined) {
        // A new file: its directory entry must be durable before anything in it is confirmed.
        if (unwritten?.entryDurable !== true) await store.context.fs.syncDirectory(store.directory);
        this.unwrittenHeaders.delete(segment);
        segment.size = header.length;
      }
      segment.size += pending.bytes;
      segment.durableSize = segment.size;
      segment.endSeq = endSeq;
      segment.lastAppendedAtMs = Math.max(segment.lastAppendedAtMs, pending.newestAppendedAtMs);
      store.durableSeq = endSeq;
    } catch (error) {
      // The batch's sequence numbers stay consumed: a reader sees the gap, already counted here.
      store.countLoss('io_error', firstSeq, endSeq, pending.payloadBytes);
      store.context.onError(error);
      if (segment !== undefined) {
        // Whatever part of this write landed must not be read: cut it off, seal, start afresh.
        // (A new segment whose first write failed is cut to nothing; recovery removes it.)
        this.unwrittenHeaders.delete(segment);
        await segment.writeFile?.truncate(segment.size).catch(() => undefined);
        segment.endSeq = endSeq;
        await this.sealSegment(segment);
      }
      return;
    }
    // Durable from here on: nothing below may turn these records into drops.
    this.options.onDurable();
    if (2 * segment.size >= this.options.segmentBytes) this.prepareSpare();
    if (segment.size >= this.options.segmentBytes) {
      await this.sealSegment(segment);
      await store.collect().catch((error: unknown) => store.context.onError(error));
    }
  }

  private async sealSegment(segment: Segment): Promise<void> {
    segment.sealed = true;
    const file = segment.writeFile;
    segment.writeFile = undefined;
    await file?.close().catch((error: unknown) => this.store.context.onError(error));
  }

  /** The segment to append to: the open tail, or a new one when it is full, sealed or absent. */
  private async tail(bytes: number, firstSeq: number): Promise<Segment> {
    const store = this.store;
    const last = store.segments[store.segments.length - 1];
    if (last !== undefined && !last.sealed && last.writeFile !== undefined) {
      const empty = last.size <= last.headerLength;
      if (empty || last.size + bytes <= this.options.segmentBytes) return last;
      await this.sealSegment(last);
    } else if (last !== undefined && !last.sealed) {
      last.sealed = true;
    }
    return this.createSegment(firstSeq);
  }

  /** A new segment whose first record will be `firstSeq`. */
  private async createSegment(firstSeq: number): Promise<Segment> {
    const store = this.store;
    const { fs, clock, fileMode } = store.context;
    const key = this.options.key;
    const spare = await this.spare;
    this.spare = undefined;
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
        file = entryDurable ? spare.file : await fs.open(path, 'wx', fileMode, { dsync: true });
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
      this.unwrittenHeaders.set(segment, { header, entryDurable });
      store.segments.push(segment);
      return segment;
    }
  }
}

/** Resolves the waiters that are `ready`; returns the others, in order. */
function resolveReady<W extends { resolve: () => void }>(waiters: W[], ready: (w: W) => boolean): W[] {
  if (waiters.length === 0) return waiters;
  const still: W[] = [];
  for (const w of waiters) {
    if (ready(w)) w.resolve();
    else still.push(w);
  }
  return still;
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
