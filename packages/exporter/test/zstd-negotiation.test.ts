import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { mkdtemp, rm } from 'node:fs/promises';
import type http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { DiagLogLevel, SeverityNumber, diag } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { logsCodec, zstdDecompress } from '@otel-lifeline/otlp';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createDurableLogRecordProcessor } from '../src/durable-log-record-processor.js';
import { compressFragment } from '../src/fragment-format.js';
import { createHttpTransport } from '../src/http-transport.js';
import type { Compression, ZstdAcceptance } from '../src/zstd-acceptance.js';
import { logsFragment } from './fixtures.js';
import { type CapturedRequest, startLoopbackServer } from './loopback.js';

let dir: string;
const cleanups: Array<() => Promise<unknown>> = [];
/** What the transports told `onCompression`; the chain's `lifeline:export:compression` events; info lines. */
let verdicts: unknown[];
let published: unknown[];
let infoLines: string[];
const onVerdict = (message: unknown): void => void published.push(message);
beforeEach(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'lifeline-zstd-'));
  verdicts = [];
  published = [];
  infoLines = [];
  subscribe('lifeline:export:compression', onVerdict);
  const ignore = (): void => undefined;
  const info = (message: string): void => void infoLines.push(message);
  diag.setLogger(
    { error: ignore, warn: ignore, info, debug: ignore, verbose: ignore },
    { logLevel: DiagLogLevel.INFO, suppressOverrideMessage: true },
  );
});
afterEach(async () => {
  unsubscribe('lifeline:export:compression', onVerdict);
  diag.disable();
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup().catch(() => undefined);
  await rm(dir, { recursive: true, force: true });
});

const ZSTD_FRAME = [0x28, 0xb5, 0x2f, 0xfd];
/** The skippable frame that leads a fragment stored as zstd (fragment-format.ts). */
const STORED_ZSTD = [0x5c, 0x2a, 0x4d, 0x18];
const startsWith = (bytes: Buffer, magic: number[]): boolean => magic.every((b, i) => bytes[i] === b);

/** The `seq` of every log record of a request's body, decompressed whatever its encoding. */
function seqsOf(request: CapturedRequest): number[] {
  const plain = request.headers['content-encoding'] === 'zstd' ? zstdDecompress(request.raw) : request.body;
  return logsCodec
    .decode(plain)
    .resourceLogs.flatMap((r) => r.scopeLogs.flatMap((s) => s.logRecords))
    .map((l) => Number(l.attributes?.find((a) => a.key === 'seq')?.value?.intValue));
}

/**
 * A real endpoint on loopback: takes gzip always, and zstd as `takesZstd` says for the request
 * (the number of zstd requests seen before it); refuses zstd with `refusal`.
 */
async function endpoint(takesZstd: (zstdSeen: number) => boolean, refusal = 415) {
  let zstdSeen = 0;
  const accepted: CapturedRequest[] = [];
  const server = await startLoopbackServer((request, response: http.ServerResponse) => {
    if (request.headers['content-encoding'] === 'zstd' && !takesZstd(zstdSeen++)) {
      response.statusCode = refusal;
      response.end('unsupported Content-Encoding: zstd');
      return;
    }
    accepted.push(request);
    response.end();
  });
  cleanups.push(() => server.close());
  return {
    url: `${server.url}/v1/logs`,
    accepted,
    encodings: () => server.requests.map((r) => r.headers['content-encoding']),
  };
}

function transport(url: string, compression: Compression, zstdAcceptance?: ZstdAcceptance) {
  const t = createHttpTransport({
    signal: 'logs',
    url,
    compression,
    timeoutMs: 2_000,
    ...(zstdAcceptance ? { zstdAcceptance } : {}),
    onCompression: (event) => verdicts.push(event),
  });
  cleanups.push(() => t.close());
  return t;
}

/**
 * Sends fragments numbered 0.., one request each, stored in the forms given (as the sender ships
 * what the queue holds): 'gzip' or 'zstd'.
 */
async function sendStored(t: ReturnType<typeof transport>, forms: ReadonlyArray<'gzip' | 'zstd'>) {
  const results = [];
  for (const [i, form] of forms.entries()) {
    const stored = compressFragment(logsFragment(i * 10, 10), 10, form);
    results.push(await t.sendParts([stored], { encoding: form, items: 10 }));
  }
  return results;
}

const gzipTimes = (n: number): Array<'gzip'> => Array.from({ length: n }, () => 'gzip' as const);
const all = (requests: number): number[] => Array.from({ length: requests * 10 }, (_, i) => i);

describe("compression 'auto'", () => {
  it('sends gzip until the endpoint has answered, then tries zstd, and keeps it where it is taken', async () => {
    const e = await endpoint(() => true);
    const acceptance: ZstdAcceptance = { zstd: 'untried' };
    const t = transport(e.url, 'auto', acceptance);
    const results = await sendStored(t, ['gzip', 'gzip', 'zstd', 'gzip']);
    expect(results).toEqual(Array.from({ length: 4 }, () => ({ kind: 'ok' })));
    expect(await t.send(logsFragment(40, 10), {})).toEqual({ kind: 'ok' });
    expect(acceptance.zstd).toBe('accepted');
    expect(e.encodings()).toEqual(['gzip', 'zstd', 'zstd', 'gzip', 'zstd']);
    const raw = e.accepted.map((r) => r.raw);
    // The stored gzip member as it is; the trial recompressed as zstd; then stored zstd as it is,
    // a stored gzip member as it is (an endpoint that takes zstd takes gzip), plain protobuf as zstd.
    expect(raw[0]![0]).toBe(0x1f);
    expect(startsWith(raw[1]!, ZSTD_FRAME)).toBe(true);
    expect(startsWith(raw[2]!, STORED_ZSTD)).toBe(true);
    expect(raw[3]![0]).toBe(0x1f);
    expect(startsWith(raw[4]!, ZSTD_FRAME)).toBe(true);
    expect(e.accepted.flatMap(seqsOf)).toEqual(all(5));
    // Told once, when the trial was taken.
    expect(verdicts).toEqual([{ endpoint: e.url, compression: 'zstd' }]);
  });

  it.each([415, 400])(
    'takes an endpoint answering %i to zstd back to gzip with that same request, and for good',
    async (status) => {
      const e = await endpoint(() => false, status);
      const acceptance: ZstdAcceptance = { zstd: 'untried' };
      const t = transport(e.url, 'auto', acceptance);
      const results = await sendStored(t, ['gzip', 'gzip', 'gzip', 'zstd']);
      expect(results).toEqual(Array.from({ length: 4 }, () => ({ kind: 'ok' })));
      expect(e.encodings()).toEqual(['gzip', 'zstd', 'gzip', 'gzip', 'gzip']);
      expect(acceptance.zstd).toBe('refused');
      expect(e.accepted.flatMap(seqsOf)).toEqual(all(4));
      const reason = `HTTP ${status}: unsupported Content-Encoding: zstd`;
      expect(verdicts).toEqual([{ endpoint: e.url, compression: 'gzip', reason }]);
    },
  );

  it('falls back on the request a zstd endpoint later refuses (another backend behind the URL)', async () => {
    const e = await endpoint((seen) => seen < 2);
    const acceptance: ZstdAcceptance = { zstd: 'untried' };
    const t = transport(e.url, 'auto', acceptance);
    const results = await sendStored(t, ['gzip', 'gzip', 'zstd', 'zstd', 'zstd']);
    expect(results).toEqual(Array.from({ length: 5 }, () => ({ kind: 'ok' })));
    expect(e.encodings()).toEqual(['gzip', 'zstd', 'zstd', 'zstd', 'gzip', 'gzip']);
    expect(acceptance.zstd).toBe('refused');
    expect(e.accepted.flatMap(seqsOf)).toEqual(all(5));
    expect(verdicts.map((v) => (v as { compression: string }).compression)).toEqual(['zstd', 'gzip']);
  });

  it('counts any failure of the zstd trial as a refusal, and sends that request again as gzip', async () => {
    const e = await endpoint(() => false, 503);
    const acceptance: ZstdAcceptance = { zstd: 'untried' };
    const t = transport(e.url, 'auto', acceptance);
    expect(await sendStored(t, gzipTimes(2))).toEqual([{ kind: 'ok' }, { kind: 'ok' }]);
    expect(e.encodings()).toEqual(['gzip', 'zstd', 'gzip']);
    expect(acceptance.zstd).toBe('refused');
    expect(verdicts).toEqual([
      { endpoint: e.url, compression: 'gzip', reason: 'HTTP 503: unsupported Content-Encoding: zstd' },
    ]);
  });

  it('leaves a failure other than 400 or 415 of an endpoint that took zstd to the retries', async () => {
    const e = await endpoint((seen) => seen !== 1, 503);
    const acceptance: ZstdAcceptance = { zstd: 'untried' };
    const t = transport(e.url, 'auto', acceptance);
    const results = await sendStored(t, ['gzip', 'gzip', 'zstd', 'zstd']);
    expect(results.map((r) => r.kind)).toEqual(['ok', 'ok', 'retryable', 'ok']);
    expect(e.encodings()).toEqual(['gzip', 'zstd', 'zstd', 'zstd']);
    expect(acceptance.zstd).toBe('accepted');
    // The failure changed nothing: the one verdict is the trial's.
    expect(verdicts).toEqual([{ endpoint: e.url, compression: 'zstd' }]);
  });

  it('is left alone by compression gzip: no zstd request is ever tried', async () => {
    const e = await endpoint(() => true);
    const t = transport(e.url, 'gzip');
    await sendStored(t, gzipTimes(3));
    await t.send(logsFragment(30, 10), {});
    expect(e.encodings()).toEqual(['gzip', 'gzip', 'gzip', 'gzip']);
    expect(verdicts).toEqual([]);
  });

  it('stores the queue as zstd once the primary endpoint took it, and ships what it stores as it is', async () => {
    const e = await endpoint(() => true);
    const p = new LoggerProvider({
      processors: [
        createDurableLogRecordProcessor({
          endpoints: [{ url: e.url, compression: 'auto' }],
          queueDir: path.join(dir, 'logs'),
          retry: { initialBackoffMs: 20, maxBackoffMs: 200 },
        }),
      ],
    });
    cleanups.push(() => p.shutdown());
    const logger = p.getLogger('orders');
    const emit = (from: number): void => {
      for (let i = from; i < from + 100; i++) {
        logger.emit({ severityNumber: SeverityNumber.INFO, body: `order ${i}`, attributes: { seq: i } });
      }
    };
    // Stored gzip, sent as gzip; then the same stored gzip recompressed for the zstd trial; then
    // stored as zstd (led by its skippable frame) and sent as stored.
    for (const from of [0, 100, 200]) {
      emit(from);
      await p.forceFlush();
    }
    const first = e.accepted.findIndex((r) => r.headers['content-encoding'] === 'zstd');
    expect(first).toBeGreaterThan(0);
    expect(e.accepted.slice(0, first).every((r) => r.headers['content-encoding'] === 'gzip')).toBe(true);
    expect(startsWith(e.accepted[first]!.raw, ZSTD_FRAME)).toBe(true);
    expect(startsWith(e.accepted.at(-1)!.raw, STORED_ZSTD)).toBe(true);
    expect(
      e.accepted
        .flatMap(seqsOf)
        .sort((a, b) => a - b)
        .join(),
    ).toBe(Array.from({ length: 300 }, (_, i) => i).join());
    // What the endpoint settled on is said once: an event on its channel and one info line.
    expect(published).toEqual([{ signal: 'logs', endpoint: e.url, compression: 'zstd' }]);
    expect(infoLines.filter((l) => l.includes('zstd'))).toEqual([
      `lifeline logs export: ${e.url} takes zstd; requests go as zstd from here on`,
    ]);
  });

  it('says once, on its channel and in one info line, that an endpoint does not take zstd', async () => {
    const e = await endpoint(() => false);
    const p = new LoggerProvider({
      processors: [
        createDurableLogRecordProcessor({ endpoints: [{ url: e.url }], queueDir: path.join(dir, 'logs') }),
      ],
    });
    cleanups.push(() => p.shutdown());
    const logger = p.getLogger('orders');
    for (let i = 0; i < 4; i++) {
      logger.emit({ severityNumber: SeverityNumber.INFO, body: `order ${i}`, attributes: { seq: i } });
      await p.forceFlush();
    }
    expect(e.accepted.flatMap(seqsOf).sort((a, b) => a - b)).toEqual([0, 1, 2, 3]);
    const reason = 'HTTP 415: unsupported Content-Encoding: zstd';
    expect(published).toEqual([{ signal: 'logs', endpoint: e.url, compression: 'gzip', reason }]);
    expect(infoLines.filter((l) => l.includes('zstd'))).toEqual([
      `lifeline logs export: ${e.url} does not take zstd (${reason}); requests go as gzip for the rest of the process`,
    ]);
  });
});
