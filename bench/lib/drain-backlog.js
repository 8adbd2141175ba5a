// Two rows of bench:export about the queue at rest and its drain:
//
//   bytes on disk per record   the app emits access-event log records (the export bench's shape) at
//                              1,000 and 5,000 records/s with the endpoint down; the queue's bytes on
//                              disk (segment files) divided by the records it holds
//   drain a backlog            a backlog of stored fragments (made by an app, then copied up to the
//                              target size) is sent to a receiver in its own process, end to end:
//                              from opening the queue to the receiver holding every byte. Once by the
//                              app's own sender (createDurableLogRecordProcessor), once by
//                              `lifeline queue drain`. MB/s of queue bytes and records/s; `cat` of the
//                              same segment files is the read-back baseline. Two backlogs: the
//                              access events the distribution writes (started with --import, its
//                              endpoint down), what a user's backlog holds; and the export bench's
//                              synthetic record, which compresses several times better, so the
//                              same MB/s of queue bytes carries more records and more requests.
//
// The receiver is a sink: it reads each body, counts its bytes and answers 200 with an empty OTLP
// response, so the figure is the drain's, not a backend's decode speed.
//
//   node bench/lib/drain-backlog.js [--quick] [--only bytes|drain] [--drainer sender|cli ...]
//   (bench/export.js runs it too)

import { execFileSync, fork, spawn } from 'node:child_process';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { ACCESS_EVENT_BODY, accessEventAttributes } from './access-event.js';
import { makeRunDir } from './run-dir.js';

const self = fileURLToPath(import.meta.url);
const benchDir = path.dirname(path.dirname(self));
const lifelineBin = path.join(benchDir, '..', 'packages', 'node', 'bin', 'lifeline.js');
const MB = 1e6;

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** The export bench's record: an access event of an API server. */
function emitter(logger) {
  let seq = 0;
  return () => {
    logger.emit({
      severityNumber: 9,
      severityText: 'INFO',
      body: ACCESS_EVENT_BODY,
      attributes: accessEventAttributes(seq),
    });
    seq++;
  };
}

/** In a child process (which then exits, releasing the queue): emits at `rate` for `seconds`. */
function fillQueue(queueDir, rate, seconds) {
  const child = fork(self, ['--role', 'fill', '--fill', JSON.stringify({ queueDir, rate, seconds })]);
  return new Promise((resolve, reject) => {
    let emitted;
    child.once('message', (m) => (emitted = m.emitted));
    child.once('exit', (code) =>
      code === 0 && emitted !== undefined
        ? resolve(emitted)
        : reject(new Error(`the app exited with ${code}`)),
    );
  });
}

/** Emits at `rate` for `seconds` with the endpoint down; resolves with the records emitted. */
async function fillRole(queueDir, rate, seconds) {
  const { LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { createDurableLogRecordProcessor } = await import('@otel-lifeline/exporter');
  const processor = createDurableLogRecordProcessor({
    endpoints: [{ url: 'http://127.0.0.1:9/v1/logs', timeoutMs: 200 }],
    queueDir,
    shutdownTimeoutMs: 200,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  const emit = emitter(provider.getLogger('bench-export', '1.0.0'));
  let emitted = 0;
  const t0 = performance.now();
  for (;;) {
    const elapsed = performance.now() - t0;
    const due = Math.floor((Math.min(elapsed, seconds * 1000) * rate) / 1000);
    while (emitted < due) {
      emit();
      emitted++;
    }
    if (elapsed >= seconds * 1000) break;
    await sleep(1);
  }
  await processor.forceFlush({ timeoutMillis: 300 }).catch(() => undefined);
  await provider.shutdown().catch(() => undefined);
  return emitted;
}

async function bytesPerRecord(tmpRoot, rate, seconds) {
  const { inspectQueue } = await import('@otel-lifeline/disk-queue');
  const dir = path.join(tmpRoot, `bytes-${rate}`);
  const emitted = await fillQueue(dir, rate, seconds);
  const q = await inspectQueue(dir);
  fs.rmSync(dir, { recursive: true, force: true });
  return { ...diskRow(rate, seconds, emitted, q), plainBytesPerRecord: undefined };
}

/** The row both bytes-on-disk measurements report: `records` written at `rate` for `seconds`, and the queue `q` they left. */
function diskRow(rate, seconds, records, q) {
  return {
    rate,
    seconds,
    records,
    pendingRecords: q.pendingRecords,
    diskBytes: q.diskBytes,
    bytesPerRecord: q.diskBytes / records,
  };
}

const API_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  const status = req.url.startsWith('/api/') ? 200 : 404;
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify({ ok: status === 200 }));
});
server.listen(0, '127.0.0.1', () => process.send({ url: 'http://127.0.0.1:' + server.address().port }));
`;

/**
 * The distribution as users start it (`--import @otel-lifeline/node/register`, defaults), its
 * endpoint down, serving `rate` requests/s of varied paths for `seconds`, then killed (SIGKILL)
 * once every access event is on disk: its queues stay in `dir` (logs/, traces/, metrics/).
 * Resolves with the requests served.
 */
async function runDistribution(dir, rate, seconds) {
  const app = spawn(
    process.execPath,
    ['--import', '@otel-lifeline/node/register', '--input-type=module', '-e', API_SERVER],
    {
      cwd: benchDir,
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
      env: {
        ...process.env,
        OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:9',
        OTEL_SERVICE_NAME: 'orders-api',
        LIFELINE_QUEUE_DIR: dir,
      },
    },
  );
  const url = await new Promise((resolve, reject) => {
    app.once('message', (m) => resolve(m.url));
    app.once('exit', (code) => reject(new Error(`the app exited with ${code}`)));
  });
  const agent = new http.Agent({ keepAlive: true, maxSockets: 8 });
  const get = (p) =>
    new Promise((resolve) => {
      http
        .get(
          `${url}${p}`,
          { agent, headers: { 'user-agent': 'Mozilla/5.0 (X11; Linux x86_64) bench/1.0' } },
          (res) => {
            res.resume();
            res.on('end', resolve);
          },
        )
        .on('error', resolve);
    });
  const routes = ['/api/orders/', '/api/users/', '/api/cart/', '/missing/'];
  let sent = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < seconds * 1000) {
    const due = Math.floor(((performance.now() - t0) * rate) / 1000);
    const batch = [];
    for (; sent < due; sent++)
      batch.push(get(`${routes[sent % 4]}${(sent * 7919) % 100_000}?page=${sent % 7}`));
    await Promise.all(batch);
    await sleep(1);
  }
  agent.destroy();
  await sleep(300); // past the fsync interval: every access event is on disk
  app.kill('SIGKILL');
  await new Promise((resolve) => app.once('exit', resolve));
  return sent;
}

/** The distribution's bytes on disk per access event (its logs queue) and per server span. */
async function distributionBytesPerEvent(tmpRoot, rate, seconds) {
  const { inspectQueue } = await import('@otel-lifeline/disk-queue');
  const dir = path.join(tmpRoot, `dist-${rate}`);
  const sent = await runDistribution(dir, rate, seconds);
  const q = await inspectQueue(path.join(dir, 'logs'));
  const spans = await inspectQueue(path.join(dir, 'traces')).catch(() => undefined);
  fs.rmSync(dir, { recursive: true, force: true });
  return {
    ...diskRow(rate, seconds, sent, q),
    spanBytesPerRequest: spans === undefined ? undefined : spans.diskBytes / sent,
  };
}

/**
 * The fragments a backlog is copied from, by `source`:
 *   'distribution'  the access events the distribution itself writes (runDistribution at 2,000
 *                   requests/s for 5 s): what a user's logs backlog holds
 *   'synthetic'     the export bench's record (bench/lib/access-event.js) through the durable
 *                   processor at 10,000/s for 1 s: few distinct values, so it compresses far better
 */
async function seedFragments(tmpRoot, source) {
  const { openDiskQueue } = await import('@otel-lifeline/disk-queue');
  const seedDir = path.join(tmpRoot, `seed-${source}`);
  let queueDir = seedDir;
  if (source === 'distribution') {
    await runDistribution(seedDir, 2_000, 5);
    queueDir = path.join(seedDir, 'logs');
  } else {
    await fillQueue(seedDir, 10_000, 1);
  }
  const seed = await openDiskQueue({ directory: queueDir });
  const fragments = [];
  for (;;) {
    const batch = await seed.cursor().read({ maxRecords: 10_000 });
    if (batch === undefined) break;
    fragments.push(...batch.records.map((r) => Buffer.from(r)));
    await seed.cursor().ack(batch);
  }
  await seed.close();
  fs.rmSync(seedDir, { recursive: true, force: true });
  if (fragments.length === 0) throw new Error(`the seed queue in ${queueDir} held no fragments`);
  return fragments;
}

/** A backlog of `targetBytes` of stored fragments from `source` (seedFragments), copied until the size is reached. */
async function makeBacklog(tmpRoot, targetBytes, source) {
  const { openDiskQueue } = await import('@otel-lifeline/disk-queue');
  const { joinFragments } = await import('@otel-lifeline/exporter');
  const fragments = await seedFragments(tmpRoot, source);
  const dir = path.join(tmpRoot, `backlog-${source}`);
  const queue = await openDiskQueue({ directory: dir, maxBytes: 2 * targetBytes + 64 * 2 ** 20 });
  let bytes = 0;
  let records = 0;
  let items = 0;
  const itemsOf = fragments.map((f) => joinFragments([f], () => 0).items);
  // A stored fragment is a gzip member: its last 4 bytes are the protobuf's size (ISIZE).
  const plainOf = fragments.map((f) => f.readUInt32LE(f.length - 4));
  let plain = 0;
  for (let i = 0; bytes < targetBytes; i = (i + 1) % fragments.length) {
    if (!queue.append(fragments[i])) {
      await queue.waitForRoom();
      continue;
    }
    bytes += fragments[i].length;
    items += itemsOf[i];
    plain += plainOf[i];
    records++;
    if (records % 256 === 0) await queue.waitForRoom();
  }
  await queue.close();
  return {
    source,
    dir,
    bytes,
    plainBytes: plain,
    records,
    items,
    fragmentBytes: bytes / records,
    itemsPerFragment: items / records,
  };
}

// ─── the sink receiver, in its own process ─────────────────────────────────────────────────────

function sinkRole() {
  let bytes = 0;
  let requests = 0;
  const server = http.createServer((req, res) => {
    req.on('data', (chunk) => (bytes += chunk.length));
    req.on('end', () => {
      requests++;
      res.writeHead(200, { 'content-type': 'application/x-protobuf', 'content-length': '0' });
      res.end();
    });
  });
  server.keepAliveTimeout = 30_000;
  server.listen(0, '127.0.0.1', () => {
    process.send({ ready: true, url: `http://127.0.0.1:${server.address().port}` });
  });
  process.on('message', (m) => {
    if (m.op === 'stats') process.send({ id: m.id, bytes, requests });
    if (m.op === 'reset') {
      bytes = 0;
      requests = 0;
      process.send({ id: m.id });
    }
  });
}

async function spawnSink() {
  const child = fork(self, ['--role', 'sink'], { stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
  const url = await new Promise((resolve, reject) => {
    child.once('message', (m) => resolve(m.url));
    child.once('exit', (code) => reject(new Error(`the sink exited with ${code}`)));
  });
  let next = 0;
  const call = (op) =>
    new Promise((resolve) => {
      const id = next++;
      const onMessage = (m) => {
        if (m.id !== id) return;
        child.off('message', onMessage);
        resolve(m);
      };
      child.on('message', onMessage);
      child.send({ op, id });
    });
  return { url, stats: () => call('stats'), reset: () => call('reset'), close: () => child.kill() };
}

async function waitForBytes(sink, bytes, limitMs) {
  const end = performance.now() + limitMs;
  for (;;) {
    const s = await sink.stats();
    if (s.bytes >= bytes || performance.now() > end) return s;
    await sleep(5);
  }
}

/** The backlogs drained, the first the headline: what a user's backlog holds, then the export bench's record. */
const BACKLOG_SOURCES = ['distribution', 'synthetic'];
const BACKLOG_NAMES = {
  distribution: "the distribution's access events",
  synthetic: "the export bench's synthetic records",
};

// ─── the drain runs ────────────────────────────────────────────────────────────────────────────

async function drainBySender(backlog, sink, copy) {
  const { LoggerProvider } = await import('@opentelemetry/sdk-logs');
  const { createDurableLogRecordProcessor } = await import('@otel-lifeline/exporter');
  await sink.reset();
  const t0 = performance.now();
  const cpu0 = process.cpuUsage();
  // gzip, as the backlog is stored: under the default ('auto') an endpoint that takes zstd gets one
  // batch recompressed as zstd (the trial) and every stored gzip member as it is after it, so this
  // is the same drain with the sink's byte count kept equal to the queue's.
  const processor = createDurableLogRecordProcessor({
    endpoints: [{ url: `${sink.url}/v1/logs`, compression: 'gzip' }],
    queueDir: copy,
  });
  const provider = new LoggerProvider({ processors: [processor] });
  const s = await waitForBytes(sink, backlog.bytes, 120_000);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  await provider.shutdown().catch(() => undefined);
  return { ms, requests: s.requests, bytes: s.bytes, cpuMs: (cpu.user + cpu.system) / 1000 };
}

async function drainByCli(backlog, sink, copy) {
  await sink.reset();
  const t0 = performance.now();
  await new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        lifelineBin,
        'queue',
        'drain',
        copy,
        '--signal',
        'logs',
        '--endpoint',
        sink.url,
        '--no-progress',
        '--json',
      ],
      { stdio: ['ignore', 'ignore', 'inherit'] },
    );
    child.on('exit', (code) =>
      code === 0 ? resolve() : reject(new Error(`lifeline queue drain exited ${code}`)),
    );
  });
  const ms = performance.now() - t0;
  const s = await sink.stats();
  return { ms, requests: s.requests, bytes: s.bytes };
}

function catBaseline(dir) {
  const files = fs
    .readdirSync(dir, { recursive: true })
    .map((f) => path.join(dir, f))
    .filter((f) => fs.statSync(f).isFile());
  const t0 = performance.now();
  execFileSync('sh', ['-c', 'cat "$@" > /dev/null', 'cat', ...files]);
  return performance.now() - t0;
}

/** Runs both rows; `rounds` drains per drainer and backlog, interleaved. */
/** `only`: 'bytes' or 'drain' runs one of the two; `drainers`: which drains ('sender', 'cli'). */
export async function drainBacklogRows({
  quick,
  tmpRoot,
  log = console.log,
  only,
  drainers = ['sender', 'cli'],
}) {
  fs.mkdirSync(tmpRoot, { recursive: true });
  const seconds = quick ? 2 : 10;
  const bytes = [];
  const distribution = [];
  for (const rate of only === 'drain' ? [] : [1_000, 5_000]) {
    const row = await bytesPerRecord(tmpRoot, rate, seconds);
    bytes.push(row);
    log(
      `bytes on disk per record at ${rate}/s for ${seconds} s: ${row.bytesPerRecord.toFixed(1)} B (${row.records} records, ${row.diskBytes} B)`,
    );
  }
  for (const rate of only === 'drain' ? [] : [1_000]) {
    const row = await distributionBytesPerEvent(tmpRoot, rate, seconds);
    distribution.push(row);
    log(
      `bytes on disk per access event of the distribution at ${rate}/s for ${seconds} s: ${row.bytesPerRecord.toFixed(1)} B (${row.records} requests, ${row.diskBytes} B); its server spans: ${row.spanBytesPerRequest?.toFixed(1)} B per request`,
    );
  }
  if (only === 'bytes') return { bytesOnDisk: bytes, distribution };
  const targetBytes = (quick ? 64 : 256) * 2 ** 20;
  const rounds = quick ? 1 : 3;
  const backlogs = [];
  const runs = [];
  const sink = await spawnSink();
  try {
    for (const source of BACKLOG_SOURCES) {
      const backlog = await makeBacklog(tmpRoot, targetBytes, source);
      backlogs.push(backlog);
      log(
        `backlog of ${source} records: ${(backlog.bytes / MB).toFixed(0)} MB in ${backlog.records} fragments (${backlog.fragmentBytes.toFixed(0)} B, ${backlog.itemsPerFragment.toFixed(0)} records each), ${backlog.items} records, ${(backlog.plainBytes / backlog.bytes).toFixed(1)}x compressed`,
      );
      try {
        for (let round = 0; round < rounds; round++) {
          for (const [drainer, run] of [
            ['sender', drainBySender],
            ['cli', drainByCli],
          ].filter(([name]) => drainers.includes(name))) {
            const copy = path.join(tmpRoot, `copy-${drainer}`);
            fs.rmSync(copy, { recursive: true, force: true });
            fs.cpSync(backlog.dir, copy, { recursive: true });
            const catMs = catBaseline(copy);
            const r = await run(backlog, sink, copy);
            fs.rmSync(copy, { recursive: true, force: true });
            const result = {
              source,
              round,
              drainer,
              ...r,
              complete: r.bytes >= backlog.bytes,
              mbPerSec: backlog.bytes / MB / (r.ms / 1000),
              recordsPerSec: backlog.items / (r.ms / 1000),
              plainMbPerSec: backlog.plainBytes / MB / (r.ms / 1000),
              catMbPerSec: backlog.bytes / MB / (catMs / 1000),
            };
            runs.push(result);
            log(
              `drain ${source} ${drainer.padEnd(6)}: ${result.mbPerSec.toFixed(0)} MB/s of queue bytes${r.cpuMs === undefined ? '' : ` (${(backlog.bytes / MB / (r.cpuMs / 1000)).toFixed(0)} MB per CPU-second of the drainer)`}, ${(result.recordsPerSec / 1e6).toFixed(2)} M records/s (${result.plainMbPerSec.toFixed(0)} MB/s of protobuf), ${r.requests} requests${result.complete ? '' : ' (INCOMPLETE)'}; cat ${result.catMbPerSec.toFixed(0)} MB/s`,
            );
          }
        }
      } finally {
        fs.rmSync(backlog.dir, { recursive: true, force: true });
      }
    }
  } finally {
    sink.close();
  }
  return {
    measuredAt: new Date().toISOString(),
    rounds,
    bytesOnDisk: bytes,
    distribution,
    backlogs: backlogs.map((b) => ({ ...b, dir: undefined })),
    drain: runs,
  };
}

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length === 0
    ? NaN
    : s.length % 2
      ? s[(s.length - 1) / 2]
      : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

/** Markdown rows for the report. */
export function drainBacklogTable(rows) {
  if (!rows) return '';
  const lines = [
    '| queue at rest and drain | figure |',
    '|---|---|',
    ...(rows.distribution ?? []).map(
      (d) =>
        `| bytes on disk per access event of the distribution (${d.rate.toLocaleString('en-US')} requests/s, endpoint down; server spans ${d.spanBytesPerRequest?.toFixed(1)} B) | ${d.bytesPerRecord.toFixed(1)} B |`,
    ),
    ...rows.bytesOnDisk.map(
      (b) =>
        `| bytes on disk per record (access event, ${b.rate.toLocaleString('en-US')}/s, endpoint down) | ${b.bytesPerRecord.toFixed(1)} B |`,
    ),
  ];
  for (const backlog of rows.drain ? rows.backlogs : []) {
    for (const drainer of ['sender', 'cli']) {
      const runs = rows.drain.filter((r) => r.drainer === drainer && r.source === backlog.source);
      if (runs.length === 0) continue;
      const name = drainer === 'sender' ? "the app's sender" : '`lifeline queue drain`';
      const range = (xs, digits = 0) =>
        `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
      lines.push(
        `| drain a ${(backlog.bytes / MB).toFixed(0)} MB backlog of ${BACKLOG_NAMES[backlog.source]} (${(backlog.plainBytes / backlog.bytes).toFixed(1)}× compressed, ${backlog.fragmentBytes.toFixed(0)} B fragments) to an endpoint, ${name} | ${range(runs.map((r) => r.mbPerSec))} MB/s of queue bytes, ${range(
          runs.map((r) => r.recordsPerSec / 1e6),
          2,
        )} M records/s, ${median(runs.map((r) => r.plainMbPerSec)).toFixed(0)} MB/s of protobuf before compression, ${median(runs.map((r) => r.requests)).toLocaleString('en-US')} requests (cat of the segment files: ${median(runs.map((r) => r.catMbPerSec)).toFixed(0)} MB/s) |`,
      );
    }
  }
  if (rows.drain) {
    lines.push(
      '',
      `This table (bytes on disk and drains) measured ${rows.measuredAt ? rows.measuredAt.slice(0, 16).replace('T', ' ') + ' UTC' : 'with the run above'} (\`node bench/export.js --only drain\` measures it alone); each drain row is the median (min–max) of ${rows.rounds ?? 3} rounds per drainer. The sender's rounds run in one process, so its first one also warms the code up; \`lifeline queue drain\` is a new process each time, its start-up included. The aim is ≥ 400 MB/s of queue bytes, end to end. The first backlog is what a user's holds: the logs queue the distribution writes (started with \`--import\`, its endpoint down). The second is the export bench's record, which compresses several times better, so its requests are smaller at rest and the cost of each request weighs more per MB. Each drainer sends requests of its own default size: the app's sender up to 2 MiB of protobuf (the exporter's \`maxBatchBytes\`), \`lifeline queue drain\` up to 8 MiB (\`--max-request-bytes\`), a quarter of the requests for the same backlog.`,
    );
  }
  return lines.join('\n');
}

if (process.argv[1] === self) {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      drainer: { type: 'string', multiple: true },
      role: { type: 'string' },
      fill: { type: 'string' },
    },
  });
  if (values.role === 'sink') sinkRole();
  else if (values.role === 'fill') {
    const { queueDir, rate, seconds } = JSON.parse(values.fill);
    fillRole(queueDir, rate, seconds).then((emitted) => process.send({ emitted }, () => process.exit(0)));
  } else {
    const tmpRoot = makeRunDir(benchDir, 'drain');
    drainBacklogRows({
      quick: values.quick,
      tmpRoot,
      only: values.only,
      ...(values.drainer ? { drainers: values.drainer } : {}),
    })
      .then((rows) => console.log(`\n${drainBacklogTable(rows)}\n`))
      .finally(() => fs.rmSync(tmpRoot, { recursive: true, force: true }));
  }
}
