import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { logsCodec, metricsCodec, tracesCodec } from '@otel-lifeline/otlp';
import { createReceiver, toJsonLines } from '@otel-lifeline/receiver';
import { httpSend, JSON_TYPE, PROTOBUF } from './http-request.js';
import { sampleLogs, sampleMetrics, sampleSpans } from './sample-requests.js';

let directory: string;
beforeEach(async () => {
  directory = await mkdtemp(join(tmpdir(), 'lifeline-receiver-'));
});
afterEach(async () => {
  await rm(directory, { recursive: true, force: true });
});

describe('receiver JSON-lines file', () => {
  it('appends one line per record, span and data point, written before the request is answered', async () => {
    const file = join(directory, 'received.jsonl');
    const receiver = await createReceiver({ jsonLinesFile: file });
    try {
      await httpSend(`${receiver.url}/v1/logs`, { headers: PROTOBUF, body: logsCodec.encode(sampleLogs(2)) });
      const afterLogs = (await readFile(file, 'utf8')).split('\n');
      expect(afterLogs).toHaveLength(3); // two lines and the final newline
      await httpSend(`${receiver.url}/v1/traces`, {
        headers: JSON_TYPE,
        body: tracesCodec.toJson(sampleSpans(1)),
      });
      await httpSend(`${receiver.url}/v1/metrics`, {
        headers: PROTOBUF,
        body: metricsCodec.encode(sampleMetrics(3)),
      });
      receiver.addFault({ kind: 'status', status: 503 });
      await httpSend(`${receiver.url}/v1/logs`, { headers: PROTOBUF, body: logsCodec.encode(sampleLogs(9)) });
    } finally {
      await receiver.close();
    }
    const text = await readFile(file, 'utf8');
    expect(text.endsWith('\n')).toBe(true);
    const lines = text.trimEnd().split('\n');
    expect(lines).toEqual([
      ...toJsonLines('logs', sampleLogs(2)),
      ...toJsonLines('traces', sampleSpans(1)),
      ...toJsonLines('metrics', sampleMetrics(3)),
    ]);
    expect(JSON.parse(lines[0]!)).toEqual({
      signal: 'logs',
      time: '2023-11-14T22:13:20.000000000Z',
      severityNumber: 9,
      severityText: 'INFO',
      body: 'record 0',
      attributes: { index: 0 },
      resource: { 'service.name': 'receiver-test' },
      scope: { name: 'receiver-test', version: '1.0.0' },
    });
    expect(lines.map((line) => JSON.parse(line).signal)).toEqual([
      'logs',
      'logs',
      'traces',
      'metrics',
      'metrics',
      'metrics',
    ]);
  });

  it('appends to an existing file', async () => {
    const file = join(directory, 'received.jsonl');
    for (let round = 0; round < 2; round += 1) {
      const receiver = await createReceiver({ jsonLinesFile: file });
      await httpSend(`${receiver.url}/v1/logs`, { headers: PROTOBUF, body: logsCodec.encode(sampleLogs(1)) });
      await receiver.close();
    }
    expect((await readFile(file, 'utf8')).trimEnd().split('\n')).toHaveLength(2);
  });
});
