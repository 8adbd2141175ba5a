import { OTLPLogExporter } from '@opentelemetry/exporter-logs-otlp-proto';
import { BatchLogRecordProcessor, LoggerProvider } from '@opentelemetry/sdk-logs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRedactingLogRecordProcessor, instrumentApi } from '@otel-lifeline/instrumentation-api';
import type { InstrumentApiHandle } from '@otel-lifeline/instrumentation-api';
import { createReceiver } from '@otel-lifeline/receiver';
import type { Receiver } from '@otel-lifeline/receiver';
import { allFrameworks } from './support/apps.js';
import { expectKindsCovered } from './support/corpus.js';
import { corpus, needles, sendSecret } from './support/secrets.js';

/**
 * The corpus goes through every framework with headers and bodies captured, exported by the stock
 * BatchLogRecordProcessor + OTLPLogExporter (http/protobuf) to the receiver; no secret may appear
 * in anything the receiver decoded.
 */
const frameworks = await allFrameworks();
let receiver: Receiver;
let provider: LoggerProvider;
let api: InstrumentApiHandle;

beforeAll(async () => {
  receiver = await createReceiver();
  provider = new LoggerProvider({
    processors: [
      // Cleans the app's own records; the instrumentation's events are redacted as they are built.
      createRedactingLogRecordProcessor(),
      new BatchLogRecordProcessor({
        exporter: new OTLPLogExporter({ url: `${receiver.url}/v1/logs` }),
        scheduledDelayMillis: 50,
      }),
    ],
  });
  api = instrumentApi({
    loggerProvider: provider,
    captureHeaders: {
      request: ['authorization', 'x-api-key', 'cookie', 'user-agent'],
      response: ['content-type', 'set-cookie'],
    },
    captureBodies: { request: true, response: true, maxBytes: 8192 },
  });
});

afterAll(async () => {
  await api.shutdown();
  await provider.shutdown();
  await receiver.close();
});

describe('secret corpus through every framework, default configuration, stock OTLP exporter to the receiver', () => {
  it(`holds at least 50 secrets of every kind`, () => {
    expectKindsCovered(corpus, 50, [
      'bearer_token',
      'jwt',
      'password',
      'api_key',
      'card_number',
      'private_key',
      'aws_access_key',
      'gcp_api_key',
      'azure_key',
    ]);
  });

  it.each(frameworks.map((f) => [f.name, f] as const))('%s exports no secret', async (_name, framework) => {
    const app = await framework.start();
    const before = receiver.logRecords().length;
    try {
      for (const secret of corpus) {
        const res = await sendSecret(app.url, secret);
        await res.arrayBuffer();
      }
      // The app's own log lines pass through the redacting processor.
      const appLogger = provider.getLogger('orders-app');
      for (const secret of corpus.slice(0, 20)) {
        const key = secret.key ?? 'token';
        appLogger.emit({
          body: `login attempt with ${key}=${secret.value}`,
          attributes: {
            [key]: secret.value,
            'http.request.header.authorization': [`Bearer ${secret.value}`],
          },
        });
      }
    } finally {
      await app.close();
    }
    await provider.forceFlush();
    await receiver.waitFor((r) => r.logRecords().length >= before + corpus.length + 20, 10_000);
    const port = Number(new URL(app.url).port);
    await receiver.waitFor((r) => accessOf(r, port).length >= corpus.length, 10_000);
    await new Promise((r) => setTimeout(r, 100));
    const records = receiver.logRecords().slice(before);
    const access = accessOf(receiver, port);
    expect(access.length).toBe(corpus.length);
    const text = JSON.stringify(records);
    // The data was captured (so its absence means it was redacted, not missing).
    expect(text).toContain('http.request.body.content');
    expect(text).toContain('http.response.body.content');
    expect(text).toContain('http.request.header.authorization');
    expect(text).toContain('REDACTED');
    const leaked = corpus
      .filter((s) => needles(s.value).some((n) => text.includes(n)))
      .map((s) => {
        const n = needles(s.value).find((x) => text.includes(x)) as string;
        const at = text.indexOf(n);
        return `${s.id}: …${text.slice(Math.max(0, at - 120), at + n.length + 20)}…`;
      });
    expect(leaked).toEqual([]);
  });
});

function accessOf(r: Receiver, port: number) {
  return r
    .logRecords()
    .filter(
      (x) =>
        x.record.eventName === 'lifeline.api.access' &&
        x.record.attributes?.some((a) => a.key === 'server.port' && Number(a.value?.intValue) === port),
    );
}
