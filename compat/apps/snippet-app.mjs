// An app for the README's NodeSDK snippet, which is loaded before it with --import: it emits a log
// record, a span and a metric per request through the global API. OTEL_LINE is 2 or 3.
// Prints "listening <url>"; the snippet's SIGTERM handler shuts the SDK down.
import { createServer } from 'node:http';
import * as api from '@opentelemetry/api';

// The Logs API lives in @opentelemetry/api from 1.10 (3.x) and in @opentelemetry/api-logs before.
const { logs } = process.env.OTEL_LINE === '2' ? await import('@opentelemetry/api-logs') : api;
const logger = logs.getLogger('compat');
const counter = api.metrics.getMeter('compat').createCounter('compat.requests');
const server = createServer((request, response) => {
  api.trace.getTracer('compat').startActiveSpan('work', (span) => {
    logger.emit({ eventName: 'compat.request', body: request.url });
    counter.add(1);
    span.end();
    response.end('ok');
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
