// Runs one app in this process, sends it the same requests in every run, and prints the events
// Lifeline emitted (one JSON line after `EVENTS `), without what differs from run to run (times,
// ports, durations, stack frames below the first line).
//
//   LIFELINE_TEST_MODE=adapter    the app applies the one-line adapter itself
//   LIFELINE_TEST_MODE=zero-code  no adapter; started with `--import ./zero-code.mjs` (module hooks)
import { InMemoryLogRecordExporter, LoggerProvider, SimpleLogRecordProcessor } from '@opentelemetry/sdk-logs';
import {
  expressAdapter,
  honoMiddleware,
  instrumentApi,
  koaMiddleware,
  nestExceptionFilter,
  nestInterceptor,
} from '@otel-lifeline/instrumentation-api';

export const REQUESTS = [
  ['GET', '/users/42'],
  ['GET', '/api/v1/items/7'],
  ['GET', '/orgs/acme/reports'],
  ['GET', '/boom'],
  ['GET', '/async-boom'],
  ['GET', '/nope/123'],
];

const VOLATILE = new Set(['lifeline.http.duration_ms', 'server.port', 'network.peer.port']);

export async function run(start) {
  const mode = process.env.LIFELINE_TEST_MODE;
  const exporter = new InMemoryLogRecordExporter();
  const loggerProvider = new LoggerProvider({ processors: [new SimpleLogRecordProcessor({ exporter })] });
  const api = instrumentApi({ loggerProvider });
  const adapters =
    mode === 'adapter'
      ? { expressAdapter, koaMiddleware, honoMiddleware, nestInterceptor, nestExceptionFilter }
      : undefined;
  const app = await start(adapters);
  for (const [method, path] of REQUESTS) {
    const response = await fetch(`${app.url}${path}?rid=${encodeURIComponent(path)}`, { method });
    await response.text();
  }
  await app.close();
  await api.shutdown();
  const events = exporter.getFinishedLogRecords().map((record) => {
    const attributes = {};
    for (const [key, value] of Object.entries(record.attributes)) {
      if (VOLATILE.has(key)) continue;
      attributes[key] = key === 'exception.stacktrace' ? String(value).split('\n')[0] : value;
    }
    return { eventName: record.eventName, severity: record.severityText, attributes };
  });
  process.stdout.write(`EVENTS ${JSON.stringify(events)}\n`);
  await loggerProvider.shutdown();
}
