#!/usr/bin/env node
// Encode microbenchmark: SDK log records → OTLP protobuf ExportLogsServiceRequest bytes (the
// headline), and SDK spans → ExportTraceServiceRequest bytes.
//
//   node bench/encode.js [--quick] [--out DIR]        (pnpm bench:encode builds first)
//
// Fixture: 512 ReadableLogRecords from the real sdk-logs LoggerProvider, one resource (5
// attributes), one scope, 10 attributes and a ~70-character body per record (the shape of the
// OpenTelemetry JS serializer benchmark). Variants, side by side in one process:
//   lifeline  @otel-lifeline/otlp encodeLogRecords
//   stock     @opentelemetry/otlp-transformer ProtobufLogsSerializer.serializeRequest
// Then 512 ReadableSpans from the real TracerProvider (10 attributes, a remote parent, one
// event each): encodeSpans vs ProtobufTraceSerializer.serializeRequest, measured the same way.
// Rounds are interleaved (A B, then B A, ...) after a warm-up; each round times a fixed number of
// whole-batch encodes. Reported: µs per record (median, min–max over rounds), bytes per record,
// the ratio lifeline ÷ stock of the medians, and the median of the per-round ratios (each round
// times both variants back to back, so on a shared, noisy machine this pairing is the steadier
// figure). Both outputs are decoded back and compared before timing, so a fast but wrong encoder
// fails here instead of winning.
import fs from 'node:fs';
import os from 'node:os';
import zlib from 'node:zlib';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SeverityNumber } from '@opentelemetry/api';
import { ROOT_CONTEXT, SpanKind, TraceFlags, trace } from '@opentelemetry/api';
import { ProtobufLogsSerializer, ProtobufTraceSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { encodeLogRecords, encodeSpans, logsCodec, tracesCodec, zstdMissing } from '@otel-lifeline/otlp';
import { median, summary } from './lib/stats.js';

// The exporter's at-rest compression, from its build (its package exports only its public API).
const { compressFragment, plainFragment } = await import(
  new URL('../packages/exporter/dist/fragment-format.js', import.meta.url).href
);

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const quick = values.quick;
const outDir = path.resolve(values.out ?? path.join(benchDir, 'results'));

const RECORDS = 512;
const ROUNDS = quick ? 5 : 31;
const BATCHES_PER_ROUND = quick ? 10 : 40;
const WARMUP_BATCHES = quick ? 50 : 400;

function buildFixture() {
  const exporter = new InMemoryLogRecordExporter();
  const provider = new LoggerProvider({
    resource: resourceFromAttributes({
      'service.name': 'checkout-api',
      'service.version': '4.2.0',
      'service.instance.id': '5f6d9c1e-8c1b-4f7e-9a4b-0b2b1f3c7d11',
      'deployment.environment.name': 'production',
      'host.name': 'ip-10-0-12-34',
    }),
    processors: [new SimpleLogRecordProcessor({ exporter })],
  });
  const logger = provider.getLogger('@otel-lifeline/instrumentation-api', '0.1.0');
  for (let i = 0; i < RECORDS; i++) {
    logger.emit({
      severityNumber: SeverityNumber.INFO,
      severityText: 'INFO',
      eventName: 'lifeline.api.access',
      body: `GET /api/v1/orders/${100000 + i} 200 in ${(i % 97) + 3} ms from client 10.0.${i % 256}.7`,
      attributes: {
        'http.request.method': 'GET',
        'http.route': '/api/v1/orders/:id',
        'url.path': `/api/v1/orders/${100000 + i}`,
        'url.scheme': 'https',
        'http.response.status_code': 200,
        'server.address': 'api.example.com',
        'server.port': 443,
        'client.address': `10.0.${i % 256}.7`,
        'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) lifeline-bench/1.0',
        'lifeline.duration_ms': ((i % 97) + 3) * 1.25,
      },
    });
  }
  const records = exporter.getFinishedLogRecords();
  if (records.length !== RECORDS)
    throw new Error(`fixture has ${records.length} records, expected ${RECORDS}`);
  return records;
}

function buildSpanFixture() {
  const exporter = new InMemorySpanExporter();
  const provider = new TracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'checkout-api', 'service.version': '4.2.0' }),
    spanProcessors: [new SimpleSpanProcessor({ exporter: exporter })],
  });
  const tracer = provider.getTracer('@otel-lifeline/instrumentation-api', '0.1.0');
  const parent = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: '4bf92f3577b34da6a3ce929d0e0e4736',
    spanId: '00f067aa0ba902b7',
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
  });
  for (let i = 0; i < RECORDS; i++) {
    const span = tracer.startSpan(
      'GET /api/v1/orders/:id',
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': 'GET',
          'http.route': '/api/v1/orders/:id',
          'url.path': `/api/v1/orders/${100000 + i}`,
          'url.scheme': 'https',
          'http.response.status_code': 200,
          'server.address': 'api.example.com',
          'server.port': 443,
          'client.address': `10.0.${i % 256}.7`,
          'user_agent.original': 'Mozilla/5.0 (X11; Linux x86_64) lifeline-bench/1.0',
          'network.protocol.version': '1.1',
        },
      },
      parent,
    );
    span.addEvent('response.sent', { 'http.response.body.size': 512 + i });
    span.end();
  }
  const spans = exporter.getFinishedSpans();
  if (spans.length !== RECORDS)
    throw new Error(`span fixture has ${spans.length} spans, expected ${RECORDS}`);
  return spans;
}

/** Both encodings must decode to the same content before anything is timed. */
function verify(codec, variants, items) {
  const ours = codec.decode(variants.lifeline(items));
  const stock = codec.decode(variants.stock(items));
  if (codec.toJson(ours) !== codec.toJson(stock))
    throw new Error('lifeline and stock encodings decode differently');
  if (codec.countItems(ours) !== RECORDS) throw new Error('lifeline encoding lost items');
}

let sink = 0;
/** One round: wall-clock and process CPU time (user + system, all threads: GC included) per record. */
function timeRound(encode, records) {
  const cpuStart = process.cpuUsage();
  const start = process.hrtime.bigint();
  for (let i = 0; i < BATCHES_PER_ROUND; i++) sink += encode(records).length;
  const elapsedNs = Number(process.hrtime.bigint() - start);
  const cpu = process.cpuUsage(cpuStart);
  const items = BATCHES_PER_ROUND * RECORDS;
  return { wall: elapsedNs / 1e3 / items, cpu: (cpu.user + cpu.system) / items };
}

const capital = (word) => word[0].toUpperCase() + word.slice(1);

/**
 * Interleaved rounds of two variants over the same items; CPU time is the headline metric. `a` and
 * `b` name them in `variants` (and `${a}Name`, `${b}Name`); the ratio is a's over b's.
 */
function compare(variants, items, [a, b] = ['lifeline', 'stock']) {
  for (let i = 0; i < WARMUP_BATCHES; i++) {
    sink += variants[a](items).length + variants[b](items).length;
  }
  const wall = { [a]: [], [b]: [] };
  const cpu = { [a]: [], [b]: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? [a, b] : [b, a];
    for (const name of order) {
      const t = timeRound(variants[name], items);
      wall[name].push(t.wall);
      cpu[name].push(t.cpu);
    }
  }
  const side = (name) => ({
    what: variants[`${name}Name`],
    usPerRecord: summary(cpu[name]),
    wallUsPerRecord: summary(wall[name]),
    bytesPerRecord: variants[name](items).length / RECORDS,
  });
  return {
    variants: { [a]: side(a), [b]: side(b) },
    ratio: {
      [`${a}Over${capital(b)}`]: median(cpu[a]) / median(cpu[b]),
      pairedRounds: summary(cpu[a].map((t, i) => t / cpu[b][i])),
      [`wall${capital(a)}Over${capital(b)}`]: median(wall[a]) / median(wall[b]),
    },
  };
}

const fmt = (s) => `${s.median.toFixed(3)} µs (min ${s.min.toFixed(3)} – max ${s.max.toFixed(3)})`;

function print(title, labels, comparison) {
  const [a, b] = Object.values(comparison.variants);
  const [ratioOfMedians, paired, wallRatio] = Object.values(comparison.ratio);
  console.log(title);
  console.log(`  ${labels[0].padEnd(34)} ${fmt(a.usPerRecord)}  ${a.bytesPerRecord.toFixed(1)} B each`);
  console.log(`  ${labels[1].padEnd(34)} ${fmt(b.usPerRecord)}  ${b.bytesPerRecord.toFixed(1)} B each`);
  console.log(`  ${'ratio of the medians'.padEnd(34)} ${ratioOfMedians.toFixed(3)}`);
  console.log(
    `  ${'ratio per round (median, min – max)'.padEnd(34)} ${paired.median.toFixed(3)} ` +
      `(${paired.min.toFixed(3)} – ${paired.max.toFixed(3)})`,
  );
  console.log(
    `  wall clock: ${fmt(a.wallUsPerRecord)} against ${fmt(b.wallUsPerRecord)}, ratio ${wallRatio.toFixed(3)}`,
  );
}

/**
 * The two at-rest forms: the log fixture's fragment compressed by the exporter's own
 * compressFragment as a gzip member, level 1 (the default), and as zstd, level 1 with its frame
 * checksum (the option `compression: 'zstd'`, from Node 22.15). Each output must decompress to the
 * fragment before timing.
 */
function compareCompression(records) {
  if (zstdMissing !== undefined) return { skipped: zstdMissing };
  const fragment = encodeLogRecords(records);
  const variants = {
    gzip: () => compressFragment(fragment, RECORDS),
    zstd: () => compressFragment(fragment, RECORDS, 'zstd'),
    gzipName: '@otel-lifeline/exporter compressFragment (deflate level 1 in a gzip member)',
    zstdName:
      "@otel-lifeline/exporter compressFragment(…, 'zstd') (a skippable frame with the counts, zstd level 1 with its frame checksum)",
  };
  if (!zlib.gunzipSync(variants.gzip()).equals(Buffer.from(fragment)))
    throw new Error('the gzip member does not decompress to the fragment');
  if (!Buffer.from(plainFragment(variants.zstd())).equals(Buffer.from(fragment)))
    throw new Error('the zstd form does not decompress to the fragment');
  return {
    fragmentBytes: fragment.length,
    unit: 'µs of process CPU time per log record of the fragment',
    ...compare(variants, records, ['gzip', 'zstd']),
  };
}

function main() {
  const records = buildFixture();
  const logVariants = {
    lifeline: (items) => encodeLogRecords(items),
    stock: (items) => ProtobufLogsSerializer.serializeRequest(items),
    lifelineName: '@otel-lifeline/otlp encodeLogRecords',
    stockName: '@opentelemetry/otlp-transformer 0.223.0 ProtobufLogsSerializer.serializeRequest',
  };
  verify(logsCodec, logVariants, records);
  const logs = compare(logVariants, records);

  const spans = buildSpanFixture();
  const spanVariants = {
    lifeline: (items) => encodeSpans(items),
    stock: (items) => ProtobufTraceSerializer.serializeRequest(items),
    lifelineName: '@otel-lifeline/otlp encodeSpans',
    stockName: '@opentelemetry/otlp-transformer 0.223.0 ProtobufTraceSerializer.serializeRequest',
  };
  verify(tracesCodec, spanVariants, spans);
  const spanComparison = compare(spanVariants, spans);

  const compression = compareCompression(records);

  const result = {
    benchmark: 'encode',
    command: `node bench/encode.js${quick ? ' --quick' : ''}`,
    quick,
    date: new Date().toISOString(),
    environment: {
      node: process.version,
      cpu: os.cpus()[0]?.model ?? 'unknown',
      cores: os.cpus().length,
      loadAverage1m: os.loadavg()[0],
    },
    fixture: { records: RECORDS, attributesPerRecord: 10, resourceAttributes: 5, bodyChars: '~70' },
    method: {
      rounds: ROUNDS,
      batchesPerRound: BATCHES_PER_ROUND,
      warmupBatches: WARMUP_BATCHES,
      interleaved: true,
    },
    unit: 'µs of process CPU time per record (wall-clock figures alongside)',
    ...logs,
    spans: {
      fixture: { spans: RECORDS, attributesPerSpan: 10, eventsPerSpan: 1, remoteParent: true },
      unit: 'µs of process CPU time per span',
      ...spanComparison,
    },
    compression,
  };
  print(
    `encode ${RECORDS} log records × 10 attributes, ${ROUNDS} interleaved rounds of ${BATCHES_PER_ROUND} batches, ` +
      'CPU time per record',
    ['lifeline encodeLogRecords', 'stock ProtobufLogsSerializer'],
    logs,
  );
  print(
    `encode ${RECORDS} spans × 10 attributes + 1 event, same method, CPU time per span`,
    ['lifeline encodeSpans', 'stock ProtobufTraceSerializer'],
    spanComparison,
  );
  if (compression.skipped === undefined) {
    print(
      `compress the ${RECORDS} log records' fragment (${compression.fragmentBytes} B), same method, CPU time per record`,
      ['default: gzip level 1 (at rest)', "option compression 'zstd': zstd level 1"],
      compression,
    );
  } else console.log(`compression candidates: ${compression.skipped}`);
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'encode.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file) || file}${sink < 0 ? '' : ''}`);
}

main();
