// Regenerates BENCHMARKS.md and its charts from the raw results of `pnpm bench`, and the figure
// blocks (`<!-- bench:NAME -->`) in README.md and the package READMEs, so that no number is copied
// by hand.
//
//   node bench/report.js [--results DIR]
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { barChart, renderSvg } from './lib/chart.js';
import { integer, ratio, replaceBlock, spread, table } from './lib/markdown.js';

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
      [
        [
          '`@opentelemetry/otlp-transformer` ProtobufLogsSerializer (anchor)',
          spread(stock.usPerRecord, 3),
          fixed(stock.bytesPerRecord, 1),
          '1.00×',
        ],
        [
          'Lifeline `encodeLogRecords`',
          spread(lifeline.usPerRecord, 3),
          fixed(lifeline.bytesPerRecord, 1),
          ratio(encode.ratio.lifelineOverStock),
        ],
      ],
    ),
    '',
    `${encode.unit}; ${encode.method.rounds} interleaved rounds. Both outputs are decoded and compared before timing.`,
  ].join('\n');
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
    rows.push([
      `append ${a.recordBytes} B records: Lifeline queue, group commit`,
      spread(a.queue.mbPerS, 0),
      spread(a.queue.recordsPerS, 0),
      ratio(a.ratio.queueOverRaw),
    ]);
  }
  const backlogGiB = queue.backlog.payloadBytes / 2 ** 30;
  return [
    table(['append throughput', 'MB/s', 'records/s', 'ratio to raw'], rows),
    '',
    table(
      [
        `a ${fixed(backlogGiB, 2)} GiB backlog (${integer(queue.backlog.records)} records, ${queue.backlog.segments} segments)`,
        'value',
        'aim / anchor',
      ],
      [
        ['time to open the queue (ms)', spread(queue.open.queue.ms, 0), 'aim < 1,000 ms'],
        [
          'time to read and check every record (ms), what a recovery that scans costs',
          spread(queue.open.fullScan.ms, 0),
          '',
        ],
        [
          'read-back through a cursor (MB/s)',
          spread(queue.readBack.queue.mbPerS, 0),
          'aim ≥ 200 MB/s; Collector bbolt queue ≈ 24 MB/s cold',
        ],
        ['raw sequential read of the same files (MB/s)', spread(queue.readBack.raw.mbPerS, 0), ''],
      ],
    ),
    '',
    `Page cache: ${queue.cache}.`,
  ].join('\n');
}

// ── export ──────────────────────────────────────────────────────────────────────────────────────
function exportTable(exp) {
  return exp.table;
}

// ── http ────────────────────────────────────────────────────────────────────────────────────────
const HTTP_LABELS = {
  bare: 'bare Fastify (baseline)',
  'lifeline-null': 'Fastify + Lifeline, null exporter',
  'lifeline-receiver': 'Fastify + Lifeline events, stock OTLP exporter to a receiver process',
  'lifeline-durable': 'Fastify + Lifeline, durable pipeline to a receiver process',
  'fastify-otel': '@fastify/otel + NodeSDK (reference)',
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
    `${http.settings.rounds} interleaved rounds of ${http.settings.secondsPerRound} s, ${http.settings.connections} connections, \`${http.settings.route}\`, load from autocannon in another process. Published references for instrumented servers sit at 0.19–0.56× bare.`,
  ].join('\n');
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
        title: 'Requests/s relative to bare Fastify (higher is better)',
        valueTitle: 'ratio to bare',
        rows: Object.entries(results.http.variants).map(([name, v]) => ({
          label: HTTP_LABELS[name] ?? name,
          value: v.ratioToBare,
        })),
      }),
    );
  }
  if (results.export) {
    // Percent of emitted records delivered and lost, per scenario both pipelines ran.
    const rows = [];
    const measured = results.export.results.filter(
      (x) => x.scenario === 'throughput' || x.scenario === 'outage',
    );
    const key = (r) => (r.scenario === 'outage' ? 'outage' : r.offeredPerSec);
    const both = (r) => measured.filter((x) => key(x) === key(r)).length === 2;
    for (const r of measured.filter(both)) {
      const scenario =
        r.scenario === 'outage'
          ? `backend down ${results.export.settings.outageSeconds} s`
          : `${integer(r.offeredPerSec)} records/s offered`;
      const label = `${scenario} · ${r.variant === 'stock' ? 'stock' : 'Lifeline'}`;
      const emitted = r.emitted || 1;
      rows.push({ label, series: 'delivered', value: (100 * r.delivered) / emitted });
      rows.push({ label, series: 'lost', value: (100 * r.lost) / emitted });
    }
    await save(
      'export-loss',
      barChart({
        title: 'Records delivered and lost per scenario (% of emitted)',
        valueTitle: '% of emitted records',
        rows,
        series: 'outcome',
        stacked: true,
      }),
    );
    const s = results.export.summary;
    await save(
      'failover',
      barChart({
        title: 'Time to fail over and fail back (ms, lower is better)',
        valueTitle: 'ms',
        rows: [
          { label: 'fail over: primary refuses', value: s.failoverMs.refused ?? 0 },
          { label: 'fail over: primary blackholed', value: s.failoverMs.blackholed ?? 0 },
          {
            label: `fail back after recovery (probe ${results.export.settings.probeIntervalMs} ms)`,
            value: s.failbackMs ?? 0,
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
    const read = results.queue.readBack;
    await save(
      'queue-read',
      barChart({
        title: 'Reading a backlog back (MB/s)',
        valueTitle: 'MB/s',
        rows: [
          { label: 'raw sequential read', value: read.raw.mbPerS.median },
          { label: 'Lifeline queue cursor', value: read.queue.mbPerS.median },
          { label: 'Collector bbolt queue, cold (published)', value: 24 },
        ],
      }),
    );
  }
  return charts;
}

const CONCLUSIONS = {
  encode: (e) =>
    `**What to conclude:** Lifeline's encoder takes ${ratio(e.ratio.lifelineOverStock)} the time of the stock serializer for the same bytes on the wire, so encoding every record at emit (which durability needs) costs less than the stock pipeline spends at export.`,
  queue: (q) => {
    const first = Object.values(q.append)[0];
    return `**What to conclude:** group commit keeps the queue at ${ratio(first.ratio.queueOverRaw)} of a raw write + fdatasync loop with the same sync policy, so durability costs what the disk costs and no more; a ${fixed(q.backlog.payloadBytes / 2 ** 30, 1)} GiB backlog opens in ${fixed(q.open.queue.ms.median)} ms because recovery reads only the tail, and drains at ${fixed(q.readBack.queue.mbPerS.median)} MB/s.`;
  },
  export: (x) => {
    const s = x.summary;
    return `**What to conclude:** in a ${x.settings.outageSeconds} s backend outage the stock pipeline lost ${integer(s.outageLost.stock)} records and Lifeline ${integer(s.outageLost.lifeline)}; Lifeline fails over in ${fixed(s.failoverMs.refused)} ms when the primary refuses connections and in ${fixed(s.failoverMs.blackholed)} ms when it hangs (one attempt timeout), and fails back ${fixed(s.failbackMs)} ms after the primary recovers.`;
  },
  http: (h) => {
    const v = h.variants;
    return `**What to conclude:** with Lifeline's events and metrics a Fastify server keeps ${ratio(v['lifeline-null']?.ratioToBare)} of its bare throughput ${v['lifeline-durable'] ? ` (${ratio(v['lifeline-durable'].ratioToBare)} with the whole durable pipeline exporting to a receiver process)` : ''}, against ${ratio(v['fastify-otel']?.ratioToBare)} with \`@fastify/otel\` + NodeSDK in the same run. The aim is 0.90×; the remaining cost is mostly the OpenTelemetry SDK's own \`logger.emit\` and \`Histogram.record\` (see the CPU breakdown in the instrumentation-api README).`;
  },
};

const RENDERERS = { encode: encodeTable, queue: queueTable, export: exportTable, http: httpTable };
const TITLES = {
  encode: 'Encoding: SDK log records to OTLP protobuf (`pnpm bench:encode`)',
  queue: 'Disk queue: append, open and read-back (`pnpm bench:queue`)',
  export: 'Export under load and outages, fail-over (`pnpm bench:export`)',
  http: 'HTTP overhead on a Fastify server (`pnpm bench:http`)',
};

/** Builds the figure block for one benchmark: its table and what to conclude. */
export function benchBlock(name, result) {
  const measured = `Measured ${result.date?.slice(0, 16).replace('T', ' ')} UTC${result.quick ? ' (quick mode)' : ''}; raw results \`bench/results/${name}.json\`, report [BENCHMARKS.md](/BENCHMARKS.md).`;
  return `${RENDERERS[name](result)}\n\n${CONCLUSIONS[name](result)}\n\n${measured}`;
}

export async function writeReport({ resultsDir = path.join(benchDir, 'results'), publish = true } = {}) {
  const results = {};
  for (const name of Object.keys(RENDERERS)) results[name] = readJson(resultsDir, name);
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
    '',
    environmentSection(env, readJson(resultsDir, 'durations')),
  ];
  const chartsFor = {
    http: ['http-overhead'],
    export: ['export-loss', 'failover'],
    queue: ['queue-append', 'queue-read'],
    encode: [],
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
