import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import { TracerProvider, InMemorySpanExporter, SimpleSpanProcessor } from '@opentelemetry/sdk-trace';
import { describe, expect, it } from 'vitest';
import {
  createRedactingLogRecordProcessor,
  createRedactingSpanProcessor,
} from '@otel-lifeline/instrumentation-api';

describe('redacting log record processor', () => {
  it("cleans the app's own records before the exporting processor sees them", async () => {
    const exporter = new InMemoryLogRecordExporter();
    const provider = new LoggerProvider({
      processors: [createRedactingLogRecordProcessor(), new SimpleLogRecordProcessor({ exporter })],
    });
    provider.getLogger('app').emit({
      body: { msg: 'login', password: 'hunter2', detail: 'used Bearer abcdefgh1234567' },
      attributes: { 'url.query': 'session=s1&page=2', 'user.id': 'u1', apiKey: 'k' },
    });
    provider.getLogger('app').emit({ body: 'payment with card 5105105105105100 ok' });
    const [first, second] = exporter.getFinishedLogRecords();
    expect(first!.body).toEqual({ msg: 'login', password: 'REDACTED', detail: 'used Bearer REDACTED' });
    expect(first!.attributes).toEqual({
      'url.query': 'session=REDACTED&page=2',
      'user.id': 'u1',
      apiKey: 'REDACTED',
    });
    expect(second!.body).toBe('payment with card REDACTED ok');
    await provider.shutdown();
  });
});

describe('redacting span processor', () => {
  it('redacts span, event and link attributes in place before export', async () => {
    const exporter = new InMemorySpanExporter();
    const provider = new TracerProvider({
      spanProcessors: [createRedactingSpanProcessor(), new SimpleSpanProcessor({ exporter: exporter })],
    });
    const span = provider.getTracer('t').startSpan('GET /users/:id', {
      attributes: {
        'url.query': 'token=abc&x=1',
        'http.request.header.authorization': ['Bearer abcdefgh1234567'],
        'url.path': '/users/1',
      },
    });
    span.addEvent('db', {
      statement: "select * where password = 'x'",
      'db.connection_string': 'Server=x;AccountKey=abcdef==',
    });
    span.end();
    const [done] = exporter.getFinishedSpans();
    expect(done!.attributes).toEqual({
      'url.query': 'token=REDACTED&x=1',
      'http.request.header.authorization': ['REDACTED'],
      'url.path': '/users/1',
    });
    expect(done!.events[0]!.attributes!['db.connection_string']).toBe('Server=x;AccountKey=REDACTED');
    await provider.shutdown();
  });
});
