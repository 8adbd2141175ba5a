import {
  cpSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  realpathSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { installedApiVersion } from '../scripts/bundle-register.mjs';
import { closedPort, packageDir, runNode } from './child-process.js';

// The register entry as `node --import` runs it: what it loads before the app's first line, and
// what it does when telemetry is switched off. Each app records every module Node loaded until its
// first line (a module.registerHooks load hook, installed by an --import before the register entry).
const work = mkdtempSync(join(tmpdir(), 'lifeline-register-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const register = join(packageDir, 'dist/register.js');
const tracer = join(work, 'trace-loads.mjs');
writeFileSync(
  tracer,
  `import { registerHooks } from 'node:module';
globalThis.loadedUrls = [];
registerHooks({ load(url, context, next) { globalThis.loadedUrls.push(url); return next(url, context); } });
`,
);
const firstLineApp = join(work, 'first-line.mjs');
writeFileSync(
  firstLineApp,
  `import { writeFileSync } from 'node:fs';
writeFileSync(process.env.LOADED_OUT, JSON.stringify(globalThis.loadedUrls));
process.exit(0);
`,
);

async function loadedBeforeFirstLine(env: Record<string, string>, entry = register) {
  const out = join(work, `loaded-${Math.random().toString(36).slice(2)}.json`);
  const run = await runNode(['--import', tracer, '--import', entry, firstLineApp], {
    env: { LOADED_OUT: out, ...env },
  });
  expect(run.code, run.stderr).toBe(0);
  const urls = (JSON.parse(readFileSync(out, 'utf8')) as string[]).filter((u) => u.startsWith('file:'));
  return { urls: urls.map((u) => fileURLToPath(u)), stderr: run.stderr };
}

/** The package a file under node_modules belongs to (`@scope/name` or `name`), else undefined. */
function packageOf(file: string): string | undefined {
  const match = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(file);
  return match?.[1];
}

const apiVersion = installedApiVersion();
const bundle = join(packageDir, `dist/bundle/start-api-${apiVersion}.js`);

describe('the register entry', () => {
  it('starts from its bundle: of node_modules it reads only import-in-the-middle and the CRC addon (the API of the installed version is inside)', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const { urls, stderr } = await loadedBeforeFirstLine({
      OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
      LIFELINE_QUEUE_DIR: join(work, 'queue'),
      OTEL_LOG_LEVEL: 'info',
    });
    expect(stderr).toContain('[lifeline] started:');
    const packages = new Set(urls.map(packageOf).filter((p) => p !== undefined));
    expect(packages).toContain('import-in-the-middle');
    // import-in-the-middle's synchronous loader hook brings its two lexers and one helper.
    const allowed = [
      'import-in-the-middle',
      'cjs-module-lexer',
      'es-module-lexer',
      'module-details-from-path',
    ];
    // The disk queue's optional CRC-32 addon, a native module that cannot be bundled: its loader
    // and the prebuilt binary's package for this platform.
    expect(packages).toContain('@node-rs/crc32');
    const addon = (p: string): boolean => p === '@node-rs/crc32' || p.startsWith('@node-rs/crc32-');
    expect([...packages].filter((p) => !allowed.includes(p) && !addon(p))).toEqual([]);
    // Nothing of the workspace's other packages is read file by file.
    expect(urls.filter((u) => u.includes('/packages/') && !u.startsWith(join(packageDir, 'dist')))).toEqual(
      [],
    );
    expect(urls.filter((u) => u.startsWith(join(packageDir, 'dist')))).toEqual(
      ['register.js', 'compile-cache.js', 'disabled-by-environment.js', 'load-start.js']
        .map((f) => join(packageDir, 'dist', f))
        .concat(bundle),
    );
  });

  it('starts from the bundle without the API when the installed API is another version, and loads that one', async () => {
    // An installation outside the workspace: the package's files, an @opentelemetry/api whose
    // version differs from the bundled one, and import-in-the-middle.
    const modules = join(work, 'install/node_modules');
    const installed = join(modules, '@otel-lifeline/node');
    for (const f of [
      'package.json',
      'dist/register.js',
      'dist/compile-cache.js',
      'dist/disabled-by-environment.js',
      'dist/load-start.js',
      'dist/bundle/start.js',
    ])
      cpSync(join(packageDir, f), join(installed, f));
    const api = join(modules, '@opentelemetry/api');
    cpSync(realpathSync(join(packageDir, 'node_modules/@opentelemetry/api')), api, { recursive: true });
    const manifest = JSON.parse(readFileSync(join(api, 'package.json'), 'utf8')) as { version: string };
    writeFileSync(
      join(api, 'package.json'),
      JSON.stringify({ ...manifest, version: `${manifest.version}-other` }),
    );
    mkdirSync(modules, { recursive: true });
    symlinkSync(
      realpathSync(join(packageDir, 'node_modules/import-in-the-middle')),
      join(modules, 'import-in-the-middle'),
    );

    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const { urls, stderr } = await loadedBeforeFirstLine(
      {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        LIFELINE_QUEUE_DIR: join(work, 'queue-other'),
        OTEL_LOG_LEVEL: 'info',
      },
      join(installed, 'dist/register.js'),
    );
    expect(stderr).toContain('[lifeline] started:');
    expect(urls).toContain(join(installed, 'dist/bundle/start.js'));
    expect(urls.some((u) => u.startsWith(api))).toBe(true);
  });

  it('returns before loading anything of the SDK when OTEL_SDK_DISABLED is true, and says so at the info level', async () => {
    const info = await loadedBeforeFirstLine({ OTEL_SDK_DISABLED: 'TRUE', OTEL_LOG_LEVEL: 'info' });
    expect(info.urls).not.toContain(bundle);
    expect(info.urls.filter((u) => packageOf(u) !== undefined)).toEqual([]);
    expect(info.stderr).toBe('[lifeline] telemetry is off: OTEL_SDK_DISABLED is true\n');
    const quiet = await loadedBeforeFirstLine({ OTEL_SDK_DISABLED: 'true', OTEL_LOG_LEVEL: 'warn' });
    expect(quiet.urls).not.toContain(bundle);
    expect(quiet.stderr).toBe('');
  });

  it('leaves OTEL_SDK_DISABLED to the configuration file when one is named: the file is the source of truth', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const file = join(work, 'lifeline.yaml');
    writeFileSync(
      file,
      `endpoints:\n  primary:\n    url: ${endpoint}\nqueue:\n  directory: ${join(work, 'queue-file')}\n`,
    );
    const { urls, stderr } = await loadedBeforeFirstLine({
      OTEL_SDK_DISABLED: 'true',
      LIFELINE_CONFIG_FILE: file,
    });
    expect(urls).toContain(bundle);
    expect(stderr).toContain('these variables are ignored: OTEL_SDK_DISABLED');
    expect(stderr).toContain('[lifeline] started:');
  });

  it('hands the running instance to start() imported from the package: one instance per process', async () => {
    const endpoint = `http://127.0.0.1:${await closedPort()}`;
    const app = join(work, 'start-again.mjs');
    writeFileSync(
      app,
      `import { start } from ${JSON.stringify(pathToFileURL(join(packageDir, 'dist/index.js')).href)};
const lifeline = start();
console.log(JSON.stringify({ enabled: lifeline.enabled, source: lifeline.config.source }));
await lifeline.shutdown();
`,
    );
    const run = await runNode(['--import', register, app], {
      env: {
        OTEL_EXPORTER_OTLP_ENDPOINT: endpoint,
        LIFELINE_QUEUE_DIR: join(work, 'queue-again'),
        LIFELINE_SHUTDOWN_TIMEOUT: '200ms',
        OTEL_LOG_LEVEL: 'warn',
      },
    });
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ enabled: true, source: 'environment' });
    expect(run.stderr).toContain('start() was called again; the running instance is kept');
  });
});
