#!/usr/bin/env node
// `pnpm bench`: runs every benchmark one after another (never two at once: they would measure each
// other), then regenerates BENCHMARKS.md, the charts and the figures quoted in the READMEs.
//
//   node bench/run.js [--quick] [--only encode,queue] [--out DIR]
//
// --quick runs each benchmark briefly (CI uses it to check the suite still works; its numbers
// are not published) and writes to a temporary directory unless --out is given.
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeEnvironment } from './lib/environment.js';
import { writeReport } from './report.js';

export const BENCHMARKS = ['encode', 'queue', 'export', 'http', 'lifecycle'];

const benchDir = path.dirname(fileURLToPath(import.meta.url));

function runOne(name, { quick, out }) {
  const args = [path.join(benchDir, `${name}.js`), '--out', out, ...(quick ? ['--quick'] : [])];
  return new Promise((resolve, reject) => {
    const started = Date.now();
    const child = spawn(process.execPath, args, { stdio: 'inherit', cwd: path.dirname(benchDir) });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      const seconds = (Date.now() - started) / 1000;
      if (code === 0) resolve(seconds);
      else reject(new Error(`bench ${name} failed (exit ${code ?? signal}) after ${seconds.toFixed(1)} s`));
    });
  });
}

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      only: { type: 'string' },
      out: { type: 'string' },
    },
  });
  const quick = values.quick;
  const out = path.resolve(
    values.out ??
      (quick ? fs.mkdtempSync(path.join(os.tmpdir(), 'lifeline-bench-')) : path.join(benchDir, 'results')),
  );
  fs.mkdirSync(out, { recursive: true });
  const selected = values.only ? values.only.split(',') : BENCHMARKS;
  for (const name of selected) {
    if (!BENCHMARKS.includes(name))
      throw new Error(`--only: unknown benchmark "${name}" (expected ${BENCHMARKS.join(', ')})`);
  }

  const environment = describeEnvironment();
  environment.quick = quick;
  fs.writeFileSync(path.join(out, 'environment.json'), JSON.stringify(environment, null, 2) + '\n');
  console.log(
    `environment: ${environment.cpu}, ${environment.cores} cores, Node ${environment.node}, ` +
      `${environment.tempDir.fileSystem}, fdatasync median ${environment.fdatasync.medianUs.toFixed(0)} µs`,
  );

  const durations = {};
  for (const name of selected) {
    console.log(`\n=== bench:${name}${quick ? ' (quick)' : ''} ===`);
    durations[name] = await runOne(name, { quick, out });
  }
  fs.writeFileSync(path.join(out, 'durations.json'), JSON.stringify(durations, null, 2) + '\n');
  const report = await writeReport({ resultsDir: out, publish: !quick });
  console.log(`\nwrote ${report}`);
  console.log(`results in ${out}`);
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
