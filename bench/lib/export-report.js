// The parts of the bench:export report for the scenarios Lifeline runs alone
// (bench/lib/export-scenarios.js): rows for the main table, and the per-stage profile.
import { decimal, integer, spread, table } from './markdown.js';

const grouped = { grouped: true };
const mib = (bytes) => decimal(bytes / 2 ** 20, 1);
const us = (v) => (Number.isFinite(v) ? decimal(v, 2) : '—');

/** Rows of the main export table: the outage under CPU load and the long outage. */
export function lifelineOnlyRows(exp) {
  const rows = [];
  const l = exp.outageUnderLoad;
  if (l !== undefined) {
    rows.push([
      `records lost in a ${l.outageSeconds} s backend outage under CPU load (${l.busyProcesses} busy processes beside the app, one per core; of ${integer(l.emitted.median)} emitted at ${integer(l.offeredPerSec)}/s; ${l.rounds} rounds)`,
      'not run',
      spread(l.lost, 0, grouped),
      '—',
    ]);
  }
  if (exp.longOutage !== undefined) rows.push(...outageRows(exp.longOutage, 'long outage'));
  if (exp.hourOutage !== undefined) rows.push(...outageRows(exp.hourOutage, 'hour outage'));
  return rows;
}

/**
 * The rows of one outage with every default (`name`: "long outage", "hour outage"): records lost,
 * memory (where the growth went, and the control app beside it), the backlog on disk and the time
 * to deliver it.
 */
function outageRows(o, name) {
  const rows = [];
  const drops = Object.entries(o.countedDrops ?? {})
    .map(([reason, n]) => `${integer(n)} fragments ${reason}`)
    .join(', ');
  rows.push([
    `${name}, defaults: records lost with the backend down ${decimal(o.outageSeconds / 60, o.outageSeconds < 60 ? 1 : 0)} min at ${integer(o.offeredPerSec)}/s (of ${integer(o.emitted)} emitted, ${integer(o.backlogRecords)} of them into the backlog; ${o.date.slice(0, 16).replace('T', ' ')} UTC)`,
    'not run',
    `${integer(o.lost)}${drops ? ` (${drops})` : ''}`,
    '—',
  ]);
  rows.push([
    `${name}: RSS growth / heap growth over the outage, from the steady state after ${warmup(o)} at the same rate with the backend up, sampled every 5 s (MiB; aim ≤ 64 MB)`,
    'not run',
    `${decimal(o.rssGrowthMiB, 1)} / ${decimal(o.heapGrowthMiB, 1)} (RSS ${decimal(o.rssAtDownMiB, 0)} → peak ${decimal(o.rssPeakMiB, 0)})`,
    '—',
  ]);
  rows.push([
    `${name}: RSS growth from the app's start to its peak, warm-up included (MiB)`,
    'not run',
    `${decimal(o.rssGrowthFromStartMiB, 1)} (RSS ${decimal(o.rssAtStartMiB, 0)} → peak ${decimal(o.rssPeakMiB, 0)})`,
    '—',
  ]);
  if (o.control !== undefined) {
    rows.push([
      `${name}: of the RSS growth, V8's young generation / old space / outside the heap (MiB)`,
      'not run',
      `${decimal(o.newSpaceGrowthMiB, 1)} (${decimal(o.newSpaceAtDownMiB, 0)} → ${decimal(o.newSpaceAtDownMiB + o.newSpaceGrowthMiB, 0)}) / ${decimal(o.oldSpaceGrowthMiB, 1)} / ${decimal(o.externalGrowthMiB, 1)}`,
      '—',
    ]);
    rows.push([
      `${name}, control: RSS growth / heap growth of the same app beside it over the same time, backend up (MiB)`,
      'not run',
      `${decimal(o.control.rssGrowthMiB, 1)} / ${decimal(o.control.heapGrowthMiB, 1)} (RSS ${decimal(o.control.rssAtDownMiB, 0)} → peak ${decimal(o.control.rssPeakMiB, 0)}; young generation +${decimal(o.control.newSpaceGrowthMiB, 1)}; ${integer(o.control.lost)} lost)`,
      '—',
    ]);
  }
  rows.push([
    `${name}: bytes on disk at the end of the outage`,
    'not run',
    `${mib(o.diskBytes)} MiB, of which the backlog ${mib(backlogBytes(o))} MiB: ${decimal(o.diskBytesPerRecord, 0)} B per record of its ${integer(o.backlogRecords)} (the rest: delivered records of the warm-up in a segment not yet sealed)`,
    '—',
  ]);
  rows.push([
    `${name}: time from the backend's return until the backlog is delivered (ms; default retry backoff, cap 30 s)`,
    'not run',
    integer(o.catchUpMs),
    '—',
  ]);
  return rows;
}

/** The warm-up before the long outage, in words. */
function warmup(o) {
  const s = o.warmupSeconds;
  return s >= 60 ? `${decimal(s / 60)} min` : `${s} s`;
}

/** What the queue's files grew by over the long outage: the backlog. */
const backlogBytes = (o) => o.diskBytes - o.diskBytesAtDown;

/** How much of an outage's RSS growth was V8's young generation, and the control's growth. */
function youngGeneration(o) {
  if (o.control === undefined) return '';
  const diff = o.rssGrowthMiB - o.control.rssGrowthMiB;
  const against = diff > 0 ? `${decimal(diff, 1)} MiB more than` : `${decimal(-diff, 1)} MiB less than`;
  const fromStart = ` From the app's start, warm-up included, its RSS grew ${decimal(o.rssGrowthFromStartMiB, 1)} MiB: V8 enlarges its young generation once enough bytes have survived its scavenges, whatever they hold, which takes longer the slower the app allocates.`;
  return ` Of the growth over the outage, ${decimal(o.newSpaceGrowthMiB, 1)} MiB was V8's young generation; the same app beside it with its backend up grew ${decimal(o.control.rssGrowthMiB, 1)} MiB over the same time, so the app with the backlog grew ${against} the control.${fromStart}`;
}

/** An outage with every default (long or hour), in words. */
function outageSentence(o) {
  const minutes = o.outageSeconds >= 60 ? `${decimal(o.outageSeconds / 60)} min` : `${o.outageSeconds} s`;
  return `In a ${minutes} outage at ${integer(o.offeredPerSec)} records/s with every default, it lost ${o.lost === 0 ? 'nothing' : `${integer(o.lost)} of ${integer(o.emitted)} records`}, its RSS grew ${decimal(o.rssGrowthMiB, 1)} MiB (aim ≤ 64 MB) and its heap ${decimal(o.heapGrowthMiB, 1)} MiB over the outage, which began after ${warmup(o)} at that rate with the backend up, the backlog took ${mib(backlogBytes(o))} MiB on disk (${decimal(o.diskBytesPerRecord, 0)} B per record), and it was delivered ${decimal(o.catchUpMs / 1000, 1)} s after the backend returned (the default backoff waits up to 30 s between attempts).${youngGeneration(o)}`;
}

/** What the outage-under-load and outage rows say, in words; empty when not measured. */
export function lifelineOnlyConclusion(exp) {
  const parts = [];
  const l = exp.outageUnderLoad;
  if (l !== undefined) {
    parts.push(
      `With ${l.busyProcesses} busy processes beside it (one per core), in a ${l.outageSeconds} s outage at ${integer(l.offeredPerSec)} records/s Lifeline lost ${l.lost.max === 0 ? 'nothing' : `a median of ${integer(l.lost.median)} records (${integer(l.lost.min)}–${integer(l.lost.max)})`} over ${l.rounds} rounds.`,
    );
  }
  if (exp.longOutage !== undefined) parts.push(outageSentence(exp.longOutage));
  if (exp.hourOutage !== undefined) {
    const h = exp.hourOutage;
    parts.push(
      `${outageSentence(h)} That outage was measured on ${h.date.slice(0, 10)} by \`--only hour-outage\`, which a full run does not repeat.`,
    );
  }
  return parts.join(' ');
}

const STAGE_LABELS = {
  encode: 'encode: SDK records → one OTLP protobuf fragment',
  compress:
    'compression at rest: the fragment → a gzip member (level 1), or a zstd frame (level 1) once the endpoint has taken zstd',
  frame: 'frame + CRC: copy into the group-commit buffer',
  write: 'queue write: pwritev O_DSYNC through the thread pool',
  read: 'read-back: segment reads + CRC checks',
  concat: 'request body: fragments → one request in parts (counted, never joined in memory)',
  http: 'HTTP: one attempt, request to answer',
};

/** The per-stage profile: µs per log record, from the counters and from the CPU profile. */
export function stageProfileTable(exp) {
  const p = exp.profile;
  if (p === undefined) return '';
  // The profile's shares of the run's main-thread samples, applied to the thread's measured CPU
  // time: on a busy machine the time between samples includes time the thread was descheduled.
  const sampledUs = (p.cpuProfileSampledMs * 1000) / p.emitted;
  const scale = sampledUs > 0 ? p.mainThreadUsPerRecord / sampledUs : NaN;
  const rows = Object.entries(p.stages).map(([stage, s]) => [
    STAGE_LABELS[stage] ?? stage,
    s.calls ? `${us(s.counterUsPerRecord)} (${integer(s.calls)} calls)` : 'not timed separately',
    us(s.cpuProfileUsPerRecord * scale),
  ]);
  const other = Object.fromEntries(
    Object.entries(p.cpuProfileOtherUsPerRecord ?? {}).map(([k, v]) => [k, v * scale]),
  );
  rows.push([
    "outside the stages: the SDK's emit and the processor taking the record (sdk), GC, native, the bench app, other",
    '—',
    ['sdk', 'gc', 'native', 'app', 'other'].map((k) => `${k} ${us(other[k])}`).join(', '),
  ]);
  rows.push([
    'main thread, whole run (CPU of the thread, /proc)',
    us(p.mainThreadUsPerRecord),
    `${us(p.mainThreadUsPerRecord)} (samples spanned ${us(sampledUs)})`,
  ]);
  rows.push([
    'off the main thread: thread pool (writes, fdatasync, reads, a batch recompressed at send) and V8 helpers',
    us(p.offMainThreadUsPerRecord),
    '—',
  ]);
  rows.push([
    'main thread with no one subscribed to the counters (a second run)',
    us(p.withoutCounters.mainThreadUsPerRecord),
    '—',
  ]);
  return [
    `Per-stage profile of the durable pipeline (${integer(p.offeredPerSec)} records/s for ${p.seconds} s to the receiver process; µs per log record; ${p.date.slice(0, 16).replace('T', ' ')} UTC, one run on a shared machine: noisy):`,
    '',
    table(
      [
        'stage',
        'counters (`lifeline:stage`, wall time per log record)',
        "`--cpu-prof` (the thread's CPU per log record, split by its samples)",
      ],
      rows,
    ),
    '',
    'The counters time each call of a stage on the `lifeline:stage` diagnostics channel (HTTP from `lifeline:export:ok`): wall time, so a stage that waits (a write through the thread pool, an HTTP round trip including the receiver) counts its waiting, and a descheduled thread inflates any stage. The CPU profile attributes each main-thread sample during the run to the first frame from the leaf up that belongs to a stage; each stage’s share of the samples is applied to the main thread’s measured CPU time (the time between samples also counts time the thread was descheduled, which on a busy machine is much of it). Work on the thread pool is not in it, and is the "off the main thread" row.',
    ...exportPathTable(
      p,
      (p.stages.encode.cpuProfileUsPerRecord + p.stages.compress.cpuProfileUsPerRecord) * scale,
    ),
  ].join('\n');
}

/**
 * The export path's own cost: each pipeline against the same app whose processor drops every
 * record (the SDK's emit and the app), paired by round; `encodeAndGzipUs`: those two stages' CPU per
 * record in the profile. Empty for results from before it was measured.
 */
function exportPathTable(p, encodeAndGzipUs) {
  const e = p.exportPath;
  if (e === undefined) return [];
  const cells = (f) => [spread(f.mainUsPerRecord), spread(f.processUsPerRecord)];
  const path = e.lifeline.processOverDrop.median;
  return [
    '',
    table(
      [
        `the export path: CPU µs per log record (${integer(p.offeredPerSec)} records/s for ${p.seconds} s, until every record was delivered; aim ≤ 2)`,
        'main thread',
        'whole process (every thread)',
      ],
      [
        [
          'baseline: the same app, its processor dropping each record (the SDK’s emit and the app)',
          ...cells(e.drop),
        ],
        ['Lifeline’s durable processor, defaults, to the receiver process', ...cells(e.lifeline)],
        [
          'stock: BatchLogRecordProcessor + OTLPLogExporter (protobuf), to the receiver process',
          ...cells(e.stock),
        ],
        [
          '**Lifeline’s export path** (Lifeline − baseline, paired by round)',
          spread(e.lifeline.mainOverDrop),
          spread(e.lifeline.processOverDrop),
        ],
        [
          'stock export path (stock − baseline, paired by round)',
          spread(e.stock.mainOverDrop),
          spread(e.stock.processOverDrop),
        ],
      ],
    ),
    '',
    `${e.rounds} rounds, the three apps in rotated order, each in a process of its own from its start (its JIT warm-up included, as in every run of this bench), with no counters and no profiler; CPU of the main thread from /proc and of the whole process from \`process.cpuUsage\`, over the emission and the flush until every record was acknowledged. Records lost: ${integer(e.lost.lifeline)} (Lifeline), ${integer(e.lost.stock)} (stock). Exporting a record costs Lifeline ${us(path)} µs of CPU over the whole process, ${us(path / e.stock.processOverDrop.median)}× what the stock pipeline's export path costs (which keeps nothing on disk), against the aim of ≤ 2 µs. Of that, the encode and the compression at rest, which every record needs for its place on disk, take ${us(encodeAndGzipUs)} µs on the main thread (the profile above).`,
  ];
}

/** The worker-thread experiment: the shipped pipeline against its disk half in a worker thread. */
export function workerPipelineTable(exp) {
  const w = exp.workerPipeline;
  if (w === undefined) return '';
  // Per placement, the worker's median over the shipped pipeline's, main thread and whole process.
  const KEYS = { main: 'mainThreadUsPerRecord', process: 'processUsPerRecord' };
  const processRatios = Object.entries(w.placements).map(([placement, c]) => ({
    placement,
    cells: c,
    main: c.worker[KEYS.main].median / c.lifeline[KEYS.main].median,
    process: c.worker[KEYS.process].median / c.lifeline[KEYS.process].median,
  }));
  const rows = processRatios.flatMap((r) =>
    [
      ['main thread', 'main'],
      ['whole process (every thread)', 'process'],
    ].map(([label, which]) => [
      `${r.placement}: ${label}`,
      spread(r.cells.lifeline[KEYS[which]]),
      spread(r.cells.worker[KEYS[which]]),
      Number.isFinite(r[which]) ? `${decimal(r[which], 2)}×` : 'n/a',
    ]),
  );
  const lost = Math.max(...w.runs.map((r) => r.lost));
  const list = (key) => processRatios.map((r) => `${decimal(r[key], 2)}× on ${r.placement}`).join(', ');
  const verdict = processRatios.every((r) => r.process > 1)
    ? `The worker took work off the main thread (${list('main')}) but not out of the process, which adds a hand-over per fragment and an event loop of its own: the whole process spent more CPU per record (${list('process')}). It can help a server with an idle core to spare, not one whose cores are busy serving, and not the ≤ 2 µs per record aim, which counts the whole process.`
    : `Main thread with the worker: ${list('main')} of the shipped pipeline's; whole process: ${list('process')}.`;
  return [
    `The pipeline in a worker thread, an experiment (\`bench/lib/worker-pipeline.js\`; ${integer(w.offeredPerSec)} log records/s for ${w.seconds} s to the receiver process, ${w.rounds} interleaved rounds; µs of CPU per log record, median (min–max); ${w.date.slice(0, 16).replace('T', ' ')} UTC):`,
    '',
    table(
      [
        'app placement: CPU counted',
        'shipped: everything on the main thread',
        'disk half in a worker thread',
        'worker ÷ shipped',
      ],
      rows,
    ),
    '',
    `In the worker variant the main thread keeps the SDK's emit and the encode (the records are objects of its heap) and transfers each fragment's bytes to a worker thread, which runs the shipped signal queue: gzip at rest, the disk queue, the sender. "One core" pins every thread of the app's process to one CPU (\`taskset -a\`); the other placement leaves it free on every core of the machine, beside the receiver. Records lost over all its runs: ${integer(lost)}. ${verdict}`,
  ].join('\n');
}
