import { cpSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDiskQueue } from '@otel-lifeline/disk-queue';
import { lifelineBin, packageDir, runNode } from '../child-process.js';

// The `lifeline` command as users start it: from its bundle (scripts/bundle-register.mjs), and from
// the modules unbundled in a checkout where only tsc ran. Each run records every file Node loaded
// (a module.registerHooks load hook, installed by an --import before the command).
const work = mkdtempSync(join(tmpdir(), 'lifeline-cli-bundle-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tracer = join(work, 'trace-loads.mjs');
writeFileSync(
  tracer,
  `import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const urls = [];
registerHooks({ load(url, context, next) { urls.push(url); return next(url, context); } });
process.on('exit', () => writeFileSync(process.env.LOADED_OUT, JSON.stringify(urls)));
`,
);

const queueRoot = join(work, 'queue');
beforeAll(async () => {
  const queue = await openDiskQueue({ directory: join(queueRoot, 'logs') });
  for (let i = 0; i < 3; i++) queue.append(Buffer.from(`record ${i}`));
  await queue.close();
});

/** `lifeline queue stat --json` from `bin`: its pending records and the files it loaded. */
async function statFrom(bin: string) {
  const out = join(work, `loaded-${Math.random().toString(36).slice(2)}.json`);
  const run = await runNode(['--import', tracer, bin, 'queue', 'stat', queueRoot, '--json'], {
    env: { LOADED_OUT: out },
  });
  expect(run.code, run.stderr).toBe(0);
  const stat = JSON.parse(run.stdout) as { total: { pendingRecords: number } };
  const files = (JSON.parse(readFileSync(out, 'utf8')) as string[])
    .filter((u) => u.startsWith('file:'))
    .map((u) => fileURLToPath(u))
    .filter((f) => f !== tracer);
  return { pendingRecords: stat.total.pendingRecords, files };
}

describe('the lifeline command', () => {
  it('runs from its bundle: two files of the package, nothing read from node_modules but the CRC addon', async () => {
    const { pendingRecords, files } = await statFrom(lifelineBin);
    expect(pendingRecords).toBe(3);
    const modules = `${sep}node_modules${sep}`;
    expect(files.filter((f) => !f.includes(modules))).toEqual([
      lifelineBin,
      join(packageDir, 'dist/bundle/cli.js'),
    ]);
    // The disk queue's optional CRC-32 addon, a native module that cannot be bundled: its loader
    // and the prebuilt binary's package for this platform, nothing else.
    const fromModules = files.filter((f) => f.includes(modules));
    expect(fromModules.some((f) => f.includes(`${sep}@node-rs${sep}crc32${sep}`))).toBe(true);
    expect(fromModules.filter((f) => !/[\\/]@node-rs[\\/]crc32(-[^\\/]+)?[\\/]/.test(f))).toEqual([]);
  });

  it('runs from the modules unbundled when the bundle was not built', async () => {
    // An installation of the package whose dist/ has no bundle, its dependencies beside it.
    const installed = join(work, 'install/node_modules/@otel-lifeline/node');
    for (const f of ['package.json', 'bin'])
      cpSync(join(packageDir, f), join(installed, f), { recursive: true });
    cpSync(join(packageDir, 'dist'), join(installed, 'dist'), {
      recursive: true,
      filter: (from) => !from.startsWith(join(packageDir, 'dist/bundle')),
    });
    symlinkSync(join(packageDir, 'node_modules'), join(installed, 'node_modules'));
    const bin = join(installed, 'bin/lifeline.js');

    const { pendingRecords, files } = await statFrom(bin);
    expect(pendingRecords).toBe(3);
    expect(files.slice(0, 2)).toEqual([bin, join(installed, 'dist/cli/run-cli.js')]);
    expect(files.filter((f) => f.includes(`${sep}bundle${sep}`))).toEqual([]);
    expect(files.some((f) => f.includes(`${sep}node_modules${sep}commander${sep}`))).toBe(true);
  });
});
