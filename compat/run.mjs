// The compatibility suite: the publishable packages packed into tarballs and installed the way
// users install them — plain `npm install` and `pnpm install`, no flags — into folders outside the
// workspace, then run on the Node versions and OpenTelemetry JS lines of the support matrix:
//
//   Node 20 + OTel JS 2.x   a user's own NodeSDK with the exporter pieces and the API instrumentation
//   Node 22, 24 + OTel 3.x  the same, and `node --import @otel-lifeline/node/register` on an
//                           Express app as ESM and as CommonJS
//   both lines              the exporter README's NodeSDK snippet, extracted from the README
//
// Every run delivers to the project's receiver on loopback and must bring access events (or log
// records), spans and metrics. Node 20, 22 and 24 come from the npm registry's `node` package.
//
//   node compat/run.mjs            (after `pnpm install`; builds the packages first)
//   COMPAT_PNPM="npx -y pnpm@10"   the pnpm command for the pnpm installs (default: pnpm)
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const apps = fileURLToPath(new URL('./apps/', import.meta.url));
const work = mkdtempSync(join(tmpdir(), 'lifeline-compat-'));
const pnpm = (process.env.COMPAT_PNPM ?? 'pnpm').split(' ');
const started = Date.now();

/** The user's dependencies next to the tarballs, per OpenTelemetry JS line. */
const LINES = {
  2: {
    '@opentelemetry/api': '~1.9.0',
    '@opentelemetry/api-logs': '^0.223.0',
    '@opentelemetry/sdk-node': '^0.223.0',
    '@opentelemetry/sdk-logs': '^0.223.0',
    '@opentelemetry/sdk-metrics': '^2.12.0',
    '@opentelemetry/sdk-trace-base': '^2.12.0',
  },
  3: {
    '@opentelemetry/api': '^1.10.0',
    '@opentelemetry/sdk-node': 'latest',
    '@opentelemetry/sdk-logs': '^3.1.0',
    '@opentelemetry/sdk-metrics': '^3.1.0',
    '@opentelemetry/sdk-trace': '^3.1.0',
    express: '^5.1.0',
  },
};
/** The distribution needs Node >= 22.15 and the 3.x line; the libraries go everywhere. */
const LIBRARIES = ['otlp', 'disk-queue', 'exporter', 'instrumentation-api', 'receiver'];

function run(command, args, options = {}) {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'], ...options });
    let output = '';
    child.stdout.on('data', (chunk) => (output += chunk));
    child.stderr.on('data', (chunk) => (output += chunk));
    child.once('error', reject);
    child.once('exit', (code) =>
      code === 0
        ? resolve(output)
        : reject(new Error(`${command} ${args.join(' ')} exited ${code}:\n${output.slice(-3000)}`)),
    );
  });
}

function step(message) {
  console.log(`[compat ${((Date.now() - started) / 1000).toFixed(0).padStart(3)} s] ${message}`);
}

/** Builds and packs every publishable package; checks each tarball carries its licence. */
async function packTarballs() {
  await run(pnpm[0], [...pnpm.slice(1), 'build'], { cwd: root }); // tsc, then the register bundle
  const destination = join(work, 'tarballs');
  const tarballs = {};
  for (const name of readdirSync(join(root, 'packages'))) {
    const manifest = JSON.parse(readFileSync(join(root, 'packages', name, 'package.json'), 'utf8'));
    if (manifest.private) continue;
    await run(pnpm[0], [...pnpm.slice(1), 'pack', '--pack-destination', destination], {
      cwd: join(root, 'packages', name),
    });
    const file = readdirSync(destination).find((f) => f.startsWith(`otel-lifeline-${name}-`));
    const listing = await run('tar', ['-tzf', join(destination, file)]);
    for (const required of ['package/LICENSE', 'package/README.md', 'package/package.json'])
      if (!listing.split('\n').includes(required)) throw new Error(`${file} has no ${required}`);
    tarballs[manifest.name] = join(destination, file);
  }
  return tarballs;
}

/** Node `major` from the npm registry's `node` package; returns the binary's path. */
async function nodeBinary(major) {
  const prefix = join(work, `node-${major}`);
  mkdirSync(prefix, { recursive: true });
  writeFileSync(join(prefix, 'package.json'), '{"private":true}\n');
  await run('npm', ['install', '--no-audit', '--no-fund', `node@${major}`], { cwd: prefix });
  const binary = join(prefix, 'node_modules', '.bin', 'node');
  const version = (await run(binary, ['--version'])).trim();
  if (!version.startsWith(`v${major}.`)) throw new Error(`node@${major} gave ${version}`);
  return { major, binary, version };
}

/**
 * A user's project folder: the tarballs and the line's SDK as dependencies, installed by `tool`;
 * with `omitOptional`, as `npm install --omit=optional` installs it (no @node-rs/crc32 addon).
 */
async function installProject(line, tool, tarballs, omitOptional = false) {
  const dir = join(work, `otel${line}-${tool}${omitOptional ? '-no-optional' : ''}`);
  mkdirSync(dir, { recursive: true });
  const ours = Object.entries(tarballs).filter(
    ([name]) => line === 3 || LIBRARIES.some((l) => name === `@otel-lifeline/${l}`),
  );
  const local = Object.fromEntries(ours.map(([name, file]) => [name, `file:${file}`]));
  writeFileSync(
    join(dir, 'package.json'),
    `${JSON.stringify(
      {
        name: `compat-otel${line}-${tool}`,
        private: true,
        dependencies: { ...local, ...LINES[line] },
        // Our packages depend on each other by version; until they are published, the tarballs
        // stand in for the registry.
        ...(tool === 'pnpm' ? { pnpm: { overrides: local } } : {}),
      },
      null,
      2,
    )}\n`,
  );
  cpSync(apps, dir, { recursive: true });
  const command = tool === 'npm' ? ['npm', 'install', '--no-audit', '--no-fund'] : [...pnpm, 'install'];
  if (omitOptional) command.push('--omit=optional');
  await run(command[0], command.slice(1), { cwd: dir });
  // The queue's CRC addon is an optional dependency: there by default, absent when omitted.
  const addon =
    tool === 'npm'
      ? existsSync(join(dir, 'node_modules', '@node-rs', 'crc32', 'package.json'))
      : readdirSync(join(dir, 'node_modules', '.pnpm')).some((f) => f.startsWith('@node-rs+crc32@'));
  if (addon === omitOptional)
    throw new Error(
      `${dir}: @node-rs/crc32 ${addon ? 'installed' : 'missing'} (omitOptional ${omitOptional})`,
    );
  return dir;
}

/** Starts `args` under `node`, waits for "listening <url>", and returns the child and the url. */
async function startApp(node, args, dir, env) {
  const child = spawn(node.binary, args, {
    cwd: dir,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stderr.on('data', (chunk) => (output += chunk));
  const url = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`no "listening" line:\n${output}`)), 30_000);
    child.stdout.on('data', (chunk) => {
      output += chunk;
      const match = /listening (http:\S+)/.exec(output);
      if (match) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    });
    child.once('exit', (code) => reject(new Error(`exited ${code} before listening:\n${output}`)));
  });
  return { child, url, output: () => output };
}

/**
 * One run: a receiver, the app under `node`, a few requests, SIGTERM, then what the receiver got
 * must include what `expect` names.
 */
async function check(name, node, dir, args, env, expect) {
  const { createReceiver } = await import(join(root, 'packages/receiver/dist/index.js'));
  // The Content-Encoding of every export the primary received, to check a compression option.
  const encodings = new Set();
  const receiver = await createReceiver({
    onExport: (_signal, _request, info) => {
      encodings.add(info.encoding);
    },
  });
  const secondary = await createReceiver();
  try {
    const app = await startApp(node, args, dir, {
      ...env,
      RECEIVER_URL: receiver.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      LIFELINE_SECONDARY_ENDPOINT: secondary.url,
      LIFELINE_QUEUE_DIR: join(dir, `queue-${name.replace(/\W+/g, '-')}`),
    });
    for (let i = 0; i < 5; i++) await (await fetch(`${app.url}/users/${i}`)).text();
    await new Promise((resolve) => setTimeout(resolve, 300));
    // Whether the queue's optional CRC addon is loaded into the app (Linux: its mapped files).
    const addonLoaded =
      process.platform === 'linux'
        ? readFileSync(`/proc/${app.child.pid}/maps`, 'utf8').includes('/crc32.linux-')
        : undefined;
    app.child.kill('SIGTERM');
    const [code, signal] = await once(app.child, 'exit');
    const logs = receiver.logRecords().concat(secondary.logRecords());
    const got = {
      events: logs.filter((l) => l.record.eventName === expect.eventName).length,
      routes: logs.filter((l) =>
        (l.record.attributes ?? []).some(
          (a) => a.key === 'http.route' && a.value?.stringValue === '/users/:id',
        ),
      ).length,
      spans: receiver.spans().length + secondary.spans().length,
      metrics: new Set(
        receiver
          .metrics()
          .concat(secondary.metrics())
          .map((m) => m.metric.name),
      ),
    };
    const problems = [];
    // The distribution ends by the signal after its flush, as a process without a handler would.
    if (code !== 0 && signal !== 'SIGTERM') problems.push(`exit code ${code}, signal ${signal}`);
    if (got.events < 5) problems.push(`${got.events} ${expect.eventName} records (expected 5)`);
    if (expect.routes && got.routes < 5) problems.push(`${got.routes} records with http.route /users/:id`);
    if (got.spans < 1) problems.push('no spans');
    if (!got.metrics.has(expect.metric)) problems.push(`no ${expect.metric} metric`);
    if (expect.crcAddon !== undefined && addonLoaded !== undefined && addonLoaded !== expect.crcAddon)
      problems.push(
        `the @node-rs/crc32 addon ${addonLoaded ? 'loaded' : 'not loaded'} (expected the opposite)`,
      );
    if (expect.encoding && [...encodings].join() !== expect.encoding)
      problems.push(`exports encoded ${[...encodings].join(', ')} (expected only ${expect.encoding})`);
    if (problems.length > 0) throw new Error(`${name}: ${problems.join('; ')}\n${app.output()}`);
    step(`ok   ${name}: ${got.events} events, ${got.spans} spans, ${got.metrics.size} metrics`);
  } finally {
    await receiver.close();
    await secondary.close();
  }
}

/** The exporter README's NodeSDK snippet, exactly as printed (the block after its marker). */
function readmeSnippet() {
  const readme = readFileSync(join(root, 'packages/exporter/README.md'), 'utf8');
  const match = /<!-- compat: nodesdk-snippet -->\n```js\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error('packages/exporter/README.md: no block after <!-- compat: nodesdk-snippet -->');
  return match[1];
}

async function main() {
  step(`working in ${work}`);
  const [tarballs, node20, node22, node24] = await Promise.all([
    packTarballs(),
    nodeBinary(20),
    nodeBinary(22),
    nodeBinary(24),
  ]);
  step(`packed ${Object.keys(tarballs).join(', ')}; ${node20.version}, ${node22.version}, ${node24.version}`);
  const projects = {};
  for (const line of [2, 3])
    for (const tool of ['npm', 'pnpm']) {
      projects[`${line}-${tool}`] = await installProject(line, tool, tarballs);
      step(
        `installed OTel JS ${line}.x and the tarballs with ${tool}${line === 3 ? ' (sdk-node@latest)' : ''}`,
      );
    }
  projects['3-npm-no-optional'] = await installProject(3, 'npm', tarballs, true);
  step('installed OTel JS 3.x and the tarballs with npm --omit=optional');
  const snippet = readmeSnippet();
  for (const dir of Object.values(projects)) writeFileSync(join(dir, 'readme-snippet.mjs'), snippet);

  // Every app here runs a durable queue, which frames with the optional CRC addon when installed.
  const sdkApp = { eventName: 'lifeline.api.access', metric: 'http.server.request.duration', crcAddon: true };
  const snippetApp = { eventName: 'compat.request', metric: 'compat.requests', crcAddon: true };
  const distribution = { ...sdkApp, routes: true };
  const register = ['--import', '@otel-lifeline/node/register'];
  for (const tool of ['npm', 'pnpm']) {
    const two = projects[`2-${tool}`];
    const three = projects[`3-${tool}`];
    await check(
      `Node 20, OTel 2.x, ${tool}: own NodeSDK`,
      node20,
      two,
      ['sdk-app.mjs'],
      { OTEL_LINE: '2' },
      sdkApp,
    );
    await check(
      `Node 20, OTel 2.x, ${tool}: README NodeSDK snippet`,
      node20,
      two,
      ['--import', './readme-snippet.mjs', 'snippet-app.mjs'],
      { OTEL_LINE: '2' },
      snippetApp,
    );
    for (const node of [node22, node24]) {
      const on = `Node ${node.major}, OTel 3.x, ${tool}`;
      await check(`${on}: own NodeSDK`, node, three, ['sdk-app.mjs'], { OTEL_LINE: '3' }, sdkApp);
      await check(
        `${on}: README NodeSDK snippet`,
        node,
        three,
        ['--import', './readme-snippet.mjs', 'snippet-app.mjs'],
        { OTEL_LINE: '3' },
        snippetApp,
      );
      for (const app of ['express-app.mjs', 'express-app.cjs'])
        await check(
          `${on}: --import register, Express ${app.endsWith('cjs') ? 'CJS' : 'ESM'}`,
          node,
          three,
          [...register, app],
          { OTEL_SERVICE_NAME: 'compat', OTEL_METRIC_EXPORT_INTERVAL: '1000' },
          distribution,
        );
      // The zstd option (Node 22.15 and later): stored and sent as zstd, read by the receiver.
      if (tool === 'npm')
        await check(
          `${on}: --import register, Express ESM, compression zstd`,
          node,
          three,
          [...register, 'express-app.mjs'],
          {
            OTEL_SERVICE_NAME: 'compat',
            OTEL_METRIC_EXPORT_INTERVAL: '1000',
            OTEL_EXPORTER_OTLP_COMPRESSION: 'zstd',
          },
          { ...distribution, encoding: 'zstd' },
        );
    }
  }
  // Without the optional CRC addon the queue checksums with zlib: the same bytes, the same delivery.
  await check(
    `Node 24, OTel 3.x, npm --omit=optional: --import register, Express ESM`,
    node24,
    projects['3-npm-no-optional'],
    [...register, 'express-app.mjs'],
    { OTEL_SERVICE_NAME: 'compat', OTEL_METRIC_EXPORT_INTERVAL: '1000' },
    { ...distribution, crcAddon: false },
  );
  step('all passed');
}

try {
  await main();
  rmSync(work, { recursive: true, force: true });
} catch (error) {
  console.error(error instanceof Error ? error.message : error);
  console.error(`[compat] FAILED; the folders are kept in ${work}`);
  process.exitCode = 1;
}
