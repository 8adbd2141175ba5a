import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import type { Signal } from '../config/config-types.js';
import { SIGNALS } from '../config/config-types.js';

export interface SignalQueue {
  signal: Signal;
  directory: string;
}

/**
 * A queue root (LIFELINE_QUEUE_DIR) holds one queue per signal: <root>/logs, <root>/traces,
 * <root>/metrics. A CLI command also accepts one signal's directory directly; its signal is its
 * name, or `fallback` (--signal).
 */
export function findSignalQueues(directory: string, fallback?: Signal): SignalQueue[] {
  const root = resolve(directory);
  if (!existsSync(root) || !statSync(root).isDirectory()) throw new Error(`${directory}: not a directory`);
  const nested = SIGNALS.filter((s) => isDirectory(join(root, s))).map((signal) => ({
    signal,
    directory: join(root, signal),
  }));
  if (nested.length > 0) return fallback ? nested.filter((q) => q.signal === fallback) : nested;
  const name = basename(root);
  const signal = fallback ?? (SIGNALS as readonly string[]).find((s) => s === name);
  if (signal === undefined) {
    const entries = readdirSync(root).slice(0, 5).join(', ');
    throw new Error(
      `${directory}: no logs/, traces/ or metrics/ queue here and the signal is unknown (pass --signal); it holds: ${entries || 'nothing'}`,
    );
  }
  return [{ signal: signal as Signal, directory: root }];
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
