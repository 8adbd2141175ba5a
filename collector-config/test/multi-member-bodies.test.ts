import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { SeverityNumber } from '@opentelemetry/api';
import { LoggerProvider } from '@opentelemetry/sdk-logs';
import { createDurableLogRecordProcessor } from '@otel-lifeline/exporter';
import { logsCodec, zstdDecompress } from '@otel-lifeline/otlp';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveCollectorBinary } from './support/collector-binary.js';
import { killAllCollectors } from './support/collector-process.js';
import { startForwardingProxy } from './support/forwarding-proxy.js';
import { startAgentCollector } from './support/lifeline-agent.js';
import { SEQ_KEY, seqCounts } from './support/log-traffic.js';
import { sleep, within } from './support/waiting.js';

const binary = resolveCollectorBinary();

/** The first bytes of every fragment the exporter stores, in each of its forms (fragment-format.ts). */
const FORMS = [
  {
    // A gzip member with its 'Lf' extra field.
    encoding: 'gzip',
    header: Buffer.from([0x1f, 0x8b, 8, 4, 0, 0, 0, 0, 0, 0xff, 8, 0, 0x4c, 0x66, 4, 0]),
    decompress: (body: Buffer) => gunzipSync(body),
  },
  {
    // A zstd skippable frame with the counts ('Lf'), then the zstd frame.
    encoding: 'zstd',
    header: Buffer.from([0x5c, 0x2a, 0x4d, 0x18, 12, 0, 0, 0, 0x4c, 0x66, 0, 0]),
    decompress: (body: Buffer) => zstdDecompress(body),
  },
] as const;

function members(body: Buffer, header: Buffer): number {
  let n = 0;
  for (let at = body.indexOf(header); at !== -1; at = body.indexOf(header, at + 1)) n++;
  return n;
}

/**
 * Fragments are compressed once, when they are stored; a batch of them goes out as a
 * concatenation of gzip members (or of zstd frames, each led by a skippable frame, when the
 * endpoint is configured with `compression: 'zstd'`). The Collector's OTLP receiver (Go's
 * multistream gzip reader, and its zstd decoder) and Lifeline's receiver must read every member,
 * not only the first.
 *
 *   app (durable processor) ─► proxy (503 while "down"; records the raw body) ─► Collector ─► receiver
 */
describe.skipIf(binary.skipReason !== undefined).each(FORMS)(
  'multi-member $encoding bodies from the stored fragments',
  (form) => {
    const emitted = 200;
    let dir: string;
    let receiver: Receiver;
    let proxy: Awaited<ReturnType<typeof startForwardingProxy>>;
    let direct: { status: number; logRecords: number; expected: number };
    const count = (body: Buffer) => members(body, form.header);

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), 'lifeline-members-'));
      receiver = await createReceiver();
      const agent = await startAgentCollector(binary.path ?? '', {
        primary: receiver.url,
        secondary: receiver.url,
        queueDir: join(dir, 'agent-queue'),
      });
      let up = false;
      proxy = await startForwardingProxy(agent.otlpUrl, () => up);

      const provider = new LoggerProvider({
        processors: [
          createDurableLogRecordProcessor({
            endpoints: [
              {
                url: `${proxy.url}/v1/logs`,
                compression: form.encoding,
              },
            ],
            queueDir: join(dir, 'app-queue'),
            retry: { initialBackoffMs: 100, maxBackoffMs: 300 },
          }),
        ],
      });
      const logger = provider.getLogger('members');
      // Five groups far enough apart to be five fragments, all waiting while the endpoint is "down".
      for (let group = 0; group < 5; group++) {
        for (let i = 0; i < emitted / 5; i++) {
          const seq = group * (emitted / 5) + i;
          logger.emit({
            severityNumber: SeverityNumber.INFO,
            body: `order ${seq}`,
            attributes: { [SEQ_KEY]: seq },
          });
        }
        await sleep(60);
      }
      await sleep(200);
      up = true;
      await provider.forceFlush();
      await within(15_000, () => seqCounts(receiver.logRecords()).size === emitted);
      await provider.shutdown();

      // The body with the most members, straight to Lifeline's receiver.
      let body: Buffer = Buffer.alloc(0);
      for (const f of proxy.forwarded) if (count(f.body) > count(body)) body = f.body;
      const before = receiver.counts().logRecords;
      const answer = await fetch(`${receiver.url}/v1/logs`, {
        method: 'POST',
        headers: { 'content-type': 'application/x-protobuf', 'content-encoding': form.encoding },
        body: new Uint8Array(body),
      });
      const request = logsCodec.decode(form.decompress(body));
      direct = {
        status: answer.status,
        logRecords: receiver.counts().logRecords - before,
        expected: logsCodec.countItems(request),
      };
    });

    afterAll(async () => {
      await killAllCollectors();
      await proxy?.close();
      await receiver?.close();
      rmSync(dir, { recursive: true, force: true });
    });

    it(`sends batches of several stored members as one ${form.encoding} body, without recompressing`, () => {
      expect(proxy.forwarded.every((f) => f.encoding === form.encoding)).toBe(true);
      expect(Math.max(...proxy.forwarded.map((f) => count(f.body)))).toBeGreaterThanOrEqual(2);
    });

    it('the Collector accepts them and every record of every member arrives', () => {
      expect(proxy.forwarded.every((f) => f.status === 200)).toBe(true);
      const counts = seqCounts(receiver.logRecords());
      for (let seq = 0; seq < emitted; seq++)
        expect(counts.get(seq) ?? 0, `seq ${seq}`).toBeGreaterThanOrEqual(1);
    });

    it("Lifeline's receiver reads every member of the same body", () => {
      expect(direct.status).toBe(200);
      expect(direct.expected).toBeGreaterThan(emitted / 5);
      expect(direct.logRecords).toBe(direct.expected);
    });
  },
);
