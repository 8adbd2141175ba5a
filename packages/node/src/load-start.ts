import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import type * as StartModule from './start.js';

/**
 * The start module for the register entry, fastest first (scripts/bundle-register.mjs builds them):
 *
 *   bundle/start-api-<v>.js  everything, the OpenTelemetry API included, when the installed API
 *                            is exactly version <v>: the globals it registers then carry the
 *                            version the app's own copy of the API accepts
 *   bundle/start.js          everything but the API, which is loaded from node_modules
 *   start.js                 the modules unbundled (a checkout where only tsc ran)
 *
 * A missing file falls through to the next; any other error is the caller's to report.
 */
export function loadStart(): typeof StartModule {
  const require = createRequire(import.meta.url);
  const candidates = ['./bundle/start.js', './start.js'];
  const api = installedApiVersion(require);
  if (api !== undefined) candidates.unshift(`./bundle/start-api-${api}.js`);
  for (const [i, file] of candidates.entries()) {
    try {
      return require(file) as typeof StartModule;
    } catch (error) {
      const missing =
        (error as NodeJS.ErrnoException).code === 'MODULE_NOT_FOUND' &&
        (error as Error).message.includes(file.slice(2));
      if (!missing || i === candidates.length - 1) throw error;
    }
  }
  throw new Error('unreachable');
}

/** The version of the @opentelemetry/api this package resolves, or undefined when unknown. */
function installedApiVersion(require: NodeJS.Require): string | undefined {
  try {
    let dir = dirname(require.resolve('@opentelemetry/api'));
    for (let up = 0; up < 4; up++, dir = dirname(dir)) {
      try {
        const manifest = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as {
          name?: string;
          version?: string;
        };
        if (manifest.name === '@opentelemetry/api') return manifest.version;
      } catch {
        // not the package's folder yet
      }
    }
  } catch {
    // not resolvable: the bundle without the API reports it when it loads
  }
  return undefined;
}
