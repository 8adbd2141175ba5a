import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './free-port.js';

export interface CollectorOptions {
  binary: string;
  /** Path of the configuration file. */
  config: string;
  /** Extra environment, e.g. LIFELINE_COLLECTOR_PRIMARY_ENDPOINT. */
  env?: Record<string, string>;
  /** Extra command-line arguments, e.g. `--feature-gates=...`. */
  args?: string[];
}

/**
 * One Collector "installation": fixed ports and environment, so it can be killed and started
 * again on the same addresses and the same queue directory.
 *
 *   createCollector ──start()──► running ──kill('SIGKILL') / stop()──► exited ──start()──► running
 */
export interface Collector {
  /** Base URL of the OTLP/HTTP receiver, e.g. http://127.0.0.1:40111. */
  readonly otlpUrl: string;
  readonly env: Readonly<Record<string, string>>;
  /** Starts the process and resolves once its health check answers 200. */
  start(): Promise<void>;
  /** Sends `signal` and resolves when the process has exited. */
  kill(signal: NodeJS.Signals): Promise<void>;
  /** SIGTERM (a graceful shutdown), SIGKILL after 15 s. */
  stop(): Promise<void>;
  /** Everything the process wrote to stdout and stderr (all runs), for failure messages. */
  output(): string;
  readonly running: boolean;
}

const live = new Set<ChildProcess>();

/** Kills every Collector process still running (for afterAll). */
export async function killAllCollectors(): Promise<void> {
  await Promise.all(
    [...live].map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) {
            live.delete(child);
            resolve();
            return;
          }
          child.once('exit', () => resolve());
          child.kill('SIGKILL');
        }),
    ),
  );
}

async function waitForHealth(url: string, child: ChildProcess, output: () => string): Promise<void> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `the Collector exited (${child.exitCode ?? child.signalCode}) before it was healthy:\n${output()}`,
      );
    }
    try {
      const response = await fetch(url);
      await response.arrayBuffer();
      if (response.status === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`the Collector was not healthy at ${url} within 30 s:\n${output()}`);
}

export async function createCollector(options: CollectorOptions): Promise<Collector> {
  const [httpPort, grpcPort, healthPort, metricsPort] = [
    await freePort(),
    await freePort(),
    await freePort(),
    await freePort(),
  ];
  const env: Record<string, string> = {
    LIFELINE_COLLECTOR_HTTP_ENDPOINT: `127.0.0.1:${httpPort}`,
    LIFELINE_COLLECTOR_GRPC_ENDPOINT: `127.0.0.1:${grpcPort}`,
    LIFELINE_COLLECTOR_HEALTH_ENDPOINT: `127.0.0.1:${healthPort}`,
    LIFELINE_COLLECTOR_METRICS_PORT: String(metricsPort),
    ...options.env,
  };
  let child: ChildProcess | undefined;
  let text = '';
  const keep = (chunk: Buffer): void => {
    text += chunk.toString('utf8');
    if (text.length > 200_000) text = text.slice(-100_000);
  };
  const exited = (c: ChildProcess): boolean => c.exitCode !== null || c.signalCode !== null;

  const collector: Collector = {
    otlpUrl: `http://127.0.0.1:${httpPort}`,
    env,
    get running() {
      return child !== undefined && !exited(child);
    },
    output: () => text,
    async start() {
      if (collector.running) throw new Error('the Collector is already running');
      const started = spawn(options.binary, [`--config=${options.config}`, ...(options.args ?? [])], {
        env: { PATH: process.env['PATH'] ?? '/usr/bin:/bin', ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      child = started;
      live.add(started);
      started.once('exit', () => live.delete(started));
      started.stdout?.on('data', keep);
      started.stderr?.on('data', keep);
      text += `--- start pid ${started.pid}\n`;
      await waitForHealth(`http://127.0.0.1:${healthPort}/`, started, () => text);
    },
    async kill(signal) {
      const current = child;
      if (current === undefined || exited(current)) return;
      const done = new Promise<void>((resolve) => current.once('exit', () => resolve()));
      current.kill(signal);
      await done;
    },
    async stop() {
      const current = child;
      if (current === undefined || exited(current)) return;
      const timer = setTimeout(() => current.kill('SIGKILL'), 15_000);
      await collector.kill('SIGTERM');
      clearTimeout(timer);
    },
  };
  return collector;
}
