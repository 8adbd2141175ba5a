// The second append baseline of bench:queue: a raw writer with the queue's parallelism and sync
// policy, so that the queue is compared with what the same disk gives to the same I/O pattern.
//
//   producer ─► pending buffers ─(1 MiB or 100 ms)─► pwritev on an O_DSYNC file, from the thread pool
//                                                    up to `inFlight` at once, at consecutive offsets
//
// What it leaves out is exactly what the queue adds: framing and CRC (a copy and a checksum per
// record), segment files and their roll-over, committing in order, and waking readers. Records are
// written as they are (no copy), one file, no header.
import fs from 'node:fs';
import path from 'node:path';

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/**
 * The records of both raw baselines waiting for their next write: due once they hold `flushBytes`
 * or the oldest has waited `intervalMs`, the queue's group-commit policy.
 */
export class PendingBatch {
  constructor(flushBytes, intervalMs) {
    this.flushBytes = flushBytes;
    this.intervalMs = intervalMs;
    this.buffers = [];
    this.bytes = 0;
    this.since = 0;
  }

  /** Adds one record; true when the batch is due for writing. */
  add(record) {
    if (this.buffers.length === 0) this.since = performance.now();
    this.buffers.push(record);
    this.bytes += record.length;
    return this.bytes >= this.flushBytes || performance.now() - this.since >= this.intervalMs;
  }

  /** Empties the batch; its buffers and their byte count, to write. */
  take() {
    const taken = { buffers: this.buffers, bytes: this.bytes };
    this.buffers = [];
    this.bytes = 0;
    return taken;
  }
}

/**
 * Appends `total` bytes of `recs` (cycled), `tickBytes` per event-loop turn, into `dir/raw-parallel.log`.
 * `measure(fn)` wraps the timed part (bench/queue.js's wall + process CPU measure).
 */
export async function appendParallelRaw(dir, recs, total, options) {
  const { flushBytes, intervalMs, inFlight, tickBytes, backpressureBytes, measure } = options;
  const { O_WRONLY, O_CREAT, O_EXCL, O_DSYNC } = fs.constants;
  const file = await fs.promises.open(
    path.join(dir, 'raw-parallel.log'),
    O_WRONLY | O_CREAT | O_EXCL | (O_DSYNC ?? 0),
    0o600,
  );
  const perTick = Math.max(1, Math.floor(tickBytes / recs[0].length));
  const batch = new PendingBatch(flushBytes, intervalMs);
  let position = 0;
  let flights = 0;
  let flightBytes = 0;
  let written = 0;
  let failure;
  let wake;
  const start = () => {
    const { buffers, bytes } = batch.take();
    const at = position;
    position += bytes;
    flights++;
    flightBytes += bytes;
    file
      .writev(buffers, at)
      .then(
        ({ bytesWritten }) => {
          if (bytesWritten !== bytes) failure ??= new Error(`short write: ${bytesWritten} of ${bytes} bytes`);
          // Without O_DSYNC (not offered by this platform) each write is followed by fdatasync.
          return O_DSYNC === undefined ? file.datasync() : undefined;
        },
        (error) => (failure ??= error),
      )
      .finally(() => {
        flights--;
        flightBytes -= bytes;
        // As the queue's group commit: a write that returns starts the next when a flush is due.
        if (batch.bytes >= flushBytes && flights < inFlight) start();
        wake?.();
      });
  };
  const settled = () =>
    new Promise((resolve) => {
      wake = () => {
        wake = undefined;
        resolve();
      };
    });
  const m = await measure(async () => {
    let produced = 0;
    for (let i = 0; produced < total;) {
      for (let k = 0; k < perTick && produced < total; k++, i++) {
        const r = recs[i % recs.length];
        produced += r.length;
        if (batch.add(r) && flights < inFlight) start();
      }
      // The same back-pressure as the queue's producer: at `backpressureBytes` buffered or being
      // written, wait until the next turn's records fit.
      if (batch.bytes + flightBytes >= backpressureBytes) {
        while (batch.bytes + flightBytes > backpressureBytes - tickBytes && flights > 0) await settled();
      } else await nextTurn();
    }
    while (batch.bytes > 0 || flights > 0) {
      if (batch.bytes > 0 && flights < inFlight) start();
      else await settled();
    }
    written = position;
  });
  await file.close();
  if (failure) throw failure;
  if (written !== total) throw new Error(`parallel raw writer wrote ${written} of ${total} bytes`);
  return m;
}
