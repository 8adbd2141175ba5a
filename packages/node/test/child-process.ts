import { spawn } from 'node:child_process';
import type { ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { fileURLToPath } from 'node:url';

export const packageDir = fileURLToPath(new URL('..', import.meta.url));
export const lifelineBin = fileURLToPath(new URL('../bin/lifeline.js', import.meta.url));
export const apiFixture = fileURLToPath(new URL('./fixtures/api-server.mjs', import.meta.url));

export interface Started {
  child: ChildProcess;
  url: Promise<string>;
  output(): string;
}

/** Spawns `node args`, collecting output; `url` resolves with the first `listening on <url>`. */
export function startNode(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Started {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? packageDir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr?.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const url = new Promise<string>((resolve, reject) => {
    const check = () => {
      const match = /listening on (http:\/\/[0-9.:]+)/.exec(output);
      if (match?.[1]) resolve(match[1]);
    };
    child.stdout?.on('data', check);
    child.once('exit', (code, signal) =>
      reject(new Error(`exited (${signal ?? code}) before listening:\n${output}`)),
    );
  });
  url.catch(() => undefined);
  return { child, url, output: () => output };
}

/** Runs `node args` to completion. */
export async function runNode(
  args: string[],
  options: { cwd?: string; env?: Record<string, string | undefined> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, {
    cwd: options.cwd ?? packageDir,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  return { code, stdout, stderr };
}

export async function stop(child: ChildProcess, signal: NodeJS.Signals = 'SIGKILL'): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = once(child, 'exit');
  child.kill(signal);
  await exited;
}

/** A loopback port nobody listens on (bound, then released). */
export async function closedPort(): Promise<number> {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  server.close();
  await once(server, 'close');
  return port;
}
