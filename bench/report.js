// Regenerates BENCHMARKS.md and its charts from the raw results of `pnpm bench` (and the
// collector-config tests' collector-config/results/measured.json), and the figure blocks
// (`<!-- bench:NAME -->`) in README.md, collector-config/README.md and the package READMEs, so that
// no number is copied by hand.
//
//   node bench/report.js [--results DIR]
import { drainBacklogTable } from './lib/drain-backlog.js';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { barChart, renderSvg } from './lib/chart.js';
import {
  lifelineOnlyConclusion,
  lifelineOnlyRows,
  stageProfileTable,
  workerPipelineTable,
} from './lib/export-report.js';
import {
  COLLECTOR_RESULTS,
  collectorConclusion,
  collectorSource,
  collectorTables,
} from './lib/collector-report.js';
import { HTTP_LABELS, httpConclusion, httpTable } from './lib/http-report.js';
import { httpSdkLineConclusion, httpSdkLineTable } from './lib/http-sdk-line.js';
import { lifecycleConclusion, lifecycleTable } from './lib/lifecycle-report.js';
import { decimal, integer, ratio, replaceBlock, spread, table } from './lib/markdown.js';
import { median } from './lib/stats.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const rootDir = path.dirname(benchDir);

const readJson = (dir, name) => {
  const file = path.join(dir, `${name}.json`);
  return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
};
const fixed = (value, digits = 0) => (Number.isFinite(value) ? value.toFixed(digits) : 'n/a');

function environmentSection(env, durations) {
  const total = Object.values(durations ?? {}).reduce((a, b) => a + b, 0);
  return [
    '## Environment',
    '',
    table(
      ['', ''],
      [
        ['CPU', `${env.cpu}, ${env.cores} cores, ${env.memoryGiB} GiB`],
        ['OS', env.os],
        ['Node', env.node],
        ['temp file system', env.tempDir.fileSystem],
        [
          'fdatasync of 4 KiB',
          `median ${fixed(env.fdatasync.medianUs)} µs, p99 ${fixed(env.fdatasync.p99Us)} µs`,
        ],
        ['CRC-32 of the queue', env.crc32 === undefined ? 'not recorded' : `\`${env.crc32}\``],
        [
          'run',
          `${env.date}${env.quick ? ' (quick mode: not for publication)' : ''}, ${fixed(total)} s in all`,
        ],
      ],
    ),
    '',
    'Every figure is the median of interleaved rounds with the min–max in parentheses, unless a row says',
    'otherwise. The machine is small and shared (2 cores): compare ratios, which are measured in the same',
    'run, rather than absolute numbers.',
  ].join('\n');
}

// ── encode ──────────────────────────────────────────────────────────────────────────────────────
function encodeTable(encode) {
  const { lifeline, stock } = encode.variants;
  return [
    table(
      ['encoder (512 log records × 10 attributes)', 'µs per record', 'bytes per record', 'ratio to stock'],
      pairRows(
        ['`@opentelemetry/otlp-transformer` ProtobufLogsSerializer (anchor)', stock],
        ['Lifeline `encodeLogRecords`', lifeline, encode.ratio.lifelineOverStock],
      ),
    ),
    '',
    `${encode.unit}; ${encode.method.rounds} interleaved rounds. Both outputs are decoded and compared before timing.`,
    ...compressionTable(encode.compression),
  ].join('\n');
}

/** An anchor's row and the other variant's (µs and bytes per record, ratio of CPU to the anchor's). */
function pairRows([anchorLabel, anchor], [label, other, otherRatio]) {
  return [
    [anchorLabel, spread(anchor.usPerRecord, 3), fixed(anchor.bytesPerRecord, 1), '1.00×'],
    [label, spread(other.usPerRecord, 3), fixed(other.bytesPerRecord, 1), ratio(otherRatio)],
  ];
}

/** The at-rest compression against a candidate, on the same fragment (bench/encode.js). */
function compressionTable(c) {
  if (c === undefined) return [];
  if (c.skipped !== undefined) return ['', `Compression candidates: not measured (${c.skipped}).`];
  const { gzip, zstd } = c.variants;
  return [
    '',
    table(
      [
        `compression of the same records' fragment (${integer(c.fragmentBytes)} B of protobuf)`,
        'µs per record',
        'bytes per record',
        'ratio to gzip',
      ],
      pairRows(
        [
          "gzip member, deflate level 1 (`compressFragment`, at rest): until the endpoint has taken zstd, or with `compression: 'gzip'`",
          gzip,
        ],
        [
          "zstd level 1 with its frame checksum (`compressFragment`, at rest): the default `compression: 'auto'` once the endpoint has taken zstd, or `compression: 'zstd'`",
          zstd,
          1 / c.ratio.gzipOverZstd,
        ],
      ),
    ),
    '',
    `${c.unit}; the same interleaved rounds. Each output is decompressed and compared with the fragment before timing. Stored as zstd, fragments go as they are only to endpoints that accept \`Content-Encoding: zstd\` (the Collector does; the OTLP specification asks endpoints for gzip only). So the default, \`compression: 'auto'\`, stores and sends gzip until the endpoint has taken a zstd request (the one after its first accepted request), and zstd from then on; an endpoint that answers that request otherwise gets it again as gzip, and gzip from then on (Node 22.15 and later have zstd; older ones keep gzip).`,
  ];
}

// ── queue ───────────────────────────────────────────────────────────────────────────────────────
function queueTable(queue) {
  const appendRows = Object.values(queue.append).map((a) => [
    `append ${a.recordBytes} B records: raw write + fdatasync (baseline)`,
    spread(a.raw.mbPerS, 0),
    spread(a.raw.recordsPerS, 0),
    '1.00×',
  ]);
  const rows = [];
  for (const a of Object.values(queue.append)) {
    rows.push(appendRows.shift());
    if (a.parallel !== undefined) {
      rows.push([
        `append ${a.recordBytes} B records: raw O_DSYNC pwritev, ${a.parallel.what.match(/up to (\d+)/)?.[1] ?? 4} in flight (parallel baseline)`,
        spread(a.parallel.mbPerS, 0),
        spread(a.parallel.recordsPerS, 0),
        `${ratio(a.parallel.mbPerS.median / a.raw.mbPerS.median)} of serial`,
      ]);
    }
    const toParallel =
      a.parallel === undefined
        ? ''
        : `; ${ratio(a.ratio.queueOverParallel)} of parallel (per round ${ratio(a.ratio.pairedParallelRounds.median)}), CPU/MiB ${ratio(a.ratio.cpuQueueOverParallel)}`;
    rows.push([
      `append ${a.recordBytes} B records: Lifeline queue, group commit`,
      spread(a.queue.mbPerS, 0),
      spread(a.queue.recordsPerS, 0),
      (a.ratio.pairedRounds === undefined
        ? ratio(a.ratio.queueOverRaw)
        : `${ratio(a.ratio.queueOverRaw)} of serial (per round ${ratio(a.ratio.pairedRounds.median)})`) +
        toParallel,
    ]);
  }
  const backlogGiB = queue.backlog.payloadBytes / 2 ** 30;
  return [
    table(['append throughput', 'MB/s', 'records/s', 'ratio of medians to raw (aim ≥ 0.80× of each)'], rows),
    '',
    table(
      [
        `a ${fixed(backlogGiB, 2)} GiB backlog (${integer(queue.backlog.records)} records, ${queue.backlog.segments} segments)`,
        'value',
        'aim / anchor',
      ],
      Object.entries(queue.caches).flatMap(([cache, c]) => [
        [`time to open the queue (ms), page cache ${cache}`, spread(c.open.queue.ms, 0), 'aim < 1,000 ms'],
        [
          `time to read and check every record (ms), page cache ${cache}: what a recovery that scans costs`,
          spread(c.open.fullScan.ms, 0),
          '',
        ],
        [
          `read-back through a cursor (MB/s), page cache ${cache}`,
          spread(c.readBack.queue.mbPerS, 0),
          cache === 'cold' ? 'aim ≥ 200 MB/s; Collector bbolt queue ≈ 24 MB/s cold' : 'aim ≥ 200 MB/s',
        ],
        [
          `raw sequential read of the same files (MB/s), page cache ${cache}`,
          spread(c.readBack.raw.mbPerS, 0),
          '',
        ],
      ]),
    ),
    '',
    'Cold: the page cache is dropped before each open, scan and read, so the backlog comes from the disk.' +
      (queue.coldSkipped ? ` Cold rows skipped: ${queue.coldSkipped}.` : ''),
  ].join('\n');
}

// ── export ──────────────────────────────────────────────────────────────────────────────────────
const grouped = { grouped: true };
/** Lifeline's median over the stock pipeline's for a loss: only when the stock pipeline lost any. */
/** The disk-full comparison in words; empty when it was not measured. */
const diskFullSentence = (d) => {
  if (d === undefined || d.skipped !== undefined) return '';
  const share = (v) => `${decimal(100 * d[v].deliveredShare.median, 2)}%`;
  return `With the queue's disk full for ${d.fullSeconds} s at ${integer(d.offeredPerSec)} records/s and the endpoint up, Lifeline delivered ${share('lifeline')} of the records (${ratio(d.ratio.delivered)} the stock pipeline's count, which delivered ${share('stock')}): its queue degraded to the memory fallback while the disk refused writes and went back to disk when it was freed.`;
};

const lossRatio = (lifeline, stock) =>
  stock.median > 0 && Number.isFinite(lifeline.median) ? ratio(lifeline.median / stock.median) : '—';
/** "nothing" when no round lost a record, else the median with its min–max. */
const lossPhrase = (loss, noun) =>
  loss.max === 0
    ? 'nothing'
    : `a median of ${integer(loss.median)} ${noun} (${integer(loss.min)}–${integer(loss.max)})`;

/** A timing's median (min–max), saying in how many runs the event never came within the wait. */
const timing = (summary) => {
  const misses = summary.samples.filter((v) => v === null).length;
  const text = spread(summary, 0, grouped);
  return misses ? `${text}; none within the wait in ${misses} of ${summary.samples.length} runs` : text;
};

/** The export comparison: every row the median (min–max) over interleaved rounds, ratio to stock. */
export function exportTable(exp) {
  const rows = [];
  for (const t of exp.throughput) {
    const rate = `${integer(t.offeredPerSec)}/s offered`;
    rows.push([
      `delivered records/s at ${rate}`,
      spread(t.stock.deliveredPerSec, 0, grouped),
      spread(t.lifeline.deliveredPerSec, 0, grouped),
      ratio(t.ratio.deliveredPerSec),
    ]);
    rows.push([
      `lost records/s at ${rate}`,
      spread(t.stock.droppedPerSec, 0, grouped),
      spread(t.lifeline.droppedPerSec, 0, grouped),
      lossRatio(t.lifeline.droppedPerSec, t.stock.droppedPerSec),
    ]);
  }
  for (const t of exp.throughput) {
    rows.push([
      `whole-process CPU ms per 1,000 records offered at ${integer(t.offeredPerSec)}/s (every thread: compression, and writes and fdatasync on the thread pool, included)`,
      spread(t.stock.processCpuMsPer1k, 2),
      spread(t.lifeline.processCpuMsPer1k, 2),
      ratio(t.ratio.processCpuMsPer1k),
    ]);
  }
  for (const t of exp.throughput) {
    rows.push([
      `main-thread CPU ms per 1,000 records offered at ${integer(t.offeredPerSec)}/s`,
      spread(t.stock.mainThreadMsPer1k, 2),
      spread(t.lifeline.mainThreadMsPer1k, 2),
      ratio(t.ratio.mainThreadMsPer1k),
    ]);
  }
  const { dropFree, outage, failover } = exp;
  rows.push([
    // The offered rates are steps: a zero-loss run says below which step a variant began to drop,
    // not its capacity, so no ratio is drawn from two such bounds.
    "drop-free delivered records/s: each round's best zero-loss run (the offered rates are steps, so this is a bound, not a capacity; no ratio)",
    Number.isFinite(dropFree.stock.median) ? spread(dropFree.stock, 0, grouped) : 'drops at every rate',
    Number.isFinite(dropFree.lifeline.median) ? spread(dropFree.lifeline, 0, grouped) : 'drops at every rate',
    '—',
  ]);
  rows.push([
    `records lost in a ${outage.outageSeconds} s backend outage (of ${integer(outage.lifeline.emitted.median)} emitted at ${integer(outage.offeredPerSec)}/s)`,
    spread(outage.stock.lost, 0, grouped),
    spread(outage.lifeline.lost, 0, grouped),
    lossRatio(outage.lifeline.lost, outage.stock.lost),
  ]);
  rows.push([
    `time from the backend's return until the outage's records are delivered (ms; retry backoff cap ${integer(exp.settings.retryMaxBackoffMs)} ms)`,
    'dropped, not delivered',
    spread(outage.lifeline.catchUpMs, 0, grouped),
    '—',
  ]);
  const d = exp.diskFull;
  if (d !== undefined && d.skipped === undefined) {
    const pct = (x) =>
      `${decimal(100 * x.median, 2)}% (${decimal(100 * x.min, 2)}–${decimal(100 * x.max, 2)})`;
    rows.push([
      `records delivered with the queue's disk full for ${d.fullSeconds} s, endpoint up (of ${integer(d.lifeline.emitted.median)} emitted at ${integer(d.offeredPerSec)}/s; ${d.rounds} rounds, ${d.date.slice(0, 16).replace('T', ' ')} UTC)`,
      `${spread(d.stock.delivered, 0, grouped)}, ${pct(d.stock.deliveredShare)}`,
      `${spread(d.lifeline.delivered, 0, grouped)}, ${pct(d.lifeline.deliveredShare)}`,
      ratio(d.ratio.delivered),
    ]);
  } else if (d?.skipped !== undefined) {
    rows.push([
      `records delivered with the queue's disk full, endpoint up`,
      `not measured: ${d.skipped}`,
      '—',
      '—',
    ]);
  }
  rows.push(...lifelineOnlyRows(exp));
  const noFailover = 'no fail-over (one endpoint)';
  rows.push([
    'time to fail over, primary refuses connections (ms)',
    noFailover,
    timing(failover.refused.timeToFailoverMs),
    '—',
  ]);
  rows.push([
    `time to fail over, primary blackholed (ms; attempt timeout ${integer(failover.attemptTimeoutMs)} ms)`,
    noFailover,
    timing(failover.blackholed.timeToFailoverMs),
    '—',
  ]);
  rows.push([
    `time to fail back after the primary recovers (ms; probe interval ${integer(failover.probeIntervalMs)} ms, both faults)`,
    '—',
    timing(failover.timeToFailbackMs),
    '—',
  ]);
  rows.push([
    `records lost in all ${failover.runs} fail-over runs (of ${integer(failover.emittedTotal)} emitted)`,
    '—',
    integer(failover.lostTotal),
    '—',
  ]);
  const s = exp.settings;
  return [
    table(
      [
        '',
        'stock BatchLogRecordProcessor + OTLPLogExporter (proto), baseline',
        'Lifeline durable processor',
        'ratio to stock',
      ],
      rows,
    ),
    '',
    `${s.rounds} interleaved rounds (stock first in odd rounds, Lifeline first in even ones); each cell is the median over rounds with the min–max in parentheses, the ratio is Lifeline's median over the stock pipeline's. Throughput: ${decimal(s.throughputSeconds)} s per offered rate, delivered/s over the run including its final flush, CPU per record offered. Outage: the backend stopped for ${decimal(s.outageSeconds)} s at ${integer(s.outageRate)} records/s. Fail-over: ${integer(s.failoverRate)} records/s to two backends, the fault held for a different part of the probe interval in each round. Lifeline runs with its defaults except the retry backoff cap, probe interval and attempt timeout named in the rows (defaults 30 s, 30 s and 10 s); the long outage runs with every default.`,
    ...(exp.profile ? ['', stageProfileTable(exp)] : []),
    ...(exp.workerPipeline ? ['', workerPipelineTable(exp)] : []),
    ...(exp.drain ? ['', drainBacklogTable(exp.drain)] : []),
  ].join('\n');
}

/** Per scenario both pipelines ran, the median share of emitted records lost over the rounds. */
function exportLossRows(exp) {
  const rows = [];
  const lostPct = (runs) => median(runs.map((r) => (100 * r.lost) / (r.emitted || 1)));
  const scenarios = [
    ...exp.throughput.map((t) => ({
      label: `${integer(t.offeredPerSec)} records/s offered`,
      match: (r) => r.scenario === 'throughput' && r.offeredPerSec === t.offeredPerSec,
    })),
    {
      label: `backend down ${exp.outage.outageSeconds} s`,
      match: (r) => r.scenario === 'outage',
    },
  ];
  for (const { label, match } of scenarios) {
    for (const variant of ['stock', 'lifeline']) {
      const lost = lostPct(exp.results.filter((r) => match(r) && r.variant === variant));
      if (lost === null) continue;
      const row = `${label} · ${variant === 'stock' ? 'stock' : 'Lifeline'}`;
      rows.push({ label: row, series: 'delivered', value: 100 - lost });
      rows.push({ label: row, series: 'lost', value: lost });
    }
  }
  return rows;
}

/** Where the queue's appends stand against the 0.80× aim over the parallel raw writer. */
function parallelAim(appends) {
  const short = appends.filter((a) => a.ratio.queueOverParallel < 0.8);
  if (short.length === 0) return ', at or above the 0.80× aim';
  if (short.length === appends.length) return ', short of the 0.80× aim';
  return `, short of the 0.80× aim with ${short.map((a) => `${a.recordBytes} B`).join(' and ')} records`;
}

// ── charts ──────────────────────────────────────────────────────────────────────────────────────
async function writeCharts(results, chartsDir) {
  fs.mkdirSync(chartsDir, { recursive: true });
  const charts = {};
  const save = async (name, spec) => {
    fs.writeFileSync(path.join(chartsDir, `${name}.svg`), await renderSvg(spec));
    charts[name] = path.join(chartsDir, `${name}.svg`);
  };
  if (results.http) {
    await save(
      'http-overhead',
      barChart({
        title: 'Requests/s relative to the bare server of the same framework (higher is better)',
        valueTitle: 'ratio to bare',
        rows: Object.entries(results.http.variants).map(([name, v]) => ({
          label: HTTP_LABELS[name] ?? name,
          value: v.ratioToBare,
        })),
      }),
    );
  }
  if (results.export) {
    const exp = results.export;
    await save(
      'export-loss',
      barChart({
        title: `Records delivered and lost per scenario (% of emitted, median of ${exp.settings.rounds} rounds)`,
        valueTitle: '% of emitted records',
        rows: exportLossRows(exp),
        series: 'outcome',
        stacked: true,
      }),
    );
    const f = exp.failover;
    await save(
      'failover',
      barChart({
        title: `Time to fail over and fail back (ms, median of ${exp.settings.rounds} rounds; lower is better)`,
        valueTitle: 'ms',
        rows: [
          { label: 'fail over: primary refuses', value: f.refused.timeToFailoverMs.median ?? 0 },
          { label: 'fail over: primary blackholed', value: f.blackholed.timeToFailoverMs.median ?? 0 },
          {
            label: `fail back after recovery (probe ${f.probeIntervalMs} ms)`,
            value: f.timeToFailbackMs.median ?? 0,
          },
        ],
      }),
    );
  }
  if (results.queue) {
    const rows = [];
    for (const a of Object.values(results.queue.append)) {
      rows.push({
        label: `${a.recordBytes} B records`,
        series: 'raw write + fdatasync',
        value: a.raw.mbPerS.median,
      });
      rows.push({
        label: `${a.recordBytes} B records`,
        series: 'Lifeline queue',
        value: a.queue.mbPerS.median,
      });
    }
    await save(
      'queue-append',
      barChart({
        title: 'Append throughput against the raw disk (MB/s)',
        valueTitle: 'MB/s',
        rows,
        series: 'writer',
      }),
    );
    const readRows = Object.entries(results.queue.caches).flatMap(([cache, c]) => [
      { label: `raw sequential read, ${cache}`, value: c.readBack.raw.mbPerS.median },
      { label: `Lifeline queue cursor, ${cache}`, value: c.readBack.queue.mbPerS.median },
    ]);
    readRows.push({ label: 'Collector bbolt queue, cold (published)', value: 24 });
    await save(
      'queue-read',
      barChart({
        title: 'Reading a backlog back (MB/s)',
        valueTitle: 'MB/s',
        rows: readRows,
      }),
    );
  }
  return charts;
}

const CONCLUSIONS = {
  'http-sdk-line': httpSdkLineConclusion,
  encode: (e) =>
    `**What to conclude:** Lifeline's encoder takes ${ratio(e.ratio.lifelineOverStock)} the time of the stock serializer for the same bytes on the wire, so encoding every record at emit (which durability needs) costs less than the stock pipeline spends at export.`,
  queue: (q) => {
    const ratios = Object.values(q.append).map(
      (a) => `${ratio(a.ratio.queueOverRaw)} (${a.recordBytes} B records)`,
    );
    const c = q.caches.cold ?? q.caches.warm;
    const which = q.caches.cold ? 'cold' : 'warm';
    const appends = Object.values(q.append);
    const worst = Math.min(...appends.map((a) => a.ratio.queueOverRaw));
    const cpu = Math.max(...appends.map((a) => a.ratio.cpuQueueOverRaw));
    const cost =
      worst >= 1
        ? `cost no throughput: overlapping its writes more than pays for them, at ${fixed(cpu, 1)}× the CPU per MiB at most`
        : worst >= 0.95
          ? 'cost next to nothing'
          : `cost ${fixed(100 * (1 - worst))}% at most`;
    const parallel = appends.filter((a) => a.parallel !== undefined);
    const parallelSentence = parallel.length
      ? ` Against a raw writer with the queue's own parallelism (O_DSYNC pwritev, ${parallel[0].parallel.what.match(/up to (\d+)/)?.[1] ?? 4} in flight, same policy) it reaches ${parallel.map((a) => `${ratio(a.ratio.queueOverParallel)} (${a.recordBytes} B records)`).join(' and ')}${parallelAim(parallel)}, at ${parallel.map((a) => ratio(a.ratio.cpuQueueOverParallel)).join(' and ')} its CPU per MiB: that is the cost of framing, CRC and segment files on the appending thread.`
      : '';
    return `**What to conclude:** with group commit the queue appends at ${ratios.join(' and ')} the throughput of a serial raw write + fdatasync loop with the same sync policy, so the framing, checksums and segment files that make it crash-safe ${cost} next to that loop.${parallelSentence} A ${fixed(q.backlog.payloadBytes / 2 ** 30, 1)} GiB backlog opens in ${fixed(c.open.queue.ms.median)} ms with a ${which} page cache because recovery reads only the tail, and drains at ${fixed(c.readBack.queue.mbPerS.median)} MB/s ${which}.`;
  },
  export: (x) => {
    const { outage: o, failover: f } = x;
    const top = x.throughput.at(-1);
    const cpu = x.throughput.map((t) => ratio(t.ratio.processCpuMsPer1k));
    const mainCpu = x.throughput.map((t) => ratio(t.ratio.mainThreadMsPer1k));
    const rates = x.throughput.map((t) => integer(t.offeredPerSec));
    const list = (items) =>
      items.length > 1 ? `${items.slice(0, -1).join(', ')} and ${items.at(-1)}` : items[0];
    const share = (loss, emitted) =>
      loss.median > 0 ? `, ${fixed((100 * loss.median) / emitted.median)}% of those emitted,` : '';
    return [
      `**What to conclude:** over ${x.settings.rounds} interleaved rounds, in a ${o.outageSeconds} s backend outage the stock pipeline lost ${lossPhrase(o.stock.lost, 'records')}${share(o.stock.lost, o.stock.emitted)} and Lifeline ${lossPhrase(o.lifeline.lost, 'records')}${share(o.lifeline.lost, o.lifeline.emitted)}.`,
      `Offered ${integer(top.offeredPerSec)} records/s, the stock pipeline lost ${lossPhrase(top.stock.droppedPerSec, 'records/s')} and Lifeline ${lossPhrase(top.lifeline.droppedPerSec, 'records/s')}, and Lifeline delivered ${ratio(top.ratio.deliveredPerSec)} the stock pipeline's rate.`,
      `Lifeline's whole process spends ${list(cpu)} the stock pipeline's CPU per record at ${list(rates)} records/s offered (its main thread ${list(mainCpu)}).`,
      diskFullSentence(x.diskFull),
      lifelineOnlyConclusion(x),
      `It fails over in a median of ${integer(f.refused.timeToFailoverMs.median)} ms when the primary refuses connections and ${integer(f.blackholed.timeToFailoverMs.median)} ms when it hangs (attempt timeout ${integer(f.attemptTimeoutMs)} ms), fails back a median of ${integer(f.timeToFailbackMs.median)} ms and at most ${integer(f.timeToFailbackMs.max)} ms after the primary recovers (probe interval ${integer(f.probeIntervalMs)} ms), and lost ${f.lostTotal === 0 ? 'no record' : `${integer(f.lostTotal)} records`} in its ${f.runs} fail-over runs.`,
    ]
      .filter(Boolean)
      .join(' ');
  },
  http: httpConclusion,
  lifecycle: lifecycleConclusion,
  collector: collectorConclusion,
};

const RENDERERS = {
  encode: encodeTable,
  queue: queueTable,
  export: exportTable,
  http: httpTable,
  lifecycle: lifecycleTable,
  collector: collectorTables,
  'http-sdk-line': httpSdkLineTable,
};
const TITLES = {
  encode: 'Encoding: SDK log records to OTLP protobuf (`pnpm bench:encode`)',
  queue: 'Disk queue: append, open and read-back (`pnpm bench:queue`)',
  export: 'Export under load and outages, fail-over (`pnpm bench:export`)',
  http: 'HTTP overhead on Fastify and Express servers (`pnpm bench:http`)',
  lifecycle:
    'Start-up and exit: `--import` before the first line, SIGTERM against shutdown_timeout (`pnpm bench:lifecycle`)',
  collector: 'A Collector in front: fail-over and crashes (collector-config tests)',
  'http-sdk-line':
    'HTTP overhead before and after the move to OpenTelemetry JS 3.x (reduced `bench:http`, both trees)',
};

/** Where a section's raw results come from, when not from `pnpm bench` (paths relative to the repo root). */
const SOURCES = {
  collector: collectorSource(rootDir),
};

/** Builds the figure block for one benchmark: its table and what to conclude. */
export function benchBlock(name, result) {
  const measured =
    SOURCES[name]?.line(result) ??
    `Measured ${result.date?.slice(0, 16).replace('T', ' ')} UTC${result.quick ? ' (quick mode)' : ''}; raw results \`bench/results/${name}.json\`, report [BENCHMARKS.md](/BENCHMARKS.md).`;
  return `${RENDERERS[name](result)}\n\n${CONCLUSIONS[name](result)}\n\n${measured}`;
}

export async function writeReport({ resultsDir = path.join(benchDir, 'results'), publish = true } = {}) {
  const results = {};
  for (const name of Object.keys(RENDERERS)) {
    results[name] = SOURCES[name] ? SOURCES[name].read() : readJson(resultsDir, name);
  }
  const env = readJson(resultsDir, 'environment');
  if (!env) throw new Error(`${resultsDir}/environment.json is missing: run node bench/run.js`);
  const chartsDir = path.join(resultsDir, 'charts');
  const charts = await writeCharts(results, chartsDir);
  const reportFile = path.join(publish ? rootDir : resultsDir, 'BENCHMARKS.md');
  const chartLink = (name) =>
    charts[name]
      ? `![${name}](${path.relative(path.dirname(reportFile), path.join(chartsDir, `${name}.svg`))})`
      : '';

  const sections = [
    '# Lifeline benchmarks',
    '',
    'Generated by `pnpm bench` (`bench/run.js`, then `bench/report.js`) from the raw results in',
    '`bench/results/*.json`; do not edit by hand. Each comparison runs its variants side by side in one',
    'run against the anchor named in its table.',
    ...(results.collector
      ? [
          "The last section is rendered the same way from the collector-config test suite's results",
          `(\`${COLLECTOR_RESULTS}\`, copied from the results/last-run/ folder that suite writes); \`pnpm bench\` does not run it.`,
        ]
      : []),
    '',
    environmentSection(env, readJson(resultsDir, 'durations')),
  ];
  const chartsFor = {
    http: ['http-overhead'],
    export: ['export-loss', 'failover'],
    queue: ['queue-append', 'queue-read'],
    encode: [],
    lifecycle: [],
    collector: [],
    'http-sdk-line': [],
  };
  for (const name of Object.keys(RENDERERS)) {
    if (!results[name]) continue;
    sections.push('', `## ${TITLES[name]}`, '', benchBlock(name, results[name]));
    for (const chart of chartsFor[name]) if (charts[chart]) sections.push('', chartLink(chart));
  }
  fs.writeFileSync(reportFile, sections.join('\n') + '\n');

  if (publish) {
    const documents = [
      'README.md',
      'collector-config/README.md',
      ...fs.readdirSync(path.join(rootDir, 'packages')).map((p) => `packages/${p}/README.md`),
    ];
    for (const doc of documents) {
      const file = path.join(rootDir, doc);
      if (!fs.existsSync(file)) continue;
      let text = fs.readFileSync(file, 'utf8');
      for (const name of Object.keys(RENDERERS)) {
        if (!results[name]) continue;
        text = replaceBlock(text, name, benchBlock(name, results[name])).document;
      }
      fs.writeFileSync(file, text);
    }
  }
  return reportFile;
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { results: { type: 'string' } } });
  const resultsDir = path.resolve(values.results ?? path.join(benchDir, 'results'));
  writeReport({ resultsDir, publish: resultsDir === path.join(benchDir, 'results') })
    .then((file) => console.log(`wrote ${file}`))
    .catch((error) => {
      console.error(error);
      process.exitCode = 1;
    });
}
