import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Dead-letter files of one signal queue (`<queue>/dead-letter/*.deadletter`, one rejected batch each). */
export function countDeadLetters(queueDirectory: string): { files: number; bytes: number } {
  const directory = join(queueDirectory, 'dead-letter');
  let files = 0;
  let bytes = 0;
  let names: string[];
  try {
    names = readdirSync(directory);
  } catch {
    return { files, bytes };
  }
  for (const name of names) {
    if (!name.endsWith('.deadletter')) continue;
    files += 1;
    try {
      bytes += statSync(join(directory, name)).size;
    } catch {
      // removed while counting
    }
  }
  return { files, bytes };
}
