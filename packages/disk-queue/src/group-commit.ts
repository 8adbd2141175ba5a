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
  /** Whether `bytes` more on disk would need `makeRoom` to evict (drop-oldest over maxBytes). */
  needsRoom(bytes: number): boolean;
  /** Evicts old segments so that `bytes` more fit; only called with no write in flight. */
  makeRoom(bytes: number): Promise<void>;
  /** Called after each flush that made records durable, and after each flush settled (diverted too). */
  onDurable(): void;
  /**
   * A flush that did not reach the disk (`error` undefined: an earlier write into its segment
   * failed). true: the caller took its records (to memory); false: they are counted as 'io_error'.
   */
  divert(pending: PendingFrames, error: unknown): boolean;
}

/**
 * Group-commit writes that may be in flight at once. One write at a time leaves the disk idle
 * while the event loop gets round to starting the next; a few in flight keep it busy (the
 * file system overlaps one write's copy into the page cache with another's flush).
 */
export const MAX_WRITES_IN_FLIGHT = 4;

interface NewSegmentHeader {
  header: Buffer;
  entryDurable: boolean;
}

/**
 * One group commit: the frames it writes, where they land, and its progress. Flights are placed,
 * written and committed in order; only the writes themselves overlap.
 */
interface Flight {
  pending: PendingFrames;
  /** `appended` when the frames were taken: flush() callers up to here are settled by its commit. */
  target: number;
  oldestAppendedAtMs: number;
  segment: Segment | undefined;
  /** File offset of its first byte (the header's, when it carries one). */
  offset: number;
  /**
   * A new segment's header, written with this flight's frames. `entryDurable` when the file's
   * directory entry was already synced (a spare), so that this write need not do it.
   */
  header: NewSegmentHeader | undefined;
  error: unknown;
  /** Its records went to the memory fallback instead of the disk. */
  diverted: boolean;
  /** Settled once the next flight may be placed: right after placement, or after a header's write. */
  placed: Promise<void>;
  /** Settled once its write has returned or failed. */
  written: Promise<void>;
  /** Settled once it and every flight before it are committed; never rejects. */
  committed: Promise<void>;
  /** Set by its commit (synchronously, before anything awaits): it no longer holds its segment open. */
  done: boolean;
}

/**
 * Group commit: appends land in memory; one flush per interval (or as soon as `flushBytes` are
 * buffered, or on request) writes them with one `pwritev` (`O_DSYNC`, or followed by `fdatasync`),
 * then wakes readers. Up to MAX_WRITES_IN_FLIGHT flushes overlap, each at its own offset, but they
 * are committed strictly in order: a record is confirmed only once it and every record before it
 * are durable. A failed write drops that flush's records — and those of later flushes into the
 * same segment — as 'io_error', cuts the segment back to its last committed byte, seals it and
 * carries on with a fresh one: the caller never sees the error.
 *
 *   append ─► [ buffer ]──take──► [ write 1 ][ write 2 ][ write 3 ] ─► committed in order,
 *                 ▲                    (at consecutive offsets)         durable, readers woken
 *                 └── appends keep landing ──┘
 *                     (bufferedBytes = buffer + in flight ≤ maxBufferBytes)
 *
 * A new segment's first write (which carries its header) returns before any other write to that
 * file starts, so a segment never holds records behind a header that is not on disk. A crash can
 * leave a gap where a write had not landed while a later one had: those records were never
 * confirmed, and a reader counts them as 'corrupt' when it meets the gap.
 *
 *   counters: settled ≤ appended; flush() waits until settled reaches `appended` at its call.
 */
export class GroupCommitWriter {
  private readonly buffer: AppendBuffer;
  /** In order, oldest first; each removed once committed. */
  private flights: Flight[] = [];
  private flightRecords = 0;
  private flightBytes = 0;
  /** Where the newest placed flight ends: the next one in the same segment goes right there. */
  private tailEnd: { segment: Segment; offset: number } | undefined;
  /** A flight is creating the next segment (see prepareSpare). */
  private creating = false;
  /** Segments rolled over while writes to them were in flight: the last of those seals it. */
  private readonly sealWhenWritten = new WeakSet<Segment>();
  private timer: NodeJS.Timeout | undefined;
  private immediate: NodeJS.Immediate | undefined;
  private appended = 0;
  private settled = 0;
  private waiters: Array<{ target: number; resolve: () => void }> = [];
  private roomWaiters: Array<{ bytes: number; resolve: () => void }> = [];
  private stopped = false;
  /** The next flight starts a new segment (the disk failed under the open one). */
  private rollOver = false;
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
    this.buffer = new AppendBuffer(options.key, MAX_WRITES_IN_FLIGHT);
  }

  frameBytes(length: number): number {
    return this.buffer.frameBytes(length);
  }

  /** Records and frame bytes appended but not yet durable (buffered or being written). */
  get bufferedRecords(): number {
    return this.buffer.records + this.flightRecords;
  }

  get bufferedBytes(): number {
    return this.buffer.bytes + this.flightBytes;
  }

  /** Sequence number of the oldest record not yet committed (or diverted); Infinity when none. */
  get firstUnsettledSeq(): number {
    const first = this.flights[0];
    if (first !== undefined) return first.pending.firstSeq;
    return this.buffer.records > 0 ? this.buffer.firstSeq : Infinity;
  }

  /**
   * Hands over what is buffered and not yet being written (the disk is refusing writes): flush()
   * callers waiting for it are settled once the writes in flight are.
   */
  takeBuffered(): PendingFrames | undefined {
    if (this.buffer.records === 0) return undefined;
    this.clearTimers();
    const taken = this.buffer.take();
    const last = this.flights.at(-1);
    if (last !== undefined) last.target = this.appended;
    else {
      this.settled = this.appended;
      this.release();
    }
    this.releaseRoom();
    return taken;
  }

  /** The next write goes to a new segment (the open one's file may be gone or read-only). */
  rollOverNext(): void {
    this.rollOver = true;
    void this.dropSpare(true);
  }

  get oldestBufferedAtMs(): number | undefined {
    const first = this.flights[0];
    if (first !== undefined) return first.oldestAppendedAtMs;
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
    await this.idle();
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
    await this.idle();
    await this.dropSpare(true);
  }

  /** Resolves once no write is in flight. */
  private async idle(): Promise<void> {
    for (let last = this.flights.at(-1); last !== undefined; last = this.flights.at(-1)) await last.committed;
  }

  /** Opens the next segment's file ahead of need (see `spare`). A failure just means no spare. */
  private prepareSpare(): void {
    // Not while a flight is creating the next segment itself: both would claim the same id.
    if (this.spare !== undefined || this.stopped || this.creating) return;
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
    const taken = this.spare;
    this.spare = undefined;
    const spare = await taken;
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
    if (this.stopped || this.flights.length > 0 || this.buffer.records > 0) return false;
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
    // With every flight taken, the next commit reschedules.
    if (this.stopped || this.flights.length >= MAX_WRITES_IN_FLIGHT) return;
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

  /** Starts a flush at once when a flight is free and nothing stopped the writer. */
  private startNow(): void {
    if (this.stopped) return;
    this.clearTimers();
    this.start();
  }

  private start(): void {
    if (this.flights.length >= MAX_WRITES_IN_FLIGHT || this.buffer.records === 0) return;
    const oldestAppendedAtMs = this.buffer.oldestAppendedAtMs;
    const pending = this.buffer.take();
    const prev = this.flights.at(-1);
    const placed = deferred();
    const written = deferred();
    const flight: Flight = {
      pending,
      target: this.appended,
      oldestAppendedAtMs,
      segment: undefined,
      offset: 0,
      header: undefined,
      error: undefined,
      diverted: false,
      placed: placed.promise,
      written: written.promise,
      committed: Promise.resolve(),
      done: false,
    };
    this.flights.push(flight);
    this.flightRecords += pending.records;
    this.flightBytes += pending.bytes;
    flight.committed = this.fly(flight, prev, placed.resolve, written.resolve)
      .catch((error: unknown) => this.store.context.onError(error))
      .then(() => this.landed(flight));
  }

  /** Places, writes and commits one flight (the commit waits for the flight before it). */
  private async fly(
    f: Flight,
    prev: Flight | undefined,
    placed: () => void,
    written: () => void,
  ): Promise<void> {
    await prev?.placed; // never rejects
    try {
      await this.place(f, prev);
    } catch (error) {
      f.error = error;
    }
    // The next flight may be placed now, or, behind a new segment's header, once it is written.
    if (f.header === undefined) placed();
    if (f.error === undefined) {
      try {
        await this.write(f);
      } catch (error) {
        f.error = error;
      }
    }
    placed();
    written();
    await prev?.committed;
    await this.commit(f);
  }

  /** After a flight's commit: settle waiters, reuse its chunks, start what is due. */
  private landed(f: Flight): void {
    this.flights.shift();
    this.flightRecords -= f.pending.records;
    this.flightBytes -= f.pending.bytes;
    this.settled = f.target;
    this.release();
    this.releaseRoom();
    // Diverted records become readable once the flight is off the list (see firstUnsettledSeq).
    if (f.error !== undefined || f.diverted) this.options.onDurable();
    this.buffer.recycle(f.pending);
    if (this.buffer.records > 0) {
      // A waiter or a full buffer: write the next batch now, without an event-loop turn in
      // between (the appends it holds landed while this one was written). Otherwise the timer.
      if (this.waiters.length > 0 || this.buffer.bytes >= this.options.flushBytes) this.startNow();
      else this.schedule(false);
    }
  }

  private releaseRoom(): void {
    const buffered = this.stopped ? 0 : this.bufferedBytes;
    this.roomWaiters = resolveReady(this.roomWaiters, (w) => buffered <= w.bytes);
  }

  private release(): void {
    this.waiters = resolveReady(this.waiters, (w) => w.target <= this.settled);
  }

  /**
   * Decides where the flight's frames land: right after the previous flight in the open segment,
   * or at the start of a new one. A segment rolled over while writes to it are still in flight is
   * sealed by the commit of the last of them. Drop-oldest eviction first waits for every earlier
   * flight to be committed: it must not remove a file being written.
   */
  private async place(f: Flight, prev: Flight | undefined): Promise<void> {
    const bytes = f.pending.bytes;
    if (this.options.needsRoom(bytes + this.placedUncommittedBytes(f))) {
      await prev?.committed;
      await this.options.makeRoom(bytes);
    }
    const store = this.store;
    const last = store.segments[store.segments.length - 1];
    if (last !== undefined && !last.sealed && last.writeFile !== undefined) {
      const end = this.tailEnd?.segment === last ? this.tailEnd.offset : last.size;
      const empty = end <= last.headerLength;
      if (!this.rollOver && (empty || end + bytes <= this.options.segmentBytes)) {
        f.segment = last;
        f.offset = end;
        this.tailEnd = { segment: last, offset: end + bytes };
        return;
      }
      if (this.writesInFlight(last, f)) this.sealWhenWritten.add(last);
      else await this.sealSegment(last);
    } else if (last !== undefined && !last.sealed) {
      last.sealed = true;
    }
    this.creating = true;
    try {
      const { segment, header } = await this.createSegment(f.pending.firstSeq);
      this.rollOver = false;
      f.segment = segment;
      f.offset = 0;
      f.header = header;
      this.tailEnd = { segment, offset: header.header.length + bytes };
    } finally {
      this.creating = false;
    }
  }

  /** Whether a flight other than `except` is placed in the segment and not yet committed. */
  private writesInFlight(segment: Segment, except: Flight): boolean {
    return this.flights.some((x) => x !== except && !x.done && x.segment === segment);
  }

  /** Frame bytes of the flights before `f` that are placed but not yet committed (not in any size). */
  private placedUncommittedBytes(f: Flight): number {
    let bytes = 0;
    for (const x of this.flights) {
      if (x === f) break;
      bytes += x.pending.bytes;
    }
    return bytes;
  }

  /** One `pwritev` (more if the kernel writes less), made durable. */
  private async write(f: Flight): Promise<void> {
    const segment = f.segment!;
    const file = segment.writeFile!;
    const header = f.header?.header;
    const all = header === undefined ? f.pending.buffers : [header, ...f.pending.buffers];
    const total = (header?.length ?? 0) + f.pending.bytes;
    let written = 0;
    let buffers = all;
    while (written < total) {
      const n = await file.writev(buffers, f.offset + written);
      if (n <= 0)
        throw new Error(`write to ${segment.name} at offset ${f.offset + written} made no progress`);
      written += n;
      if (written < total) buffers = remainder(all, written);
    }
    // An O_DSYNC segment file made each write durable as it returned: nothing left to sync.
    if (file.durableWrites !== true) await file.datasync();
    // A new file: its directory entry must be durable before anything in it is confirmed.
    if (header !== undefined && f.header?.entryDurable !== true) {
      await this.store.context.fs.syncDirectory(this.store.directory);
    }
  }

  /**
   * Confirms a flight, every flight before it being committed: its records become readable, or,
   * if its write failed or an earlier write into the same segment did, are counted as lost.
   */
  private async commit(f: Flight): Promise<void> {
    const store = this.store;
    const { pending } = f;
    const firstSeq = pending.firstSeq;
    const endSeq = firstSeq + pending.records;
    const segment = f.segment;
    f.done = true;
    // Every earlier flight committed: a segment that ends where this flight starts had them all succeed.
    if (f.error === undefined && segment !== undefined && segment.size === f.offset) {
      segment.size = f.offset + (f.header?.header.length ?? 0) + pending.bytes;
      segment.durableSize = segment.size;
      segment.endSeq = endSeq;
      segment.lastAppendedAtMs = Math.max(segment.lastAppendedAtMs, pending.newestAppendedAtMs);
      store.durableSeq = endSeq;
      // Durable from here on: nothing below may turn these records into drops.
      this.options.onDurable();
      if (2 * segment.size >= this.options.segmentBytes) this.prepareSpare();
      // Full, or rolled over while this write was in flight: sealed once no later write is in it.
      // (Decided here, before any await, as place() decides a roll-over: whichever runs second
      // sees what the first did, so a rolled-over segment is always sealed before the next
      // segment's records are committed, and a reader can move on to them.)
      if (
        (segment.size >= this.options.segmentBytes || this.sealWhenWritten.has(segment)) &&
        !this.writesInFlight(segment, f)
      ) {
        await this.sealSegment(segment);
        await store.collect().catch((error: unknown) => store.context.onError(error));
      }
      return;
    }
    // The batch's sequence numbers stay consumed on disk: a reader sees the gap, either counted
    // here or marked as held in memory.
    if (f.error !== undefined) store.context.onError(f.error);
    f.diverted = this.options.divert(pending, f.error);
    if (f.diverted) store.markElsewhere(firstSeq, endSeq);
    else store.countLoss('io_error', firstSeq, endSeq, pending.payloadBytes);
    if (segment === undefined) return;
    // Whatever part of this write (and of later ones into the segment) landed must not be read:
    // once those writes are done, cut it off, seal, start afresh. (A new segment whose first write
    // failed is cut to nothing; recovery removes it.)
    segment.sealed = true;
    segment.endSeq = endSeq;
    const file = segment.writeFile;
    if (file === undefined) return; // an earlier failure here already cut and closed it
    await Promise.all(this.flights.filter((x) => !x.done && x.segment === segment).map((x) => x.written));
    await file.truncate(segment.size).catch(() => undefined);
    await this.sealSegment(segment);
    // A segment that never got a byte committed is removed at once: no empty files pile up.
    if (segment.size === 0 && !this.writesInFlight(segment, f)) await store.forget(segment);
  }

  private async sealSegment(segment: Segment): Promise<void> {
    segment.sealed = true;
    const file = segment.writeFile;
    segment.writeFile = undefined;
    await file?.close().catch((error: unknown) => this.store.context.onError(error));
  }

  /** A new segment whose first record will be `firstSeq`, and the header its first write carries. */
  private async createSegment(firstSeq: number): Promise<{ segment: Segment; header: NewSegmentHeader }> {
    const store = this.store;
    const { fs, clock, fileMode } = store.context;
    const key = this.options.key;
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
      store.segments.push(segment);
      return { segment, header: { header, entryDurable } };
    }
  }
}

function deferred(): { promise: Promise<void>; resolve: () => void } {
  let resolve!: () => void;
  const promise = new Promise<void>((r) => (resolve = r));
  return { promise, resolve };
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
