import { HttpInstrumentation } from '@opentelemetry/instrumentation-http';
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from '@opentelemetry/sdk-trace';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createRequire } from 'node:module';
import { afterAll, describe, expect, it } from 'vitest';
import { createRedactingSpanProcessor } from '@otel-lifeline/instrumentation-api';
import { registerTracerProvider } from './support/register-tracer-provider.js';

// The stock HTTP instrumentation exports the server's `url.query` raw; the redacting span
// processor, registered before the exporting one, cleans it.
const spans = new InMemorySpanExporter();
const provider = new TracerProvider({
  spanProcessors: [createRedactingSpanProcessor(), new SimpleSpanProcessor({ exporter: spans })],
});
registerTracerProvider(provider);
const instrumentation = new HttpInstrumentation({
  headersToSpanAttributes: { server: { requestHeaders: ['authorization'] } },
});
instrumentation.setTracerProvider(provider);
instrumentation.enable();
createRequire(import.meta.url)('node:http');

afterAll(async () => {
  instrumentation.disable();
  await provider.shutdown();
});

describe('redacting span processor with @opentelemetry/instrumentation-http', () => {
  it('masks sensitive query values and credential headers on the server span', async () => {
    const server = createServer((_req, res) => res.end('ok'));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const port = (server.address() as AddressInfo).port;
      await (
        await fetch(`http://127.0.0.1:${port}/orders?access_token=tok-123456&page=1`, {
          headers: { authorization: 'Bearer tok-abcdefgh' },
        })
      ).text();
    } finally {
      await new Promise((r) => server.close(r));
    }
    const span = spans.getFinishedSpans().find((s) => s.attributes['url.path'] === '/orders');
    expect(span).toBeDefined();
    expect(span!.attributes['url.query']).toBe('access_token=REDACTED&page=1');
    expect(span!.attributes['http.request.header.authorization']).toEqual(['REDACTED']);
    expect(JSON.stringify(span!.attributes)).not.toMatch(/tok-/);
  });
});
