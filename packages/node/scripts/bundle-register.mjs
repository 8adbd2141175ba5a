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
// Inside: this package's start and the SDK, exporter, queue, codec, API instrumentation,
// @opentelemetry/instrumentation with require-in-the-middle, instrumentation-http, and the YAML
// parser (evaluated only when a YAML file is given). Where a second copy of one of them may run
// beside the bundle's (the app's own @otel-lifeline/instrumentation-api; `start()` imported from
// '@otel-lifeline/node', which keeps loading the unbundled modules), what they share lives under a
// registered symbol.
//
// Run by `pnpm build` (after tsc), before the tests (vitest's global setup) and before packing.
// Usage: node scripts/bundle-register.mjs
import { readFile } from 'node:fs/promises';
import { isBuiltin } from 'node:module';
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

export async function bundleRegister() {
  const result = await build({
    absWorkingDir: packageDir,
    entryPoints: ['dist/start.js'],
    // Two folders deep like every other dist module, so `new URL('../../package.json',
    // import.meta.url)` and the like still find the package's own files.
    outfile: 'dist/bundle/start.js',
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    external: EXTERNAL,
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
  });
  return result.metafile;
}

if (import.meta.url === `file://${process.argv[1]}`) {
  await bundleRegister();
}
