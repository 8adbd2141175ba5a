#!/usr/bin/env node
// Lifecycle benchmark: what `--import @otel-lifeline/node/register` adds before an app's first line,
// and how long after SIGTERM a process with a dead endpoint takes to exit against its
// shutdown_timeout.
//
//   pnpm bench:lifecycle              (builds, then runs this file)
//   node bench/lifecycle.js [--quick] [--out DIR] [--rounds N]
//
// Start-up: every run is a fresh `node` process whose first line prints performance.now() (ms since
// the process started) and exits. Variants, interleaved in each round (bare Node first, the others
// in a rotating order): bare Node; --import with OTEL_SDK_DISABLED=true (the register entry returns
// before loading the SDK); --import configured by environment variables; --import configured by a
// YAML file (LIFELINE_CONFIG_FILE). All run on the Node that runs this script (`pnpm
// bench:lifecycle`: the workspace's Node 24), recorded in the results. The endpoint is a closed loopback port: nothing is sent before the first
// line either way. Added time = a variant's first line − bare Node's in the same round.
// The register entry turns on Node's compile cache (default directory under the OS temp dir, so
// each variant gets its own TMPDIR): the variants above run with a warm cache (primed by one
// untimed run); env-cold starts each run on an empty cache (a first start); env-nocache runs with
// NODE_DISABLE_COMPILE_CACHE=1 (what the cache saves).
// Shutdown: an HTTP app started with --import, configured with a closed endpoint and
// LIFELINE_SHUTDOWN_TIMEOUT, serves 20 requests and gets SIGTERM; the time to its exit, without
// and with its own SIGTERM handler (which closes the server and lets the process end).
// Raw results go to <out>/lifecycle.json (default bench/results/lifecycle.json); bench/report.js
// renders them into BENCHMARKS.md and the READMEs' bench:lifecycle blocks.
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { summary } from './lib/stats.js';
import { countOption } from './lib/options.js';

const benchDir = path.dirname(fileURLToPath(import.meta.url));
const register = import.meta.resolve('@otel-lifeline/node/register');
const STARTUP_AIM_MS = 100;

// Wall-clock ms since the process started, and the CPU ms it used by then (user + system, all
// threads): on a shared machine the CPU figure is the steadier one.
const FIRST_LINE_APP =
  'const cpu = process.cpuUsage();\nconsole.log(`first ${performance.now()} ${(cpu.user + cpu.system) / 1000}`);\nprocess.exit(0);\n';
const SERVER_APP = `import { createServer } from 'node:http';
const server = createServer((_req, res) => res.end('ok'));
server.listen(0, '127.0.0.1', () => console.log(\`listening on http://127.0.0.1:\${server.address().port}\`));
if (process.env.APP_HANDLER === '1')
  process.on('SIGTERM', () => {
    server.close();
    server.closeAllConnections();
  });
`;

async function closedPort() {
  const server = net.createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  await once(server, 'close');
  return port;
}

function spawnNode(args, env) {
  const child = spawn(process.execPath, args, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout.on('data', (chunk) => (output += chunk));
  child.stderr.on('data', (chunk) => (output += chunk));
  return { child, output: () => output };
}

async function firstLineMs(args, env) {
  const run = spawnNode(args, env);
  const [code] = await once(run.child, 'exit');
  const match = /first ([\d.]+) ([\d.]+)/.exec(run.output());
  if (code !== 0 || !match) throw new Error(`start-up run failed (exit ${code}):\n${run.output()}`);
  return { wallMs: Number(match[1]), cpuMs: Number(match[2]) };
}

async function exitAfterSigterm(app, env) {
  const run = spawnNode(['--import', register, app], env);
  let url;
  while (!(url = /listening on (\S+)/.exec(run.output())?.[1])) {
    if (run.child.exitCode !== null) throw new Error(`app exited early:\n${run.output()}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
  for (let i = 0; i < 20; i++) await (await fetch(`${url}/r${i}`)).text();
  await new Promise((resolve) => setTimeout(resolve, 300)); // durable within the fsync interval
  const exited = once(run.child, 'exit');
  const sent = performance.now();
  run.child.kill('SIGTERM');
  await exited;
  const ms = performance.now() - sent;
  if (!/unsent by the deadline/.test(run.output())) throw new Error(`no unsent line:\n${run.output()}`);
  return ms;
}

async function main() {
  const { values } = parseArgs({
    options: {
      quick: { type: 'boolean', default: false },
      out: { type: 'string', default: path.join(benchDir, 'results') },
      rounds: { type: 'string' },
    },
  });
  const quick = values.quick;
  const rounds = countOption('rounds', values.rounds, quick ? 3 : 15);
  const shutdownRounds = quick ? 2 : 5;
  const shutdownTimeoutMs = quick ? 1_000 : 2_000;
  const loadAtStart = os.loadavg()[0];
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'lifeline-bench-lifecycle-'));
  try {
    const firstLineApp = path.join(work, 'first-line.mjs');
    const serverApp = path.join(work, 'server.mjs');
    fs.writeFileSync(firstLineApp, FIRST_LINE_APP);
    fs.writeFileSync(serverApp, SERVER_APP);
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const queueDir = path.join(work, 'queue');
    const yamlFile = path.join(work, 'lifeline.yaml');
    fs.writeFileSync(
      yamlFile,
      `endpoints:\n  primary:\n    url: ${endpoint}\nqueue:\n  directory: ${queueDir}\n`,
    );
    const common = { OTEL_LOG_LEVEL: 'error' };
    const warmTmp = path.join(work, 'tmp-warm');
    const coldTmp = path.join(work, 'tmp-cold');
    fs.mkdirSync(warmTmp);
    const envConfig = { ...common, OTEL_EXPORTER_OTLP_ENDPOINT: endpoint, LIFELINE_QUEUE_DIR: queueDir };
    const startup = {
      bare: { args: [firstLineApp], env: common },
      off: {
        args: ['--import', register, firstLineApp],
        env: { ...common, TMPDIR: warmTmp, OTEL_SDK_DISABLED: 'true' },
      },
      env: { args: ['--import', register, firstLineApp], env: { ...envConfig, TMPDIR: warmTmp } },
      yaml: {
        args: ['--import', register, firstLineApp],
        env: { ...common, TMPDIR: warmTmp, LIFELINE_CONFIG_FILE: yamlFile },
      },
      'env-cold': { args: ['--import', register, firstLineApp], env: { ...envConfig, TMPDIR: coldTmp } },
      'env-nocache': {
        args: ['--import', register, firstLineApp],
        env: { ...envConfig, TMPDIR: warmTmp, NODE_DISABLE_COMPILE_CACHE: '1' },
      },
    };
    await firstLineMs(startup.env.args, startup.env.env); // primes the warm cache
    const names = Object.keys(startup);
    const samples = { wallMs: {}, cpuMs: {} };
    const added = { wallMs: {}, cpuMs: {} };
    for (const unit of ['wallMs', 'cpuMs']) {
      for (const n of names) samples[unit][n] = [];
      for (const n of names.slice(1)) added[unit][n] = [];
    }
    for (let round = 0; round < rounds; round++) {
      const others = names.slice(1);
      const order = [
        'bare',
        ...others.slice(round % others.length),
        ...others.slice(0, round % others.length),
      ];
      const measured = {};
      for (const name of order) {
        if (name === 'env-cold') fs.rmSync(coldTmp, { recursive: true, force: true });
        fs.mkdirSync(coldTmp, { recursive: true });
        measured[name] = await firstLineMs(startup[name].args, startup[name].env);
      }
      for (const unit of ['wallMs', 'cpuMs']) {
        for (const name of names) samples[unit][name].push(measured[name][unit]);
        for (const name of others) added[unit][name].push(measured[name][unit] - measured.bare[unit]);
      }
      console.log(
        `start-up round ${round + 1}/${rounds} (wall / CPU ms): ${names.map((n) => `${n} ${measured[n].wallMs.toFixed(0)} / ${measured[n].cpuMs.toFixed(0)}`).join(', ')}`,
      );
    }

    const exits = { plain: [], handler: [] };
    for (let round = 0; round < shutdownRounds; round++) {
      for (const variant of round % 2 ? ['handler', 'plain'] : ['plain', 'handler']) {
        const ms = await exitAfterSigterm(serverApp, {
          ...common,
          OTEL_LOG_LEVEL: 'warn',
          OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
          LIFELINE_QUEUE_DIR: path.join(work, `shutdown-${variant}`),
          LIFELINE_SHUTDOWN_TIMEOUT: `${shutdownTimeoutMs}ms`,
          APP_HANDLER: variant === 'handler' ? '1' : '0',
        });
        exits[variant].push(ms);
        console.log(
          `shutdown round ${round + 1}/${shutdownRounds}: ${variant} exited ${ms.toFixed(0)} ms after SIGTERM`,
        );
      }
    }

    const result = {
      benchmark: 'lifecycle',
      date: new Date().toISOString(),
      quick,
      settings: { rounds, shutdownRounds, shutdownTimeoutMs, startupAimMs: STARTUP_AIM_MS },
      // 1-minute load average at the start and end against the core count: timing on a busy machine.
      machine: {
        cores: os.availableParallelism(),
        loadAverage: [loadAtStart, os.loadavg()[0]],
        node: process.version,
      },
      startup: Object.fromEntries(
        ['wallMs', 'cpuMs'].map((unit) => [
          unit,
          {
            firstLine: Object.fromEntries(names.map((n) => [n, summary(samples[unit][n])])),
            added: Object.fromEntries(names.slice(1).map((n) => [n, summary(added[unit][n])])),
          },
        ]),
      ),
      shutdown: {
        exitMs: { plain: summary(exits.plain), handler: summary(exits.handler) },
      },
    };
    fs.mkdirSync(values.out, { recursive: true });
    fs.writeFileSync(path.join(values.out, 'lifecycle.json'), JSON.stringify(result, null, 2) + '\n');
    console.log(`wrote ${path.join(values.out, 'lifecycle.json')}`);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
