// Bundles what the register entry starts (dist/start.js and the SDK, exporter, queue and codec it
// loads) into one module, dist/bundle/start.js, so that `node --import @otel-lifeline/node/register`
// reads one file instead of about 400. Loading ~400 small ES modules cost about 100 ms before the
// app's first line, most of it resolving, reading and linking files (bench/lifecycle.js).
//
// Left outside the bundle, loaded from node_modules as before:
//   @opentelemetry/api      one global API per process, whose registrations the app's copy must
//                           accept (it refuses a registering copy older than itself)
//   import-in-the-middle    its loader hook imports its own files by path; the module hooks must
//                           meet the same copy (a dependency of this package for that reason)
//   @node-rs/crc32          the disk queue's optional CRC-32 addon, a native module: loaded by
//                           createRequire (which esbuild leaves alone) from this package's
//                           node_modules (an optional dependency of this package for that reason)
// Inside: this package's start and the SDK, exporter, queue, codec, API instrumentation,
// @opentelemetry/instrumentation with require-in-the-middle, instrumentation-http, and the YAML
// parser (evaluated only when a YAML file is given). Where a second copy of one of them may run
// beside the bundle's (the app's own @otel-lifeline/instrumentation-api; `start()` imported from
// '@otel-lifeline/node', which keeps loading the unbundled modules), what they share lives under a
// registered symbol.
//
// The same script bundles the `lifeline` command (dist/cli/run-cli.js and everything it loads, the
// API included: the command is a process of its own and shares no globals with an app) into
// dist/bundle/cli.js, which bin/lifeline.js loads. The command read about 240 files before its first
// step, some 70 ms of every `lifeline queue drain` or `lifeline queue stat`.
//
// Run by `pnpm build` (after tsc), before the tests (vitest's global setup) and before packing.
// Usage: node scripts/bundle-register.mjs
import { readFileSync, rmSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { createRequire, isBuiltin } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const packageDir = fileURLToPath(new URL('..', import.meta.url));

export const EXTERNAL = ['@opentelemetry/api', 'import-in-the-middle'];
/**
 * Built-in modules through require(): an `import` of a built-in makes Node build its ES-module
 * namespace, reading every export, and reading `node:http`'s lazy ones loads undici (about 10 ms)
 * although nothing here uses it.
 */
const builtinsByRequire = {
  name: 'builtins-by-require',
  setup(build) {
    build.onResolve({ filter: /^[a-z_:/]+$/ }, (args) =>
      args.kind === 'import-statement' && isBuiltin(args.path)
        ? { path: args.path, namespace: 'builtin' }
        : undefined,
    );
    build.onLoad({ filter: /.*/, namespace: 'builtin' }, (args) => ({
      contents: `module.exports = require(${JSON.stringify(args.path)});`,
      loader: 'js',
    }));
  },
};

/**
 * The YAML parser inside the bundle: read-config-file's lazy `createRequire(import.meta.url)('yaml')`
 * becomes a plain require() the bundler follows, so the parser is bundled and still evaluated only
 * when a file is read (loading the package's files instead cost about 15 ms).
 */
const yamlInside = {
  name: 'yaml-inside',
  setup(build) {
    build.onLoad({ filter: /[\\/]dist[\\/]config[\\/]read-config-file\.js$/ }, async (args) => {
      const source = await readFile(args.path, 'utf8');
      const lazy = "createRequire(import.meta.url)('yaml')";
      if (!source.includes(lazy)) throw new Error(`${args.path}: expected ${lazy} to bundle the YAML parser`);
      return { contents: source.replace(lazy, "require('yaml')"), loader: 'js' };
    });
  },
};

/**
 * The version of @opentelemetry/api this package resolves (the copy the register entry would share
 * with the app).
 */
export function installedApiVersion(from = join(packageDir, 'package.json')) {
  let dir = dirname(createRequire(from).resolve('@opentelemetry/api'));
  for (let up = 0; up < 4; up++, dir = dirname(dir)) {
    try {
      const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
      if (manifest.name === '@opentelemetry/api') return manifest.version;
    } catch {
      // not the package's folder yet
    }
  }
  throw new Error('@opentelemetry/api: package.json not found');
}

function options(outfile, external, entry = 'dist/start.js') {
  return {
    absWorkingDir: packageDir,
    entryPoints: [entry],
    // Two folders deep like every other dist module, so `new URL('../../package.json',
    // import.meta.url)` and the like still find the package's own files.
    outfile,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external,
    // Tells the loader hook that it runs inside the bundle (import-in-the-middle from its place).
    define: { LIFELINE_BUNDLE: 'true' },
    plugins: [builtinsByRequire, yamlInside],
    // CommonJS dependencies inside the bundle call require() (built-ins only, the rest is bundled).
    banner: {
      js: "import { createRequire as lifelineCreateRequire } from 'node:module';\nconst require = lifelineCreateRequire(import.meta.url);",
    },
    legalComments: 'eof',
    logLevel: 'warning',
    metafile: true,
  };
}

/**
 * Writes three bundles into a fresh dist/bundle/:
 *   start.js               the OpenTelemetry API loaded from node_modules
 *   start-api-<version>.js the API inside too (about 13 ms less: its ~50 files), used only when the
 *                          installed API is exactly that version, so the globals it registers carry
 *                          the version the app's own copy expects (register.ts chooses)
 *   cli.js                 the `lifeline` command, everything inside (bin/lifeline.js)
 */
export async function bundleRegister() {
  const dir = join(packageDir, 'dist/bundle');
  rmSync(dir, { recursive: true, force: true });
  const version = installedApiVersion();
  const shared = await build(options('dist/bundle/start.js', EXTERNAL));
  await build(
    options(
      `dist/bundle/start-api-${version}.js`,
      EXTERNAL.filter((e) => e !== '@opentelemetry/api'),
    ),
  );
  await build(options('dist/bundle/cli.js', [], 'dist/cli/run-cli.js'));
  return shared.metafile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bundleRegister();
}
