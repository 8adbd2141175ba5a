#!/usr/bin/env node
// Disk queue benchmark: @otel-lifeline/disk-queue against the raw file operations it is built on.
//
//   node bench/queue.js [--quick] [--dir DIR] [--out DIR] [--only append]   (pnpm bench:queue builds first)
//   (--only append measures append alone and updates it in an existing <out>/queue.json)
//
// Three comparisons, each with variants interleaved round by round (A B, then B A, ...):
//   append     queue.append + group commit (flush every 1 MiB or 100 ms, one O_DSYNC pwritev;
//              up to MAX_WRITES_IN_FLIGHT of them overlap, committed in order)
//              against a raw loop that writes the same payload bytes with writev + fdatasync
//              under the same policy (every 1 MiB or 100 ms), one write at a time on the appending
//              thread ("raw, serial"), and against a raw writer with the queue's parallelism: the
//              same policy with O_DSYNC pwritev from the thread pool, up to MAX_WRITES_IN_FLIGHT at
//              once ("raw, parallel"; bench/lib/parallel-raw.js). Two record sizes: 1 KiB and 16 KiB.
//              The producer appends 256 KiB per event-loop turn in both variants; the queue's
//              producer, at 8 MiB buffered or being written, waits until its next 256 KiB fit
//              (queue.waitForRoom; the raw loop blocks on each write instead).
//   open       openDiskQueue on a directory holding the backlog (1 GiB; 128 MiB with --quick)
//              against a full scan of that backlog (verifyQueue reads and checks every record):
//              what recovery would cost if it read the backlog.
//   read-back  reading the whole backlog through a cursor (4 MiB batches, no ack)
//              against raw sequential 4 MiB reads of the same segment files.
// Also measured: fdatasync latency of the file system under test (4 KiB write + fdatasync).
// Open and read-back run twice: with the page cache warm (the backlog was just written), and cold
// (the page cache dropped before each open, scan and read), which needs root
// (/proc/sys/vm/drop_caches); without it the cold rows are left out and the result says why.
// Reported: median and min–max over rounds, the ratio queue ÷ raw of the medians, and for append
// the median of the per-round ratios (each queue run against the raw run next to it).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { MAX_WRITES_IN_FLIGHT, openDiskQueue, verifyQueue } from '@otel-lifeline/disk-queue';
import { describeEnvironment } from './lib/environment.js';
import { appendParallelRaw, PendingBatch } from './lib/parallel-raw.js';
import { summary } from './lib/stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: {
    quick: { type: 'boolean', default: false },
    dir: { type: 'string' },
    out: { type: 'string' },
    only: { type: 'string' },
  },
});
if (values.only !== undefined && values.only !== 'append') {
  throw new Error(`--only: expected append, got "${values.only}"`);
}
const quick = values.quick;
const outDir = path.resolve(values.out ?? path.join(benchDir, 'results'));
const workRoot = fs.mkdtempSync(path.join(values.dir ?? os.tmpdir(), 'lifeline-bench-queue-'));

const MiB = 1024 * 1024;
const ROUNDS = 9;
const APPEND_BYTES = quick ? 32 * MiB : 256 * MiB;
const RECORD_SIZES = [1024, 16 * 1024];
const BACKLOG_BYTES = quick ? 128 * MiB : 1024 * MiB;
const BACKLOG_RECORD = 16 * 1024;
const TICK_BYTES = 256 * 1024;
const FLUSH_BYTES = MiB;
const FLUSH_INTERVAL_MS = 100;
const READ_CHUNK = 4 * MiB;
const BACKPRESSURE_BYTES = 8 * MiB;

function records(size, count) {
  // Distinct contents, so nothing benefits from identical pages.
  return Array.from({ length: count }, (_, i) => {
    const b = Buffer.alloc(size, i & 0xff);
    b.writeUInt32LE(i, 0);
    return b;
  });
}

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** Wall seconds and process CPU seconds (user + system, all threads) of an async function. */
async function measure(fn) {
  const cpu = process.cpuUsage();
  const start = process.hrtime.bigint();
  const value = await fn();
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const used = process.cpuUsage(cpu);
  return { seconds, cpuSeconds: (used.user + used.system) / 1e6, value };
}

async function appendQueue(dir, recs, total) {
  const queue = await openDiskQueue({
    directory: dir,
    maxBytes: Math.max(4 * total, 256 * MiB),
    fsyncIntervalMs: FLUSH_INTERVAL_MS,
    flushBytes: FLUSH_BYTES,
    maxBufferBytes: 64 * MiB,
  });
  const perTick = Math.max(1, Math.floor(TICK_BYTES / recs[0].length));
  let written = 0;
  let dropped = 0;
  const m = await measure(async () => {
    for (let i = 0; written < total;) {
      for (let k = 0; k < perTick && written < total; k++, i++) {
        const r = recs[i % recs.length];
        if (!queue.append(r)) dropped++;
        written += r.length;
      }
      // Back-pressure, as a producer that must not drop would apply: at 8 MiB buffered or being
      // written it waits until its next turn's records fit (the raw loop blocks on each write).
      if (queue.stats().bufferedBytes >= BACKPRESSURE_BYTES) {
        await queue.waitForRoom(BACKPRESSURE_BYTES - TICK_BYTES);
      } else await nextTurn();
    }
    await queue.flush();
  });
  await queue.close();
  if (dropped > 0) throw new Error(`queue dropped ${dropped} records during the append benchmark`);
  return m;
}

async function appendRaw(dir, recs, total) {
  const fd = fs.openSync(path.join(dir, 'raw.log'), 'wx', 0o600);
  const perTick = Math.max(1, Math.floor(TICK_BYTES / recs[0].length));
  let written = 0;
  const batch = new PendingBatch(FLUSH_BYTES, FLUSH_INTERVAL_MS);
  let position = 0;
  const commit = () => {
    position += fs.writevSync(fd, batch.take().buffers, position);
    fs.fdatasyncSync(fd);
  };
  const m = await measure(async () => {
    for (let i = 0; written < total;) {
      for (let k = 0; k < perTick && written < total; k++, i++) {
        const r = recs[i % recs.length];
        written += r.length;
        if (batch.add(r)) commit();
      }
      await nextTurn();
    }
    if (batch.buffers.length > 0) commit();
  });
  fs.closeSync(fd);
  if (position !== written) throw new Error(`raw loop wrote ${position} of ${written} bytes`);
  return m;
}

function appendParallel(dir, recs, total) {
  return appendParallelRaw(dir, recs, total, {
    flushBytes: FLUSH_BYTES,
    intervalMs: FLUSH_INTERVAL_MS,
    inFlight: MAX_WRITES_IN_FLIGHT,
    tickBytes: TICK_BYTES,
    backpressureBytes: BACKPRESSURE_BYTES,
    measure,
  });
}

function freshDir(name) {
  const dir = path.join(workRoot, name);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

/** Drops the page cache (root only) when `cache` is 'cold'. */
function dropCaches(cache) {
  if (cache !== 'cold') return;
  fs.writeFileSync('/proc/sys/vm/drop_caches', '3\n');
}

/** Whether this process may drop the page cache; if not, why. */
function coldReason() {
  try {
    fs.writeFileSync('/proc/sys/vm/drop_caches', '3\n');
    return undefined;
  } catch (error) {
    return `cannot drop the page cache (${error.code ?? error.message}); cold rows need root on Linux`;
  }
}

async function benchAppend() {
  const results = {};
  for (const size of RECORD_SIZES) {
    const recs = records(size, 256);
    const samples = { queue: [], raw: [], parallel: [] };
    await appendQueue(freshDir('warm'), recs, 8 * MiB); // warm-up
    await appendParallel(freshDir('warm-parallel'), recs, 8 * MiB);
    for (let round = 0; round < ROUNDS; round++) {
      // Each variant takes each place in the order in turn.
      const variants = Object.keys(samples);
      const order = variants.map((_, k) => variants[(k + round) % variants.length]);
      for (const variant of order) {
        const dir = freshDir(`append-${variant}`);
        const append = { queue: appendQueue, raw: appendRaw, parallel: appendParallel }[variant];
        samples[variant].push(await append(dir, recs, APPEND_BYTES));
      }
    }
    const rate = (s) => ({
      seconds: summary(s.map((m) => m.seconds)),
      mbPerS: summary(s.map((m) => APPEND_BYTES / MiB / m.seconds)),
      recordsPerS: summary(s.map((m) => APPEND_BYTES / size / m.seconds)),
      cpuMsPerMiB: summary(s.map((m) => (m.cpuSeconds * 1000) / (APPEND_BYTES / MiB))),
    });
    const queue = rate(samples.queue);
    const raw = rate(samples.raw);
    const parallel = rate(samples.parallel);
    results[`${size}B`] = {
      recordBytes: size,
      bytesPerRound: APPEND_BYTES,
      queue: {
        what: `queue.append + group commit (1 MiB or 100 ms per O_DSYNC pwritev, up to ${MAX_WRITES_IN_FLIGHT} in flight)`,
        ...queue,
      },
      raw: { what: 'writev + fdatasync loop, same bytes, same policy', ...raw },
      parallel: {
        what: `O_DSYNC pwritev from the thread pool, same bytes, same policy, up to ${MAX_WRITES_IN_FLIGHT} in flight`,
        ...parallel,
      },
      ratio: {
        queueOverRaw: queue.mbPerS.median / raw.mbPerS.median,
        queueOverParallel: queue.mbPerS.median / parallel.mbPerS.median,
        cpuQueueOverParallel: queue.cpuMsPerMiB.median / parallel.cpuMsPerMiB.median,
        pairedParallelRounds: summary(samples.queue.map((m, i) => samples.parallel[i].seconds / m.seconds)),
        cpuQueueOverRaw: queue.cpuMsPerMiB.median / raw.cpuMsPerMiB.median,
        // Each round's queue run against the raw run next to it: the disk's speed drifts over a
        // run (raw alone spans 2-4x), and a pair shares its moment.
        pairedRounds: summary(samples.queue.map((m, i) => samples.raw[i].seconds / m.seconds)),
      },
    };
  }
  return results;
}

async function buildBacklog(dir) {
  const recs = records(BACKLOG_RECORD, 64);
  const queue = await openDiskQueue({
    directory: dir,
    maxBytes: 2 * BACKLOG_BYTES,
    maxBufferBytes: 64 * MiB,
  });
  let written = 0;
  for (let i = 0; written < BACKLOG_BYTES;) {
    for (let k = 0; k < 16 && written < BACKLOG_BYTES; k++, i++) {
      queue.append(recs[i % recs.length]);
      written += BACKLOG_RECORD;
    }
    if (queue.stats().bufferedBytes > 16 * MiB) await queue.flush();
    else await nextTurn();
  }
  await queue.close();
  const stats = (await openStats(dir)) ?? {};
  return { payloadBytes: written, records: written / BACKLOG_RECORD, ...stats };
}

async function openStats(dir) {
  const queue = await openDiskQueue({ directory: dir, maxBytes: 2 * BACKLOG_BYTES });
  const s = queue.stats();
  await queue.close();
  return { segments: s.segments, diskBytes: s.diskBytes, pendingRecords: s.pendingRecords };
}

async function timeOpen(dir, cache) {
  dropCaches(cache);
  const start = process.hrtime.bigint();
  const queue = await openDiskQueue({ directory: dir, maxBytes: 2 * BACKLOG_BYTES });
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  const pending = queue.stats().pendingRecords;
  await queue.close();
  return { seconds, pending };
}

async function timeFullScan(dir, cache) {
  dropCaches(cache);
  const start = process.hrtime.bigint();
  const report = await verifyQueue(dir);
  const seconds = Number(process.hrtime.bigint() - start) / 1e9;
  if (report.corrupt.length > 0) throw new Error('backlog is corrupt');
  return { seconds, records: report.records };
}

async function readQueue(dir, cache) {
  const queue = await openDiskQueue({ directory: dir, maxBytes: 2 * BACKLOG_BYTES });
  dropCaches(cache);
  const cursor = queue.cursor();
  let bytes = 0;
  let count = 0;
  const m = await measure(async () => {
    for (;;) {
      const batch = await cursor.read({ maxRecords: 100_000, maxBytes: READ_CHUNK });
      if (batch === undefined) break;
      bytes += batch.bytes;
      count += batch.records.length;
    }
  });
  await queue.close();
  return { seconds: m.seconds, cpuSeconds: m.cpuSeconds, bytes, records: count };
}

async function readRaw(dir, cache) {
  dropCaches(cache);
  const files = fs
    .readdirSync(dir)
    .filter((n) => n.endsWith('.seg'))
    .sort();
  const buf = Buffer.allocUnsafe(READ_CHUNK);
  let bytes = 0;
  const m = await measure(async () => {
    for (const name of files) {
      const fd = fs.openSync(path.join(dir, name), 'r');
      for (let n; (n = fs.readSync(fd, buf, 0, READ_CHUNK, null)) > 0;) bytes += n;
      fs.closeSync(fd);
    }
  });
  return { seconds: m.seconds, cpuSeconds: m.cpuSeconds, bytes };
}

/** Open and read-back of a backlog for one page-cache state, variants interleaved per round. */
async function benchBacklogCache(dir, backlog, cache) {
  const open = { queue: [], scan: [] };
  const read = { queue: [], raw: [] };
  let delivered = 0;
  for (let round = 0; round < ROUNDS; round++) {
    const openOrder = round % 2 === 0 ? ['queue', 'scan'] : ['scan', 'queue'];
    for (const v of openOrder) {
      if (v === 'queue') {
        const r = await timeOpen(dir, cache);
        if (r.pending !== backlog.records)
          throw new Error(`open saw ${r.pending} pending records, expected ${backlog.records}`);
        open.queue.push(r.seconds);
      } else {
        const r = await timeFullScan(dir, cache);
        if (r.records !== backlog.records)
          throw new Error(`scan saw ${r.records} records, expected ${backlog.records}`);
        open.scan.push(r.seconds);
      }
    }
    const readOrder = round % 2 === 0 ? ['queue', 'raw'] : ['raw', 'queue'];
    for (const v of readOrder) {
      if (v === 'queue') {
        const r = await readQueue(dir, cache);
        if (r.records !== backlog.records)
          throw new Error(`read ${r.records} records, expected ${backlog.records}`);
        delivered = r.bytes;
        read.queue.push(r.bytes / MiB / r.seconds);
      } else {
        const r = await readRaw(dir, cache);
        read.raw.push(r.bytes / MiB / r.seconds);
      }
    }
  }
  const openQueue = summary(open.queue.map((s) => s * 1000));
  const openScan = summary(open.scan.map((s) => s * 1000));
  const readQ = summary(read.queue);
  const readR = summary(read.raw);
  return {
    deliveredPayloadBytes: delivered,
    open: {
      queue: { what: 'openDiskQueue: ledger, segment headers, scan of the last segment', ms: openQueue },
      fullScan: {
        what: 'verifyQueue: reads and checks every record (a recovery that reads the backlog)',
        ms: openScan,
      },
      ratio: { queueOverFullScan: openQueue.median / openScan.median },
    },
    readBack: {
      queue: { what: 'cursor.read, 4 MiB batches, payload MB/s', mbPerS: readQ },
      raw: { what: 'sequential 4 MiB reads of the segment files, file MB/s', mbPerS: readR },
      ratio: { queueOverRaw: readQ.median / readR.median },
    },
  };
}

async function benchBacklog() {
  const dir = freshDir('backlog');
  const backlog = await buildBacklog(dir);
  const notCold = coldReason();
  const caches = {};
  caches.warm = await benchBacklogCache(dir, backlog, 'warm');
  if (notCold === undefined) caches.cold = await benchBacklogCache(dir, backlog, 'cold');
  return {
    backlog: { ...backlog, recordBytes: BACKLOG_RECORD },
    caches,
    ...(notCold === undefined ? {} : { coldSkipped: notCold }),
  };
}

const fmt = (s, digits = 1) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`;
const pad = (t, n) => String(t).padEnd(n);

async function main() {
  const environment = describeEnvironment(values.dir ?? os.tmpdir());
  environment.loadAverageAtStart = os.loadavg();
  console.log(
    `disk queue benchmark${quick ? ' (--quick)' : ''}: ${environment.cpu}, ${environment.cores} cores, Node ${environment.node}, ${environment.tempDir.fileSystem} at ${values.dir ?? os.tmpdir()}`,
  );
  console.log(
    `fdatasync (4 KiB write + fdatasync, ${environment.fdatasync.iterations}×): median ${(environment.fdatasync.medianUs / 1000).toFixed(3)} ms, p99 ${(environment.fdatasync.p99Us / 1000).toFixed(3)} ms`,
  );
  const append = await benchAppend();
  console.log(
    `\nappend, ${APPEND_BYTES / MiB} MiB per round, ${ROUNDS} interleaved rounds; median (min–max)`,
  );
  console.log(
    `  ${pad('record', 8)}${pad('queue MB/s', 24)}${pad('raw MB/s', 24)}${pad('ratio', 7)}${pad('per round', 11)}${pad('queue records/s', 17)}${pad('CPU ms/MiB queue', 18)}${pad('raw', 8)}ratio`,
  );
  for (const r of Object.values(append)) {
    console.log(
      `  ${pad(`${r.recordBytes / 1024} KiB`, 8)}${pad(fmt(r.queue.mbPerS), 24)}${pad(fmt(r.raw.mbPerS), 24)}${pad(r.ratio.queueOverRaw.toFixed(2), 7)}${pad(r.ratio.pairedRounds.median.toFixed(2), 11)}${pad(Math.round(r.queue.recordsPerS.median).toLocaleString('en-US'), 17)}${pad(r.queue.cpuMsPerMiB.median.toFixed(2), 18)}${pad(r.raw.cpuMsPerMiB.median.toFixed(2), 8)}${r.ratio.cpuQueueOverRaw.toFixed(2)}`,
    );
    console.log(
      `  ${pad('', 8)}${pad('raw parallel MB/s', 24)}${pad(fmt(r.parallel.mbPerS), 24)}${pad(r.ratio.queueOverParallel.toFixed(2), 7)}${pad(r.ratio.pairedParallelRounds.median.toFixed(2), 11)}${pad('', 17)}${pad('parallel', 18)}${pad(r.parallel.cpuMsPerMiB.median.toFixed(2), 8)}${r.ratio.cpuQueueOverParallel.toFixed(2)}`,
    );
  }
  if (values.only === 'append') {
    const file = path.join(outDir, 'queue.json');
    const existing = JSON.parse(fs.readFileSync(file, 'utf8'));
    existing.append = append;
    existing.appendDate = new Date().toISOString();
    fs.writeFileSync(file, JSON.stringify(existing, null, 2) + '\n');
    console.log(`\nappend rows updated in ${path.relative(process.cwd(), file) || file}`);
    return;
  }
  const backlog = await benchBacklog();
  const b = backlog.backlog;
  console.log(
    `\nbacklog: ${(b.payloadBytes / MiB).toFixed(0)} MiB of ${b.recordBytes / 1024} KiB records (${b.records.toLocaleString('en-US')} records, ${b.segments} segments)`,
  );
  for (const [cache, r] of Object.entries(backlog.caches)) {
    console.log(` page cache ${cache}`);
    console.log(`  open the queue          ${fmt(r.open.queue.ms, 2)} ms`);
    console.log(
      `  full scan (reference)   ${fmt(r.open.fullScan.ms, 1)} ms    open ÷ scan ${r.open.ratio.queueOverFullScan.toFixed(4)}`,
    );
    console.log(`  read back via cursor    ${fmt(r.readBack.queue.mbPerS)} MB/s`);
    console.log(
      `  raw sequential read     ${fmt(r.readBack.raw.mbPerS)} MB/s    cursor ÷ raw ${r.readBack.ratio.queueOverRaw.toFixed(2)}`,
    );
  }
  if (backlog.coldSkipped) console.log(` page cache cold: skipped, ${backlog.coldSkipped}`);

  const result = {
    benchmark: 'queue',
    command: `node bench/queue.js${quick ? ' --quick' : ''}`,
    quick,
    date: new Date().toISOString(),
    environment,
    method: {
      rounds: ROUNDS,
      interleaved: true,
      appendBytesPerRound: APPEND_BYTES,
      producerBytesPerTurn: TICK_BYTES,
      syncPolicy: { flushBytes: FLUSH_BYTES, intervalMs: FLUSH_INTERVAL_MS },
      readChunkBytes: READ_CHUNK,
    },
    append,
    ...backlog,
  };
  result.environment.loadAverageAtEnd = os.loadavg();
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'queue.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`\nwrote ${path.relative(process.cwd(), file) || file}`);
}

try {
  await main();
} finally {
  fs.rmSync(workRoot, { recursive: true, force: true });
}
