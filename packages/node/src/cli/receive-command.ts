import { once } from 'node:events';
import { SingleBar } from 'cli-progress';
import { createReceiver } from '@otel-lifeline/receiver';
import type { CliIo } from './cli-io.js';
import { print } from './cli-io.js';

export interface ReceiveOptions {
  host: string;
  port: number;
  out?: string;
  /** Stop after this many seconds (scripts, tests); default: until SIGINT/SIGTERM. */
  durationS?: number;
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
  const receiver = await createReceiver({
    host: options.host,
    port: options.port,
    keep: false,
    ...(options.out ? { jsonLinesFile: options.out } : {}),
  });
  print(
    io.stdout,
    `listening on ${receiver.url}${options.out ? ` (writing JSON lines to ${options.out})` : ''}`,
  );
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
  }
  const c = line();
  print(
    io.stdout,
    `received ${c.requests} requests: ${c.logRecords} log records, ${c.spans} spans, ${c.dataPoints} data points, ${c.rejected} rejected`,
  );
  return 0;
}

function signalAbort(): AbortSignal {
  const controller = new AbortController();
  const onSignal = () => controller.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return controller.signal;
}
