import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { createReceiver } from '@otel-lifeline/receiver';
import type { Receiver } from '@otel-lifeline/receiver';

export const examplesDir = fileURLToPath(new URL('../../examples/', import.meta.url));
export const fixturesDir = fileURLToPath(new URL('./fixtures/', import.meta.url));

export interface App {
  child: ChildProcess;
  url: Promise<string>;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Starts `node <args>` in `cwd` with extra environment variables only (no code changes to the app). */
export function startApp(cwd: string, args: string[], env: Record<string, string>): App {
  const child = spawn(process.execPath, args, {
    cwd,
    env: { ...process.env, PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    child.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const url = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/[0-9.:]+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', check);
    void exited.then(({ code, signal }) =>
      reject(new Error(`app exited (${signal ?? code}) before listening:\n${output}`)),
    );
  });
  url.catch(() => undefined);
  return {
    child,
    url,
    output: () => output,
    async stop(signal = 'SIGKILL') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export async function killAll(apps: readonly App[]): Promise<void> {
  await Promise.all(apps.map((a) => a.stop('SIGKILL')));
}

export function attribute(
  attributes: ReadonlyArray<{ key: string; value?: { stringValue?: string; intValue?: string } }> | undefined,
  key: string,
): string | undefined {
  const found = attributes?.find((a) => a.key === key)?.value;
  return found?.stringValue ?? found?.intValue;
}

export interface AccessEvent {
  status: string | undefined;
  severity: number | undefined;
  query: string | undefined;
  route: string | undefined;
}

/** Access events at the receiver for one service, by request id (`?rid=`). */
export function accessEvents(receiver: Receiver, service: string): Map<string, AccessEvent> {
  const found = new Map<string, AccessEvent>();
  for (const { resource, record } of receiver.logRecords()) {
    if (
      record.eventName !== 'lifeline.api.access' ||
      attribute(resource?.attributes, 'service.name') !== service
    )
      continue;
    const query = attribute(record.attributes, 'url.query');
    const rid = new URLSearchParams(query ?? '').get('rid');
    if (rid !== null)
      found.set(rid, {
        status: attribute(record.attributes, 'http.response.status_code'),
        severity: record.severityNumber,
        query,
        route: attribute(record.attributes, 'http.route'),
      });
  }
  return found;
}

export async function exitOf(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  await once(child, 'exit');
}

export interface E2eWorld {
  /** A temp directory for this file's queues and configuration, removed after its tests. */
  readonly work: string;
  /** Apps started by the tests; all killed after them. */
  readonly apps: App[];
  /** The real receiver every app exports to (set before the first test). */
  readonly receiver: Receiver;
}

/** One receiver, one temp directory and the apps a test file starts, torn down after its tests. */
export function useE2eWorld(prefix: string): E2eWorld {
  const work = mkdtempSync(join(tmpdir(), prefix));
  const apps: App[] = [];
  let receiver: Receiver | undefined;
  beforeAll(async () => {
    receiver = await createReceiver();
  });
  afterAll(async () => {
    await killAll(apps);
    await receiver?.close();
    rmSync(work, { recursive: true, force: true });
  });
  return {
    work,
    apps,
    get receiver() {
      if (receiver === undefined) throw new Error('the receiver starts in beforeAll');
      return receiver;
    },
  };
}
