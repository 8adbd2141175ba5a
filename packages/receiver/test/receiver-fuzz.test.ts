import { Agent } from 'node:http';
import { gzipSync } from 'node:zlib';
import fc from 'fast-check';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeStatus, logsCodec, tracesCodec, zstdAvailable, zstdCompress } from '@otel-lifeline/otlp';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { httpSend, type HttpAnswer } from './http-request.js';
import { sampleLogs, sampleSpans } from './sample-requests.js';

const MAX_BODY = 8 * 1024;

/** One hostile request and the statuses the README documents for it. */
interface BadRequest {
  readonly name: string;
  readonly path: string;
  readonly method: string;
  readonly headers: Record<string, string>;
  readonly body: Uint8Array;
  readonly expected: readonly number[];
}

const protobuf = { 'content-type': 'application/x-protobuf' };
const json = { 'content-type': 'application/json' };
const validLogs = logsCodec.encode(sampleLogs(20));
const validJson = tracesCodec.toJson(sampleSpans(5));
const validGzip = gzipSync(validLogs);
// One frame: a cut anywhere inside it leaves no whole frame (a cut between frames would be valid).
const validZstd = zstdAvailable ? zstdCompress(validLogs) : Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
// A runtime without zstd answers every zstd body with 415.
const zstdAnswer = zstdAvailable ? [400] : [415];

const post = (
  name: string,
  headers: Record<string, string>,
  body: Uint8Array,
  expected: number[],
  path = '/v1/logs',
) => ({ name, path, method: 'POST', headers, body, expected }) satisfies BadRequest;

const badRequest: fc.Arbitrary<BadRequest> = fc.oneof(
  // Random bytes can happen to be a valid protobuf message: then they are accepted.
  fc.uint8Array({ maxLength: 2048 }).map((body) => post('random protobuf', protobuf, body, [200, 400])),
  fc
    .string({ maxLength: 512 })
    .map((text) => post('random JSON', json, Buffer.from(text), [200, 400], '/v1/traces')),
  fc
    .nat({ max: validLogs.length - 1 })
    .map((cut) => post('truncated protobuf', protobuf, validLogs.subarray(0, cut), [200, 400])),
  fc
    .nat({ max: validJson.length - 1 })
    .map((cut) => post('truncated JSON', json, Buffer.from(validJson.slice(0, cut)), [400], '/v1/traces')),
  fc.tuple(fc.nat({ max: validLogs.length - 1 }), fc.integer({ min: 1, max: 255 })).map(([at, flip]) => {
    const body = Buffer.from(validLogs);
    body[at] = body[at]! ^ flip;
    return post('flipped protobuf byte', protobuf, body, [200, 400]);
  }),
  fc
    .integer({ min: MAX_BODY + 1, max: 4 * MAX_BODY })
    .map((size) => post('oversized body', protobuf, Buffer.alloc(size, 0x0a), [413])),
  fc
    .integer({ min: MAX_BODY + 1, max: 64 * MAX_BODY })
    .map((size) =>
      post('gzip bomb', { ...protobuf, 'content-encoding': 'gzip' }, gzipSync(Buffer.alloc(size)), [413]),
    ),
  fc
    .uint8Array({ minLength: 1, maxLength: 512 })
    .map((bytes) =>
      post('bad gzip', { ...protobuf, 'content-encoding': 'gzip' }, Buffer.from([0x00, ...bytes]), [400]),
    ),
  fc
    .nat({ max: validGzip.length - 1 })
    .map((cut) =>
      post('truncated gzip', { ...protobuf, 'content-encoding': 'gzip' }, validGzip.subarray(0, cut), [400]),
    ),
  fc
    .uint8Array({ minLength: 1, maxLength: 512 })
    .map((bytes) =>
      post(
        'bad zstd',
        { ...protobuf, 'content-encoding': 'zstd' },
        Buffer.from([0x00, ...bytes]),
        zstdAnswer,
      ),
    ),
  fc
    .integer({ min: 1, max: validZstd.length - 1 })
    .map((cut) =>
      post(
        'truncated zstd',
        { ...protobuf, 'content-encoding': 'zstd' },
        validZstd.subarray(0, cut),
        zstdAnswer,
      ),
    ),
  fc
    .constantFrom('text/plain', 'application/protobuf', 'application/xml', 'multipart/form-data', '')
    .map((type) => post('wrong content type', { 'content-type': type }, validLogs, [415])),
  fc
    .constantFrom('br', 'snappy', 'gzip, gzip')
    .map((coding) =>
      post('unknown content encoding', { ...protobuf, 'content-encoding': coding }, validLogs, [415]),
    ),
  fc
    .constantFrom('/', '/v1', '/v1/profiles', '/v1/logs/x')
    .map((path) => post('wrong path', protobuf, validLogs, [404], path)),
  fc.constantFrom('GET', 'PUT', 'DELETE', 'PATCH').map((method): BadRequest => ({
    name: 'wrong method',
    path: '/v1/logs',
    method,
    headers: protobuf,
    body: validLogs,
    expected: [405],
  })),
);

function statusMessage(answer: HttpAnswer): string {
  return answer.headers['content-type'] === 'application/json'
    ? (JSON.parse(answer.body.toString()) as { message: string }).message
    : decodeStatus(answer.body).message;
}

describe('receiver under hostile input', () => {
  let receiver: Receiver;
  const agent = new Agent({ keepAlive: true, maxSockets: 4 });
  beforeAll(async () => {
    receiver = await createReceiver({ maxBodyBytes: MAX_BODY });
  });
  afterAll(async () => {
    agent.destroy();
    await receiver.close();
  });

  it('answers each bad request with its documented status and keeps storing the valid requests in between', async () => {
    const seen = new Map<string, number>();
    let validSent = 0;
    await fc.assert(
      fc.asyncProperty(badRequest, fc.boolean(), async (bad, reuseConnection) => {
        const answer = await httpSend(`${receiver.url}${bad.path}`, {
          method: bad.method,
          headers: bad.headers,
          body: bad.body,
          agent: reuseConnection ? agent : false,
        });
        expect(bad.expected, `${bad.name} answered ${answer.status}`).toContain(answer.status);
        if (answer.status >= 400) expect(statusMessage(answer).length).toBeGreaterThan(0);
        seen.set(bad.name, (seen.get(bad.name) ?? 0) + 1);

        const before = receiver.counts().logRecords;
        const valid = await httpSend(`${receiver.url}/v1/logs`, {
          headers: protobuf,
          body: logsCodec.encode(sampleLogs(3, `valid ${validSent}`)),
          agent,
        });
        validSent += 1;
        expect(valid.status).toBe(200);
        // The valid request is stored (the bad one may have added items when it happened to decode).
        expect(receiver.counts().logRecords - before).toBe(3);
        const last = receiver.received.logs.at(-1)?.resourceLogs[0]?.scopeLogs[0]?.logRecords[0]?.body;
        expect(last).toEqual({ stringValue: `valid ${validSent - 1} 0` });
      }),
      { numRuns: 200, seed: 20261122 },
    );
    expect(validSent).toBe(200);
    expect(seen.size).toBeGreaterThanOrEqual(10); // most kinds of bad input were tried
    expect(receiver.counts().invalid).toBeGreaterThan(100);
  });
});
