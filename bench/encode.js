#!/usr/bin/env node
// Encode microbenchmark: SDK log records → OTLP protobuf ExportLogsServiceRequest bytes.
//
//   node bench/encode.js [--quick] [--out DIR]        (pnpm bench:encode builds first)
//
// Fixture: 512 ReadableLogRecords from the real sdk-logs LoggerProvider, one resource (5
// attributes), one scope, 10 attributes and a ~70-character body per record (the shape of the
// OpenTelemetry JS serializer benchmark). Variants, side by side in one process:
//   lifeline  @otel-lifeline/otlp encodeLogRecords
//   stock     @opentelemetry/otlp-transformer ProtobufLogsSerializer.serializeRequest
// Rounds are interleaved (A B, then B A, ...) after a warm-up; each round times a fixed number of
// whole-batch encodes. Reported: µs per record (median, min–max over rounds), bytes per record and
// the ratio lifeline ÷ stock of the medians. Both outputs are decoded back and compared before
// timing, so a fast but wrong encoder fails here instead of winning.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { SeverityNumber } from '@opentelemetry/api-logs';
import { ProtobufLogsSerializer } from '@opentelemetry/otlp-transformer';
import { resourceFromAttributes } from '@opentelemetry/resources';
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { encodeLogRecords, logsCodec } from '@otel-lifeline/otlp';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const { values } = parseArgs({
  options: { quick: { type: 'boolean', default: false }, out: { type: 'string' } },
});
const quick = values.quick;
const outDir = path.resolve(values.out ?? path.join(benchDir, 'results'));

const RECORDS = 512;
const ROUNDS = quick ? 5 : 11;
const BATCHES_PER_ROUND = quick ? 20 : 200;
const WARMUP_BATCHES = quick ? 50 : 500;

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
  if (records.length !== RECORDS) throw new Error(`fixture has ${records.length} records, expected ${RECORDS}`);
  return records;
}

const variants = {
  lifeline: (records) => encodeLogRecords(records),
  stock: (records) => ProtobufLogsSerializer.serializeRequest(records),
};

function verify(records) {
  const ours = logsCodec.decode(variants.lifeline(records));
  const stock = logsCodec.decode(variants.stock(records));
  const a = JSON.parse(logsCodec.toJson(ours));
  const b = JSON.parse(logsCodec.toJson(stock));
  if (JSON.stringify(a) !== JSON.stringify(b)) throw new Error('lifeline and stock encodings decode differently');
  if (logsCodec.countItems(ours) !== RECORDS) throw new Error('lifeline encoding lost records');
}

let sink = 0;
function timeRound(encode, records) {
  const start = process.hrtime.bigint();
  for (let i = 0; i < BATCHES_PER_ROUND; i++) sink += encode(records).length;
  const elapsedNs = Number(process.hrtime.bigint() - start);
  return elapsedNs / 1e3 / (BATCHES_PER_ROUND * RECORDS);
}

function summary(samples) {
  const sorted = [...samples].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const median = sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
  return { median, min: sorted[0], max: sorted[sorted.length - 1], samples };
}

function main() {
  const records = buildFixture();
  verify(records);
  for (let i = 0; i < WARMUP_BATCHES; i++) {
    sink += variants.lifeline(records).length + variants.stock(records).length;
  }
  const samples = { lifeline: [], stock: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['lifeline', 'stock'] : ['stock', 'lifeline'];
    for (const name of order) samples[name].push(timeRound(variants[name], records));
  }
  const lifeline = summary(samples.lifeline);
  const stock = summary(samples.stock);
  const result = {
    benchmark: 'encode',
    command: `node bench/encode.js${quick ? ' --quick' : ''}`,
    quick,
    date: new Date().toISOString(),
    environment: { node: process.version, cpu: os.cpus()[0]?.model ?? 'unknown', cores: os.cpus().length },
    fixture: { records: RECORDS, attributesPerRecord: 10, resourceAttributes: 5, bodyChars: '~70' },
    method: { rounds: ROUNDS, batchesPerRound: BATCHES_PER_ROUND, warmupBatches: WARMUP_BATCHES, interleaved: true },
    unit: 'µs per record',
    variants: {
      lifeline: {
        what: '@otel-lifeline/otlp encodeLogRecords',
        usPerRecord: lifeline,
        bytesPerRecord: variants.lifeline(records).length / RECORDS,
      },
      stock: {
        what: '@opentelemetry/otlp-transformer 0.223.0 ProtobufLogsSerializer.serializeRequest',
        usPerRecord: stock,
        bytesPerRecord: variants.stock(records).length / RECORDS,
      },
    },
    ratio: { lifelineOverStock: lifeline.median / stock.median },
  };
  const fmt = (s) => `${s.median.toFixed(3)} µs/record (min ${s.min.toFixed(3)} – max ${s.max.toFixed(3)})`;
  console.log(`encode ${RECORDS} log records × 10 attributes, ${ROUNDS} interleaved rounds of ${BATCHES_PER_ROUND} batches`);
  console.log(`  lifeline encodeLogRecords          ${fmt(lifeline)}  ${result.variants.lifeline.bytesPerRecord.toFixed(1)} B/record`);
  console.log(`  stock ProtobufLogsSerializer       ${fmt(stock)}  ${result.variants.stock.bytesPerRecord.toFixed(1)} B/record`);
  console.log(`  ratio lifeline ÷ stock (medians)   ${result.ratio.lifelineOverStock.toFixed(3)}`);
  fs.mkdirSync(outDir, { recursive: true });
  const file = path.join(outDir, 'encode.json');
  fs.writeFileSync(file, JSON.stringify(result, null, 2) + '\n');
  console.log(`wrote ${path.relative(process.cwd(), file) || file}${sink < 0 ? '' : ''}`);
}

main();
