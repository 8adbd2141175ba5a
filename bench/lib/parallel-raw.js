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
  let pending = [];
  let pendingBytes = 0;
  let pendingSince = 0;
  let position = 0;
  let flights = 0;
  let flightBytes = 0;
  let written = 0;
  let failure;
  let wake;
  const start = () => {
    const buffers = pending;
    const bytes = pendingBytes;
    const at = position;
    position += bytes;
    pending = [];
    pendingBytes = 0;
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
        if (pendingBytes >= flushBytes && flights < inFlight) start();
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
        if (pending.length === 0) pendingSince = performance.now();
        pending.push(r);
        pendingBytes += r.length;
        produced += r.length;
        const due = pendingBytes >= flushBytes || performance.now() - pendingSince >= intervalMs;
        if (due && flights < inFlight) start();
      }
      // The same back-pressure as the queue's producer: at `backpressureBytes` buffered or being
      // written, wait until the next turn's records fit.
      if (pendingBytes + flightBytes >= backpressureBytes) {
        while (pendingBytes + flightBytes > backpressureBytes - tickBytes && flights > 0) await settled();
      } else await nextTurn();
    }
    while (pendingBytes > 0 || flights > 0) {
      if (pendingBytes > 0 && flights < inFlight) start();
      else await settled();
    }
    written = position;
  });
  await file.close();
  if (failure) throw failure;
  if (written !== total) throw new Error(`parallel raw writer wrote ${written} of ${total} bytes`);
  return m;
}
