import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { codecFor, type Signal } from '@otel-lifeline/otlp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { collectorConfigDir, resolveCollectorBinary } from './support/collector-binary.js';
import { createCollector, killAllCollectors, type Collector } from './support/collector-process.js';
import { recordMeasurement } from './support/measurements.js';
import { CASE_KEY, sdkRequest } from './support/sdk-requests.js';

const binary = resolveCollectorBinary();
const signals: Signal[] = ['logs', 'traces', 'metrics'];
type Encoding = 'http/protobuf' | 'http/json' | 'http/protobuf+gzip';
const encodings: Encoding[] = ['http/protobuf', 'http/json', 'http/protobuf+gzip'];
const cases = signals.flatMap((signal) =>
  encodings.map((encoding) => ({ signal, encoding, name: `${signal} ${encoding}` })),
);

/** The Collector's file: one OTLP-JSON request per line, decoded with Lifeline's codec. */
function readSink(file: string): Map<string, { signal: Signal; request: unknown }> {
  const found = new Map<string, { signal: Signal; request: unknown }>();
  let text = '';
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return found;
  }
  const lines = text.split('\n');
  // The last line is complete only once its newline is written (the exporter flushes a buffer).
  lines.pop();
  for (const line of lines) {
    if (line.trim() === '') continue;
    const raw = JSON.parse(line) as Record<string, unknown>;
    const signal: Signal = 'resourceLogs' in raw ? 'logs' : 'resourceSpans' in raw ? 'traces' : 'metrics';
    const request = codecFor(signal).fromJson(line) as {
      resourceLogs?: Array<{
        resource?: { attributes?: Array<{ key: string; value?: { stringValue?: string } }> };
      }>;
      resourceSpans?: Array<{
        resource?: { attributes?: Array<{ key: string; value?: { stringValue?: string } }> };
      }>;
      resourceMetrics?: Array<{
        resource?: { attributes?: Array<{ key: string; value?: { stringValue?: string } }> };
      }>;
    };
    const resources = request.resourceLogs ?? request.resourceSpans ?? request.resourceMetrics ?? [];
    for (const r of resources) {
      const name = r.resource?.attributes?.find((kv) => kv.key === CASE_KEY)?.value?.stringValue;
      if (name !== undefined) found.set(name, { signal, request });
    }
  }
  return found;
}

describe.skipIf(binary.skipReason !== undefined)(
  `file-sink.yaml: the Collector's OTLP receiver and Lifeline's requests`,
  () => {
    let dir: string;
    let file: string;
    let collector: Collector;
    const answers = new Map<string, { status: number; contentType: string | null; rejected: number }>();

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lifeline-file-sink-'));
      file = join(dir, 'otlp.jsonl');
      collector = await createCollector({
        binary: binary.path ?? '',
        config: join(collectorConfigDir, 'file-sink.yaml'),
        env: { LIFELINE_COLLECTOR_FILE: file },
      });
      await collector.start();
      for (const { signal, encoding, name } of cases) {
        const request = await sdkRequest(signal, name);
        const codec = codecFor(signal);
        const json = encoding === 'http/json';
        const body = json
          ? request.json
          : encoding === 'http/protobuf+gzip'
            ? gzipSync(request.protobuf)
            : request.protobuf;
        const response = await fetch(`${collector.otlpUrl}${codec.path}`, {
          method: 'POST',
          headers: {
            'content-type': json ? 'application/json' : 'application/x-protobuf',
            ...(encoding === 'http/protobuf+gzip' ? { 'content-encoding': 'gzip' } : {}),
          },
          body: typeof body === 'string' ? body : new Uint8Array(body),
        });
        const bytes = new Uint8Array(await response.arrayBuffer());
        const result = json
          ? codec.responseFromJson(new TextDecoder().decode(bytes))
          : codec.decodeResponse(bytes);
        answers.set(name, {
          status: response.status,
          contentType: response.headers.get('content-type'),
          rejected: result.rejected,
        });
      }
      // The file exporter flushes every 100 ms (file-sink.yaml); wait for every case to be written.
      const deadline = Date.now() + 15_000;
      while (readSink(file).size < cases.length && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
    });

    afterAll(async () => {
      await collector?.stop();
      await killAllCollectors();
      rmSync(dir, { recursive: true, force: true });
    });

    it.each(cases)(
      'accepts $name with 200 and nothing rejected, answering in the request content type',
      ({ name, encoding }) => {
        const answer = answers.get(name);
        expect(answer).toMatchObject({ status: 200, rejected: 0 });
        expect(answer?.contentType).toBe(
          encoding === 'http/json' ? 'application/json' : 'application/x-protobuf',
        );
      },
    );

    it('writes every request to the file with its content intact', () => {
      const found = readSink(file);
      expect([...found.keys()].sort()).toEqual(cases.map((c) => c.name).sort());
      for (const { signal, name } of cases) {
        const entry = found.get(name);
        expect(entry?.signal).toBe(signal);
        const kv = (key: string, value: Record<string, unknown>) => ({ key, value });
        if (signal === 'logs') {
          expect(entry?.request).toMatchObject({
            resourceLogs: [
              {
                scopeLogs: [
                  {
                    scope: { name: 'lifeline.test' },
                    logRecords: [
                      expect.objectContaining({
                        severityNumber: 9,
                        body: { stringValue: `access ${name}` },
                        attributes: expect.arrayContaining([
                          kv('http.route', { stringValue: '/users/:id' }),
                          kv('http.response.status_code', { intValue: '200' }),
                          kv('lifeline.duration_ms', { doubleValue: 12.5 }),
                        ]),
                      }),
                    ],
                  },
                ],
              },
            ],
          });
        } else if (signal === 'traces') {
          expect(entry?.request).toMatchObject({
            resourceSpans: [
              {
                scopeSpans: [
                  {
                    spans: [
                      expect.objectContaining({
                        name: `GET /users/:id ${name}`,
                        kind: 2,
                        traceId: expect.stringMatching(/^[0-9a-f]{32}$/),
                        spanId: expect.stringMatching(/^[0-9a-f]{16}$/),
                        status: { code: 2, message: 'boom' },
                        attributes: expect.arrayContaining([
                          kv('http.response.status_code', { intValue: '500' }),
                        ]),
                        events: [expect.objectContaining({ name: 'exception' })],
                      }),
                    ],
                  },
                ],
              },
            ],
          });
        } else {
          const metrics = (
            entry?.request as {
              resourceMetrics: Array<{ scopeMetrics: Array<{ metrics: Array<Record<string, unknown>> }> }>;
            }
          ).resourceMetrics.flatMap((rm) => rm.scopeMetrics.flatMap((sm) => sm.metrics));
          expect(metrics).toEqual(
            expect.arrayContaining([
              expect.objectContaining({
                name: 'http.server.requests',
                sum: expect.objectContaining({
                  isMonotonic: true,
                  dataPoints: [expect.objectContaining({ asDouble: 3 })],
                }),
              }),
              expect.objectContaining({
                name: 'http.server.request.duration',
                unit: 's',
                histogram: expect.objectContaining({
                  dataPoints: [expect.objectContaining({ count: '1', sum: 0.125 })],
                }),
              }),
            ]),
          );
        }
      }
      recordMeasurement('fileSinkProtocols', {
        config: 'file-sink.yaml',
        accepted: cases.map((c) => ({ case: c.name, ...answers.get(c.name) })),
        writtenToFile: found.size,
        expected: cases.length,
      });
    });
  },
);
