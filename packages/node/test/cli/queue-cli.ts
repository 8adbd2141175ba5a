import { closeSync, openSync, readSync, writeSync } from 'node:fs';
import { lifelineBin, runNode } from '../child-process.js';

/** Runs `lifeline queue drain <dir> --endpoint <endpoint> [args…]` in a child process. */
export function runDrain(
  dir: string,
  endpoint: string,
  ...args: string[]
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return runNode([lifelineBin, 'queue', 'drain', dir, '--endpoint', endpoint, ...args]);
}

/** Inverts one byte of a file in place: a bit-rotted record for verify and drain to find. */
export function flipByte(path: string, at: number): void {
  const fd = openSync(path, 'r+');
  try {
    const byte = Buffer.alloc(1);
    readSync(fd, byte, 0, 1, at);
    byte[0] = byte[0]! ^ 0xff;
    writeSync(fd, byte, 0, 1, at);
  } finally {
    closeSync(fd);
  }
}
