import { deflateRawSync, deflateSync, gzipSync } from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { decodeStatus, logsCodec, metricsCodec, tracesCodec, zstdCompress } from '@otel-lifeline/otlp';
import { createReceiver, type Receiver, type ReceiverOptions } from '@otel-lifeline/receiver';
import { httpSend, JSON_TYPE, PROTOBUF } from './http-request.js';
import { sampleLogs, sampleMetrics, sampleSpans } from './sample-requests.js';

let receiver: Receiver | undefined;
afterEach(async () => {
  await receiver?.close();
  receiver = undefined;
});
async function start(options: ReceiverOptions = {}): Promise<Receiver> {
  receiver = await createReceiver(options);
  return receiver;
}

describe('receiver answers', () => {
  it('accepts protobuf for each signal, keeps it and answers an empty protobuf response', async () => {
    const r = await start();
    const logs = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body: logsCodec.encode(sampleLogs(3)),
    });
    const traces = await httpSend(`${r.url}/v1/traces`, {
      headers: PROTOBUF,
      body: tracesCodec.encode(sampleSpans(2)),
    });
    const metrics = await httpSend(`${r.url}/v1/metrics`, {
      headers: PROTOBUF,
      body: metricsCodec.encode(sampleMetrics(4)),
    });
    for (const answer of [logs, traces, metrics]) {
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/x-protobuf');
      expect(answer.body.length).toBe(0); // partial_success unset
    }
    expect(r.received.logs).toEqual([sampleLogs(3)]);
    expect(r.received.traces).toEqual([sampleSpans(2)]);
    expect(r.received.metrics).toEqual([sampleMetrics(4)]);
    expect(r.logRecords().map(({ record }) => record.body?.stringValue)).toEqual([
      'record 0',
      'record 1',
      'record 2',
    ]);
    expect(r.logRecords()[0]?.resource).toEqual(sampleLogs(1).resourceLogs[0]?.resource);
    expect(r.spans().map(({ span }) => span.name)).toEqual(['span 0', 'span 1']);
    expect(r.metrics().map(({ metric }) => metric.name)).toEqual(['requests']);
    expect(r.counts()).toMatchObject({
      requests: 3,
      logRecords: 3,
      spans: 2,
      dataPoints: 4,
      invalid: 0,
      faulted: 0,
    });
  });

  it('accepts OTLP JSON, with or without a charset parameter, and answers in JSON', async () => {
    const r = await start();
    const plain = await httpSend(`${r.url}/v1/logs`, {
      headers: JSON_TYPE,
      body: logsCodec.toJson(sampleLogs(1)),
    });
    const withCharset = await httpSend(`${r.url}/v1/traces`, {
      headers: { 'content-type': 'application/json; charset=utf-8' },
      body: tracesCodec.toJson(sampleSpans(1)),
    });
    for (const answer of [plain, withCharset]) {
      expect(answer.status).toBe(200);
      expect(answer.headers['content-type']).toBe('application/json');
      expect(JSON.parse(answer.body.toString())).toEqual({});
    }
    expect(r.received.logs).toEqual([sampleLogs(1)]);
    expect(r.received.traces).toEqual([sampleSpans(1)]);
  });

  it('decompresses gzip, zlib deflate and raw deflate bodies', async () => {
    const r = await start();
    const bytes = logsCodec.encode(sampleLogs(2));
    for (const [encoding, body] of [
      ['gzip', gzipSync(bytes)],
      ['deflate', deflateSync(bytes)],
      ['deflate', deflateRawSync(bytes)],
    ] as const) {
      const answer = await httpSend(`${r.url}/v1/logs`, {
        headers: { ...PROTOBUF, 'content-encoding': encoding },
        body,
      });
      expect(answer.status).toBe(200);
    }
    const json = await httpSend(`${r.url}/v1/logs`, {
      headers: { ...JSON_TYPE, 'content-encoding': 'gzip' },
      body: gzipSync(logsCodec.toJson(sampleLogs(2))),
    });
    expect(json.status).toBe(200);
    expect(r.counts().logRecords).toBe(8);
    expect(
      r.received.logs.every((request) => request.resourceLogs[0]?.scopeLogs[0]?.logRecords.length === 2),
    ).toBe(true);
  });

  it('decompresses a zstd body of several frames, as an exporter joining stored fragments sends it', async () => {
    const r = await start();
    const frames = [sampleLogs(2), sampleLogs(3)].map((request) => zstdCompress(logsCodec.encode(request)));
    const answer = await httpSend(`${r.url}/v1/logs`, {
      headers: { ...PROTOBUF, 'content-encoding': 'zstd' },
      body: Buffer.concat(frames),
    });
    expect(answer.status).toBe(200);
    expect(r.counts().logRecords).toBe(5);
  });

  it('answers an empty request with success', async () => {
    const r = await start();
    const answer = await httpSend(`${r.url}/v1/metrics`, { headers: PROTOBUF, body: new Uint8Array() });
    expect(answer.status).toBe(200);
    expect(r.received.metrics).toEqual([{ resourceMetrics: [] }]);
  });

  it('answers 404 with a google.rpc.Status for a path that is not an OTLP endpoint', async () => {
    const r = await start();
    for (const path of ['/', '/v1/log', '/v1/logs/', '/v2/traces']) {
      const answer = await httpSend(`${r.url}${path}`, {
        headers: PROTOBUF,
        body: logsCodec.encode(sampleLogs(1)),
      });
      expect(answer.status).toBe(404);
      expect(answer.headers['content-type']).toBe('application/x-protobuf');
      expect(decodeStatus(answer.body)).toEqual({
        code: 5,
        message: expect.stringContaining(`no OTLP endpoint at ${path}`),
      });
    }
    expect(r.counts()).toMatchObject({ requests: 4, invalid: 4, logRecords: 0 });
  });

  it('ignores a query string on the path', async () => {
    const r = await start();
    const answer = await httpSend(`${r.url}/v1/logs?tenant=a`, {
      headers: PROTOBUF,
      body: logsCodec.encode(sampleLogs(1)),
    });
    expect(answer.status).toBe(200);
  });

  it('answers 405 with Allow: POST to other methods, in JSON when the request was JSON', async () => {
    const r = await start();
    const get = await httpSend(`${r.url}/v1/logs`, { method: 'GET' });
    expect(get.status).toBe(405);
    expect(get.headers['allow']).toBe('POST');
    expect(decodeStatus(get.body).message).toMatch(/method GET is not allowed on \/v1\/logs; use POST/);
    const put = await httpSend(`${r.url}/v1/traces`, { method: 'PUT', headers: JSON_TYPE, body: '{}' });
    expect(put.status).toBe(405);
    expect(put.headers['content-type']).toBe('application/json');
    expect(JSON.parse(put.body.toString())).toEqual({ code: 12, message: expect.stringMatching(/PUT/) });
  });

  it('answers 415 to an unknown content type or content encoding', async () => {
    const r = await start();
    const cases: Array<Record<string, string>> = [
      {},
      { 'content-type': 'text/plain' },
      { 'content-type': 'application/protobuf' },
    ];
    for (const headers of cases) {
      const answer = await httpSend(`${r.url}/v1/logs`, { headers, body: 'x' });
      expect(answer.status).toBe(415);
      expect(decodeStatus(answer.body).message).toMatch(/use application\/x-protobuf or application\/json/);
    }
    const brotli = await httpSend(`${r.url}/v1/logs`, {
      headers: { ...PROTOBUF, 'content-encoding': 'br' },
      body: 'x',
    });
    expect(brotli.status).toBe(415);
    expect(decodeStatus(brotli.body).message).toMatch(/Content-Encoding "br" is not supported/);
    expect(r.counts()).toMatchObject({ requests: 4, invalid: 4 });
  });

  it('answers 400 with a google.rpc.Status that says what is wrong for undecodable protobuf and JSON', async () => {
    const r = await start();
    const protobuf = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body: Buffer.from([0x0a, 0xff]),
    });
    expect(protobuf.status).toBe(400);
    expect(protobuf.headers['content-type']).toBe('application/x-protobuf');
    const status = decodeStatus(protobuf.body);
    expect(status.code).toBe(3);
    expect(status.message).toMatch(/offset/);

    const json = await httpSend(`${r.url}/v1/traces`, { headers: JSON_TYPE, body: '{"resourceSpans": [' });
    expect(json.status).toBe(400);
    expect(json.headers['content-type']).toBe('application/json');
    expect(JSON.parse(json.body.toString())).toMatchObject({ code: 3, message: expect.any(String) });

    const notUtf8 = await httpSend(`${r.url}/v1/traces`, {
      headers: JSON_TYPE,
      body: Buffer.from([0x7b, 0xff, 0x7d]),
    });
    expect(notUtf8.status).toBe(400);
    expect(JSON.parse(notUtf8.body.toString()).message).toBe('JSON body is not valid UTF-8');
    expect(r.counts()).toMatchObject({ invalid: 3, spans: 0, logRecords: 0 });
  });

  it('answers 400 for a corrupt or truncated gzip body', async () => {
    const r = await start();
    const gzip = gzipSync(logsCodec.encode(sampleLogs(5)));
    for (const body of [gzip.subarray(0, gzip.length - 8), Buffer.from('not gzip at all')]) {
      const answer = await httpSend(`${r.url}/v1/logs`, {
        headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
        body,
      });
      expect(answer.status).toBe(400);
      expect(decodeStatus(answer.body).message).toMatch(/^gzip body is not valid/);
    }
  });

  it('answers 413 past maxBodyBytes, and keeps serving on the same connection', async () => {
    const r = await start({ maxBodyBytes: 1024 });
    const { Agent } = await import('node:http');
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    try {
      const tooBig = await httpSend(`${r.url}/v1/logs`, {
        headers: PROTOBUF,
        body: Buffer.alloc(1025, 1),
        agent,
      });
      expect(tooBig.status).toBe(413);
      expect(decodeStatus(tooBig.body).message).toMatch(/passes the limit of 1024 bytes/);
      const fine = await httpSend(`${r.url}/v1/logs`, {
        headers: PROTOBUF,
        body: logsCodec.encode(sampleLogs(1)),
        agent,
      });
      expect(fine.status).toBe(200);
      const exactBody = Array.from({ length: 1024 }, (_, n) =>
        logsCodec.encode(sampleLogs(1, 'x'.repeat(n))),
      ).find((bytes) => bytes.length === 1024);
      expect(exactBody?.length).toBe(1024);
      const exact = await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body: exactBody, agent });
      expect(exact.status).toBe(200);
    } finally {
      agent.destroy();
    }
  });

  it('answers 413 when the decompressed body passes the limit (a gzip bomb) without inflating it all', async () => {
    const r = await start({ maxBodyBytes: 64 * 1024 });
    const bomb = gzipSync(Buffer.alloc(32 * 1024 * 1024));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const answer = await httpSend(`${r.url}/v1/logs`, {
      headers: { ...PROTOBUF, 'content-encoding': 'gzip' },
      body: bomb,
    });
    expect(answer.status).toBe(413);
    expect(decodeStatus(answer.body).message).toMatch(
      /decompressed request body passes the limit of 65536 bytes/,
    );
  });

  it('answers 413 or 415 before the body, and closes, when the client asks to continue', async () => {
    const r = await start({ maxBodyBytes: 1024 });
    const { request } = await import('node:http');
    const askToContinue = (headers: Record<string, string | number>) =>
      new Promise<{ status: number; continued: boolean; connection: unknown }>((resolve, reject) => {
        let continued = false;
        const req = request(`${r.url}/v1/logs`, {
          method: 'POST',
          agent: false,
          headers: { ...headers, expect: '100-continue' },
        });
        req.on('continue', () => (continued = true));
        req.on('response', (response) => {
          response.resume();
          resolve({
            status: response.statusCode ?? 0,
            continued,
            connection: response.headers['connection'],
          });
          req.destroy();
        });
        req.on('error', reject);
        req.flushHeaders();
      });
    expect(await askToContinue({ ...PROTOBUF, 'content-length': 100 * 1024 * 1024 })).toEqual({
      status: 413,
      continued: false,
      connection: 'close',
    });
    expect(await askToContinue({ 'content-type': 'text/plain', 'content-length': 10 })).toEqual({
      status: 415,
      continued: false,
      connection: 'close',
    });
  });

  it('answers 100 Continue and then 200 to a client that expects it and is within the limits', async () => {
    const r = await start();
    const answer = await httpSend(`${r.url}/v1/logs`, {
      headers: { ...PROTOBUF, expect: '100-continue' },
      body: logsCodec.encode(sampleLogs(2)),
    });
    expect(answer.status).toBe(200);
    expect(r.counts().logRecords).toBe(2);
  });
});

describe('receiver under abuse', () => {
  it('answers 413 and closes the connection to a client that keeps streaming far past the limit', async () => {
    const r = await start({ maxBodyBytes: 1024 });
    const { request } = await import('node:http');
    const outcome = await new Promise<string>((resolve) => {
      const req = request(`${r.url}/v1/logs`, { method: 'POST', agent: false, headers: PROTOBUF });
      req.on('response', (response) => {
        response.resume();
        resolve(`status ${response.statusCode}`);
      });
      req.on('error', (error: NodeJS.ErrnoException) => resolve(error.code ?? error.message));
      const chunk = Buffer.alloc(64 * 1024, 1);
      let sent = 0;
      const pump = (): void => {
        while (sent < 16 * 1024 * 1024) {
          sent += chunk.length;
          if (!req.write(chunk)) {
            req.once('drain', pump);
            return;
          }
        }
        req.end();
      };
      pump();
    });
    // The 413 is sent before the close; whether the client reads it before the reset is its luck.
    expect(outcome).toMatch(/^(status 413|ECONNRESET|EPIPE)$/);
    const after = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body: logsCodec.encode(sampleLogs(1)),
    });
    expect(after.status).toBe(200);
    expect(r.counts()).toMatchObject({ invalid: 1, logRecords: 1 });
  });

  it('answers deeply nested protobuf and JSON with 400 and a short message, and keeps serving', async () => {
    const r = await start();
    const field = (tag: number, payload: Buffer): Buffer => {
      const length: number[] = [];
      for (let n = payload.length; ; n >>>= 7) {
        if (n < 0x80) {
          length.push(n);
          break;
        }
        length.push((n & 0x7f) | 0x80);
      }
      return Buffer.concat([Buffer.from([tag, ...length]), payload]);
    };
    let value: Buffer = Buffer.alloc(0);
    for (let depth = 0; depth < 1000; depth += 1) value = field(0x2a, field(0x0a, value)); // arrayValue.values
    // ExportLogsServiceRequest.resourceLogs → ResourceLogs.scopeLogs → ScopeLogs.logRecords → LogRecord.body
    const protobuf = field(0x0a, field(0x12, field(0x12, field(0x2a, value))));
    const nestedProtobuf = await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body: protobuf });
    expect(nestedProtobuf.status).toBe(400);
    expect(decodeStatus(nestedProtobuf.body).message).toMatch(/nested deeper than/);

    const depth = 10_000;
    const json =
      '{"resourceLogs":[{"scopeLogs":[{"logRecords":[{"body":' +
      '{"arrayValue":{"values":['.repeat(depth) +
      ']}}'.repeat(depth) +
      '}]}]}]}';
    const nestedJson = await httpSend(`${r.url}/v1/logs`, { headers: JSON_TYPE, body: json });
    expect(nestedJson.status).toBe(400);
    expect(nestedJson.body.length).toBeLessThan(4096);

    const after = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body: logsCodec.encode(sampleLogs(1)),
    });
    expect(after.status).toBe(200);
  });

  it('answers malformed HTTP with 400 and keeps serving', async () => {
    const r = await start();
    const { connect } = await import('node:net');
    const reply = await new Promise<string>((resolve, reject) => {
      const socket = connect(r.port, '127.0.0.1', () => {
        socket.write('POST /v1/logs HTTP/1.1\r\nContent-Length: x\r\n\r\n');
      });
      let text = '';
      socket.on('data', (chunk: Buffer) => (text += chunk.toString()));
      socket.on('close', () => resolve(text));
      socket.on('error', reject);
    });
    expect(reply).toMatch(/^HTTP\/1\.1 400 /);
    const after = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body: logsCodec.encode(sampleLogs(1)),
    });
    expect(after.status).toBe(200);
  });
});

describe('receiver onExport', () => {
  it('hands each decoded request to the handler with its content type and sizes', async () => {
    const seen: Array<{ signal: string; request: unknown; info: unknown }> = [];
    const r = await start({ onExport: (signal, request, info) => void seen.push({ signal, request, info }) });
    const body = logsCodec.encode(sampleLogs(2));
    const gz = gzipSync(body);
    await httpSend(`${r.url}/v1/logs`, {
      headers: { ...PROTOBUF, 'content-encoding': 'gzip', authorization: 'Bearer t0ken' },
      body: gz,
    });
    expect(seen).toEqual([
      {
        signal: 'logs',
        request: sampleLogs(2),
        info: {
          contentType: 'application/x-protobuf',
          bytes: body.length,
          wireBytes: gz.length,
          encoding: 'gzip',
          headers: expect.objectContaining({ authorization: 'Bearer t0ken', 'content-encoding': 'gzip' }),
        },
      },
    ]);
  });

  it('answers a partial success when the handler rejects items, in protobuf and JSON', async () => {
    const r = await start({ onExport: async () => ({ rejected: 2, errorMessage: 'two too many' }) });
    const protobuf = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body: logsCodec.encode(sampleLogs(5)),
    });
    expect(protobuf.status).toBe(200);
    expect(logsCodec.decodeResponse(protobuf.body)).toEqual({ rejected: 2, errorMessage: 'two too many' });
    const json = await httpSend(`${r.url}/v1/traces`, {
      headers: JSON_TYPE,
      body: tracesCodec.toJson(sampleSpans(3)),
    });
    expect(JSON.parse(json.body.toString())).toEqual({
      partialSuccess: { rejectedSpans: '2', errorMessage: 'two too many' },
    });
    expect(r.counts()).toMatchObject({ logRecords: 5, spans: 3, rejected: 4 });
  });

  it('answers 500 when the handler throws, and keeps serving', async () => {
    let calls = 0;
    const r = await start({
      onExport: () => {
        calls += 1;
        if (calls === 1) throw new Error('backend exploded');
      },
    });
    const failed = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body: logsCodec.encode(sampleLogs(1)),
    });
    expect(failed.status).toBe(500);
    expect(decodeStatus(failed.body).message).toBe('onExport failed: backend exploded');
    const ok = await httpSend(`${r.url}/v1/logs`, {
      headers: PROTOBUF,
      body: logsCodec.encode(sampleLogs(1)),
    });
    expect(ok.status).toBe(200);
    expect(r.counts().logRecords).toBe(1);
  });

  it('counts but does not keep requests when keep is false', async () => {
    const r = await start({ keep: false });
    await httpSend(`${r.url}/v1/logs`, { headers: PROTOBUF, body: logsCodec.encode(sampleLogs(3)) });
    expect(r.received.logs).toEqual([]);
    expect(r.logRecords()).toEqual([]);
    expect(r.counts().logRecords).toBe(3);
  });
});
