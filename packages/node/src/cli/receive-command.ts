import { once } from 'node:events';
import { SingleBar } from 'cli-progress';
import { createReceiver, toJsonLines } from '@otel-lifeline/receiver';
import type { InsightsServer } from '../insights/insights-server.js';
import type { CliIo } from './cli-io.js';
import { print } from './cli-io.js';

export interface ReceiveOptions {
  host: string;
  port: number;
  out?: string;
  /** Stop after this many seconds (scripts, tests); default: until SIGINT/SIGTERM. */
  durationS?: number;
  /** Serve the live insights page over what is received. */
  ui?: { host: string; port: number };
}

/**
 * Runs an OTLP/HTTP receiver. The first stdout line is `listening on <url>` (scripts read it);
 * counts are shown live on a TTY, and printed once at exit otherwise.
 */
export async function runReceive(
  options: ReceiveOptions,
  io: CliIo,
  stop: AbortSignal = signalAbort(),
): Promise<number> {
  const insights = options.ui ? await startInsights(options.ui) : undefined;
  const receiver = await createReceiver({
    host: options.host,
    port: options.port,
    keep: false,
    ...(options.out ? { jsonLinesFile: options.out } : {}),
    ...(insights ? { onExport: insights.onExport } : {}),
  }).catch(async (error: unknown) => {
    await insights?.server.close();
    throw error;
  });
  print(
    io.stdout,
    `listening on ${receiver.url}${options.out ? ` (writing JSON lines to ${options.out})` : ''}`,
  );
  if (insights) print(io.stdout, `insights on ${insights.server.url}`);
  const line = () => {
    const c = receiver.counts();
    return {
      requests: c.requests,
      logRecords: c.logRecords,
      spans: c.spans,
      dataPoints: c.dataPoints,
      rejected: c.rejected,
    };
  };
  const bar = io.stderr.isTTY
    ? new SingleBar({
        format:
          'received {requests} requests | {logRecords} log records | {spans} spans | {dataPoints} data points | {rejected} rejected',
        stream: io.stderr,
        hideCursor: true,
      })
    : undefined;
  bar?.start(0, 0, line());
  const timer = setInterval(() => bar?.update(0, line()), 250);
  try {
    const waits: Array<Promise<unknown>> = [once(stop, 'abort')];
    if (options.durationS !== undefined)
      waits.push(new Promise((r) => setTimeout(r, options.durationS! * 1000)));
    await Promise.race(waits);
  } finally {
    clearInterval(timer);
    bar?.stop();
    await receiver.close();
    await insights?.server.close();
  }
  const c = line();
  print(
    io.stdout,
    `received ${c.requests} requests: ${c.logRecords} log records, ${c.spans} spans, ${c.dataPoints} data points, ${c.rejected} rejected`,
  );
  return 0;
}

async function startInsights(ui: { host: string; port: number }): Promise<{
  server: InsightsServer;
  onExport: (signal: 'logs' | 'traces' | 'metrics', request: unknown) => void;
}> {
  const [{ createInsightsModel }, { startInsightsServer }] = await Promise.all([
    import('../insights/insights-model.js'),
    import('../insights/insights-server.js'),
  ]);
  const model = createInsightsModel();
  const server = await startInsightsServer({ model, host: ui.host, port: ui.port });
  return {
    server,
    // The same flattened lines `--out` writes: the view reads exactly what the receiver accepted.
    onExport(signal, request) {
      if (signal === 'traces') return;
      for (const line of toJsonLines(signal, request)) model.add(JSON.parse(line) as object);
    },
  };
}

function signalAbort(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return controller.signal;
}
