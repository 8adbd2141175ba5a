// A user's own NodeSDK with Lifeline's exporter pieces, and the API instrumentation without a
// loggerProvider (it must find the LoggerProvider the NodeSDK registered globally).
// Env: RECEIVER_URL; OTEL_LINE is 2 or 3 (which SDK line is installed next to this file).
// Prints "listening <url>" once it serves; on SIGTERM shuts everything down and exits 0.
import { createServer } from 'node:http';
import { trace } from '@opentelemetry/api';
import { NodeSDK } from '@opentelemetry/sdk-node';
import { PeriodicExportingMetricReader } from '@opentelemetry/sdk-metrics';
import {
  createDurableLogRecordProcessor,
  createResilientMetricExporter,
  createResilientSpanExporter,
} from '@otel-lifeline/exporter';
import { instrumentApi } from '@otel-lifeline/instrumentation-api';

const line = process.env.OTEL_LINE;
const options = (signal) => ({
  endpoints: [{ url: `${process.env.RECEIVER_URL}/v1/${signal}` }],
  queueDir: `queue-sdk-app/${signal}`,
});
const spanExporter = createResilientSpanExporter(options('traces'));
// The 2.x line names the package sdk-trace-base and takes the exporter itself; 3.x takes options.
const { BatchSpanProcessor } = await import(
  line === '2' ? '@opentelemetry/sdk-trace-base' : '@opentelemetry/sdk-trace'
);
const spanProcessor =
  line === '2'
    ? new BatchSpanProcessor(spanExporter, { scheduledDelayMillis: 100 })
    : new BatchSpanProcessor({ exporter: spanExporter, scheduledDelayMillis: 100 });

const sdk = new NodeSDK({
  serviceName: 'compat-sdk-app',
  instrumentations: [],
  logRecordProcessors: [createDurableLogRecordProcessor(options('logs'))],
  spanProcessors: [spanProcessor],
  metricReaders: [
    new PeriodicExportingMetricReader({
      exporter: createResilientMetricExporter(options('metrics')),
      exportIntervalMillis: 500,
    }),
  ],
});
sdk.start();
const api = instrumentApi();

const server = createServer((request, response) => {
  trace.getTracer('compat').startActiveSpan('work', (span) => {
    span.end();
    response.end('ok');
  });
});
server.listen(0, '127.0.0.1', () => console.log(`listening http://127.0.0.1:${server.address().port}`));
process.once('SIGTERM', async () => {
  server.close();
  await api.shutdown();
  await sdk.shutdown();
  process.exit(0);
});
