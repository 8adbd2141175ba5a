// How bench:export drives its child processes (bench/lib/export-roles.js): fork one with a role,
// call it over IPC, wait for a receiver to settle.
import { fork } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

/** The script every role runs in: bench/export.js with --role. */
const exportScript = path.join(path.dirname(path.dirname(fileURLToPath(import.meta.url))), 'export.js');
export const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));
/** A sleep that does not keep the process alive: for deadlines raced against the real work. */
export const deadline = (ms) => new Promise((resolve) => setTimeout(resolve, ms).unref());

/** A child process speaking request/response over IPC; a call fails if the child dies first. */
export async function spawnRole(role, config = {}, execArgv = []) {
  const child = fork(exportScript, ['--role', role, '--config', JSON.stringify(config)], {
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    execArgv: [...process.execArgv, ...execArgv],
  });
  const waiting = new Map();
  let nextId = 1;
  let exited = false;
  child.once('exit', (code, signal) => {
    exited = true;
    for (const { reject } of waiting.values()) reject(new Error(`${role} exited (${code ?? signal})`));
    waiting.clear();
  });
  const ready = new Promise((resolve, reject) => {
    child.once('exit', (code) => reject(new Error(`${role} exited early (${code})`)));
    child.on('message', (message) => {
      if (message.ready) resolve(message);
      else {
        waiting.get(message.id)?.resolve(message);
        waiting.delete(message.id);
      }
    });
  });
  const info = await ready;
  return {
    info,
    pid: child.pid,
    url: `${info.url}/v1/logs`,
    call(op, extra = {}) {
      if (exited) return Promise.reject(new Error(`${role} has exited`));
      const id = nextId++;
      return new Promise((resolve, reject) => {
        waiting.set(id, { resolve, reject });
        child.send({ id, op, ...extra });
      });
    },
    async close(op = 'close') {
      if (exited) return;
      const gone = new Promise((resolve) => child.once('exit', resolve));
      this.call(op).catch(() => undefined);
      await Promise.race([gone, deadline(10_000)]);
      if (!exited) child.kill('SIGKILL');
    },
  };
}

/** Waits until the receiver's unique count reaches `target` or stops growing for `quietMs`. */
export async function settle(receiver, target, quietMs, limitMs) {
  const until = Date.now() + limitMs;
  let last = -1;
  let lastChange = Date.now();
  for (;;) {
    const stats = await receiver.call('stats');
    if (stats.unique >= target) return stats;
    if (stats.unique !== last) {
      last = stats.unique;
      lastChange = Date.now();
    }
    if (Date.now() - lastChange > quietMs || Date.now() > until) return stats;
    await sleep(50);
  }
}

/** Polls a receiver until it received a request after its mark; the arrival time, or null at the limit. */
export async function firstAfterMark(receiver, limitMs) {
  const until = Date.now() + limitMs;
  for (;;) {
    const reply = await receiver.call('firstAfterMark');
    if (reply.firstAfterMark !== undefined) return reply.firstAfterMark;
    if (Date.now() > until) return null;
    await sleep(20);
  }
}

export function freshQueueDir(tmpRoot, name) {
  const dir = path.join(tmpRoot, `${name}-${Date.now()}-${Math.random().toString(16).slice(2, 8)}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

// After the app's final flush returns, nothing of the stock pipeline is still in flight, and
// Lifeline has had everything acknowledged; the short quiet wait only lets the counts settle.
export const QUIET_MS = 200;
