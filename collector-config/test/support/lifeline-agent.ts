import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createReceiver, type Receiver } from '@otel-lifeline/receiver';
import { afterAll } from 'vitest';
import { parse, stringify } from 'yaml';
import { collectorConfigDir } from './collector-binary.js';
import { createCollector, killAllCollectors, type Collector } from './collector-process.js';
import { deliveryReport, seqCounts } from './log-traffic.js';

export interface AgentUnderTest {
  dir: string;
  primary: Receiver;
  secondary: Receiver;
  agent: Collector;
  /** Loss and duplicates of `acked` against what both receivers got. */
  report(acked: ReadonlySet<number>): ReturnType<typeof deliveryReport>;
  /** The agent's own metrics (Prometheus text). */
  metrics(): Promise<string>;
}

/**
 * The agent Collector running `config` (a path; the shipped agent.yaml unless given) in front of
 * the `primary` and `secondary` OTLP endpoints, its disk queue in `queueDir`; started.
 */
export async function startAgentCollector(
  binary: string,
  options: {
    config?: string;
    primary: string;
    secondary: string;
    queueDir: string;
    args?: string[];
    env?: Record<string, string>;
  },
): Promise<Collector> {
  const agent = await createCollector({
    binary,
    config: options.config ?? join(collectorConfigDir, 'agent.yaml'),
    args: options.args ?? [],
    env: {
      LIFELINE_COLLECTOR_PRIMARY_ENDPOINT: options.primary,
      LIFELINE_COLLECTOR_SECONDARY_ENDPOINT: options.secondary,
      LIFELINE_COLLECTOR_QUEUE_DIR: options.queueDir,
      ...options.env,
    },
  });
  await agent.start();
  return agent;
}

/**
 * The agent starter of one describe block (see startAgent); after its tests every Collector is
 * killed, every receiver closed and every temp folder removed.
 */
export function useAgents(binary: string) {
  const cleanup = { receivers: [] as Receiver[], dirs: [] as string[] };
  afterAll(async () => {
    await killAllCollectors();
    await Promise.all(cleanup.receivers.map((r) => r.close()));
    for (const dir of cleanup.dirs) rmSync(dir, { recursive: true, force: true });
  });
  return (config: string | ((dir: string) => string), args: string[] = []) =>
    startAgent(binary, config, cleanup, args);
}

/**
 * A shipped agent configuration (or a file written from it) in front of two real receivers, with
 * its queue directory in a fresh temp folder. The failback interval is 5 s (shipped default 30 s)
 * so a failback is seen within a test.
 */
async function startAgent(
  binary: string,
  config: string | ((dir: string) => string),
  cleanup: { receivers: Receiver[]; dirs: string[] },
  args: string[],
): Promise<AgentUnderTest> {
  const dir = mkdtempSync(join(tmpdir(), 'lifeline-exporter-'));
  cleanup.dirs.push(dir);
  const primary = await createReceiver();
  const secondary = await createReceiver();
  cleanup.receivers.push(primary, secondary);
  const agent = await startAgentCollector(binary, {
    config: typeof config === 'string' ? join(collectorConfigDir, config) : config(dir),
    primary: primary.url,
    secondary: secondary.url,
    queueDir: join(dir, 'queue'),
    args,
    env: { LIFELINE_COLLECTOR_FAILBACK_INTERVAL: '5s' },
  });
  return {
    dir,
    primary,
    secondary,
    agent,
    report: (acked) =>
      deliveryReport(acked, seqCounts(primary.logRecords()), seqCounts(secondary.logRecords())),
    async metrics() {
      const response = await fetch(
        `http://127.0.0.1:${agent.env['LIFELINE_COLLECTOR_METRICS_PORT']}/metrics`,
      );
      return response.text();
    },
  };
}

/** Sum of a Prometheus metric's samples whose labels contain every `labels` pair. */
export function metricSum(text: string, name: string, labels: Record<string, string> = {}): number {
  let sum = 0;
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`) && !line.startsWith(`${name} `)) continue;
    if (!Object.entries(labels).every(([key, value]) => line.includes(`${key}="${value}"`))) continue;
    sum += Number(line.slice(line.lastIndexOf(' ') + 1));
  }
  return sum;
}

/** agent-lifeline.yaml with `mode: mirror` (each endpoint through its own disk queue). */
export function writeMirrorVariant(dir: string): string {
  const config = parse(readFileSync(join(collectorConfigDir, 'agent-lifeline.yaml'), 'utf8')) as {
    exporters: Record<string, Record<string, unknown>>;
  };
  const exporter = config.exporters['lifelineotlphttp'];
  if (exporter === undefined) throw new Error('agent-lifeline.yaml has no lifelineotlphttp exporter');
  exporter['mode'] = 'mirror';
  const file = join(dir, 'agent-lifeline-mirror.yaml');
  writeFileSync(file, stringify(config));
  return file;
}
