import { AppendBuffer, type PendingFrames } from './append-buffer.js';
import type { GroupCommitOptions } from './group-commit-options.js';
import {
  MAX_WRITES_IN_FLIGHT,
  allCommitted,
  deferred,
  placedUncommittedBytes,
  resolveReady,
  writesInFlight,
  type Flight,
} from './flight.js';
import { SegmentFiles } from './segment-files.js';
import type { Segment, SegmentStore } from './segment-store.js';

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
  /** A flight is creating the next segment (see SegmentFiles.prepareSpare). */
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
  private readonly files: SegmentFiles;

  constructor(
    private readonly store: SegmentStore,
    private readonly options: GroupCommitOptions,
  ) {
    this.buffer = new AppendBuffer(options.key, MAX_WRITES_IN_FLIGHT);
    this.files = new SegmentFiles(store, options.key);
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

  /** A flush is due and a write slot free, yet none started: a busy event loop holds the writer. */
  get starved(): boolean {
    if (this.stopped || this.buffer.records === 0 || this.flights.length >= MAX_WRITES_IN_FLIGHT)
      return false;
    if (this.buffer.bytes >= this.options.flushBytes) return true;
    return this.store.context.clock.now() - this.buffer.oldestAppendedAtMs >= this.options.fsyncIntervalMs;
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
    void this.files.dropSpare(true);
  }

  get oldestBufferedAtMs(): number | undefined {
    const first = this.flights[0];
    if (first !== undefined) return first.oldestAppendedAtMs;
    return this.buffer.records > 0 ? this.buffer.oldestAppendedAtMs : undefined;
  }

  /** Frames the record now (sequence number, CRC, encryption) and buffers it for the next flush. */
  append(record: Uint8Array, appendedAtMs: number, items?: number): void {
    this.buffer.append(record, appendedAtMs, this.store.takeSeq(items));
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
    await allCommitted(this.flights);
    this.settled = this.appended;
    this.release();
    this.releaseRoom();
    await this.files.dropSpare(false);
  }

  /** Writes what is buffered, then stops. */
  async close(): Promise<void> {
    await this.flush();
    this.stopped = true;
    this.clearTimers();
    this.releaseRoom();
    await allCommitted(this.flights);
    await this.files.dropSpare(true);
  }

  /**
   * Seals the open segment when nothing is buffered or being written and its newest record is
   * older than `horizon`, so that maxAge can expire it whole. Resolves whether it did.
   */
  async sealIfIdle(horizon: number): Promise<boolean> {
    if (this.stopped || this.flights.length > 0 || this.buffer.records > 0) return false;
    const last = this.store.segments[this.store.segments.length - 1];
    if (last === undefined || last.sealed || last.lastAppendedAtMs >= horizon) return false;
    await this.files.seal(last);
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
        await this.files.write(f.segment!, f.offset, f.pending, f.header);
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
    // Diverted records become readable once the flight is off the list (see firstUnsettledSeq).
    if (f.diverted) this.options.onDurable();
    this.release();
    this.releaseRoom();
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
    if (this.options.needsRoom(bytes + placedUncommittedBytes(this.flights, f))) {
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
      if (writesInFlight(this.flights, last, f)) this.sealWhenWritten.add(last);
      else await this.files.seal(last);
    } else if (last !== undefined && !last.sealed) {
      last.sealed = true;
    }
    this.creating = true;
    try {
      const { segment, header } = await this.files.create(f.pending.firstSeq);
      this.rollOver = false;
      f.segment = segment;
      f.offset = 0;
      f.header = header;
      this.tailEnd = { segment, offset: header.header.length + bytes };
    } finally {
      this.creating = false;
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
      // Not while a flight is creating the next segment itself: both would claim the same id.
      if (2 * segment.size >= this.options.segmentBytes && !this.stopped && !this.creating)
        this.files.prepareSpare();
      // Full, or rolled over while this write was in flight: sealed once no later write is in it.
      // (Decided here, before any await, as place() decides a roll-over: whichever runs second
      // sees what the first did, so a rolled-over segment is always sealed before the next
      // segment's records are committed, and a reader can move on to them.)
      if (
        (segment.size >= this.options.segmentBytes || this.sealWhenWritten.has(segment)) &&
        !writesInFlight(this.flights, segment, f)
      ) {
        await this.files.seal(segment);
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
    const later = this.flights.filter((x) => !x.done && x.segment === segment);
    await this.files.cutBack(
      segment,
      endSeq,
      later.map((x) => x.written),
    );
    // A segment that never got a byte committed is removed at once: no empty files pile up.
    if (segment.size === 0 && !writesInFlight(this.flights, segment, f)) await store.forget(segment);
  }
}
