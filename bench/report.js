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
        'ratio to shipped',
      ],
      pairRows(
        ['shipped: gzip member, deflate level 1 (`compressFragment`, at rest)', gzip],
        ['candidate: zstd level 1 with its frame checksum (`node:zlib`)', zstd, 1 / c.ratio.gzipOverZstd],
      ),
    ),
    '',
    `${c.unit}; the same interleaved rounds. Each output is decompressed and compared with the fragment before timing. zstd is not shipped: it is one stage of the export path, its stored fragments could go only to endpoints that accept \`Content-Encoding: zstd\` (the Collector does; the OTLP specification requires only gzip), and Node 20 has none.`,
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
      `whole-process CPU ms per 1,000 records offered at ${integer(t.offeredPerSec)}/s (every thread: gzip, writes and fdatasync on the thread pool included)`,
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

// ── http ────────────────────────────────────────────────────────────────────────────────────────
const HTTP_LABELS = {
  'fastify-bare': 'bare Fastify (baseline)',
  'fastify-lifeline':
    'Fastify, `--import @otel-lifeline/node/register`, defaults, exporting to a receiver process',
  'fastify-otel':
    'Fastify, stock OpenTelemetry (NodeSDK, http + @fastify/otel, OTLP exporters) to the same receiver',
  'express-bare': 'bare Express (baseline of the Express rows)',
  'express-lifeline':
    'Express, `--import @otel-lifeline/node/register`, defaults, exporting to a receiver process',
  'express-otel':
    'Express, stock OpenTelemetry (auto-instrumentations-node/register, OTLP exporters) to the same receiver',
  'fastify-lifeline-no-traces':
    'breakdown: Fastify, the distribution with traces off (`OTEL_TRACES_EXPORTER=none`)',
  'express-lifeline-no-traces':
    'breakdown: Express, the distribution with traces off (`OTEL_TRACES_EXPORTER=none`)',
  'fastify-handwired-null':
    'breakdown: Fastify, instrumentApi wired by hand, events and metrics dropped in process (no spans, no export)',
};
function httpTable(http) {
  const rows = Object.entries(http.variants).map(([name, v]) => [
    HTTP_LABELS[name] ?? name,
    spread(v.requestsPerSecond, 0),
    spread(v.p99Ms, 0),
    ratio(v.ratioToBare),
    spread(v.serverCpuMicrosecondsPerRequest, 1),
    ratio(v.cpuRatioToBare),
  ]);
  return [
    table(
      [
        'variant',
        'requests/s',
        'p99 latency (ms)',
        'ratio to bare',
        'server CPU µs/request',
        'capacity ratio (by CPU)',
      ],
      rows,
    ),
    '',
    `${http.settings.rounds} interleaved rounds of ${http.settings.secondsPerRound} s, ${http.settings.connections} connections, \`${http.settings.route}\`, load from autocannon in another process; every server started as a user starts it, each in its own process; server CPU is the whole process (every thread, from /proc)` +
      (http.settings.serverProcessesPerVariant > 1
        ? `; ${http.settings.serverProcessesPerVariant} server processes per variant, used in alternate rounds`
        : '') +
      (http.settings.pinnedCpus
        ? `; servers pinned to CPU ${http.settings.pinnedCpus.server}, the load generator${http.settings.receiverCpu ? ' and the receiver' : ''} to CPU ${http.settings.pinnedCpus.load}`
        : '') +
      '. The first six rows are the headline (what ships, and stock OpenTelemetry doing the same work); rows marked breakdown are partial configurations that show where the cost is. Each Express row is compared with bare Express, each Fastify row with bare Fastify. Published references for instrumented servers sit at 0.19–0.56× bare.',
    ...httpFixedRateTable(http),
    ...httpIdleTable(http),
    ...(http.breakdownMicrosecondsPerRequest
      ? [
          '',
          table(
            ['where the time goes: CPU µs per request, in one process, no sockets', 'µs'],
            Object.entries(http.breakdownMicrosecondsPerRequest).map(([part, us]) => [part, decimal(us, 2)]),
          ),
          '',
          http.settings?.breakdown === 'a process per configuration'
            ? 'Each row after the first is the cost on top of building the request objects (the first row), each configuration measured in a process of its own, as in a real server (one after another in one process, the later ones measured slower); median of three passes.'
            : 'Each row after the first is the cost on top of building the request objects (the first row); median of three interleaved passes.',
        ]
      : []),
    ...httpDistributionTable(http.distributionNoSockets),
  ].join('\n');
}

/** The fixed-rate rounds (bench/lib/http-fixed-rate.js) as a table and its note; none in older results. */
function httpFixedRateTable(http) {
  if (http.fixedRate === undefined) return [];
  const rows = [];
  for (const f of Object.values(http.fixedRate))
    for (const [name, v] of Object.entries(f.variants))
      rows.push([
        HTTP_LABELS[name] ?? name,
        decimal(f.offeredRequestsPerSecond, 0, { grouped: true }),
        spread(v.requestsPerSecond, 0),
        spread(v.serverCpuMicrosecondsPerRequest, 1),
        v.addedMicrosecondsPerRequest === null ? '—' : decimal(v.addedMicrosecondsPerRequest, 1),
        ratio(v.cpuRatioToBare),
      ]);
  return [
    '',
    table(
      [
        'at a fixed request rate',
        'offered requests/s',
        'requests/s answered',
        'server CPU µs/request',
        'added µs/request over bare',
        'ratio to bare by CPU',
      ],
      rows,
    ),
    '',
    `The headline servers again, in ${http.settings.rounds} more interleaved rounds, each offered the same rate: half the requests/s of the slowest headline variant of its framework, so that every one keeps up and does the same work per second. That is how most production servers run, below their limit; the CPU per request includes the work a server does each second whatever its rate (timers, metric collection, the queues' housekeeping), spread over fewer requests. autocannon sends each connection's share of a second's requests back to back and then waits, so latency at a fixed rate is not reported.`,
  ];
}

/** Each server's CPU with no request at all; none in older results. */
function httpIdleTable(http) {
  if (http.idle === undefined) return [];
  return [
    '',
    table(
      ['idle: no request at all', 'server CPU ms per second', 'share of a core'],
      Object.entries(http.idle.cpuMsPerSecond).map(([name, ms]) => [
        HTTP_LABELS[name] ?? name,
        decimal(ms, 1),
        `${decimal(ms / 10, 2)}%`,
      ]),
    ),
    '',
    `Every server of the run left idle at the end for ${http.idle.seconds} s, at once; the median of each variant's processes (/proc counts CPU in 10 ms ticks).`,
  ];
}

/** Whether the shipped defaults meet the aim (0.80× bare by requests/s, 0.85× by server CPU), as one sentence. */
function aimSentence(byRequests, byCpu) {
  const okRequests = Number.isFinite(byRequests) && byRequests >= 0.8;
  const okCpu = Number.isFinite(byCpu) && byCpu >= 0.85;
  if (okRequests && okCpu) return 'That meets the aim (0.80× bare by requests/s, 0.85× by server CPU).';
  if (!okRequests && !okCpu)
    return 'That misses the aim (0.80× bare by requests/s, 0.85× by server CPU) by both measures.';
  return okCpu
    ? 'That meets the aim of 0.85× bare by server CPU but misses 0.80× by requests/s.'
    : 'That meets the aim of 0.80× bare by requests/s but misses 0.85× by server CPU.';
}

/** The in-process breakdown's parts: the instrumentation alone, and what each SDK adds to it. */
/** bench:http's distribution with no socket (bench/lib/http-breakdown.js), when the run has it. */
function httpDistributionTable(d) {
  if (d === undefined) return [];
  return [
    '',
    table(
      [
        `the distribution with no socket: whole-process CPU µs per request at ${integer(d.requestsPerSecond)} requests/s`,
        'µs',
      ],
      [
        ['request objects and pacing, `OTEL_SDK_DISABLED=true` (baseline)', spread(d.sdkDisabled)],
        [
          'added by the distribution, defaults (events, server spans, metrics, durable export to the receiver process)',
          spread(d.defaults),
        ],
        ['added by the distribution, traces off (`OTEL_TRACES_EXPORTER=none`)', spread(d.tracesOff)],
        [
          'added by the distribution, 1 trace in 10 sampled (`OTEL_TRACES_SAMPLER=parentbased_traceidratio`, `OTEL_TRACES_SAMPLER_ARG=0.1`)',
          spread(d.sampledTenth),
        ],
        [
          'of which the server span and its export (defaults − traces off, paired by pass)',
          spread(d.serverSpans),
        ],
      ],
    ),
    '',
    `The distribution started with \`--import @otel-lifeline/node/register\` in a process of its own, fed the breakdown's request objects through Node's HTTP diagnostics channels at a steady ${integer(d.requestsPerSecond)} requests/s and exporting to the receiver process; the CPU of every thread of that process over ${d.seconds} s after a warm-up of ${d.seconds / 2} s; each variant in its own process, median (min–max) of ${d.passes} passes. With no socket and no framework, whose cost varies from run to run by more than the distribution's, this is the figure to compare changes to the distribution by.`,
  ];
}

/** Where the queue's appends stand against the 0.80× aim over the parallel raw writer. */
function parallelAim(appends) {
  const short = appends.filter((a) => a.ratio.queueOverParallel < 0.8);
  if (short.length === 0) return ', at or above the 0.80× aim';
  if (short.length === appends.length) return ', short of the 0.80× aim';
  return `, short of the 0.80× aim with ${short.map((a) => `${a.recordBytes} B`).join(' and ')} records`;
}

/** "1.23 µs", or, when the row with the part measured at or below the row without it, says so. */
function addedMicros(value) {
  return value > 0
    ? `${decimal(value, 2)} µs`
    : `too little to measure here (${decimal(value, 2)} µs: the row with it came out below the row without, within the passes' noise)`;
}

function httpParts(http) {
  const b = http.breakdownMicrosecondsPerRequest ?? {};
  const find = (prefix) => Object.entries(b).find(([k]) => k.startsWith(prefix))?.[1];
  const own = find('instrumentation, no-op providers');
  const logs = find('instrumentation + Logs SDK');
  const sdkHistograms = find('instrumentation + Metrics SDK, histograms in the SDK');
  const producer = find('instrumentation + Metrics SDK, histograms in the producer');
  if (own === undefined || logs === undefined) return undefined;
  return {
    own,
    logs: logs - own,
    sdkHistograms: sdkHistograms === undefined ? undefined : sdkHistograms - own,
    producer: producer === undefined ? undefined : producer - own,
  };
}

// ── collector ───────────────────────────────────────────────────────────────────────────────────
// The collector-config test suite (run in CI against a real Collector) writes
// collector-config/results/last-run/measured.json (git-ignored) on every run; a run is published by
// copying it over collector-config/results/measured.json, and these tables are rendered from that.
const COLLECTOR_RESULTS = 'collector-config/results/measured.json';

const seconds = (ms) => (Number.isFinite(ms) ? `${decimal(ms / 1000, 1)} s` : 'n/a');
/** A test parameter quoted from a section's `scenario` text, or undefined when the text changed. */
const scenarioParam = (section, pattern) => section?.scenario?.match(pattern)?.[1];
const lostCell = (s) => (s.lost === 0 ? '**0**' : `**${integer(s.lost)}**`);

/** "40 (all at both receivers)": extra copies, split by where they landed. */
function duplicatesCell(s) {
  if (!Number.isFinite(s.duplicates)) return 'n/a';
  if (s.duplicates === 0) return '0';
  const across = s.duplicatesAcrossReceivers ?? 0;
  const within = s.duplicatesWithinOneReceiver ?? 0;
  if (across === s.duplicates) return `${integer(s.duplicates)} (all at both receivers)`;
  if (within === s.duplicates) return `${integer(s.duplicates)} (all twice at one receiver)`;
  return `${integer(s.duplicates)} (${integer(across)} at both receivers, ${integer(within)} twice at one)`;
}

function failoverRows(c) {
  const rows = [];
  const queues = c.failoverExporterQueuesVariant;
  if (queues) {
    const outage = scenarioParam(queues, /stopped for (\d+(?:\.\d+)?) s/);
    const during = outage ? `during ${outage} s of primary outage` : 'while the primary was down';
    rows.push([
      'disk queue on each exporter, connector synchronous (the usual layout; baseline)',
      `${queues.failoverFired ? '**yes**' : '**no**'}: ${integer(queues.recordsAtSecondaryWhilePrimaryDown)} records at the secondary ${during}; the backlog reached the primary ${seconds(queues.msFromPrimaryRestartToAllDelivered)} after it came back`,
      integer(queues.acked),
      lostCell(queues),
      duplicatesCell(queues),
    ]);
  }
  const connector = c.failoverConnectorQueueVariant;
  if (connector) {
    const crash = connector.crashesWithDefaultFeatureGates
      ? `**crashes**: ${connector.crashMessage ? `\`${connector.crashMessage}\`` : 'exits'} on the first batches, and ${connector.restartOnTheSameQueueCrashesAgain ? 'again on every restart on the same queue directory (a crash loop)' : 'a restart on the same queue directory runs'}`
      : 'does not crash with the default feature gates';
    rows.push(['disk queue on the connector (`failover.sending_queue.storage`)', crash, '—', '—', '—']);
    const gateOff = connector.withFeatureGateOff;
    if (gateOff) {
      rows.push([
        `same, started with \`${gateOff.args}\``,
        gateOff.failoverFired
          ? `yes, after ${seconds(gateOff.msFromPrimaryStopToFirstRecordAtSecondary)}; back on the primary ${seconds(gateOff.msFromPrimaryRestartToTrafficBackOnPrimary)} after it restarted`
          : 'no record at the secondary within the wait',
        integer(gateOff.acked),
        lostCell(gateOff),
        duplicatesCell(gateOff),
      ]);
    }
  }
  const shipped = c.failoverShippedAgent;
  if (shipped) {
    const interval = scenarioParam(shipped, /failback interval (\d+(?:\.\d+)?)\s?s/);
    rows.push([
      '**shipped `agent.yaml`**: connector synchronous, primary without queue, disk queue on the secondary',
      shipped.failoverFired
        ? `**yes**: first record at the secondary ${seconds(shipped.msFromPrimaryStopToFirstRecordAtSecondary)} after the primary stopped; back on the primary ${seconds(shipped.msFromPrimaryRestartToTrafficBackOnPrimary)} after it restarted${interval ? ` (failback interval ${interval} s in the test)` : ''}`
        : '**no** record at the secondary within the wait',
      integer(shipped.acked),
      lostCell(shipped),
      duplicatesCell(shipped),
    ]);
  }
  return rows;
}

function crashRows(c) {
  const rows = [];
  const up = c.sigkillBackendsUp;
  if (up) {
    const restart = scenarioParam(up, /restart after (\d+) ms/);
    rows.push([
      `${up.kills} × SIGKILL during traffic, restart${restart ? ` after ${restart} ms` : ''}, both receivers up`,
      integer(up.acked),
      lostCell(up),
      duplicatesCell(up),
    ]);
  }
  const kill = c.sigkillWithBacklog;
  if (kill) {
    rows.push([
      `both receivers down, ${integer(kill.ackedWhileBackendsDown)} records acked into the disk queue, SIGKILL, restart, receivers back`,
      integer(kill.acked),
      lostCell(kill),
      duplicatesCell(kill),
    ]);
  }
  const term = c.sigtermWithBacklog;
  if (term) {
    rows.push([
      `the same with SIGTERM (graceful shutdown, took ${integer(term.msToShutDown)} ms) instead of SIGKILL`,
      integer(term.acked),
      lostCell(term),
      duplicatesCell(term),
    ]);
  }
  return rows;
}

const FILE_SINK_ENCODINGS = ['http/protobuf', 'http/json', 'http/protobuf+gzip'];
function fileSinkTable(sink) {
  const bySignal = new Map();
  for (const answer of sink.accepted ?? []) {
    const [signal, encoding] = answer.case.split(' ');
    if (!bySignal.has(signal)) bySignal.set(signal, {});
    bySignal.get(signal)[encoding] = answer;
  }
  const cell = (a) =>
    a ? `${a.status ?? 'no answer'} \`${a.contentType ?? '?'}\`, ${integer(a.rejected ?? 0)} rejected` : '—';
  return [
    table(
      ['`file-sink.yaml`: one request of Lifeline-encoded SDK data each', ...FILE_SINK_ENCODINGS],
      [...bySignal].map(([signal, answers]) => [signal, ...FILE_SINK_ENCODINGS.map((e) => cell(answers[e]))]),
      { textColumns: 1 + FILE_SINK_ENCODINGS.length },
    ),
    '',
    `Requests found in the sink's file: ${integer(sink.writtenToFile)} of ${integer(sink.expected)}.`,
  ].join('\n');
}

/** The collector-config tests' figures: fail-over layouts, crashes, the gateway pair, the file sink. */
export function collectorTables(c) {
  const parts = [];
  const failover = failoverRows(c);
  if (failover.length) {
    parts.push(
      '**Does `failover` fire with persistent queues?** Primary receiver stopped during traffic, then started again.',
      '',
      table(
        ['layout (`agent.yaml` and two variants of it)', 'fails over?', 'acked', 'lost', 'duplicates'],
        failover,
        { textColumns: 2 },
      ),
    );
  }
  const app = c.lifelineAppThroughAgent;
  if (app) {
    parts.push(
      '',
      `**An app with Lifeline through the shipped \`agent.yaml\`** (\`LoggerProvider\` + \`createDurableLogRecordProcessor\`, one endpoint: the agent): ${app.scenario}.`,
      '',
      table(
        ['records emitted by the app', 'at the primary', 'at the secondary', 'lost', 'duplicates'],
        [
          [
            integer(app.emitted),
            integer(app.atPrimary),
            `${integer(app.atSecondary)} (${integer(app.secondaryBeforePrimaryStopped)} before the primary stopped)`,
            lostCell(app),
            duplicatesCell(app),
          ],
        ],
      ),
    );
  }
  const crashes = crashRows(c);
  if (crashes.length) {
    parts.push(
      '',
      '**kill -9 of the shipped `agent.yaml`, restart on the same `file_storage` directory**',
      '',
      table(['scenario', 'acked', 'lost', 'duplicates'], crashes),
    );
  }
  const gw = c.gatewayPair;
  if (gw) {
    const outage = scenarioParam(gw, /backend stopped for (\d+(?:\.\d+)?) s/);
    parts.push(
      '',
      '**Two `gateway.yaml` processes**, the sender alternating between them like a load balancer, one backend: one gateway SIGKILLed during traffic, then the backend stopped' +
        (outage ? ` for ${outage} s` : '') +
        ', then both started again.',
      '',
      table(
        [
          'records delivered through the other gateway after the kill',
          'acked while the backend was down',
          'sender retries',
          'acked',
          'lost',
          'duplicates',
        ],
        [
          [
            integer(gw.atBackendAfterGatewayKill),
            `**${integer(gw.ackedWhileBackendDown)}**`,
            integer(gw.senderRetries),
            integer(gw.acked),
            lostCell(gw),
            duplicatesCell(gw),
          ],
        ],
      ),
    );
  }
  if (c.fileSinkProtocols) {
    parts.push(
      '',
      "**Lifeline's requests on the Collector's own OTLP receiver**",
      '',
      fileSinkTable(c.fileSinkProtocols),
    );
  }
  return parts.join('\n');
}

/** The scenarios that run the shipped files unchanged, with what the Collector owed delivery of. */
function shippedScenarios(c) {
  const app = c.lifelineAppThroughAgent;
  return [
    { label: 'fail-over', ...c.failoverShippedAgent },
    { label: 'the Lifeline app', ...app, acked: app?.emitted },
    { label: 'SIGKILL of the agent during traffic', ...c.sigkillBackendsUp },
    { label: 'SIGKILL with a backlog', ...c.sigkillWithBacklog },
    { label: 'SIGTERM with a backlog', ...c.sigtermWithBacklog },
    { label: 'a gateway killed and the backend down', ...c.gatewayPair },
  ].filter((s) => Number.isFinite(s.acked));
}

function collectorConclusion(c) {
  const sentences = [];
  const shipped = c.failoverShippedAgent;
  const queues = c.failoverExporterQueuesVariant;
  const connector = c.failoverConnectorQueueVariant;
  if (shipped) {
    const against = [];
    if (queues) {
      against.push(
        queues.failoverFired
          ? `the usual layout with a disk queue on each exporter, which failed over as well (${integer(queues.recordsAtSecondaryWhilePrimaryDown)} records at the secondary while the primary was down)`
          : `the usual layout with a disk queue on each exporter, which did not fail over (${integer(queues.recordsAtSecondaryWhilePrimaryDown)} records at the secondary while the primary was down; its backlog waited for the primary)`,
      );
    }
    if (connector) {
      against.push(
        connector.crashesWithDefaultFeatureGates
          ? `a disk queue on the connector, which crashed the Collector${connector.restartOnTheSameQueueCrashesAgain ? ' in a loop' : ''}`
          : 'a disk queue on the connector, which ran',
      );
    }
    const outcome = shipped.failoverFired
      ? `the shipped \`agent.yaml\` failed over ${seconds(shipped.msFromPrimaryStopToFirstRecordAtSecondary)} after the primary stopped and went back ${seconds(shipped.msFromPrimaryRestartToTrafficBackOnPrimary)} after it restarted`
      : 'the shipped `agent.yaml` did not fail over within the wait';
    sentences.push(
      against.length ? `measured against ${against.join(', and against ')}, ${outcome}.` : `${outcome}.`,
    );
  }
  const runs = shippedScenarios(c);
  if (runs.length) {
    const acked = runs.reduce((sum, s) => sum + s.acked, 0);
    const lost = runs.reduce((sum, s) => sum + (s.lost ?? 0), 0);
    const duplicates = runs.reduce((sum, s) => sum + (s.duplicates ?? 0), 0);
    const lossText =
      lost === 0 ? `lost none of the ${integer(acked)}` : `lost ${integer(lost)} of the ${integer(acked)}`;
    const dupText =
      duplicates === 0
        ? 'delivered no extra copy'
        : `delivered ${integer(duplicates)} extra copies (${decimal((100 * duplicates) / acked, 2)}% of them: at least once, not exactly once)`;
    sentences.push(
      `In the ${runs.length} scenarios that run the shipped \`agent.yaml\` or \`gateway.yaml\` unchanged (${runs.map((r) => r.label).join(', ')}), the Collector ${lossText} records it acknowledged (or the app emitted) and ${dupText}.`,
    );
  }
  const gw = c.gatewayPair;
  if (gw) {
    sentences.push(
      gw.ackedWhileBackendDown === 0
        ? 'The gateways acknowledged nothing while their backend was down, so the sender kept the data.'
        : `The gateways acknowledged ${integer(gw.ackedWhileBackendDown)} records while their backend was down.`,
    );
  }
  const sink = c.fileSinkProtocols;
  if (sink) {
    const sent = sink.accepted ?? [];
    const ok = sent.filter((a) => a.status >= 200 && a.status < 300 && !a.rejected).length;
    const answered =
      ok === sent.length ? `all ${ok} of Lifeline's requests` : `${ok} of Lifeline's ${sent.length} requests`;
    sentences.push(
      `The Collector's own OTLP receiver answered ${answered} (each signal in each encoding) with a 2xx and no rejected item, and the file sink wrote ${integer(sink.writtenToFile)} of ${integer(sink.expected)} to its file.`,
    );
  }
  if (!sentences.length)
    sentences.push(`nothing yet: \`${COLLECTOR_RESULTS}\` holds no scenario this report knows.`);
  return `**What to conclude:** ${sentences.join(' ')}`;
}

/** "2026-11-22 02:46–02:48 UTC": when the sections in measured.json were last measured. */
function measuredSpan(c) {
  const dates = Object.values(c)
    .map((s) => s?.measuredAt)
    .filter((d) => typeof d === 'string')
    .sort();
  if (!dates.length) return 'at an unrecorded time';
  const day = (d) => d.slice(0, 10);
  const time = (d) => d.slice(11, 16);
  const first = dates[0];
  const last = dates.at(-1);
  if (day(first) !== day(last)) return `from ${day(first)} ${time(first)} to ${day(last)} ${time(last)} UTC`;
  return time(first) === time(last)
    ? `${day(first)} ${time(first)} UTC`
    : `${day(first)} ${time(first)}–${time(last)} UTC`;
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
  http: (h) => {
    const v = h.variants;
    const parts = httpParts(h);
    const sentences = [];
    for (const [framework, stock] of [
      ['fastify', '`@fastify/otel` + NodeSDK'],
      ['express', '`@opentelemetry/auto-instrumentations-node`'],
    ]) {
      const shipped = v[`${framework}-lifeline`];
      if (!shipped) continue;
      const name = framework === 'fastify' ? 'Fastify' : 'Express';
      const noTraces = v[`${framework}-lifeline-no-traces`];
      sentences.push(
        `${sentences.length === 0 ? '**What to conclude:** started' : 'Started'} as users start it (\`--import @otel-lifeline/node/register\`, defaults: events, server spans, metrics, durable export to a receiver process), ${/^[AEIOU]/.test(name) ? 'an' : 'a'} ${name} server keeps ${ratio(shipped.ratioToBare)} of its bare requests/s and ${ratio(shipped.cpuRatioToBare)} of its capacity by whole-process CPU (${decimal(shipped.serverCpuMicrosecondsPerRequest.median, 1)} µs per request against bare's ${decimal(v[`${framework}-bare`]?.serverCpuMicrosecondsPerRequest.median, 1)} µs), against ${ratio(v[`${framework}-otel`]?.ratioToBare)} and ${ratio(v[`${framework}-otel`]?.cpuRatioToBare)} for stock OpenTelemetry (${stock}, exporting spans and metrics to the same receiver) in the same run${noTraces ? `; with traces off it keeps ${ratio(noTraces.ratioToBare)} and ${ratio(noTraces.cpuRatioToBare)}` : ''}.`,
        aimSentence(shipped.ratioToBare, shipped.cpuRatioToBare),
      );
      const fixed = h.fixedRate?.[framework];
      const atRate = fixed?.variants[`${framework}-lifeline`];
      if (atRate?.addedMicrosecondsPerRequest != null) {
        const stockAtRate = fixed.variants[`${framework}-otel`];
        const cores = (atRate.addedMicrosecondsPerRequest * fixed.offeredRequestsPerSecond) / 1e6;
        sentences.push(
          `At a fixed ${decimal(fixed.offeredRequestsPerSecond, 0, { grouped: true })} requests/s it adds ${decimal(atRate.addedMicrosecondsPerRequest, 1)} µs of CPU per request to bare's ${decimal(fixed.variants[`${framework}-bare`]?.serverCpuMicrosecondsPerRequest.median, 1)} (${ratio(atRate.cpuRatioToBare)} by CPU; ${decimal(cores * 100, 0)}% of a core at that rate)` +
            (stockAtRate?.addedMicrosecondsPerRequest != null
              ? `, stock OpenTelemetry ${decimal(stockAtRate.addedMicrosecondsPerRequest, 1)} µs (${ratio(stockAtRate.cpuRatioToBare)}).`
              : '.'),
        );
      }
    }
    const idle = h.idle?.cpuMsPerSecond;
    if (idle?.['fastify-lifeline'] !== undefined) {
      const stock = ['fastify-otel', 'express-otel'].filter((n) => idle[n] !== undefined);
      sentences.push(
        `With no request at all, a server with the distribution spends ${decimal(idle['fastify-lifeline'], 1)} ms of CPU a second (Fastify)` +
          (idle['express-lifeline'] !== undefined
            ? ` and ${decimal(idle['express-lifeline'], 1)} ms (Express)`
            : '') +
          (stock.length > 0
            ? `, stock OpenTelemetry ${stock.map((n) => `${decimal(idle[n], 1)} ms (${n.startsWith('fastify') ? 'Fastify' : 'Express'})`).join(' and ')}.`
            : '.'),
      );
    }
    const d = h.distributionNoSockets;
    if (d) {
      sentences.push(
        `With no socket and no framework, at a steady ${integer(d.requestsPerSecond)} requests/s, the distribution adds ${decimal(d.defaults.median, 1)} µs of whole-process CPU per request with its defaults and ${decimal(d.tracesOff.median, 1)} µs with traces off: the server span and its durable export cost ${decimal(d.serverSpans.median, 1)} µs.`,
      );
      const over = d.sampledTenth.median - d.tracesOff.median;
      sentences.push(
        `Sampling 1 trace in 10, as OpenTelemetry users set it (\`parentbased_traceidratio\`, 0.1), adds ${decimal(d.sampledTenth.median, 1)} µs: ${decimal(over, 1)} µs over traces off, ${integer((100 * over) / d.serverSpans.median)}% of what spans cost when every request has one, for a tenth of the spans. The sampling decision, the trace context and the trace ids on every access event stay with each request, and random ids compress poorly at rest.`,
      );
    }
    if (parts) {
      sentences.push(
        `Per request, the instrumentation's own work costs ${decimal(parts.own, 2)} µs and handing its events to the Logs SDK's processors adds ${addedMicros(parts.logs)}` +
          (parts.producer !== undefined && parts.sdkHistograms !== undefined
            ? `; the HTTP histograms add ${addedMicros(parts.producer)} through Lifeline's metrics producer and ${addedMicros(parts.sdkHistograms)} through the Metrics SDK's \`Histogram.record\`.`
            : '.'),
      );
    }
    return sentences.join(' ');
  },
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
  collector: {
    read: () => {
      const file = path.join(rootDir, COLLECTOR_RESULTS);
      return fs.existsSync(file) ? JSON.parse(fs.readFileSync(file, 'utf8')) : undefined;
    },
    line: (c) =>
      `Measured ${measuredSpan(c)} by the collector-config test suite's last run against a real Collector (\`collector-config/build-collector.sh && pnpm exec vitest run collector-config\`, also run in CI), not by \`pnpm bench\`; raw results \`${COLLECTOR_RESULTS}\`, report [BENCHMARKS.md](/BENCHMARKS.md).`,
  },
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
