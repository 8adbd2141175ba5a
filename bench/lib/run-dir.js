// The scratch folder of one bench process: results/tmp/<kind>-<pid> (git-ignored). A bench that
// was killed leaves its folder behind (a drain backlog is hundreds of MB); the next run removes
// the folders of processes that no longer exist before it makes its own.
import fs from 'node:fs';
import path from 'node:path';

const RUN_DIR = /^[a-z-]+-(\d+)$/;

function alive(pid) {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return error.code === 'EPERM';
  }
}

/** Removes the scratch folders in `parent` left by processes that have ended; returns their names. */
export function removeStaleRunDirs(parent) {
  const removed = [];
  let names;
  try {
    names = fs.readdirSync(parent);
  } catch {
    return removed;
  }
  for (const name of names) {
    const match = RUN_DIR.exec(name);
    if (match === null || alive(Number(match[1]))) continue;
    try {
      fs.rmSync(path.join(parent, name), { recursive: true, force: true });
      removed.push(name);
    } catch (error) {
      // A disk-full run's tmpfs still mounted there, for one: say so and leave it.
      console.warn(
        `bench: could not remove ${path.join(parent, name)} left by an earlier run: ${error.message}`,
      );
    }
  }
  return removed;
}

/** Makes this process's scratch folder `<benchDir>/results/tmp/<kind>-<pid>`, after clearing stale ones. */
export function makeRunDir(benchDir, kind) {
  const parent = path.join(benchDir, 'results', 'tmp');
  removeStaleRunDirs(parent);
  const dir = path.join(parent, `${kind}-${process.pid}`);
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}
