import { mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import zlib from 'node:zlib';
import { afterAll, describe, expect, it } from 'vitest';
import { examplesDir, startApp } from './support.js';
import { zstdDecompress } from '@otel-lifeline/otlp';
import { startLoopbackServer } from '../../packages/exporter/test/loopback.js';
import {
  carriersOf,
  corpusNeedles,
  keptForms,
  pathFor,
  redactionCorpus,
} from '../../packages/instrumentation-api/test/support/corpus.js';
import type { CorpusEntry } from '../../packages/instrumentation-api/test/support/corpus.js';

/**
 * The public redaction corpus, end to end through every framework example started with
 * `--import @otel-lifeline/node/register` (no code changes), once with the default configuration
 * over http/protobuf and once with every opt-in capture on (request and response headers,
 * bodies) over http/json. Each value goes in one request: as a path segment, a query value under
 * a harmless name, inside User-Agent and a captured header; bodies carry the rest in batches.
 *
 * Searched for every secret: the decompressed OTLP bodies of all three signals as they reached a
 * loopback endpoint, every file under the queue directory (the dead-letter file included: the
 * first metrics request is answered 400), and the app's stdout and stderr. Lifeline's own
 * endpoint password (user-info in OTEL_EXPORTER_OTLP_ENDPOINT) is searched for too.
 */
const EXAMPLES: Array<[string, string]> = [
  ['http-esm', 'server.mjs'],
  ['http-cjs', 'server.cjs'],
  ['express', 'server.mjs'],
  ['fastify', 'server.mjs'],
  ['koa', 'server.mjs'],
  ['hono', 'server.mjs'],
  ['nest', 'server.cjs'],
];
const OWN_PASSWORD = 'Endpoint-Pw-7q2Xv9';
const OAUTH_CODE = 'corpus-oauth-code-9f8e7d';
const work = await mkdtemp(join(tmpdir(), 'lifeline-corpus-'));
afterAll(() => rm(work, { recursive: true, force: true }));

interface Capture {
  url: string;
  bodies: Array<{ path: string; text: string }>;
  authorization: Set<string>;
  close(): Promise<void>;
}

/** An OTLP/HTTP endpoint on loopback that keeps each decompressed body; the first metrics request gets a 400. */
async function captureEndpoint(): Promise<Capture> {
  let metricsSeen = false;
  const server = await startLoopbackServer((req, res) => {
    const json = String(req.headers['content-type']).includes('json');
    if (req.url === '/v1/metrics' && !metricsSeen) {
      metricsSeen = true;
      res.writeHead(400, { 'content-type': 'text/plain' }).end('rejected for the dead-letter check');
      return;
    }
    res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
    res.end(json ? '{}' : undefined);
  });
  return {
    url: `http://corpus-user:${OWN_PASSWORD}@127.0.0.1:${server.port}`,
    get bodies() {
      // gzip bodies come undone by the loopback server; zstd ones (the default compression takes
      // zstd once the endpoint has taken it) are undone here.
      return server.requests.map((r) => ({
        path: r.url,
        text: (r.headers['content-encoding'] === 'zstd' ? zstdDecompress(r.raw) : r.body).toString('utf8'),
      }));
    },
    get authorization() {
      return new Set(server.requests.flatMap((r) => r.headers.authorization ?? []));
    },
    close: server.close,
  };
}

/**
 * Every file under `dir`, as text: its bytes, and the content of each gzip member and zstd frame in
 * it (queue fragments and dead letters rest compressed, one gzip member or zstd frame per fragment).
 */
async function filesUnder(dir: string): Promise<Array<{ name: string; text: string; unpacked: string }>> {
  const out: Array<{ name: string; text: string; unpacked: string }> = [];
  for (const entry of await readdir(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile()) continue;
    const name = join(entry.parentPath, entry.name);
    const bytes = await readFile(name);
    const members: Buffer[] = [];
    for (let at = bytes.indexOf(GZIP_MAGIC); at !== -1; at = bytes.indexOf(GZIP_MAGIC, at + 1)) {
      try {
        members.push(zlib.gunzipSync(bytes.subarray(at))); // stops at the member's end
      } catch {
        // the magic bytes by chance inside other data
      }
    }
    for (let at = bytes.indexOf(ZSTD_MAGIC); at !== -1; at = bytes.indexOf(ZSTD_MAGIC, at + 1)) {
      try {
        members.push(nodeZstd.zstdDecompressSync(bytes.subarray(at))); // stops at the frame's end
      } catch {
        // the magic bytes by chance inside other data
      }
    }
    const unpacked = members.map((b) => b.toString('utf8')).join('\n');
    out.push({ name, text: `${bytes.toString('utf8')}\n${unpacked}`, unpacked });
  }
  return out;
}
const GZIP_MAGIC = Buffer.from([0x1f, 0x8b, 0x08]);
const ZSTD_MAGIC = Buffer.from([0x28, 0xb5, 0x2f, 0xfd]);
/** Node's own zstd decompression (Node 22.15 and later) stops at the end of the first frame. */
const nodeZstd = zlib as unknown as { zstdDecompressSync(body: Uint8Array): Buffer };

async function sendCorpus(base: string, captures: boolean): Promise<void> {
  const single = redactionCorpus.filter((e) => carriersOf(e).includes('path'));
  const queue = [...single];
  const worker = async () => {
    for (let e = queue.shift(); e !== undefined; e = queue.shift()) await sendOne(base, e);
  };
  await Promise.all(Array.from({ length: 6 }, worker));
  const forBodies = redactionCorpus.filter((e) => carriersOf(e).includes('body'));
  for (let i = 0; i < forBodies.length; i += 12) {
    const notes = forBodies.slice(i, i + 12).map((e) => e.value);
    const response = await fetch(`${base}/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'corpus.login.user', notes }),
    });
    await response.text();
  }
  void captures;
}

async function sendOne(base: string, entry: CorpusEntry): Promise<void> {
  const carriers = carriersOf(entry);
  const query = carriers.includes('query') ? `?page=2&ref=${encodeURIComponent(entry.value)}` : '';
  const headers: Record<string, string> = {
    referer: `https://app.example.com/callback?code=${OAUTH_CODE}&state=ok`,
  };
  if (carriers.includes('header')) {
    headers['user-agent'] = `corpus/1.0 (${entry.value})`;
    headers['x-note'] = entry.value;
  }
  const response = await fetch(`${base}${pathFor(entry)}${query}`, { headers });
  await response.text();
}

function leaks(haystacks: Array<{ name: string; text: string }>): string[] {
  const found: string[] = [];
  const secrets = redactionCorpus.filter((e) => e.expect !== 'kept');
  for (const { name, text } of haystacks) {
    for (const needle of [OWN_PASSWORD, OAUTH_CODE, 'corpus.login.user'])
      if (text.includes(needle)) found.push(`${needle} in ${name}`);
    for (const entry of secrets)
      for (const needle of corpusNeedles(entry))
        if (text.includes(needle)) {
          found.push(`${entry.id} in ${name}`);
          break;
        }
  }
  return found;
}

describe.each(EXAMPLES)('redaction corpus through the %s example', (example, entry) => {
  it.each([
    ['default configuration', 'http/protobuf', false],
    ['every opt-in capture on', 'http/json', true],
  ] as const)(
    '%s, %s: no secret on the wire, on disk or on stderr; ordinary values kept',
    async (_label, protocol, captures) => {
      const endpoint = await captureEndpoint();
      const queueDir = join(work, `${example}-${captures ? 'captures' : 'default'}`);
      const app = startApp(join(examplesDir, example), ['--import', '@otel-lifeline/node/register', entry], {
        OTEL_SERVICE_NAME: `corpus-${example}`,
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: protocol,
        OTEL_LOG_LEVEL: 'info',
        OTEL_METRIC_EXPORT_INTERVAL: '300',
        LIFELINE_QUEUE_DIR: queueDir,
        LIFELINE_RETRY_INITIAL_BACKOFF: '50ms',
        ...(captures
          ? {
              LIFELINE_CAPTURE_REQUEST_HEADERS: 'user-agent,referer,x-note,authorization,cookie',
              LIFELINE_CAPTURE_RESPONSE_HEADERS: 'content-type',
              LIFELINE_CAPTURE_BODIES: 'true',
            }
          : {}),
      });
      try {
        const base = await app.url;
        await sendCorpus(base, captures);
        await new Promise((resolve) => setTimeout(resolve, 700)); // a metrics export after the 400
        await app.stop('SIGTERM');
      } finally {
        await app.stop('SIGKILL');
        await endpoint.close();
      }
      const signals = new Set(endpoint.bodies.map((b) => b.path));
      expect([...signals].sort()).toEqual(['/v1/logs', '/v1/metrics', '/v1/traces']);
      expect([...endpoint.authorization]).toEqual([
        `Basic ${Buffer.from(`corpus-user:${OWN_PASSWORD}`).toString('base64')}`,
      ]);
      const disk = await filesUnder(queueDir);
      const deadLetters = disk.filter((f) => f.name.endsWith('.deadletter'));
      expect(deadLetters.length).toBeGreaterThan(0);
      // The search reads what the files hold (here the rejected metrics' resource).
      expect(deadLetters.some((f) => f.text.includes(`corpus-${example}`))).toBe(true);
      const wire = endpoint.bodies.map((b, i) => ({ name: `wire ${b.path} #${i}`, text: b.text }));
      const output = [{ name: 'stdout and stderr', text: app.output() }];
      expect(output[0]!.text).toContain('[lifeline]');
      expect(leaks([...wire, ...disk, ...output])).toEqual([]);

      const logs = wire
        .filter((w) => w.name.startsWith('wire /v1/logs'))
        .map((w) => w.text)
        .join('\n');
      const lost = redactionCorpus
        .filter((e) => e.expect === 'kept' && carriersOf(e).includes('path'))
        .filter((e) => !keptForms(e).some((form) => logs.includes(form)))
        .map((e) => e.id);
      expect(lost).toEqual([]);
    },
    120_000,
  );
});
